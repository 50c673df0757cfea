terraform {
  required_version = ">= 1.6"

  # The bucket is infra/bootstrap's state_bucket output, given at init:
  # terraform init -backend-config="bucket=<state_bucket>" (docs/deploy.md).
  backend "gcs" {
    prefix = "infrastream/infra"
  }

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
