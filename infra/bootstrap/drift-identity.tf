# The read-only identity the drift sweep's refresh-only builds run as (terraform plan
# -refresh-only -lock=false, never apply): it reads what the workspaces manage and their state,
# and writes nothing anywhere. Created here, with the build identity, because what it reads is
# granted on the organization; infra/ lets the drift function start Cloud Builds as it.
resource "google_service_account" "drift" {
  project      = google_project.seed.project_id
  account_id   = "infrastream-drift-builds"
  display_name = "Infrastream drift builds (read-only)"
  description  = "Runs the drift sweep's refresh-only plans in Cloud Build; read-only, its roles are in infra/bootstrap/drift-identity.tf."

  depends_on = [google_project_service.seed]
}

locals {
  drift_member = "serviceAccount:${google_service_account.drift.email}"

  # The viewer-level roles a refresh needs, on the organization so that they reach every folder
  # and project the workspaces create; each reads, none writes, none is a basic role. What
  # terraform refreshes with each (the hub's Secure Web Proxy and its policy have no viewer
  # role: the hub workspace's refresh fails on them and is reported unread):
  drift_organization_roles = {
    "roles/browser"                         = "google_folder, google_project"
    "roles/iam.securityReviewer"            = "google_organization_iam_member, google_folder_iam_member, google_project_iam_member and every *_iam_member"
    "roles/serviceusage.serviceUsageViewer" = "google_project_service"
    "roles/compute.viewer"                  = "google_compute_network, google_compute_firewall, google_compute_address and the load balancers"
    "roles/run.viewer"                      = "google_cloud_run_v2_service"
    "roles/pubsub.viewer"                   = "google_pubsub_topic, google_pubsub_subscription"
    "roles/secretmanager.viewer"            = "google_secret_manager_secret (metadata, never a version's value)"
    "roles/alloydb.viewer"                  = "google_alloydb_cluster, google_alloydb_instance"
    "roles/storage.bucketViewer"            = "google_storage_bucket (metadata, never an object)"
    "roles/logging.viewer"                  = "google_logging_project_sink, google_logging_project_bucket_config"
    "roles/cloudkms.viewer"                 = "google_kms_key_ring, google_kms_crypto_key"
    "roles/orgpolicy.policyViewer"          = "google_org_policy_policy"
    "roles/iam.serviceAccountViewer"        = "google_service_account"
  }
}

# The refresh of every workspace: the google_* resources above, read where the workspaces put
# them (folders and projects under the organization, the hub project).
resource "google_organization_iam_member" "drift" {
  for_each = local.drift_organization_roles

  org_id = var.organization_id
  role   = each.key
  member = local.drift_member
}

# terraform init and plan -lock=false read each workspace's state (backend "gcs"): objectViewer,
# never objectUser, so the refresh neither writes nor locks the state.
resource "google_storage_bucket_iam_member" "drift_workspaces_state" {
  bucket = google_storage_bucket.this["workspaces_state"].name
  role   = "roles/storage.objectViewer"
  member = local.drift_member
}

# Cloud Build pulls a build's step images as the build's service account.
resource "google_artifact_registry_repository_iam_member" "drift_builder_reader" {
  project    = google_artifact_registry_repository.builder.project
  location   = google_artifact_registry_repository.builder.location
  repository = google_artifact_registry_repository.builder.name
  role       = "roles/artifactregistry.reader"
  member     = local.drift_member
}

# The drift function reads Cloud Asset Inventory on the organization (searchAllIamPolicies and
# searchAllResources) for the iam and resources sources: what terraform does not manage. infra/ creates that function's
# identity, so it is granted here once infra/ has made it (drift_function_service_account).
resource "google_organization_iam_member" "drift_function_asset_viewer" {
  count = var.drift_function_service_account == null ? 0 : 1

  org_id = var.organization_id
  role   = "roles/cloudasset.viewer"
  member = "serviceAccount:${var.drift_function_service_account}"
}
