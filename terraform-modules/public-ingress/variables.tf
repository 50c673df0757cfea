variable "project_id" {
  description = "Project of the load balancer (the project of the Cloud Run services)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "name" {
  description = "Prefix of every resource the module creates."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$", var.name))
    error_message = "name must be 1-30 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "domains" {
  description = "Host names served, covered by one Google-managed certificate."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.domains) > 0 && length(var.domains) <= 100
    error_message = "Give between 1 and 100 domains."
  }

  validation {
    condition     = alltrue([for domain in var.domains : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", domain))])
    error_message = "Each domain must be a lowercase fully qualified host name without wildcard."
  }
}

variable "backends" {
  description = <<-EOT
    Cloud Run services behind the load balancer, keyed by a short name. audience is PUBLIC (anyone,
    behind Cloud Armor) or INTERNAL (behind Cloud Armor and Identity-Aware Proxy).
  EOT
  type = map(object({
    region            = string
    cloud_run_service = string
    audience          = string
  }))
  nullable = false

  validation {
    condition     = length(var.backends) > 0
    error_message = "At least one backend is needed."
  }

  validation {
    condition     = alltrue([for key in keys(var.backends) : can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", key))])
    error_message = "Backend keys must be 1-20 characters: lowercase letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for backend in values(var.backends) : contains(["PUBLIC", "INTERNAL"], backend.audience)])
    error_message = "audience must be PUBLIC or INTERNAL."
  }

  validation {
    condition     = alltrue([for backend in values(var.backends) : can(regex("^[a-z]+-[a-z]+[0-9]+$", backend.region)) && can(regex("^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$", backend.cloud_run_service))])
    error_message = "Each backend needs a region (europe-west1) and a Cloud Run service name."
  }
}

variable "default_backend" {
  description = "Key of the backend serving requests that match no route."
  type        = string
  nullable    = false
}

variable "routes" {
  description = "Host rules: requests for hosts go to default_backend, or to the backend of the first matching path rule."
  type = list(object({
    hosts           = list(string)
    default_backend = string
    path_rules = optional(list(object({
      paths   = list(string)
      backend = string
    })), [])
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for route in var.routes : length(route.hosts) > 0 && alltrue([for host in route.hosts : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", host))])])
    error_message = "Each route needs at least one host name (a leading *. wildcard is allowed)."
  }

  validation {
    condition     = alltrue(flatten([for route in var.routes : [for rule in route.path_rules : length(rule.paths) > 0 && alltrue([for path in rule.paths : startswith(path, "/")])]]))
    error_message = "Each path rule needs at least one path, each starting with /."
  }
}

variable "iap_members" {
  description = "Members granted roles/iap.httpsResourceAccessor on every INTERNAL backend, as a map of a caller-chosen static key to member. Keys must be known at plan time; members may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.iap_members) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "allUsers and allAuthenticatedUsers are never IAP accessors; use a PUBLIC backend for public content."
  }

  validation {
    condition     = alltrue([for member in values(var.iap_members) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.iap_members) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of iap_members must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }

  validation {
    condition     = length(distinct(values(var.iap_members))) == length(var.iap_members)
    error_message = "Each member appears once in iap_members."
  }
}
