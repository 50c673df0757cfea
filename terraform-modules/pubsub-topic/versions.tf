terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.18 added message_storage_policy.enforce_in_transit.
      version = "~> 6.18"
    }
  }
}
