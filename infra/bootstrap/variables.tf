variable "organization_id" {
  description = "Numeric ID of the Google Cloud organization the pipeline governs."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.organization_id))
    error_message = "organization_id must be the organization's numeric ID (gcloud organizations list)."
  }
}

variable "billing_account" {
  description = "Billing account of the seed and hub projects, and of every project the workspaces create."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must be a billing account ID such as 012345-6789AB-CDEF01."
  }
}

variable "project" {
  description = "ID of the seed project this root creates, which infra/ then deploys Infrastream into."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project must be a project ID: 6-30 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "hub_project" {
  description = "ID of the network hub project this root creates (render configuration hub.projectId); the workspaces' network-hub module builds the hub network in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.hub_project))
    error_message = "hub_project must be a project ID: 6-30 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "parent_folder" {
  description = "Folder the seed and hub projects are created in, folders/<number>; null creates them at the organization's root."
  type        = string
  default     = null

  validation {
    condition     = var.parent_folder == null || can(regex("^folders/[1-9][0-9]{0,19}$", var.parent_folder))
    error_message = "parent_folder must be folders/<number>."
  }
}

variable "workspaces_folder_name" {
  description = "Display name of the folder this root creates under the organization, where the workspaces make every folder and project (render configuration parentFolder)."
  type        = string
  default     = "Infrastream workspaces"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{1,28}[A-Za-z0-9]$", var.workspaces_folder_name))
    error_message = "workspaces_folder_name must be a folder display name: 3-30 letters, digits, spaces, hyphens and underscores."
  }
}

variable "region" {
  description = "Region of the buckets, the builder's repository and where cloud-builds may store messages; the same region infra/ is given."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a region such as europe-west1."
  }
}

variable "allow_public_ingest" {
  description = "Whether to override domain-restricted sharing (iam.allowedPolicyMemberDomains) on the seed project, so that infra/ can let GitHub call the ingest function (allUsers as invoker). Leave false where the organization does not enforce that constraint."
  type        = bool
  default     = false
  nullable    = false
}

variable "labels" {
  description = "Labels applied to the projects, buckets, repository and topic."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "drift_function_service_account" {
  description = "Email of infra/'s drift function (its function_service_accounts output, drift), which reads Cloud Asset Inventory on the organization; null until infra/ has created it, and the sweep's iam and resources sources then fail."
  type        = string
  default     = null

  validation {
    condition     = var.drift_function_service_account == null || can(regex("^infrastream-drift@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com$", var.drift_function_service_account))
    error_message = "drift_function_service_account must be the email of infra/'s drift function, infrastream-drift@<project>.iam.gserviceaccount.com."
  }
}
