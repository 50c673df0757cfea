locals {
  kms_keys = var.kms_key_name == null ? [] : [var.kms_key_name]
}

resource "google_alloydb_cluster" "this" {
  project    = var.project_id
  cluster_id = var.cluster_id
  location   = var.region
  labels     = var.labels

  # Private IP only: instances get addresses in the VPC's private services access range.
  network_config {
    network            = var.network
    allocated_ip_range = var.allocated_ip_range
  }

  dynamic "encryption_config" {
    for_each = local.kms_keys

    content {
      kms_key_name = encryption_config.value
    }
  }

  automated_backup_policy {
    enabled       = true
    location      = var.region
    backup_window = "3600s"

    weekly_schedule {
      days_of_week = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]

      start_times {
        hours   = var.backup_start_hour
        minutes = 0
        seconds = 0
        nanos   = 0
      }
    }

    time_based_retention {
      retention_period = "${var.backup_retention_days * 86400}s"
    }

    dynamic "encryption_config" {
      for_each = local.kms_keys

      content {
        kms_key_name = encryption_config.value
      }
    }
  }

  continuous_backup_config {
    enabled              = true
    recovery_window_days = var.point_in_time_recovery_days

    dynamic "encryption_config" {
      for_each = local.kms_keys

      content {
        kms_key_name = encryption_config.value
      }
    }
  }

  # The 6.x google provider has no deletion_protection on google_alloydb_cluster (it arrives in
  # 7.0), so Terraform itself refuses to destroy or replace the cluster.
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_alloydb_instance" "primary" {
  cluster           = google_alloydb_cluster.this.name
  instance_id       = "${var.cluster_id}-primary"
  instance_type     = "PRIMARY"
  availability_type = "REGIONAL"
  labels            = var.labels

  machine_config {
    cpu_count = var.cpu_count
  }

  database_flags = {
    "alloydb.iam_authentication" = "on"
    "alloydb.enable_pgaudit"     = "on"
  }

  client_connection_config {
    require_connectors = false

    ssl_config {
      ssl_mode = "ENCRYPTED_ONLY"
    }
  }

  network_config {
    enable_public_ip = false
  }
}

# Database users authenticated by IAM only: no passwords exist in the configuration or the state.
# Keyed by the caller's static keys; a service account's database user is its email without the
# .gserviceaccount.com suffix.
resource "google_alloydb_user" "iam" {
  for_each = var.iam_users

  cluster   = google_alloydb_cluster.this.name
  user_id   = trimsuffix(each.value, ".gserviceaccount.com")
  user_type = "ALLOYDB_IAM_USER"

  depends_on = [google_alloydb_instance.primary]
}
