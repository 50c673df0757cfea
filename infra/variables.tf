variable "project" {
  description = "Project Infrastream runs in: its functions, topics, Firestore database, secrets and Cloud Builds."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project must be a project ID: 6-30 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the Cloud Builds, the secrets' replicas and where Pub/Sub may store messages."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a region such as europe-west1."
  }
}

variable "source_bucket" {
  description = "Bucket holding the functions' source archive (a zip of this repository with index.js at its root; see README)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.source_bucket))
    error_message = "source_bucket must be a bucket name: 3-63 lowercase letters, digits, dots, hyphens and underscores."
  }
}

variable "source_object" {
  description = "Object name of the source archive in source_bucket. Give each upload a new name (for example with the commit id) so that a new archive redeploys the functions."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s#?*\\[\\]]{1,1024}\\.zip$", var.source_object))
    error_message = "source_object must be the name of a .zip object (no spaces, #, ?, * or brackets)."
  }
}

variable "topic_prefix" {
  description = "Put before every pipeline topic name (push, manifests, desired-state, builds); Cloud Build's cloud-builds topic keeps its fixed name."
  type        = string
  default     = "infrastream-"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{0,100}$", var.topic_prefix)) && !startswith(lower(var.topic_prefix), "goog")
    error_message = "topic_prefix must be 1-101 characters, start with a letter, use letters, digits and . _ ~ % + -, and not start with goog."
  }
}

variable "firestore_database" {
  description = "ID of the Firestore database this module creates for the pipeline's state."
  type        = string
  default     = "infrastream"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database)) && !can(regex("^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", var.firestore_database))
    error_message = "firestore_database must be 4-63 lowercase letters, digits and hyphens, start with a letter, end with a letter or digit, and not look like a UUID."
  }
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region or a multi-region such as eur3); null uses region."
  type        = string
  default     = null

  validation {
    condition     = var.firestore_location == null || can(regex("^([a-z]+-[a-z]+[0-9]+|nam[0-9]+|eur[0-9]+)$", var.firestore_location))
    error_message = "firestore_location must be a region such as europe-west1 or a multi-region such as eur3 or nam5."
  }
}

variable "repository" {
  description = "The manifest repository the pipeline governs, OWNER/NAME#ID with GitHub's numeric repository id (gh api repos/OWNER/NAME --jq .id): pushes of any other repository are refused, and its state is kept under the id."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}#[1-9][0-9]{0,15}$", var.repository))
    error_message = "repository must be OWNER/NAME#ID, such as acme/platform#123456789, with GitHub's numeric repository id."
  }
}

variable "github_app_id" {
  description = "ID of the GitHub App the pipeline acts as (Contents read and write, Checks read and write, Pull requests read, Administration read, Metadata read)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_app_id))
    error_message = "github_app_id must be the App's numeric ID."
  }
}

variable "github_installation_id" {
  description = "ID of the App's installation on the organization that holds the manifest repository."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_installation_id))
    error_message = "github_installation_id must be the installation's numeric ID."
  }
}

variable "github_api_url" {
  description = "API root of GitHub Enterprise Server, such as https://github.example.com/api/v3; null uses github.com."
  type        = string
  default     = null

  validation {
    condition     = var.github_api_url == null || can(regex("^https://[a-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$", var.github_api_url))
    error_message = "github_api_url must be an https:// URL."
  }
}

variable "render_config" {
  description = "The render configuration as JSON (as infrastream render --config): organizationId, billingAccount, parentFolder, projectPrefix, state, hub, logBucket and modules from git at a pinned ref."
  type        = string
  nullable    = false

  validation {
    condition     = can(keys(jsondecode(var.render_config)))
    error_message = "render_config must be a JSON object."
  }

  validation {
    condition = can(keys(jsondecode(var.render_config))) && alltrue([
      for key in ["organizationId", "billingAccount", "parentFolder", "projectPrefix", "state", "hub", "logBucket", "modules"] :
      contains(keys(jsondecode(var.render_config)), key)
    ])
    error_message = "render_config must have organizationId, billingAccount, parentFolder, projectPrefix, state, hub, logBucket and modules."
  }

  validation {
    condition     = can(regex("^git::https://", jsondecode(var.render_config).modules.git)) && can(regex("^([0-9a-f]{40}|v[0-9]+\\.[0-9]+\\.[0-9]+)$", jsondecode(var.render_config).modules.ref))
    error_message = "render_config.modules must be { git = \"git::https://...\", ref = <full commit id or vX.Y.Z> }: Cloud Build checks out the manifests repository, which does not hold the modules."
  }
}

variable "cloud_build_config" {
  description = "Further Cloud Build options as JSON: source, buildTimeoutSeconds, stepTimeoutSeconds. project, region, serviceAccount, the images and, with github_connection, source are set by this module."
  type        = string
  default     = "{}"
  nullable    = false

  validation {
    condition     = can(keys(jsondecode(var.cloud_build_config)))
    error_message = "cloud_build_config must be a JSON object."
  }

  validation {
    condition = can(keys(jsondecode(var.cloud_build_config))) && alltrue([
      for key in keys(jsondecode(var.cloud_build_config)) : contains(["source", "buildTimeoutSeconds", "stepTimeoutSeconds"], key)
    ])
    error_message = "cloud_build_config may only have source, buildTimeoutSeconds and stepTimeoutSeconds; project, region, serviceAccount and the images come from this module's inputs."
  }
}

variable "builder_image" {
  description = "The builder image (builder/Dockerfile) of the commit the functions are deployed from, pinned by digest: every step of a workspace build runs it, rendering with its CLI and planning with its terraform and provider mirror."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[0-9a-f]{64}$", var.builder_image))
    error_message = "builder_image must be pinned by digest, such as europe-docker.pkg.dev/project/repository/image@sha256:<64 hex digits>: a tag can be moved, a digest cannot."
  }
}

variable "github_connection" {
  description = "For a private manifests repository on github.com: the installation ID of Google's Cloud Build GitHub App on the repository's owner, and the Secret Manager secret (in project) holding a GitHub token for the connection (docs/deploy.md). null: the builds clone the repository anonymously, which works for public repositories only."
  type = object({
    app_installation_id = number
    token_secret        = string
  })
  default = null

  validation {
    condition     = var.github_connection == null || can(regex("^[a-zA-Z0-9_-]{1,255}$", var.github_connection.token_secret))
    error_message = "github_connection.token_secret must be a secret ID such as infrastream-github-connection-token."
  }
}

variable "apply" {
  description = "Whether builds of the default branch apply; false plans them only."
  type        = bool
  default     = true
  nullable    = false
}

variable "max_delivery_attempts" {
  description = "Deliveries of one message to a stage before Pub/Sub moves it to the topic's dead-letter topic."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100 && floor(var.max_delivery_attempts) == var.max_delivery_attempts
    error_message = "max_delivery_attempts must be a whole number from 5 to 100 (Pub/Sub's limits)."
  }
}

variable "labels" {
  description = "Labels applied to the functions, topics, subscriptions and secrets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "drift_schedule" {
  description = "When the drift sweep runs: a five-field cron expression in UTC, given to Cloud Scheduler and to the drift function (INFRASTREAM_DRIFT_SCHEDULE)."
  type        = string
  default     = "0 * * * *"
  nullable    = false

  validation {
    condition     = length(split(" ", trimspace(var.drift_schedule))) == 5 && can(regex("^[0-9*,/ -]+$", var.drift_schedule))
    error_message = "drift_schedule must be five cron fields of numbers, *, ranges, steps and lists, such as 0 * * * * (names of months and days are not read)."
  }
}
