variable "project_id" {
  description = "Project of the key ring (ideally a dedicated key-management project)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "location" {
  description = "Location of the key ring: a region, a multi-region or global. It must match the location of the data it protects."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+[0-9]+)?$", var.location))
    error_message = "location must be a region (europe-west1), a multi-region (europe) or global."
  }
}

variable "key_ring_name" {
  description = "Name of the key ring."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,63}$", var.key_ring_name))
    error_message = "key_ring_name must be 1-63 letters, digits, hyphens or underscores."
  }
}

variable "key_name" {
  description = "Name of the crypto key."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,63}$", var.key_name))
    error_message = "key_name must be 1-63 letters, digits, hyphens or underscores."
  }
}

variable "rotation_period" {
  description = "Rotation period in seconds with an s suffix; at most 7776000s (90 days)."
  type        = string
  default     = "7776000s"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+s$", var.rotation_period)) && tonumber(trimsuffix(var.rotation_period, "s")) >= 86400 && tonumber(trimsuffix(var.rotation_period, "s")) <= 7776000
    error_message = "rotation_period must be between 86400s (1 day) and 7776000s (90 days)."
  }
}

variable "protection_level" {
  description = "Protection level of new key versions."
  type        = string
  default     = "SOFTWARE"
  nullable    = false

  validation {
    condition     = contains(["SOFTWARE", "HSM"], var.protection_level)
    error_message = "protection_level must be SOFTWARE or HSM."
  }
}

variable "encrypter_decrypter_members" {
  description = "Google service agents (serviceAccount:service-<number>@gcp-sa-<service>.iam.gserviceaccount.com and the like) allowed to encrypt and decrypt with the key, as a map of a caller-chosen static key to member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.encrypter_decrypter_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never granted."
  }

  validation {
    condition     = alltrue([for member in values(var.encrypter_decrypter_members) : can(regex("^serviceAccount:(service-[0-9]+@[a-z0-9-]+|bq-[0-9]+@bigquery-encryption)\\.iam\\.gserviceaccount\\.com$", member))])
    error_message = "Only Google service agents may use the key: serviceAccount:service-<project-number>@<agent-domain>.iam.gserviceaccount.com (or bq-<number>@bigquery-encryption...). People and workload service accounts never hold key material rights."
  }

  validation {
    condition     = alltrue([for key in keys(var.encrypter_decrypter_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of encrypter_decrypter_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.encrypter_decrypter_members))) == length(var.encrypter_decrypter_members)
    error_message = "Each member appears once in encrypter_decrypter_members."
  }
}

variable "labels" {
  description = "Labels applied to the crypto key."
  type        = map(string)
  default     = {}
  nullable    = false
}
