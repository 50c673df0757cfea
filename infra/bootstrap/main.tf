locals {
  # Enabled first: Pub/Sub must exist before cloud-builds is created, and Cloud Build must not.
  foundation_apis = toset([
    "cloudresourcemanager.googleapis.com",
    "serviceusage.googleapis.com",
    "pubsub.googleapis.com",
  ])

  # Everything else the seed project serves. The pipeline's own (infra/): functions, their
  # images and builds, Firestore, secrets, identities. The workspaces' (the build identity's
  # calls are counted against its own project): folders, projects and billing, organization
  # policies, and each service the terraform-modules/ manage.
  apis = toset([
    # infra/
    "artifactregistry.googleapis.com",
    "cloudasset.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    # the workspaces' Terraform
    "alloydb.googleapis.com",
    "certificatemanager.googleapis.com",
    "cloudbilling.googleapis.com",
    "cloudkms.googleapis.com",
    "compute.googleapis.com",
    "dns.googleapis.com",
    "iap.googleapis.com",
    "networksecurity.googleapis.com",
    "networkservices.googleapis.com",
    "orgpolicy.googleapis.com",
    "servicenetworking.googleapis.com",
  ])

  # The hub project holds the hub network, its private DNS zones, the databases' peering, its
  # proxy and its certificates (network-hub module).
  hub_apis = toset([
    "certificatemanager.googleapis.com",
    "compute.googleapis.com",
    "dns.googleapis.com",
    "networksecurity.googleapis.com",
    "networkservices.googleapis.com",
    "servicenetworking.googleapis.com",
  ])
}

resource "google_project" "seed" {
  project_id      = var.project
  name            = var.project
  org_id          = var.parent_folder == null ? var.organization_id : null
  folder_id       = var.parent_folder
  billing_account = var.billing_account
  labels          = var.labels
  # No default network: nothing of Infrastream runs on a VPC.
  auto_create_network = false
  deletion_policy     = "PREVENT"
}

resource "google_project" "hub" {
  project_id          = var.hub_project
  name                = var.hub_project
  org_id              = var.parent_folder == null ? var.organization_id : null
  folder_id           = var.parent_folder
  billing_account     = var.billing_account
  labels              = var.labels
  auto_create_network = false
  deletion_policy     = "PREVENT"
}

# Every folder and project the workspace builds make is made in this folder (the render
# configuration's parentFolder), and the grants that let the build identity make them are on it
# (build-identity.tf). The seed and hub projects are outside it, so nothing granted on it or
# under it reaches them.
resource "google_folder" "workspaces" {
  display_name        = var.workspaces_folder_name
  parent              = "organizations/${var.organization_id}"
  deletion_protection = true
}

resource "google_project_service" "foundation" {
  for_each = local.foundation_apis

  project            = google_project.seed.project_id
  service            = each.value
  disable_on_destroy = false
}

# Cloud Build publishes every build's status here and creates the topic itself, with no storage
# policy, when it finds none; creating it before Cloud Build is enabled means it never does.
# infra/ reads it (a data source) and subscribes build-status to it.
resource "google_pubsub_topic" "cloud_builds" {
  project                    = google_project.seed.project_id
  name                       = "cloud-builds"
  labels                     = var.labels
  message_retention_duration = "604800s"

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  depends_on = [google_project_service.foundation]
}

resource "google_project_service" "seed" {
  for_each = local.apis

  project            = google_project.seed.project_id
  service            = each.value
  disable_on_destroy = false

  # Enabling Cloud Functions enables Cloud Build with it.
  depends_on = [google_pubsub_topic.cloud_builds]
}

resource "google_project_service" "hub" {
  for_each = local.hub_apis

  project            = google_project.hub.project_id
  service            = each.value
  disable_on_destroy = false
}

# GitHub delivers webhooks without Google credentials, so infra/ grants the ingest function's
# invoker role to allUsers, which domain-restricted sharing refuses. The override is scoped to
# the seed project, which holds nothing but Infrastream; infra/'s tests keep allUsers to that
# one grant. The alternative, when this override is not acceptable, is in docs/deploy.md.
resource "google_org_policy_policy" "public_ingest" {
  count = var.allow_public_ingest ? 1 : 0

  name   = "projects/${google_project.seed.project_id}/policies/iam.allowedPolicyMemberDomains"
  parent = "projects/${google_project.seed.project_id}"

  spec {
    rules {
      allow_all = "TRUE"
    }
  }

  depends_on = [google_project_service.seed]
}
