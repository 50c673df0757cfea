resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = var.key_ring_name
  location = var.location

  # Key rings cannot be deleted in Google Cloud; Terraform should not pretend to.
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key" "this" {
  name            = var.key_name
  key_ring        = google_kms_key_ring.this.id
  labels          = var.labels
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.rotation_period

  # Destroyed versions stay recoverable for 30 days.
  destroy_scheduled_duration = "2592000s"

  version_template {
    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
    protection_level = var.protection_level
  }

  # Destroying the key would make everything it encrypted unreadable.
  lifecycle {
    prevent_destroy = true
  }
}

# Additive, member-level grants, to service agents only.
resource "google_kms_crypto_key_iam_member" "encrypter_decrypter" {
  for_each = var.encrypter_decrypter_members

  crypto_key_id = google_kms_crypto_key.this.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}
