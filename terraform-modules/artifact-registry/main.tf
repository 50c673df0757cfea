resource "google_artifact_registry_repository" "this" {
  project       = var.project_id
  location      = var.location
  repository_id = var.repository_id
  description   = var.description
  format        = var.format
  labels        = var.labels
  kms_key_name  = var.kms_key_name

  # A private repository of this project's own artifacts (no remote or virtual proxying).
  mode = "STANDARD_REPOSITORY"

  # Pushed tags are immutable: a deployed tag always names the same image.
  dynamic "docker_config" {
    for_each = var.format == "DOCKER" ? [true] : []

    content {
      immutable_tags = true
    }
  }

  # Scanning follows the project's Container Scanning setting and is never switched off here.
  vulnerability_scanning_config {
    enablement_config = "INHERITED"
  }
}

# Additive, member-level grants.
resource "google_artifact_registry_repository_iam_member" "reader" {
  for_each = var.reader_members

  project    = google_artifact_registry_repository.this.project
  location   = google_artifact_registry_repository.this.location
  repository = google_artifact_registry_repository.this.name
  role       = "roles/artifactregistry.reader"
  member     = each.value
}

resource "google_artifact_registry_repository_iam_member" "writer" {
  for_each = var.writer_members

  project    = google_artifact_registry_repository.this.project
  location   = google_artifact_registry_repository.this.location
  repository = google_artifact_registry_repository.this.name
  role       = "roles/artifactregistry.writer"
  member     = each.value
}
