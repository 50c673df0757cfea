data "google_project" "this" {
  project_id = var.project
}

locals {
  # The Pub/Sub service agent signs the push subscriptions' OIDC tokens and forwards
  # undeliverable messages to the dead-letter topics.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Every stage of the pipeline: the topic it is pushed (null: ingest, which GitHub calls),
  # the topics it publishes to, and the secrets it reads. Entry point = function name suffix.
  stages = {
    ingest         = { listens = null, publishes = ["push", "pull-requests", "builds"], secrets = ["webhook"] }
    parse          = { listens = "push", publishes = ["manifests"], secrets = ["github"] }
    record         = { listens = "manifests", publishes = ["desired-state"], secrets = ["github"] }
    deltas         = { listens = "desired-state", publishes = ["builds"], secrets = ["github"] }
    builds         = { listens = "builds", publishes = ["builds"], secrets = ["github"] }
    "build-status" = { listens = "cloud-builds", publishes = ["builds", "drift-requested"], secrets = ["github"] }
    consent        = { listens = "pull-requests", publishes = ["pull-requests"], secrets = ["github"] }
    # Pushed from Cloud Scheduler's trigger and build-status's reports; nudges itself when no
    # drift build of a sweep could start.
    drift = { listens = "drift-requested", publishes = ["drift-requested"], secrets = ["github"] }
  }

  pubsub_stages = { for name, stage in local.stages : name => stage if stage.listens != null }

  # The pipeline's own topics; cloud-builds is Cloud Build's and keeps its fixed name (pubsub.tf).
  pipeline_topics = toset(["push", "manifests", "desired-state", "builds", "pull-requests", "drift-requested"])

  firestore_location = coalesce(var.firestore_location, var.region)
}

resource "google_firestore_database" "this" {
  project     = var.project
  name        = var.firestore_database
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  concurrency_mode            = "PESSIMISTIC"
  app_engine_integration_mode = "DISABLED"

  # The pipeline's whole history: reads of the last 7 days stay possible, and neither the API
  # nor terraform destroy deletes the database (ABANDON only forgets it).
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"
}
