# The providers the rendered workspaces and terraform-modules/ use, at the one version the
# builder image mirrors (.terraform.lock.hcl beside this file holds its checksums). It must
# satisfy every module's constraint and the rendered root's; test/infra/builder-image.test.ts
# checks that it does.
terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "6.50.0"
    }
  }
}
