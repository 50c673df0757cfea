locals {
  # Every bucket here: versioned where a lost object is lost state, uniform access, never public.
  buckets = {
    # infra/'s Terraform state (backend "gcs", prefix infrastream/infra).
    state = { name = "${var.project}-infrastream-state", versioned = true }
    # The workspaces' Terraform state (render configuration state.bucket). A bucket of its own:
    # the build identity writes it and holds no role on infra/'s state, which grants it roles.
    # The seed's deny policy (build-identity.tf) keeps it from changing either bucket's IAM, and
    # nothing it may grant reaches the seed (docs/deploy.md, What the build identity can do).
    workspaces_state = { name = "${var.project}-workspaces-state", versioned = true }
    # The functions' source archives, one object per deployed commit.
    functions_source = { name = "${var.project}-functions-source", versioned = false }
    # The access logs of every bucket the workspaces create (render configuration logBucket).
    access_logs = { name = "${var.project}-access-logs", versioned = false }
  }
}

resource "google_storage_bucket" "this" {
  for_each = local.buckets

  project                     = google_project.seed.project_id
  name                        = each.value.name
  location                    = var.region
  labels                      = var.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = each.value.versioned
  }

  depends_on = [google_project_service.seed]
}

# The builder image the workspace builds run (builder/Dockerfile), pushed by the operator and
# pinned by digest in infra/'s builder_image. Tags are immutable: a digest's tag never moves.
resource "google_artifact_registry_repository" "builder" {
  project       = google_project.seed.project_id
  location      = var.region
  repository_id = "infrastream-builder"
  description   = "The Infrastream builder image: Node, the infrastream CLI and terraform with its providers."
  format        = "DOCKER"
  labels        = var.labels

  docker_config {
    immutable_tags = true
  }

  depends_on = [google_project_service.seed]
}
