output "id" {
  description = "ID of the repository."
  value       = google_artifact_registry_repository.this.id
}

output "name" {
  description = "Name of the repository."
  value       = google_artifact_registry_repository.this.name
}

output "docker_registry" {
  description = "Registry path for images (<location>-docker.pkg.dev/<project>/<repository>); meaningful for DOCKER repositories."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${var.repository_id}"
}
