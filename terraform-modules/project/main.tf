resource "google_project" "this" {
  project_id      = var.project_id
  name            = var.name
  folder_id       = var.folder_id
  billing_account = var.billing_account
  labels          = var.labels

  # No default network with its permissive default firewall rules.
  auto_create_network = false

  # Terraform refuses to delete the project.
  deletion_policy = "PREVENT"
}

resource "google_project_service" "this" {
  for_each = toset(var.activate_apis)

  project = google_project.this.project_id
  service = each.value

  # Destroying this resource never switches an API off under running workloads.
  disable_on_destroy         = false
  disable_dependent_services = false
}

# The default Compute Engine and App Engine service accounts carry Editor; they are disabled.
# restore_policy = "NONE": removing this resource never re-enables them.
resource "google_project_default_service_accounts" "this" {
  project        = google_project.this.project_id
  action         = "DISABLE"
  restore_policy = "NONE"

  depends_on = [google_project_service.this]
}

# Data Access audit logs (reads and writes) on every service, next to Admin Activity.
resource "google_project_iam_audit_config" "all_services" {
  project = google_project.this.project_id
  service = "allServices"

  audit_log_config {
    log_type = "ADMIN_READ"
  }

  audit_log_config {
    log_type = "DATA_READ"
  }

  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

resource "google_compute_shared_vpc_service_project" "this" {
  count = var.shared_vpc_host_project_id == null ? 0 : 1

  host_project    = var.shared_vpc_host_project_id
  service_project = google_project.this.project_id

  depends_on = [google_project_service.this]

  lifecycle {
    precondition {
      condition     = contains(var.activate_apis, "compute.googleapis.com")
      error_message = "A Shared VPC service project needs compute.googleapis.com in activate_apis."
    }
  }
}

# Additive, member-level grants.
resource "google_project_iam_member" "this" {
  for_each = var.iam

  project = google_project.this.project_id
  role    = each.value.role
  member  = each.value.member
}
