# A private manifests repository: Cloud Build cannot clone it anonymously, so it reaches it
# through a 2nd gen repository connection, which holds a GitHub token of the operator's and
# Google's Cloud Build GitHub App installation (docs/deploy.md, private repositories). Without
# github_connection, builds fetch public repositories with git, as before.
locals {
  # OWNER/NAME#ID: the connection links the repository under OWNER-NAME, the name the builds
  # use (shared/adapters/cloud-build-request.ts).
  repository_parts = regex("^([^/]+)/([^#]+)#", var.repository)
  # JSON on both sides, so that the two branches have one type.
  connection_source = jsondecode(var.github_connection == null ? "{}" : jsonencode({
    source = { kind = "connection", connection = one(google_cloudbuildv2_connection.github[*].id) }
  }))
  cloud_build_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudbuild.iam.gserviceaccount.com"
}

# The connection reads its token as Cloud Build's service agent.
resource "google_secret_manager_secret_iam_member" "cloud_build_agent_token" {
  count = var.github_connection == null ? 0 : 1

  project   = var.project
  secret_id = var.github_connection.token_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = local.cloud_build_agent
}

resource "google_cloudbuildv2_connection" "github" {
  count = var.github_connection == null ? 0 : 1

  project  = var.project
  location = var.region
  name     = "infrastream-github"

  github_config {
    app_installation_id = var.github_connection.app_installation_id

    authorizer_credential {
      oauth_token_secret_version = "projects/${var.project}/secrets/${var.github_connection.token_secret}/versions/latest"
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.cloud_build_agent_token]
}

resource "google_cloudbuildv2_repository" "manifests" {
  count = var.github_connection == null ? 0 : 1

  project           = var.project
  location          = var.region
  name              = "${local.repository_parts[0]}-${local.repository_parts[1]}"
  parent_connection = google_cloudbuildv2_connection.github[0].name
  remote_uri        = "https://github.com/${local.repository_parts[0]}/${local.repository_parts[1]}.git"
}

# The workspace builds fetch the commit with the connection's read token
# (cloudbuild.repositories.accessReadToken), on this connection only.
resource "google_cloudbuildv2_connection_iam_member" "cloud_build_token_accessor" {
  count = var.github_connection == null ? 0 : 1

  project  = var.project
  location = var.region
  name     = google_cloudbuildv2_connection.github[0].name
  role     = "roles/cloudbuild.readTokenAccessor"
  member   = data.google_service_account.cloud_build.member
}

# The drift builds fetch the last applied commit the same way, as the drift identity.
resource "google_cloudbuildv2_connection_iam_member" "drift_token_accessor" {
  count = var.github_connection == null ? 0 : 1

  project  = var.project
  location = var.region
  name     = google_cloudbuildv2_connection.github[0].name
  role     = "roles/cloudbuild.readTokenAccessor"
  member   = data.google_service_account.drift.member
}
