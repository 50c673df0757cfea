terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.18 added message_storage_policy.enforce_in_transit, which the pubsub-topic module sets.
      version = "~> 6.18"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
