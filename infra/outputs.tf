output "webhook_url" {
  description = "URL to give GitHub as the App's webhook URL (content type application/json)."
  value       = google_cloudfunctions2_function.stage["ingest"].service_config[0].uri
}

output "function_service_accounts" {
  description = "Email of each function's service account, by stage."
  value       = { for name in keys(local.stages) : name => module.identity[name].email }
}

output "cloud_build_service_account" {
  description = "Email of the service account the workspace builds run as (created with its roles by infra/bootstrap)."
  value       = data.google_service_account.cloud_build.email
}

output "secret_ids" {
  description = "Secret Manager secrets whose versions must be added out of band: webhook (comma-separated webhook secrets) and github (the App's private key, PEM)."
  value       = { for name, secret in module.secret : name => secret.id }
}

output "dead_letter_topics" {
  description = "Dead-letter topic of each topic the stages are pushed from."
  value = merge(
    { for topic, module_topic in module.topic : topic => module_topic.dead_letter_topic_id },
    { "cloud-builds" = google_pubsub_topic.cloud_builds_dead_letter.id },
  )
}

output "firestore_database" {
  description = "ID of the Firestore database (projects/<p>/databases/<id>)."
  value       = google_firestore_database.this.id
}

output "drift_service_account" {
  description = "Email of the read-only service account the drift sweep's refresh-only builds run as (created with its roles by infra/bootstrap)."
  value       = data.google_service_account.drift.email
}
