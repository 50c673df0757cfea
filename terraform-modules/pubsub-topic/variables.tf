variable "project_id" {
  description = "Project of the topic."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "name" {
  description = "Name of the topic; the dead-letter topic is <name>-dead-letter."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,200}$", var.name)) && !startswith(lower(var.name), "goog")
    error_message = "name must be 3-201 characters, start with a letter, use letters, digits and . _ ~ % + -, and not start with goog."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key encrypting both topics' messages; null uses Google-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be a crypto key ID."
  }
}

variable "allowed_persistence_regions" {
  description = "Regions where messages may be stored and, with in-transit enforcement, processed."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_persistence_regions) > 0 && alltrue([for region in var.allowed_persistence_regions : can(regex("^[a-z]+-[a-z]+[0-9]+$", region))])
    error_message = "Give at least one region, each like europe-west1."
  }
}

variable "message_retention_duration" {
  description = "How long the topic keeps published messages, in seconds with an s suffix (600s to 2678400s)."
  type        = string
  default     = "604800s"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+s$", var.message_retention_duration)) && tonumber(trimsuffix(var.message_retention_duration, "s")) >= 600 && tonumber(trimsuffix(var.message_retention_duration, "s")) <= 2678400
    error_message = "message_retention_duration must be between 600s (10 minutes) and 2678400s (31 days)."
  }
}

variable "push_subscriptions" {
  description = "Push subscriptions. Each pushes over HTTPS with an OIDC token of service_account_email and dead-letters after max_delivery_attempts."
  type = list(object({
    name                  = string
    push_endpoint         = string
    service_account_email = string
    audience              = optional(string)
    ack_deadline_seconds  = optional(number, 60)
    max_delivery_attempts = optional(number, 5)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for sub in var.push_subscriptions : can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", sub.name))])
    error_message = "Subscription names must be 3-255 characters, start with a letter and use letters, digits and . _ ~ % + -."
  }

  validation {
    condition     = length(distinct([for sub in var.push_subscriptions : sub.name])) == length(var.push_subscriptions)
    error_message = "Subscription names must be unique."
  }

  validation {
    condition     = alltrue([for sub in var.push_subscriptions : startswith(sub.push_endpoint, "https://")])
    error_message = "push_endpoint must be an https:// URL."
  }

  validation {
    condition     = alltrue([for sub in var.push_subscriptions : can(regex("^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", sub.service_account_email))])
    error_message = "service_account_email must be a user-managed service account email."
  }

  validation {
    condition     = alltrue([for sub in var.push_subscriptions : sub.ack_deadline_seconds >= 10 && sub.ack_deadline_seconds <= 600])
    error_message = "ack_deadline_seconds must be between 10 and 600."
  }

  validation {
    condition     = alltrue([for sub in var.push_subscriptions : sub.max_delivery_attempts >= 5 && sub.max_delivery_attempts <= 100])
    error_message = "max_delivery_attempts must be between 5 and 100."
  }
}

variable "publisher_members" {
  description = "Members granted roles/pubsub.publisher on the topic, as a map of a caller-chosen static key to member; each entry is one google_pubsub_topic_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.publisher_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never publishers."
  }

  validation {
    condition     = alltrue([for member in values(var.publisher_members) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.publisher_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of publisher_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.publisher_members))) == length(var.publisher_members)
    error_message = "Each member appears once in publisher_members."
  }
}

variable "labels" {
  description = "Labels applied to the topics and subscriptions."
  type        = map(string)
  default     = {}
  nullable    = false
}
