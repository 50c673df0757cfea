variable "project_id" {
  description = "Project of the service."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "region" {
  description = "Region of the service."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "name" {
  description = "Name of the service."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$", var.name))
    error_message = "name must be 1-49 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "image" {
  description = "Container image, pinned by digest (…@sha256:<64 hex>)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[^@\\s]+@sha256:[a-f0-9]{64}$", var.image))
    error_message = "image must be pinned by digest: <registry>/<path>@sha256:<64 hex characters>."
  }
}

variable "service_account_email" {
  description = "Email of the service's own identity (see the app-identity module)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", var.service_account_email))
    error_message = "service_account_email must be a user-managed service account (name@project.iam.gserviceaccount.com), never the default compute account."
  }
}

variable "network" {
  description = "Network (ID or self link) the service sends all egress through."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("projects/[^/]+/global/networks/[^/]+$", var.network))
    error_message = "network must be a network ID or self link."
  }
}

variable "subnetwork" {
  description = "Subnetwork (ID or self link) of the service's Direct VPC egress."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("projects/[^/]+/regions/[^/]+/subnetworks/[^/]+$", var.subnetwork))
    error_message = "subnetwork must be a subnetwork ID or self link."
  }
}

variable "env" {
  description = "Plain environment variables, for non-secret values only."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for name in keys(var.env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", name))])
    error_message = "Environment variable names are letters, digits and underscores, not starting with a digit."
  }

  validation {
    condition     = alltrue([for name in keys(var.env) : !can(regex("(?i)(password|passwd|secret|token|api_?key|private_?key|credential)", name))])
    error_message = "A variable named like a secret belongs in secret_env (a Secret Manager reference), not in env."
  }
}

variable "secret_env" {
  description = "Environment variables read from Secret Manager, as a map of variable name to secret ID (or projects/<p>/secrets/<id>)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for name in keys(var.secret_env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", name))])
    error_message = "Environment variable names are letters, digits and underscores, not starting with a digit."
  }

  validation {
    condition     = alltrue([for secret in values(var.secret_env) : can(regex("^(projects/[^/]+/secrets/)?[A-Za-z0-9_-]{1,255}$", secret))])
    error_message = "Each value must be a secret ID or projects/<p>/secrets/<id>."
  }
}

variable "invoker_members" {
  description = "Members granted roles/run.invoker on this service, as a map of a caller-chosen static key to member; each entry is one google_cloud_run_v2_service_iam_member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.invoker_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never invokers; public traffic arrives through the load balancer."
  }

  validation {
    condition     = alltrue([for member in values(var.invoker_members) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.invoker_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of invoker_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.invoker_members))) == length(var.invoker_members)
    error_message = "Each member appears once in invoker_members."
  }
}

variable "public_through_load_balancer" {
  description = "The service is reached by anyone through the organization's external load balancer, as an unauthenticated route of an HttpRoute declares. Disables Cloud Run's invoker IAM check on this service (the load balancer's serverless network endpoint group sends no identity); ingress still admits only internal and load balancer traffic, and allUsers is never granted."
  type        = bool
  default     = false
  nullable    = false
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080
  nullable    = false

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535
    error_message = "container_port must be between 1 and 65535."
  }
}

variable "container_port_name" {
  description = "How the container's port is served: http1 (HTTP/1.1), or h2c (end-to-end HTTP/2 in cleartext, which gRPC and streaming need)."
  type        = string
  default     = "http1"
  nullable    = false

  validation {
    condition     = contains(["http1", "h2c"], var.container_port_name)
    error_message = "container_port_name must be http1 or h2c."
  }
}

variable "command" {
  description = "Entrypoint of the container; empty keeps the image's own."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "args" {
  description = "Arguments of the entrypoint; empty keeps the image's own."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "startup_probe" {
  description = "Probe that holds traffic back until the container answers it, on the container port: type http (GET path), grpc (the gRPC health service) or tcp (a connection). null keeps Cloud Run's default TCP probe."
  type = object({
    type                  = string
    path                  = optional(string, "/")
    initial_delay_seconds = optional(number, 0)
    period_seconds        = optional(number, 10)
    timeout_seconds       = optional(number, 1)
    failure_threshold     = optional(number, 3)
  })
  default = null

  validation {
    condition     = var.startup_probe == null || try(contains(["http", "grpc", "tcp"], var.startup_probe.type), false)
    error_message = "startup_probe.type must be http, grpc or tcp."
  }

  validation {
    condition = var.startup_probe == null || try(
      var.startup_probe.initial_delay_seconds >= 0 && var.startup_probe.initial_delay_seconds <= 240 &&
      var.startup_probe.period_seconds >= 1 && var.startup_probe.period_seconds <= 240 &&
      var.startup_probe.timeout_seconds >= 1 && var.startup_probe.timeout_seconds <= var.startup_probe.period_seconds &&
      var.startup_probe.failure_threshold >= 1,
      false,
    )
    error_message = "startup_probe: initial_delay_seconds 0-240, period_seconds 1-240, timeout_seconds from 1 to period_seconds, failure_threshold 1 or more."
  }
}

variable "liveness_probe" {
  description = "Probe whose failures restart the container, on the container port: type http (GET path), grpc (the gRPC health service) or tcp (a connection). null runs none."
  type = object({
    type                  = string
    path                  = optional(string, "/")
    initial_delay_seconds = optional(number, 0)
    period_seconds        = optional(number, 10)
    timeout_seconds       = optional(number, 1)
    failure_threshold     = optional(number, 3)
  })
  default = null

  validation {
    condition     = var.liveness_probe == null || try(contains(["http", "grpc", "tcp"], var.liveness_probe.type), false)
    error_message = "liveness_probe.type must be http, grpc or tcp."
  }

  validation {
    condition = var.liveness_probe == null || try(
      var.liveness_probe.initial_delay_seconds >= 0 && var.liveness_probe.initial_delay_seconds <= 3600 &&
      var.liveness_probe.period_seconds >= 1 && var.liveness_probe.period_seconds <= 3600 &&
      var.liveness_probe.timeout_seconds >= 1 && var.liveness_probe.timeout_seconds <= var.liveness_probe.period_seconds &&
      var.liveness_probe.failure_threshold >= 1,
      false,
    )
    error_message = "liveness_probe: initial_delay_seconds 0-3600, period_seconds 1-3600, timeout_seconds from 1 to period_seconds, failure_threshold 1 or more."
  }
}

variable "cpu" {
  description = "CPU limit of the container, for example \"1\" or \"2\"."
  type        = string
  default     = "1"
  nullable    = false

  validation {
    condition     = can(regex("^([0-9]+|[0-9]+m)$", var.cpu))
    error_message = "cpu must be a number of CPUs (\"1\") or millicpus (\"500m\")."
  }
}

variable "memory" {
  description = "Memory limit of the container, for example \"512Mi\" or \"1Gi\"."
  type        = string
  default     = "512Mi"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory must be given in Mi or Gi, for example 512Mi."
  }
}

variable "min_instances" {
  description = "Minimum number of instances."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.min_instances >= 0 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number, 0 or more."
  }
}

variable "max_instances" {
  description = "Maximum number of instances."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number, 1 or more."
  }
}

variable "labels" {
  description = "Labels applied to the service."
  type        = map(string)
  default     = {}
  nullable    = false
}
