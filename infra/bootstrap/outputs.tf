output "project" {
  description = "The seed project: infra/'s project input."
  value       = google_project.seed.project_id
}

output "hub_project" {
  description = "The hub project: the render configuration's hub.projectId."
  value       = google_project.hub.project_id
}

output "workspaces_folder" {
  description = "The folder the workspaces make every folder and project in: the render configuration's parentFolder."
  value       = google_folder.workspaces.name
}

output "state_bucket" {
  description = "Bucket of infra/'s Terraform state: terraform init -backend-config=bucket=<this> in infra/."
  value       = google_storage_bucket.this["state"].name
}

output "workspaces_state_bucket" {
  description = "Bucket of the workspaces' Terraform state: the render configuration's state.bucket."
  value       = google_storage_bucket.this["workspaces_state"].name
}

output "source_bucket" {
  description = "Bucket of the functions' source archives: infra/'s source_bucket input."
  value       = google_storage_bucket.this["functions_source"].name
}

output "access_log_bucket" {
  description = "Bucket of the workspaces' buckets' access logs: the render configuration's logBucket."
  value       = google_storage_bucket.this["access_logs"].name
}

output "builder_repository" {
  description = "Artifact Registry path the builder image is pushed to (docker push <this>/builder:<commit>)."
  value       = "${google_artifact_registry_repository.builder.location}-docker.pkg.dev/${google_artifact_registry_repository.builder.project}/${google_artifact_registry_repository.builder.repository_id}"
}

output "cloud_build_service_account" {
  description = "Email of the identity the workspace builds run as, with the roles of build-identity.tf."
  value       = google_service_account.cloud_build.email
}

output "drift_service_account" {
  description = "Email of the read-only identity the drift sweep's refresh-only builds run as, with the roles of drift-identity.tf."
  value       = google_service_account.drift.email
}
