variable "project_id" {
  description = "Globally unique project ID."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be 6-30 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "name" {
  description = "Human-readable project name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9 '\"!-]{4,30}$", var.name))
    error_message = "name must be 4-30 characters of letters, digits, spaces, hyphens, single quotes, double quotes or exclamation points."
  }
}

variable "folder_id" {
  description = "Numeric ID of the folder that holds the project."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+$", var.folder_id))
    error_message = "folder_id must be the numeric folder ID (for example the folder module's folder_id output)."
  }
}

variable "billing_account" {
  description = "Billing account ID, as XXXXXX-XXXXXX-XXXXXX."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account))
    error_message = "billing_account must look like 0123AB-4567CD-89EF01."
  }
}

variable "labels" {
  description = "Labels applied to the project."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "activate_apis" {
  description = "APIs to enable on the project, for example compute.googleapis.com. They stay enabled if the resource is destroyed."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for api in var.activate_apis : can(regex("^[a-z0-9.-]+\\.googleapis\\.com$", api))])
    error_message = "Each API must be a service name ending in .googleapis.com."
  }
}

variable "shared_vpc_host_project_id" {
  description = "Shared VPC host project to attach this project to as a service project; null attaches it to none."
  type        = string
  default     = null

  validation {
    condition     = var.shared_vpc_host_project_id == null || can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.shared_vpc_host_project_id))
    error_message = "shared_vpc_host_project_id must be a project ID."
  }
}

variable "iam" {
  description = "Project-level grants, as a map of a caller-chosen static key to { role, member }. Each entry becomes one additive google_project_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type = map(object({
    role   = string
    member = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for binding in values(var.iam) : can(regex("^(roles|projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/roles|organizations/[0-9]+/roles)/[A-Za-z0-9_.]+$", binding.role))])
    error_message = "Each role must be a predefined role (roles/...) or a custom role (projects/<id>/roles/... or organizations/<id>/roles/...)."
  }

  validation {
    condition     = length(setintersection([for binding in values(var.iam) : binding.role], ["roles/owner", "roles/editor", "roles/viewer"])) == 0
    error_message = "Basic roles (roles/owner, roles/editor, roles/viewer) are not granted; use predefined roles."
  }

  validation {
    condition     = length(setintersection([for binding in values(var.iam) : binding.role], ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"])) == 0
    error_message = "Service account impersonation roles are not granted at project level; grant them on the service account itself."
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
