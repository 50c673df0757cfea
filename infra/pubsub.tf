# Each stage is fed by a push subscription this module creates, not by an Eventarc trigger:
# the subscription Eventarc creates for a function's event_trigger cannot be given a dead-letter
# policy through google_cloudfunctions2_function. Pushing ourselves gives every topic a
# dead-letter topic (kept by its own pull subscription), exponential retries (10 s to 600 s)
# and max_delivery_attempts, and the Functions Framework turns the push into the same CloudEvent.
locals {
  # The stage each pipeline topic feeds, and the stages that publish to it.
  topic_listener = { for name, stage in local.pubsub_stages : stage.listens => name }
  topic_publishers = {
    for topic in local.pipeline_topics : topic => [for name, stage in local.stages : name if contains(stage.publishes, topic)]
  }
}

module "topic" {
  source   = "../terraform-modules/pubsub-topic"
  for_each = local.pipeline_topics

  project_id                  = var.project
  name                        = "${var.topic_prefix}${each.key}"
  allowed_persistence_regions = [var.region]
  labels                      = var.labels

  push_subscriptions = [
    {
      name = "${var.topic_prefix}${each.key}-${local.topic_listener[each.key]}"
      # The Functions Framework names the CloudEvent's source after the path of a raw push.
      push_endpoint         = "${google_cloudfunctions2_function.stage[local.topic_listener[each.key]].service_config[0].uri}/projects/${var.project}/topics/${var.topic_prefix}${each.key}"
      audience              = google_cloudfunctions2_function.stage[local.topic_listener[each.key]].service_config[0].uri
      service_account_email = module.identity["pubsub-push"].email
      # Pub/Sub waits this long for the function's answer; the functions time out before it.
      ack_deadline_seconds  = 600
      max_delivery_attempts = var.max_delivery_attempts
    },
  ]

  publisher_members = {
    for name in local.topic_publishers[each.key] : name => module.identity[name].member
  }
}

# Cloud Build publishes every build's status changes to the topic named cloud-builds of the project
# the builds run in. infra/bootstrap creates it before Cloud Build is enabled (Cloud Build would
# otherwise create it itself, without a storage policy), so it is read here, never created.
data "google_pubsub_topic" "cloud_builds" {
  project = var.project
  name    = "cloud-builds"
}

resource "google_pubsub_topic" "cloud_builds_dead_letter" {
  project                    = var.project
  name                       = "${var.topic_prefix}cloud-builds-dead-letter"
  labels                     = var.labels
  message_retention_duration = "604800s"

  message_storage_policy {
    allowed_persistence_regions = [var.region]
    enforce_in_transit          = true
  }
}

# Keeps dead-lettered notifications (a topic without subscriptions drops them) for inspection and replay.
resource "google_pubsub_subscription" "cloud_builds_dead_letter" {
  project                    = var.project
  name                       = "${var.topic_prefix}cloud-builds-dead-letter"
  topic                      = google_pubsub_topic.cloud_builds_dead_letter.id
  labels                     = var.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "cloud_builds_push" {
  project                    = var.project
  name                       = "${var.topic_prefix}cloud-builds-build-status"
  topic                      = data.google_pubsub_topic.cloud_builds.id
  labels                     = var.labels
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  # Authenticated push: Cloud Run verifies the Google-signed OIDC token before the function runs.
  push_config {
    push_endpoint = "${google_cloudfunctions2_function.stage["build-status"].service_config[0].uri}/projects/${var.project}/topics/cloud-builds"

    oidc_token {
      service_account_email = module.identity["pubsub-push"].email
      audience              = google_cloudfunctions2_function.stage["build-status"].service_config[0].uri
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.cloud_builds_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# Dead-lettering: the Pub/Sub service agent publishes to the dead-letter topic and acknowledges
# the message on the source subscription.
resource "google_pubsub_topic_iam_member" "cloud_builds_dead_letter_publisher" {
  project = var.project
  topic   = google_pubsub_topic.cloud_builds_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "cloud_builds_dead_letter_subscriber" {
  project      = var.project
  subscription = google_pubsub_subscription.cloud_builds_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
