variable "project_id" {
  description = "Host project of the hub network (it becomes the Shared VPC host)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "name" {
  description = "Name of the hub network; also the prefix of every resource the module creates."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be 1-40 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the Cloud Router, Cloud NAT, proxy-only subnet and Secure Web Proxy; default region of subnets."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "subnets" {
  description = "Workload subnets keyed by name. Every subnet gets Private Google Access and VPC flow logs."
  type = map(object({
    ip_cidr_range       = string
    region              = optional(string)
    secondary_ip_ranges = optional(map(string), {})
  }))
  nullable = false

  validation {
    condition     = length(var.subnets) > 0
    error_message = "At least one subnet is needed (the Secure Web Proxy takes its address from one)."
  }

  validation {
    condition     = alltrue([for name in keys(var.subnets) : can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", name))])
    error_message = "Subnet names must be 1-63 characters: lowercase letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition = alltrue(flatten([
      for subnet in values(var.subnets) : concat(
        [can(cidrhost(subnet.ip_cidr_range, 0))],
        [for range in values(subnet.secondary_ip_ranges) : can(cidrhost(range, 0))],
      )
    ]))
    error_message = "Every ip_cidr_range and secondary range must be a CIDR block."
  }
}

variable "proxy_only_cidr" {
  description = "CIDR of the regional proxy-only subnet used by the Secure Web Proxy (a /23 is recommended)."
  type        = string
  nullable    = false

  validation {
    condition     = can(cidrhost(var.proxy_only_cidr, 0))
    error_message = "proxy_only_cidr must be a CIDR block."
  }
}

variable "swg_subnet" {
  description = "Key of the subnet in var.subnets from which the Secure Web Proxy takes its address."
  type        = string
  nullable    = false
}

variable "swg_certificate_urls" {
  description = "Certificate Manager certificates the Secure Web Proxy presents, as projects/<p>/locations/<region>/certificates/<name>."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.swg_certificate_urls) > 0 && alltrue([for url in var.swg_certificate_urls : can(regex("^projects/[^/]+/locations/[^/]+/certificates/[^/]+$", url))])
    error_message = "At least one certificate, each as projects/<p>/locations/<region>/certificates/<name>."
  }
}

variable "swg_ports" {
  description = "Ports on which the Secure Web Proxy listens."
  type        = list(number)
  default     = [443]
  nullable    = false

  validation {
    condition     = length(var.swg_ports) > 0 && alltrue([for port in var.swg_ports : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "swg_ports must hold at least one port between 1 and 65535."
  }
}

variable "allowed_hosts" {
  description = "Exact host names the Secure Web Proxy lets through. With none, no allow rule exists and nothing passes."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for host in var.allowed_hosts : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", host))])
    error_message = "Each allowed host must be a lowercase fully qualified host name (no wildcards, schemes, ports or quotes)."
  }
}

variable "database_range_name" {
  description = "Name of the private services access range the hub allocates and peers for the databases (AlloyDB's allocated_ip_range)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.database_range_name))
    error_message = "database_range_name must be 1-63 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "database_range_prefix_length" {
  description = "Prefix length of the databases' range; AlloyDB needs at least a /24 per cluster."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.database_range_prefix_length >= 8 && var.database_range_prefix_length <= 24 && floor(var.database_range_prefix_length) == var.database_range_prefix_length
    error_message = "database_range_prefix_length must be a whole number from 8 to 24."
  }
}
