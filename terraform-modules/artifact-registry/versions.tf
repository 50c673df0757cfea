terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.15 added vulnerability_scanning_config.
      version = "~> 6.15"
    }
  }
}
