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

  # The permissions on the workspaces folder (main.tf), each with the rendered resource that
  # needs it, granted as one custom role in place of folderAdmin and projectCreator (folderAdmin
  # could also move and delete folders). Granted on that folder, not on the organization: every
  # folder and project the builds make is under it (render configuration parentFolder), and the
  # seed and hub projects are not, so nothing granted there reaches them.
  # The projects the builds create are theirs: the creator of a project holds roles/owner on it,
  # which covers everything inside (project IAM and audit configs, services, default service
  # accounts, buckets, topics, secrets, keys, Cloud Run, AlloyDB).
  workspaces_folder_permissions = {
    # The units' folders in the workspaces folder and the environments' under them (folder
    # module), renamed when a display name changes; never moved, and protected from deletion.
    "resourcemanager.folders.create" = "google_folder"
    "resourcemanager.folders.get"    = "google_folder"
    "resourcemanager.folders.update" = "google_folder"
    # The folders' grants (folder module), and the organization's people roles, which the
    # organization workspace grants on the workspaces folder (render-organization.ts): the
    # provider reads a folder's allow policy and writes it back with the binding.
    "resourcemanager.folders.getIamPolicy" = "google_folder_iam_member"
    "resourcemanager.folders.setIamPolicy" = "google_folder_iam_member"
    # The workspaces' projects, in their environments' folders (project module).
    "resourcemanager.projects.create" = "google_project"
  }

  # The organization-level permissions: Shared VPC alone, which Google Cloud checks on the
  # organization (or a folder holding both projects; the hub is outside the workspaces folder).
  # The hub project as Shared VPC host (network-hub module), and each project attached to it
  # (project module). Neither is ever detached by the builds. Nothing here changes IAM.
  organization_permissions = {
    "compute.organizations.enableXpnHost"     = "google_compute_shared_vpc_host_project"
    "compute.organizations.enableXpnResource" = "google_compute_shared_vpc_service_project"
  }

  # The only roles the build identity may grant or revoke on the workspaces folder and the
  # folders under it (google_folder_iam_member): those the organization workspace renders there,
  # the people roles of shared/core/governance/iam-roles.ts (a test holds the two equal). None
  # changes IAM, acts as a service account or reads a secret.
  organization_grantable_roles = [
    "roles/alloydb.admin",
    "roles/alloydb.viewer",
    "roles/browser",
    "roles/cloudbuild.builds.viewer",
    "roles/iam.securityReviewer",
    "roles/logging.viewer",
    "roles/monitoring.editor",
    "roles/monitoring.viewer",
    "roles/pubsub.editor",
    "roles/pubsub.viewer",
    "roles/run.developer",
    "roles/run.viewer",
    "roles/secretmanager.secretVersionAdder",
    "roles/secretmanager.viewer",
    "roles/storage.bucketViewer",
    "roles/storage.objectAdmin",
    "roles/storage.objectUser",
  ]

  # What the build identity may never do to the seed project, whatever it is granted on the
  # organization or the seed's folder: deny overrides allow. Its IAM, its service accounts'
  # (and acting as them), its secrets' (and reading or replacing them: the App key and the
  # webhook secret), its buckets'.
  seed_denied_permissions = [
    "cloudresourcemanager.googleapis.com/projects.setIamPolicy",
    "iam.googleapis.com/serviceAccounts.setIamPolicy",
    "iam.googleapis.com/serviceAccountKeys.create",
    "iam.googleapis.com/serviceAccounts.getAccessToken",
    "iam.googleapis.com/serviceAccounts.getOpenIdToken",
    "iam.googleapis.com/serviceAccounts.signBlob",
    "iam.googleapis.com/serviceAccounts.signJwt",
    "secretmanager.googleapis.com/secrets.setIamPolicy",
    "secretmanager.googleapis.com/versions.access",
    "secretmanager.googleapis.com/versions.add",
    "storage.googleapis.com/buckets.setIamPolicy",
  ]

  # Roles on the hub project, for the network-hub module.
  hub_roles = {
    # google_compute_network, _subnetwork, _router, _router_nat, _route, _global_address (the
    # databases' range).
    "roles/compute.networkAdmin" = "hub network"
    # google_dns_managed_zone and google_dns_record_set (private DNS for Google APIs).
    "roles/dns.admin" = "private DNS"
    # google_service_networking_connection (the databases' peering).
    "roles/servicenetworking.networksAdmin" = "databases peering"
    # google_compute_firewall of the hub network.
    "roles/compute.securityAdmin" = "hub firewall"
    # google_network_security_gateway_security_policy and its rules (the egress allowlist).
    "roles/networksecurity.admin" = "egress policy"
    # google_network_services_gateway (the Secure Web Proxy).
    "roles/networkservices.admin" = "egress proxy"
  }
}

# The workspaces folder's role. Its id predates the Shared VPC role below, when it was granted on
# the organization; keeping it keeps the deployed role.
resource "google_organization_iam_custom_role" "cloud_build" {
  org_id      = var.organization_id
  role_id     = "infrastreamWorkspaceBuilds"
  title       = "Infrastream workspace builds"
  description = "What the workspace builds do in the workspaces folder; each permission's rendered resource is in infra/bootstrap/build-identity.tf."
  permissions = sort(keys(local.workspaces_folder_permissions))
  stage       = "GA"
}

resource "google_organization_iam_custom_role" "cloud_build_shared_vpc" {
  org_id      = var.organization_id
  role_id     = "infrastreamSharedVpc"
  title       = "Infrastream Shared VPC"
  description = "Makes the hub a Shared VPC host and attaches the workspaces' projects to it; see infra/bootstrap/build-identity.tf."
  permissions = sort(keys(local.organization_permissions))
  stage       = "GA"
}

# google_folder, google_folder_iam_member and google_project: the custom role above, on the
# workspaces folder only. The condition limits what its setIamPolicy may change, on that folder
# and every folder under it, to grants of the people roles; the other permissions change no
# grant, so it holds for them (an absent attribute is the empty list).
resource "google_folder_iam_member" "cloud_build" {
  folder = google_folder.workspaces.name
  role   = google_organization_iam_custom_role.cloud_build.name
  member = local.build_member

  condition {
    title       = "infrastream-people-roles-only"
    description = "Grants and revokes on the workspaces folder and its folders only the roles the organization workspace renders there."
    expression  = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${join(", ", [for role in local.organization_grantable_roles : "'${role}'"])}])"
  }
}

# google_compute_shared_vpc_host_project and google_compute_shared_vpc_service_project: the
# build identity's one organization-level grant, which changes no IAM.
resource "google_organization_iam_member" "cloud_build" {
  org_id = var.organization_id
  role   = google_organization_iam_custom_role.cloud_build_shared_vpc.name
  member = local.build_member
}

# Behind the grants above, which do not reach the seed project: attached to it, it holds for the
# project and everything in it (infra/'s functions and their identities, the GitHub App key, the
# buckets) whatever the build identity holds on the organization or on the seed's folder, by a
# grant made later by hand included, since deny overrides allow.
resource "google_iam_deny_policy" "seed" {
  parent       = urlencode("cloudresourcemanager.googleapis.com/projects/${google_project.seed.project_id}")
  name         = "infrastream-seed"
  display_name = "Infrastream: the workspace builds never reach the seed project"

  rules {
    description = "The build identity changes no IAM on the seed project, its service accounts, secrets or buckets, acts as none of its service accounts, and reads or adds no secret version."

    deny_rule {
      denied_principals  = ["principal://iam.googleapis.com/projects/-/serviceAccounts/${google_service_account.cloud_build.email}"]
      denied_permissions = local.seed_denied_permissions
    }
  }
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

# The drift sweep's refresh-only builds never run as the build identity above: they run as the
# read-only identity of drift-identity.tf.
