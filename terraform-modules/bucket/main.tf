resource "google_storage_bucket" "this" {
  project       = var.project_id
  name          = var.name
  location      = var.location
  storage_class = var.storage_class
  labels        = var.labels

  # IAM only (no object ACLs), and never public.
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # A bucket that still holds objects is never deleted by Terraform.
  force_destroy = false

  versioning {
    enabled = true
  }

  logging {
    log_bucket        = var.log_bucket
    log_object_prefix = var.name
  }

  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_retention_days * 86400
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]

    content {
      default_kms_key_name = encryption.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.log_bucket != var.name
      error_message = "A bucket must not write its access logs to itself."
    }
  }
}

# Additive, member-level grants.
resource "google_storage_bucket_iam_member" "this" {
  for_each = var.iam

  bucket = google_storage_bucket.this.name
  role   = each.value.role
  member = each.value.member
}
