variable "project_id" {
  description = "Project of the repository."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "location" {
  description = "Region or multi-region of the repository."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+[0-9]+)?$", var.location))
    error_message = "location must be a region (europe-west1) or multi-region (europe, us, asia)."
  }
}

variable "repository_id" {
  description = "ID of the repository."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.repository_id))
    error_message = "repository_id must be 1-63 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "format" {
  description = "Package format of the repository."
  type        = string
  default     = "DOCKER"
  nullable    = false

  validation {
    condition     = contains(["DOCKER", "MAVEN", "NPM", "PYTHON", "APT", "YUM", "GO", "KFP", "GENERIC"], var.format)
    error_message = "format must be one of DOCKER, MAVEN, NPM, PYTHON, APT, YUM, GO, KFP, GENERIC."
  }
}

variable "description" {
  description = "Description of the repository."
  type        = string
  default     = ""
  nullable    = false
}

variable "kms_key_name" {
  description = "Cloud KMS key encrypting the repository's contents; null uses Google-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be a crypto key ID."
  }
}

variable "reader_members" {
  description = "Members granted roles/artifactregistry.reader on the repository, as a map of a caller-chosen static key to member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.reader_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never readers."
  }

  validation {
    condition     = alltrue([for member in values(var.reader_members) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.reader_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of reader_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.reader_members))) == length(var.reader_members)
    error_message = "Each member appears once in reader_members."
  }
}

variable "writer_members" {
  description = "Members granted roles/artifactregistry.writer on the repository (typically the build identity only), as a map of a caller-chosen static key to member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.writer_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never writers."
  }

  validation {
    condition     = alltrue([for member in values(var.writer_members) : can(regex("^(user|group|serviceAccount|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.writer_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of writer_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.writer_members))) == length(var.writer_members)
    error_message = "Each member appears once in writer_members."
  }
}

variable "labels" {
  description = "Labels applied to the repository."
  type        = map(string)
  default     = {}
  nullable    = false
}
