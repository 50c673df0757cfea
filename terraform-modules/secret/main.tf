# The container only. Secret values are added out of band (gcloud, the console or the owning
# workload), so they never appear in Terraform configuration, plans or state.
resource "google_secret_manager_secret" "this" {
  project   = var.project_id
  secret_id = var.secret_id
  labels    = var.labels

  replication {
    dynamic "auto" {
      for_each = length(var.replica_locations) == 0 ? [true] : []

      content {
        dynamic "customer_managed_encryption" {
          for_each = var.kms_key_name == null ? [] : [var.kms_key_name]

          content {
            kms_key_name = customer_managed_encryption.value
          }
        }
      }
    }

    dynamic "user_managed" {
      for_each = length(var.replica_locations) == 0 ? [] : [true]

      content {
        dynamic "replicas" {
          for_each = toset(var.replica_locations)

          content {
            location = replicas.value

            dynamic "customer_managed_encryption" {
              for_each = contains(keys(var.replica_kms_key_names), replicas.value) ? [var.replica_kms_key_names[replicas.value]] : []

              content {
                kms_key_name = customer_managed_encryption.value
              }
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length(var.replica_locations) > 0 || length(var.replica_kms_key_names) == 0
      error_message = "replica_kms_key_names only applies to user-managed replication (set replica_locations)."
    }

    precondition {
      condition     = length(var.replica_locations) == 0 || var.kms_key_name == null
      error_message = "kms_key_name only applies to automatic replication; give replica_kms_key_names instead."
    }

    precondition {
      condition     = alltrue([for location in keys(var.replica_kms_key_names) : contains(var.replica_locations, location)])
      error_message = "Every key in replica_kms_key_names must be one of replica_locations."
    }
  }
}

# Additive, member-level grants, per principal.
resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = var.accessor_members

  project   = google_secret_manager_secret.this.project
  secret_id = google_secret_manager_secret.this.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}
