# An identity only: no keys (workloads use attached identities or Workload Identity Federation)
# and no roles (each resource module grants it exactly what it needs, on that resource).
resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = var.account_id
  display_name = var.display_name
  description  = var.description
}
