variable "display_name" {
  description = "Human-readable folder name, unique among its siblings."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9 _-]{1,28}[A-Za-z0-9]$", var.display_name))
    error_message = "display_name must be 3-30 characters of letters, digits, spaces, hyphens or underscores, starting and ending with a letter or digit."
  }
}

variable "parent" {
  description = "Parent of the folder, as organizations/<id> or folders/<id>."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^(organizations|folders)/[0-9]+$", var.parent))
    error_message = "parent must look like organizations/123456789 or folders/123456789."
  }
}

variable "iam" {
  description = "Folder-level grants, as a map of a caller-chosen static key to { role, member }. Each entry becomes one additive google_folder_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type = map(object({
    role   = string
    member = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for binding in values(var.iam) : can(regex("^(roles|organizations/[0-9]+/roles)/[A-Za-z0-9_.]+$", binding.role))])
    error_message = "Each role must be a predefined role (roles/...) or an organization custom role (organizations/<id>/roles/...)."
  }

  validation {
    condition     = length(setintersection([for binding in values(var.iam) : binding.role], ["roles/owner", "roles/editor", "roles/viewer"])) == 0
    error_message = "Basic roles (roles/owner, roles/editor, roles/viewer) are not granted at folder level; use predefined roles."
  }

  validation {
    condition     = length(setintersection([for binding in values(var.iam) : binding.role], ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"])) == 0
    error_message = "Service account impersonation roles are not granted at folder level; grant them on the service account itself."
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
