output "ip_address" {
  description = "Public IPv4 address of the load balancer; point the domains' A records at it."
  value       = google_compute_global_address.this.address
}

output "backend_service_ids" {
  description = "IDs of the backend services, by backend key."
  value       = { for key, backend in google_compute_backend_service.this : key => backend.id }
}

output "security_policy_id" {
  description = "ID of the Cloud Armor policy."
  value       = google_compute_security_policy.this.id
}

output "url_map_id" {
  description = "ID of the HTTPS URL map."
  value       = google_compute_url_map.https.id
}
