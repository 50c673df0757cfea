data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # The Pub/Sub service agent forwards undeliverable messages to the dead-letter topic.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  push_subscriptions = { for sub in var.push_subscriptions : sub.name => sub }
}

resource "google_pubsub_topic" "this" {
  project                    = var.project_id
  name                       = var.name
  labels                     = var.labels
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.message_retention_duration

  message_storage_policy {
    allowed_persistence_regions = var.allowed_persistence_regions
    enforce_in_transit          = true
  }
}

resource "google_pubsub_topic" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name}-dead-letter"
  labels                     = var.labels
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.message_retention_duration

  message_storage_policy {
    allowed_persistence_regions = var.allowed_persistence_regions
    enforce_in_transit          = true
  }
}

# Keeps dead-lettered messages (a topic without subscriptions drops them) for inspection and replay.
resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  labels                     = var.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "push" {
  for_each = local.push_subscriptions

  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.this.id
  labels                     = var.labels
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  # Authenticated push: the endpoint verifies a Google-signed OIDC token.
  push_config {
    push_endpoint = each.value.push_endpoint

    oidc_token {
      service_account_email = each.value.service_account_email
      audience              = each.value.audience
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# Additive, member-level grants.
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = var.publisher_members

  project = var.project_id
  topic   = google_pubsub_topic.this.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_subscriptions

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
