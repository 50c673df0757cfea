locals {
  # What every function reads (shared/core/configuration/settings.ts).
  common_environment = {
    INFRASTREAM_PROJECT            = var.project
    INFRASTREAM_REPOSITORY         = var.repository
    INFRASTREAM_FIRESTORE_DATABASE = google_firestore_database.this.name
    INFRASTREAM_TOPIC_PREFIX       = var.topic_prefix
    INFRASTREAM_GITHUB_APP_ID      = var.github_app_id
  }

  # What every Pub/Sub stage reads besides: how builds are started.
  cloud_build_environment = {
    INFRASTREAM_RENDER_CONFIG = var.render_config
    INFRASTREAM_CLOUD_BUILD = jsonencode(merge(jsondecode(var.cloud_build_config), local.connection_source, {
      project        = var.project
      region         = var.region
      serviceAccount = data.google_service_account.cloud_build.email
      # The drift sweep's refresh-only builds run as the read-only identity instead.
      driftServiceAccount = data.google_service_account.drift.email
      # One image for every step: terraform and its providers come from the builder image.
      builderImage   = var.builder_image
      terraformImage = var.builder_image
    }))
  }

  # What the stages that act on GitHub read besides; the private key is a secret.
  pipeline_environment = merge(
    local.cloud_build_environment,
    {
      INFRASTREAM_GITHUB_INSTALLATION_ID = var.github_installation_id
      INFRASTREAM_APPLY                  = var.apply ? "true" : "false"
      # The drift stage reads the trigger's time against the schedule Cloud Scheduler runs.
      INFRASTREAM_DRIFT_SCHEDULE = var.drift_schedule
    },
    var.github_api_url == null ? {} : { INFRASTREAM_GITHUB_API_URL = var.github_api_url },
  )

  # Each function's environment: exactly what its runtime reads (functions/configuration.ts).
  function_environment = {
    for name in keys(local.stages) : name => (
      name == "ingest" ? tomap(local.common_environment) :
      tomap(merge(local.common_environment, local.pipeline_environment))
    )
  }
}

# The functions' images; tags stay mutable because every deployment moves the function's tag.
resource "google_artifact_registry_repository" "functions" {
  project       = var.project
  location      = var.region
  repository_id = "infrastream-functions"
  description   = "Images of the Infrastream functions, built from the source archive."
  format        = "DOCKER"
  mode          = "STANDARD_REPOSITORY"
  labels        = var.labels

  vulnerability_scanning_config {
    enablement_config = "INHERITED"
  }
}

resource "google_artifact_registry_repository_iam_member" "fn_builder_writer" {
  project    = google_artifact_registry_repository.functions.project
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = module.identity["fn-builder"].member
}

resource "google_cloudfunctions2_function" "stage" {
  for_each = local.stages

  project     = var.project
  location    = var.region
  name        = "infrastream-${each.key}"
  description = "Infrastream ${each.key} stage."
  labels      = var.labels

  build_config {
    runtime           = "nodejs22"
    entry_point       = each.key
    service_account   = module.identity["fn-builder"].id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email = module.identity[each.key].email
    available_memory      = "1Gi"
    timeout_seconds       = each.key == "ingest" ? 60 : 540
    max_instance_count    = 20
    min_instance_count    = 0
    # ingest is called by GitHub from the internet (see README). The stages are called only by
    # their push subscriptions, which Cloud Run counts as internal traffic of the project, with
    # an OIDC token it checks against roles/run.invoker.
    ingress_settings               = each.key == "ingest" ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true

    environment_variables = local.function_environment[each.key]

    dynamic "secret_environment_variables" {
      for_each = toset(each.value.secrets)

      content {
        key        = local.secrets[secret_environment_variables.value].variable
        project_id = var.project
        secret     = module.secret[secret_environment_variables.value].secret_id
        # Read when an instance starts: a new version reaches new instances (see README, rotation).
        version = "latest"
      }
    }
  }

  depends_on = [
    google_artifact_registry_repository_iam_member.fn_builder_writer,
    google_project_iam_member.cloud_build_log_writer,
    google_storage_bucket_iam_member.fn_builder_source_reader,
    module.secret,
    google_secret_manager_secret_version.placeholder,
  ]
}

# The one public endpoint: GitHub delivers webhooks without Google credentials, so anyone may
# invoke ingest, which accepts only bodies signed with a webhook secret (X-Hub-Signature-256).
resource "google_cloud_run_v2_service_iam_member" "ingest_public_invoker" {
  project  = google_cloudfunctions2_function.stage["ingest"].project
  location = google_cloudfunctions2_function.stage["ingest"].location
  name     = google_cloudfunctions2_function.stage["ingest"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# The Pub/Sub stages are invoked by their push subscriptions only.
resource "google_cloud_run_v2_service_iam_member" "stage_push_invoker" {
  for_each = local.pubsub_stages

  project  = google_cloudfunctions2_function.stage[each.key].project
  location = google_cloudfunctions2_function.stage[each.key].location
  name     = google_cloudfunctions2_function.stage[each.key].name
  role     = "roles/run.invoker"
  member   = module.identity["pubsub-push"].member
}
