variable "project_id" {
  description = "Project of the cluster."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID."
  }
}

variable "region" {
  description = "Region of the cluster, its primary instance and its backups."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "cluster_id" {
  description = "ID of the cluster; the primary instance is <cluster_id>-primary."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,53}[a-z0-9])?$", var.cluster_id))
    error_message = "cluster_id must be 1-55 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "network" {
  description = "VPC network the cluster is reachable from by private IP, as projects/<project>/global/networks/<name> (private services access must be set up on it)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^projects/[^/]+/global/networks/[^/]+$", var.network))
    error_message = "network must look like projects/<project>/global/networks/<name>."
  }
}

variable "allocated_ip_range" {
  description = "Name of the private services access range to take instance addresses from; null lets AlloyDB choose."
  type        = string
  default     = null

  validation {
    condition     = var.allocated_ip_range == null || can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.allocated_ip_range))
    error_message = "allocated_ip_range must be the name of a global internal address range."
  }
}

variable "kms_key_name" {
  description = "Cloud KMS key (projects/<p>/locations/<region>/keyRings/<r>/cryptoKeys/<k>) encrypting the cluster and its backups; null uses Google-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be a crypto key ID."
  }
}

variable "cpu_count" {
  description = "vCPUs of the primary instance."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = contains([2, 4, 8, 16, 32, 64, 96, 128], var.cpu_count)
    error_message = "cpu_count must be one of 2, 4, 8, 16, 32, 64, 96, 128."
  }
}

variable "backup_start_hour" {
  description = "UTC hour at which the daily automated backup starts."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.backup_start_hour >= 0 && var.backup_start_hour <= 23 && floor(var.backup_start_hour) == var.backup_start_hour
    error_message = "backup_start_hour must be a whole hour from 0 to 23."
  }
}

variable "backup_retention_days" {
  description = "Days automated backups are kept."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 365 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number from 7 to 365."
  }
}

variable "point_in_time_recovery_days" {
  description = "Days of continuous backup available for point-in-time recovery."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.point_in_time_recovery_days >= 1 && var.point_in_time_recovery_days <= 35 && floor(var.point_in_time_recovery_days) == var.point_in_time_recovery_days
    error_message = "point_in_time_recovery_days must be a whole number from 1 to 35."
  }
}

variable "iam_users" {
  description = "Database users authenticated by IAM, as a map of a caller-chosen static key to email: a user email, or a service account email (name@project.iam.gserviceaccount.com, or without the .gserviceaccount.com suffix). Service accounts become database users named without the suffix. Keys must be known at plan time; emails may be unknown until apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for user in values(var.iam_users) : can(regex("^[^@\\s]+@[^@\\s]+$", user))])
    error_message = "Each IAM user is an email (a service account may be given as name@project.iam.gserviceaccount.com or name@project.iam)."
  }

  validation {
    condition     = alltrue([for user in values(var.iam_users) : !can(regex("^(user|group|serviceAccount|domain|principal|principalSet):", user))])
    error_message = "Give each IAM user as a bare email, without an IAM member prefix such as user: or serviceAccount:."
  }

  validation {
    condition     = alltrue([for key in keys(var.iam_users) : length(key) > 0 && length(key) <= 100])
    error_message = "Each key of iam_users must be 1-100 characters. Keys are chosen by the caller and must be known at plan time (never an email computed during apply)."
  }

  validation {
    condition     = length(distinct([for user in values(var.iam_users) : trimsuffix(user, ".gserviceaccount.com")])) == length(var.iam_users)
    error_message = "Each IAM user appears once in iam_users."
  }
}

variable "labels" {
  description = "Labels applied to the cluster and instance."
  type        = map(string)
  default     = {}
  nullable    = false
}
