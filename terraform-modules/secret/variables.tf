variable "project_id" {
  description = "Project of the secret."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "secret_id" {
  description = "ID of the secret."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.secret_id))
    error_message = "secret_id must be 1-255 letters, digits, hyphens or underscores."
  }
}

variable "replica_locations" {
  description = "Regions holding replicas (user-managed replication). Empty means automatic replication."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for location in var.replica_locations : can(regex("^[a-z]+-[a-z]+[0-9]+$", location))])
    error_message = "Each replica location must be a region such as europe-west1."
  }

  validation {
    condition     = length(distinct(var.replica_locations)) == length(var.replica_locations)
    error_message = "Replica locations must be unique."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key (in location global) for automatic replication; null uses Google-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/global/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "With automatic replication the key must be a global crypto key: projects/<p>/locations/global/keyRings/<r>/cryptoKeys/<k>."
  }
}

variable "replica_kms_key_names" {
  description = "Cloud KMS key per replica location for user-managed replication, keyed by location."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for location, key in var.replica_kms_key_names : can(regex("^projects/[^/]+/locations/${location}/keyRings/[^/]+/cryptoKeys/[^/]+$", key))])
    error_message = "Each replica key must be a crypto key in the replica's own location."
  }
}

variable "accessor_members" {
  description = "Members granted roles/secretmanager.secretAccessor on this secret, as a map of a caller-chosen static key to member; each entry is one google_secret_manager_secret_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.accessor_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never accessors."
  }

  validation {
    condition     = alltrue([for member in values(var.accessor_members) : can(regex("^(user|group|serviceAccount|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.accessor_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of accessor_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.accessor_members))) == length(var.accessor_members)
    error_message = "Each member appears once in accessor_members."
  }
}

variable "labels" {
  description = "Labels applied to the secret."
  type        = map(string)
  default     = {}
  nullable    = false
}
