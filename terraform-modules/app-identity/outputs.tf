output "email" {
  description = "Email of the service account."
  value       = google_service_account.this.email
}

output "member" {
  description = "IAM member string of the service account (serviceAccount:<email>)."
  value       = "serviceAccount:${google_service_account.this.email}"
}

output "id" {
  description = "ID of the service account (projects/<p>/serviceAccounts/<email>)."
  value       = google_service_account.this.id
}

output "unique_id" {
  description = "Numeric unique ID of the service account."
  value       = google_service_account.this.unique_id
}
