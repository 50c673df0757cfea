output "id" {
  description = "ID of the service."
  value       = google_cloud_run_v2_service.this.id
}

output "name" {
  description = "Name of the service (for a serverless network endpoint group)."
  value       = google_cloud_run_v2_service.this.name
}

output "location" {
  description = "Region of the service."
  value       = google_cloud_run_v2_service.this.location
}

output "uri" {
  description = "run.app URI of the service; it only answers traffic from a load balancer."
  value       = google_cloud_run_v2_service.this.uri
}
