output "id" {
  description = "ID of the crypto key (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>), the value other modules take as kms_key_name."
  value       = google_kms_crypto_key.this.id
}

output "key_ring_id" {
  description = "ID of the key ring."
  value       = google_kms_key_ring.this.id
}
