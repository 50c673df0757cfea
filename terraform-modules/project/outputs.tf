output "project_id" {
  description = "Project ID."
  value       = google_project.this.project_id
}

output "number" {
  description = "Project number."
  value       = google_project.this.number
}

output "enabled_apis" {
  description = "APIs enabled by this module."
  value       = sort([for service in google_project_service.this : service.service])
}
