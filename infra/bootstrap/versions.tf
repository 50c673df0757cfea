terraform {
  required_version = ">= 1.6"

  # Applied once by an operator whose credentials may create projects and grant roles on the
  # organization. Its state starts local (it creates the bucket a backend would need); keep
  # terraform.tfstate safe, as docs/deploy.md says.
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.18"
    }
  }
}

provider "google" {
  region = var.region
}
