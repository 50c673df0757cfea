# One identity per function, one that Pub/Sub pushes as and one that builds the functions' images.
# No keys; each is granted only what it needs, member-level, on the narrowest resource that holds
# the permission. The identity Cloud Build runs the workspaces' Terraform as is infra/bootstrap's,
# which grants it its organization-level roles; it is read here.
locals {
  identities = merge(
    { for name in keys(local.stages) : name => "Infrastream ${name} function" },
    {
      "pubsub-push" = "Infrastream Pub/Sub push to the stages"
      "fn-builder"  = "Infrastream function image builds"
    },
  )

  # Firestore access is granted per project; the condition narrows it to the pipeline's database.
  firestore_resource = "projects/${var.project}/databases/${var.firestore_database}"
}

data "google_service_account" "cloud_build" {
  project    = var.project
  account_id = "infrastream-cloud-build"
}

# The read-only identity the drift sweep's refresh-only builds run as, with its roles, is
# infra/bootstrap's (drift-identity.tf), read here.
data "google_service_account" "drift" {
  project    = var.project
  account_id = "infrastream-drift-builds"
}

module "identity" {
  source   = "../terraform-modules/app-identity"
  for_each = local.identities

  project_id   = var.project
  account_id   = "infrastream-${each.key}"
  display_name = each.value
}

resource "google_project_iam_member" "firestore_user" {
  for_each = local.stages

  project = var.project
  role    = "roles/datastore.user"
  member  = module.identity[each.key].member

  condition {
    title       = "infrastream-database"
    description = "Only the Infrastream Firestore database."
    expression  = "resource.name == \"${local.firestore_resource}\" || resource.name.startsWith(\"${local.firestore_resource}/\")"
  }
}

# Cloud Build has no per-build IAM: creating and listing builds is granted on the project, to builds only.
resource "google_project_iam_member" "builds_cloud_build_editor" {
  project = var.project
  role    = "roles/cloudbuild.builds.editor"
  member  = module.identity["builds"].member
}

# builds starts Cloud Builds that run as the build identity: act-as on that one account only.
resource "google_service_account_iam_member" "builds_act_as_cloud_build" {
  service_account_id = data.google_service_account.cloud_build.name
  role               = "roles/iam.serviceAccountUser"
  member             = module.identity["builds"].member
}

# The drift stage starts the refresh-only builds (and finds them again by their tags): builds
# only, as for the builds stage.
resource "google_project_iam_member" "drift_cloud_build_editor" {
  project = var.project
  role    = "roles/cloudbuild.builds.editor"
  member  = module.identity["drift"].member
}

# What Cloud Build needs to run a build as the drift identity, and nothing more: act-as on that
# one read-only account, never on the build identity.
resource "google_service_account_iam_member" "drift_act_as_drift_builds" {
  service_account_id = data.google_service_account.drift.name
  role               = "roles/iam.serviceAccountUser"
  member             = module.identity["drift"].member
}

# A build with its own service account writes its logs to Cloud Logging (CLOUD_LOGGING_ONLY).
resource "google_project_iam_member" "cloud_build_log_writer" {
  for_each = {
    "cloud-build"  = data.google_service_account.cloud_build.member
    "drift-builds" = data.google_service_account.drift.member
    "fn-builder"   = module.identity["fn-builder"].member
  }

  project = var.project
  role    = "roles/logging.logWriter"
  member  = each.value
}

# The push subscriptions authenticate with an OIDC token of pubsub-push, which Pub/Sub mints.
resource "google_service_account_iam_member" "pubsub_push_token_creator" {
  service_account_id = module.identity["pubsub-push"].id
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# The function image builds read the source archive.
resource "google_storage_bucket_iam_member" "fn_builder_source_reader" {
  bucket = var.source_bucket
  role   = "roles/storage.objectViewer"
  member = module.identity["fn-builder"].member
}
