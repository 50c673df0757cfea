# The identity the workspace builds run as: Cloud Build runs the rendered Terraform
# (terraform-modules/) as it. Created here, not in infra/, because its grants are on the
# organization and the billing account, which only the operator applying this root may give;
# infra/ reads it and lets the builds function act as it. Each grant names what needs it.
resource "google_service_account" "cloud_build" {
  project      = google_project.seed.project_id
  account_id   = "infrastream-cloud-build"
  display_name = "Infrastream workspace builds"
  description  = "Runs the workspaces' Terraform in Cloud Build; its roles are in infra/bootstrap/build-identity.tf."

  depends_on = [google_project_service.seed]
}

locals {
  build_member = "serviceAccount:${google_service_account.cloud_build.email}"

  # Organization-level roles. The projects the builds create are theirs: the creator of a project
  # holds roles/owner on it, which covers everything inside (project IAM and audit configs,
  # services, default service accounts, buckets, topics, secrets, keys, Cloud Run, AlloyDB).
  organization_roles = {
    # google_folder and google_folder_iam_member (folder module): create the folders and grant on them.
    "roles/resourcemanager.folderAdmin" = "folder"
    # google_project (project module): create the workspaces' projects under their folders.
    "roles/resourcemanager.projectCreator" = "project"
    # google_organization_iam_member (render-organization.ts): the organization-level bindings
    # the manifests declare.
    "roles/iam.securityAdmin" = "organization IAM"
    # google_compute_shared_vpc_host_project (network-hub) and google_compute_shared_vpc_service_project
    # (project): attach each project to the hub's Shared VPC.
    "roles/compute.xpnAdmin" = "Shared VPC"
  }

  # Roles on the hub project, for the network-hub module.
  hub_roles = {
    # google_compute_network, _subnetwork, _router, _router_nat, _route.
    "roles/compute.networkAdmin" = "hub network"
    # google_compute_firewall of the hub network.
    "roles/compute.securityAdmin" = "hub firewall"
    # google_network_security_gateway_security_policy and its rules (the egress allowlist).
    "roles/networksecurity.admin" = "egress policy"
    # google_network_services_gateway (the Secure Web Proxy).
    "roles/networkservices.admin" = "egress proxy"
  }
}

resource "google_organization_iam_member" "cloud_build" {
  for_each = local.organization_roles

  org_id = var.organization_id
  role   = each.key
  member = local.build_member
}

# google_project (project module) links each new project to the billing account.
resource "google_billing_account_iam_member" "cloud_build_billing_user" {
  billing_account_id = var.billing_account
  role               = "roles/billing.user"
  member             = local.build_member
}

resource "google_project_iam_member" "cloud_build_hub" {
  for_each = local.hub_roles

  project = google_project.hub.project_id
  role    = each.key
  member  = local.build_member
}

# terraform init/plan/apply read, write and lock each workspace's state (backend "gcs").
resource "google_storage_bucket_iam_member" "cloud_build_workspaces_state" {
  bucket = google_storage_bucket.this["workspaces_state"].name
  role   = "roles/storage.objectUser"
  member = local.build_member
}

# Cloud Build pulls a build's step images as the build's service account.
resource "google_artifact_registry_repository_iam_member" "cloud_build_builder_reader" {
  project    = google_artifact_registry_repository.builder.project
  location   = google_artifact_registry_repository.builder.location
  repository = google_artifact_registry_repository.builder.name
  role       = "roles/artifactregistry.reader"
  member     = local.build_member
}

# The drift stage's read-only identity and its schedule are configured with that stage, apart
# from this file: the build identity above is never the one that reads for drift.
