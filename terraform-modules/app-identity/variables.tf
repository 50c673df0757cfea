variable "project_id" {
  description = "Project that owns the service account."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "account_id" {
  description = "Account ID, the part of the email before the @."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.account_id))
    error_message = "account_id must be 6-30 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "display_name" {
  description = "Display name of the service account."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.display_name) > 0 && length(var.display_name) <= 100
    error_message = "display_name must be 1-100 characters."
  }
}

variable "description" {
  description = "What the identity runs and why it exists."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}
