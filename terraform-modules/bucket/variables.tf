variable "project_id" {
  description = "Project of the bucket."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "name" {
  description = "Globally unique bucket name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$", var.name)) && !startswith(var.name, "goog")
    error_message = "name must be 3-63 characters of lowercase letters, digits, hyphens and underscores, start and end with a letter or digit, and not start with goog."
  }
}

variable "location" {
  description = "Bucket location: a region, dual-region or multi-region (EU, US, ASIA, ...)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.location))
    error_message = "location must be a region, dual-region or multi-region name."
  }
}

variable "log_bucket" {
  description = "Name of another bucket that receives this bucket's usage and storage logs."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,220}[a-z0-9]$", var.log_bucket))
    error_message = "log_bucket must be a bucket name."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key used as the bucket's default encryption key; null uses Google-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be a crypto key ID."
  }
}

variable "soft_delete_retention_days" {
  description = "Days deleted objects stay recoverable (7 to 90)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90 && floor(var.soft_delete_retention_days) == var.soft_delete_retention_days
    error_message = "soft_delete_retention_days must be a whole number from 7 to 90; soft delete cannot be switched off."
  }
}

variable "storage_class" {
  description = "Default storage class."
  type        = string
  default     = "STANDARD"
  nullable    = false

  validation {
    condition     = contains(["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"], var.storage_class)
    error_message = "storage_class must be STANDARD, NEARLINE, COLDLINE or ARCHIVE."
  }
}

variable "iam" {
  description = "Bucket-level grants, as a map of a caller-chosen static key to { role, member }. Each entry becomes one additive google_storage_bucket_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type = map(object({
    role   = string
    member = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for binding in values(var.iam) : can(regex("^(roles|projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/roles|organizations/[0-9]+/roles)/[A-Za-z0-9_.]+$", binding.role))])
    error_message = "Each role must be a predefined or custom role."
  }

  validation {
    condition     = alltrue([for binding in values(var.iam) : !startswith(binding.role, "roles/storage.legacy")])
    error_message = "Legacy bucket roles (roles/storage.legacy*) are not granted; use roles/storage.object* roles."
  }

  validation {
    condition     = alltrue([for binding in values(var.iam) : !contains(["allUsers", "allAuthenticatedUsers"], binding.member)])
    error_message = "allUsers and allAuthenticatedUsers are never granted."
  }

  validation {
    condition     = alltrue([for binding in values(var.iam) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", binding.member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.iam) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of iam must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.iam))) == length(var.iam)
    error_message = "Each role and member pair appears once in iam."
  }
}

variable "labels" {
  description = "Labels applied to the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
