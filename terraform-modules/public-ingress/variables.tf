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

variable "backends" {
  description = <<-EOT
    Cloud Run services behind the load balancer, keyed by a short name. audience is PUBLIC (anyone,
    behind Cloud Armor) or INTERNAL (behind Cloud Armor and Identity-Aware Proxy, which lets through
    the backend's own iap_members).
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
    condition     = alltrue([for key in keys(var.backends) : can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", key)) && key != "unmatched"])
    error_message = "Backend keys must be 1-20 characters: lowercase letters, digits and hyphens, starting with a letter; \"unmatched\" is the module's own."
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

variable "hosts" {
  description = <<-EOT
    The hosts served, each with its route rules: one matcher (exactly one of full_path, prefix or
    regex, compared as the load balancer's route rules do: literally, or as an RE2 expression over
    the whole path) at a priority unique in the host (lowest first), sent to one backend or split
    by weight. A request no rule matches, and any other host, is answered 404 and reaches no backend.
  EOT
  type = list(object({
    host = string
    rules = list(object({
      priority = number
      match = object({
        full_path = optional(string)
        prefix    = optional(string)
        regex     = optional(string)
      })
      destinations = list(object({
        backend = string
        weight  = optional(number, 1)
      }))
    }))
  }))
  nullable = false

  validation {
    condition     = length(var.hosts) > 0 && length(var.hosts) <= 100 && length(distinct([for host in var.hosts : host.host])) == length(var.hosts)
    error_message = "Give between 1 and 100 hosts, each once."
  }

  validation {
    condition     = alltrue([for host in var.hosts : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", host.host))])
    error_message = "Each host must be a lowercase fully qualified host name without wildcard."
  }

  validation {
    condition     = alltrue([for host in var.hosts : length(distinct([for rule in host.rules : rule.priority])) == length(host.rules) && alltrue([for rule in host.rules : rule.priority >= 0 && rule.priority <= 2147483647 && floor(rule.priority) == rule.priority])])
    error_message = "Each rule of a host has its own whole priority between 0 and 2147483647."
  }

  validation {
    condition     = alltrue(flatten([for host in var.hosts : [for rule in host.rules : length([for value in [rule.match.full_path, rule.match.prefix, rule.match.regex] : value if value != null]) == 1]]))
    error_message = "Each rule matches with exactly one of full_path, prefix or regex."
  }

  validation {
    condition     = alltrue(flatten([for host in var.hosts : [for rule in host.rules : [for path in [rule.match.full_path, rule.match.prefix] : startswith(path, "/") && length(path) <= 1024 if path != null]]]))
    error_message = "full_path and prefix start with / and are at most 1024 characters."
  }

  validation {
    condition     = alltrue(flatten([for host in var.hosts : [for rule in host.rules : rule.match.regex == null ? true : length(rule.match.regex) > 0 && length(rule.match.regex) <= 1024]]))
    error_message = "regex is 1-1024 characters of RE2."
  }

  validation {
    condition     = alltrue(flatten([for host in var.hosts : [for rule in host.rules : length(rule.destinations) > 0 && alltrue([for destination in rule.destinations : destination.weight >= 0 && destination.weight <= 1000 && floor(destination.weight) == destination.weight])]]))
    error_message = "Each rule has at least one destination, each weighted by a whole number between 0 and 1000."
  }
}

variable "iap_members" {
  description = "Who Identity-Aware Proxy lets through, per INTERNAL backend: keys are \"<backend key> <caller's static key>\" (1-100 characters, known at plan time), values the members granted roles/iap.httpsResourceAccessor on that backend alone (possibly unknown until apply)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for member in values(var.iap_members) : !contains(["allUsers", "allAuthenticatedUsers"], member) && !startswith(member, "principalSet://goog/public")])
    error_message = "allUsers, allAuthenticatedUsers and principalSet://goog/public are never IAP accessors; use a PUBLIC backend for public content."
  }

  validation {
    condition     = alltrue([for member in values(var.iap_members) : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+$", member))])
    error_message = "Each member must be prefixed with user:, group:, serviceAccount:, domain:, principal: or principalSet:."
  }

  validation {
    condition     = alltrue([for key in keys(var.iap_members) : length(key) > 0 && length(key) <= 100 && can(regex("^[a-z][-a-z0-9]* .+$", key))])
    error_message = "Each key of iap_members is \"<backend key> <static key>\", 1-100 characters. Keys are chosen by the caller and must be known at plan time (never a member computed during apply)."
  }
}
