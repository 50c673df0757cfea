variable "project_id" {
  description = "Project that owns the network (the Shared VPC host project for a shared network)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "network" {
  description = "Self link or ID of the network the rules apply to."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("projects/[^/]+/global/networks/[^/]+$", var.network))
    error_message = "network must be a network ID or self link (…/projects/<p>/global/networks/<name>)."
  }
}

variable "name_prefix" {
  description = "Prefix of every rule name, typically the service project's name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be 1-20 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "allow_rules" {
  description = <<-EOT
    Allow rules. Each rule opens one protocol (and optional ports) to explicit CIDR ranges for the
    workloads running as target_service_accounts; it is always logged. INGRESS rules match ranges
    and/or source_service_accounts; EGRESS rules match ranges.
  EOT
  type = list(object({
    name                    = string
    description             = string
    direction               = string
    protocol                = string
    ports                   = optional(list(string), [])
    ranges                  = optional(list(string), [])
    source_service_accounts = optional(list(string), [])
    target_service_accounts = list(string)
    priority                = optional(number, 1000)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for rule in var.allow_rules : can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", rule.name))])
    error_message = "Rule names must be 1-40 characters: lowercase letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = length(distinct([for rule in var.allow_rules : rule.name])) == length(var.allow_rules)
    error_message = "Rule names must be unique."
  }

  validation {
    condition     = alltrue([for rule in var.allow_rules : length(trimspace(rule.description)) >= 10])
    error_message = "Every rule needs a description (at least 10 characters) saying why it exists."
  }

  validation {
    condition     = alltrue([for rule in var.allow_rules : contains(["INGRESS", "EGRESS"], rule.direction)])
    error_message = "direction must be INGRESS or EGRESS."
  }

  validation {
    condition     = alltrue([for rule in var.allow_rules : contains(["tcp", "udp", "icmp", "sctp", "esp", "ah"], rule.protocol)])
    error_message = "protocol must be one of tcp, udp, icmp, sctp, esp, ah (\"all\" is not accepted)."
  }

  validation {
    condition = alltrue([
      for rule in var.allow_rules : alltrue([
        for port in rule.ports : can(regex("^[0-9]{1,5}(-[0-9]{1,5})?$", port))
      ]) && (length(rule.ports) == 0 || contains(["tcp", "udp", "sctp"], rule.protocol))
    ])
    error_message = "ports are numbers or ranges (\"443\", \"8000-8100\") and only apply to tcp, udp and sctp."
  }

  validation {
    condition     = alltrue([for rule in var.allow_rules : rule.priority >= 0 && rule.priority < 65535 && floor(rule.priority) == rule.priority])
    error_message = "priority must be an integer from 0 to 65534 (65535 is the deny-all baseline)."
  }

  validation {
    condition     = alltrue([for rule in var.allow_rules : alltrue([for range in rule.ranges : can(cidrhost(range, 0))])])
    error_message = "ranges must be CIDR blocks."
  }

  validation {
    condition = alltrue([
      for rule in var.allow_rules : alltrue([
        for range in rule.ranges : !contains(["0.0.0.0/0", "::/0"], range) && !endswith(range, "/0")
      ])
    ])
    error_message = "No allow rule may open 0.0.0.0/0 or ::/0 (or any /0 range)."
  }

  validation {
    condition = alltrue([
      for rule in var.allow_rules : rule.direction == "EGRESS" ? length(rule.ranges) > 0 && length(rule.source_service_accounts) == 0 : length(rule.ranges) + length(rule.source_service_accounts) > 0
    ])
    error_message = "EGRESS rules need ranges (an empty list would mean 0.0.0.0/0) and take no source_service_accounts; INGRESS rules need ranges or source_service_accounts."
  }

  validation {
    condition = alltrue([
      for rule in var.allow_rules : length(rule.target_service_accounts) > 0 && alltrue([
        for email in concat(rule.target_service_accounts, rule.source_service_accounts) : can(regex("^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", email))
      ])
    ])
    error_message = "Every rule targets at least one service account; service accounts are given by email (name@project.iam.gserviceaccount.com)."
  }
}
