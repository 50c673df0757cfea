output "id" {
  description = "ID of the secret (projects/<p>/secrets/<id>)."
  value       = google_secret_manager_secret.this.id
}

output "secret_id" {
  description = "Short ID of the secret."
  value       = google_secret_manager_secret.this.secret_id
}
