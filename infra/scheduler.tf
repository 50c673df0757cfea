# The drift sweep's trigger: Cloud Scheduler publishes {"version":1} to drift-requested on the
# schedule, and the drift function takes it for the schedule's latest time, which it claims
# (drift-runs/{at}): a retried or redelivered trigger starts nothing twice. A Pub/Sub target, as
# the other stages are fed: the topic's push subscription and its dead-letter topic do the rest.
resource "google_cloud_scheduler_job" "drift" {
  project     = var.project
  region      = var.region
  name        = "infrastream-drift"
  description = "Requests the Infrastream drift sweep (docs/drift.md)."
  schedule    = var.drift_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = module.topic["drift-requested"].topic_id
    data       = base64encode(jsonencode({ version = 1 }))
  }

  retry_config {
    retry_count = 3
  }
}

# Cloud Scheduler publishes as its service agent: publisher on this one topic.
resource "google_pubsub_topic_iam_member" "scheduler_drift_publisher" {
  project = var.project
  topic   = module.topic["drift-requested"].topic_name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
}
