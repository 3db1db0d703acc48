# ---------------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Project to deploy into. It owns the function, bucket, dataset, secrets and Firestore state."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lower-case letters, digits and hyphens), not a project name or number."
  }
}

variable "region" {
  type        = string
  description = "Region of the function and the Cloud Scheduler job, e.g. europe-west1."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Cloud region such as us-central1 or europe-west1 (not a zone, not a multi-region)."
  }
}

variable "name" {
  type        = string
  description = "Name of the function, and prefix of the service accounts and the scheduler job."
  default     = "looker-activity-export"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}[a-z0-9]$", var.name))
    error_message = "name must be 4-42 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "enable_apis" {
  type        = bool
  description = "Enable the Google APIs the deployment needs. Turn off if your organisation manages APIs elsewhere."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every resource that takes them."
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Looker
# ---------------------------------------------------------------------------------------------

variable "looker_base_url" {
  type        = string
  description = "Looker API host, e.g. https://acme.cloud.looker.com (no /api/4.0)."

  validation {
    condition     = can(regex("^https?://[^/]+/?$", var.looker_base_url))
    error_message = "looker_base_url must be the scheme and host of your Looker instance, e.g. https://acme.cloud.looker.com, without a path."
  }
}

variable "looker_instance_name" {
  type        = string
  description = "Value of the looker_instance column. Empty: the host of looker_base_url."
  default     = ""
}

variable "looker_verify_ssl" {
  type        = bool
  description = "Verify Looker's TLS certificate. Only turn off for a self-hosted Looker with a private CA you cannot install."
  default     = true
}

variable "looker_timeout_seconds" {
  type        = number
  description = "Longest wait for Looker to start answering a query, and longest silence inside a result."
  default     = 600

  validation {
    condition     = var.looker_timeout_seconds >= 10 && var.looker_timeout_seconds <= 3600
    error_message = "looker_timeout_seconds must be between 10 and 3600."
  }
}

variable "looker_row_cap" {
  type        = number
  description = "Row limit Looker may silently cap a query at; windows that reach it are split so no row is lost. 0 turns splitting off."
  default     = 5000

  validation {
    condition     = var.looker_row_cap >= 0
    error_message = "looker_row_cap must be 0 or more."
  }
}

variable "client_id_secret_id" {
  type        = string
  description = "Secret Manager secret (created empty here) that will hold the Looker API client id."
  default     = "looker-client-id"
}

variable "client_secret_secret_id" {
  type        = string
  description = "Secret Manager secret (created empty here) that will hold the Looker API client secret."
  default     = "looker-client-secret"
}

# ---------------------------------------------------------------------------------------------
# Staging bucket
# ---------------------------------------------------------------------------------------------

variable "bucket_name" {
  type        = string
  description = "Staging bucket for the JSONL objects. Empty: <project_id>-<name>-staging."
  default     = ""
}

variable "bucket_location" {
  type        = string
  description = "Location of the staging bucket; keep it with the dataset (e.g. US, EU, europe-west1)."
  default     = "US"
}

variable "staging_retention_days" {
  type        = number
  description = "Days staged objects are kept before the lifecycle rule deletes them."
  default     = 3

  validation {
    condition     = var.staging_retention_days >= 1 && var.staging_retention_days <= 365
    error_message = "staging_retention_days must be between 1 and 365."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy delete a bucket that still holds objects."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# BigQuery
# ---------------------------------------------------------------------------------------------

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset for the System Activity tables."
  default     = "looker_system_activity"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id may contain only letters, digits and underscores."
  }
}

variable "dataset_location" {
  type        = string
  description = "BigQuery location of the dataset and the load jobs (e.g. US, EU)."
  default     = "US"
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the tables from terraform destroy: they are the audit archive Looker no longer has."
  default     = true
}

# ---------------------------------------------------------------------------------------------
# Firestore (export state)
# ---------------------------------------------------------------------------------------------

variable "create_firestore_database" {
  type        = bool
  description = "Create the Firestore database named firestore_database_id. False: use an existing one (such as the project's default)."
  default     = false
}

variable "firestore_database_id" {
  type        = string
  description = "Firestore database holding the export state."
  default     = "(default)"
}

variable "firestore_location" {
  type        = string
  description = "Location of the Firestore database, when create_firestore_database is true."
  default     = "nam5"
}

variable "firestore_collection" {
  type        = string
  description = "Firestore collection for the watermarks and the run lease."
  default     = "looker_activity_export"
}

# ---------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------

variable "source_dir" {
  type        = string
  description = "Directory of the function's source (this repository). Empty: two levels above this module."
  default     = ""
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "nodejs20"

  validation {
    condition     = contains(["nodejs20", "nodejs22"], var.runtime)
    error_message = "runtime must be nodejs20 or nodejs22."
  }
}

variable "memory" {
  type        = string
  description = "Memory of the function instance. The extract streams, so 1Gi suffices for millions of rows."
  default     = "1Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory must be a size such as 512Mi or 1Gi."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Function timeout; 3600 is the most an HTTP function (2nd gen) allows."
  default     = 3600

  validation {
    condition     = var.timeout_seconds >= 60 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 60 and 3600."
  }
}

variable "settle_days" {
  type        = number
  description = "Days before the watermark re-read on each run, for rows System Activity serves late."
  default     = 1

  validation {
    condition     = var.settle_days >= 0 && var.settle_days <= 30
    error_message = "settle_days must be between 0 and 30."
  }
}

variable "ingress_settings" {
  type        = string
  description = "Who can reach the function's URL. Every caller still needs the invoker role; Cloud Scheduler needs ALLOW_ALL."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

# ---------------------------------------------------------------------------------------------
# Schedule
# ---------------------------------------------------------------------------------------------

variable "schedule" {
  type        = string
  description = "Cron expression of the daily run, in schedule_time_zone. Early morning leaves Looker time to settle the day."
  default     = "0 3 * * *"

  validation {
    condition     = length(split(" ", trimspace(var.schedule))) == 5
    error_message = "schedule must be a five-field cron expression, e.g. \"0 3 * * *\"."
  }
}

variable "schedule_time_zone" {
  type        = string
  description = "Time zone of the schedule (the export itself always works in UTC days)."
  default     = "Etc/UTC"
}

variable "scheduler_body" {
  type        = string
  description = "JSON body the scheduler posts, e.g. {\"explores\":[\"content_usage\"]}. {} runs every explore."
  default     = "{}"

  validation {
    condition     = can(jsondecode(var.scheduler_body))
    error_message = "scheduler_body must be valid JSON."
  }
}
