# ---------------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Project to deploy into. It owns the function, bucket, dataset, secrets and Firestore state."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lower-case letters, digits and hyphens, e.g. acme-analytics), not a project name or number."
  }
}

variable "region" {
  type        = string
  description = "Region of the function and the Cloud Scheduler job, e.g. europe-west1."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Cloud region such as us-central1 or europe-west1: not a zone (us-central1-a) and not a multi-region (US, EU)."
  }
}

variable "name" {
  type        = string
  description = "Name of the function, and prefix of the service accounts, the scheduler job and the default bucket name."
  default     = "looker-activity-export"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}[a-z0-9]$", var.name))
    error_message = "name must be 4-42 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "enable_apis" {
  type        = bool
  description = "Enable the Google APIs the deployment needs. Turn off if your organisation manages APIs elsewhere."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every resource that takes them (app = looker-activity-export is always added)."
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))])
    error_message = "labels keys must start with a lower-case letter; keys and values may hold only lower-case letters, digits, _ and - (63 characters at most)."
  }
}

# ---------------------------------------------------------------------------------------------
# Looker
# ---------------------------------------------------------------------------------------------

variable "looker_instances" {
  type = map(object({
    base_url               = string
    dataset_id             = optional(string)
    verify_ssl             = optional(bool)
    max_concurrent_queries = optional(number)
    monthly_query_budget   = optional(number)
  }))
  description = <<-EOT
    Looker instances to export, by name: the name is the looker_instance column and keys the
    instance's state. Each gets two secrets, <name>-looker-client-id and
    <name>-looker-client-secret (containers only: you add the versions), and its own dataset:
    dataset_id, by default the module's dataset_id for a single instance and
    <dataset_id>_<name> (hyphens as underscores) for several. verify_ssl defaults to
    looker_verify_ssl, max_concurrent_queries (fan-out mode: the size of the instance's queue) to
    looker_max_concurrent_queries, monthly_query_budget to looker_monthly_query_budget.
    Example: { acme = { base_url = "https://acme.cloud.looker.com" } }.
  EOT

  validation {
    condition     = length(var.looker_instances) >= 1 && length(var.looker_instances) <= 50
    error_message = "looker_instances must list between 1 and 50 instances, e.g. { acme = { base_url = \"https://acme.cloud.looker.com\" } }."
  }

  validation {
    condition     = alltrue([for name, instance in var.looker_instances : can(regex("^[a-z][a-z0-9_-]{0,39}$", name))])
    error_message = "looker_instances names must be 1-40 lower-case letters, digits, _ and -, starting with a letter: they become secret IDs and the looker_instance column."
  }

  validation {
    condition     = alltrue([for name, instance in var.looker_instances : can(regex("^https?://[^/\\s]+/?$", instance.base_url))])
    error_message = "looker_instances base_url must be the scheme and host of the Looker instance, e.g. https://acme.cloud.looker.com, without a path such as /api/4.0."
  }

  validation {
    condition     = alltrue([for name, instance in var.looker_instances : instance.dataset_id == null || can(regex("^[A-Za-z0-9_]{1,1000}$", instance.dataset_id))])
    error_message = "looker_instances dataset_id may contain only letters, digits and underscores (no hyphens, no project prefix)."
  }

  # The datasets local.instances gives the instances, written out again: a rule may not read a
  # local that is built from the variable it checks (Terraform reports a cycle).
  validation {
    condition     = length(distinct([for name, instance in var.looker_instances : lower(coalesce(instance.dataset_id, length(var.looker_instances) == 1 ? var.dataset_id : "${var.dataset_id}_${replace(name, "-", "_")}"))])) == length(var.looker_instances)
    error_message = "looker_instances must load each instance into its own dataset: a load replaces a whole day partition, so two instances in one table would replace each other's rows. Give each a different dataset_id."
  }

  validation {
    condition     = alltrue([for name, instance in var.looker_instances : instance.max_concurrent_queries == null || try(instance.max_concurrent_queries >= 1 && instance.max_concurrent_queries <= 8 && floor(instance.max_concurrent_queries) == instance.max_concurrent_queries, false)])
    error_message = "looker_instances max_concurrent_queries must be a whole number between 1 and 8."
  }

  # Outside Elite System Activity, Looker refuses a second System Activity query while one runs.
  validation {
    condition     = var.elite_system_activity || alltrue([for name, instance in var.looker_instances : coalesce(instance.max_concurrent_queries, 1) <= 1])
    error_message = "looker_instances max_concurrent_queries above 1 needs elite_system_activity = true: outside Elite System Activity Looker runs one System Activity query at a time and refuses a second one."
  }

  validation {
    condition     = alltrue([for name, instance in var.looker_instances : instance.monthly_query_budget == null || try(instance.monthly_query_budget >= 0 && instance.monthly_query_budget <= 1000000000 && floor(instance.monthly_query_budget) == instance.monthly_query_budget, false)])
    error_message = "looker_instances monthly_query_budget must be a whole number between 0 (no limit) and 1000000000."
  }
}

variable "looker_monthly_query_budget" {
  type        = number
  description = "Looker query API calls each instance may spend per calendar month (UTC), counts and pages together; an instance's monthly_query_budget overrides it. Each day gets an even share of what is left, and explores that do not fit wait for the next day. Looker (Google Cloud core) Standard edition allows 1,000 query API calls a month: set a little under that there. 0 (default): no limit."
  default     = 0

  validation {
    condition     = var.looker_monthly_query_budget >= 0 && var.looker_monthly_query_budget <= 1000000000 && floor(var.looker_monthly_query_budget) == var.looker_monthly_query_budget
    error_message = "looker_monthly_query_budget must be a whole number between 0 (no limit) and 1000000000."
  }
}

variable "looker_verify_ssl" {
  type        = bool
  description = "Verify Looker's TLS certificate (each instance may override it with verify_ssl). Only turn off for a self-hosted Looker with a private CA you cannot install."
  default     = true
}

variable "looker_timeout_seconds" {
  type        = number
  description = "Longest wait for Looker to start answering a query, and longest silence inside a result."
  default     = 600

  validation {
    condition     = var.looker_timeout_seconds >= 10 && var.looker_timeout_seconds <= 3600 && floor(var.looker_timeout_seconds) == var.looker_timeout_seconds
    error_message = "looker_timeout_seconds must be a whole number of seconds between 10 and 3600."
  }
}

variable "looker_row_cap" {
  type        = number
  description = "Row limit Looker caps a query at, when known (e.g. 5000 for an API user without download_without_limit): pages are asked for this many rows and continued after their last row. 0 (default): unknown; every read is checked against Looker's own count and a silent cap is learned."
  default     = 0

  validation {
    condition     = var.looker_row_cap >= 0 && floor(var.looker_row_cap) == var.looker_row_cap
    error_message = "looker_row_cap must be a whole number, 0 or more."
  }
}

# ---------------------------------------------------------------------------------------------
# What is exported
# ---------------------------------------------------------------------------------------------

variable "explores" {
  type        = list(string)
  description = "System Activity explores to export (and create tables for). Empty: every registered explore (see README.md)."
  default     = []

  validation {
    condition     = alltrue([for explore in var.explores : contains(keys(local.tables), explore)])
    error_message = "explores must name registered explores: ${join(", ", sort(keys(local.tables)))}."
  }
}

variable "explore_concurrency" {
  type        = number
  description = "Explores of one instance exported at the same time (Looker runs that many System Activity queries at once)."
  default     = 2

  validation {
    condition     = var.explore_concurrency >= 1 && var.explore_concurrency <= 8 && floor(var.explore_concurrency) == var.explore_concurrency
    error_message = "explore_concurrency must be a whole number between 1 and 8."
  }
}

variable "exclude_own_activity" {
  type        = bool
  description = "Leave the exporter's own API user out of history and event, so the audit does not fill the audit trail."
  default     = true
}

variable "mask_personal_data" {
  type        = bool
  description = "Mask the columns the registry marks personal (e-mails and names hashed, error texts and filter values dropped; see README.md, Privacy). Hashing creates the masking key secret."
  default     = false
}

variable "masking_rules" {
  type        = map(string)
  description = "Per-column rules over the defaults, {\"explore.column\" = \"drop\" | \"hash\" | \"keep\"}, e.g. { \"history.message\" = \"keep\" }. Hashing creates the masking key secret."
  default     = {}

  validation {
    condition     = alltrue([for column, action in var.masking_rules : contains(["drop", "hash", "keep"], action) && can(regex("^[a-z_]+\\.[a-z0-9_]+$", column))])
    error_message = "masking_rules maps explore.column (e.g. user.email) to drop, hash or keep."
  }
}

# ---------------------------------------------------------------------------------------------
# Staging bucket
# ---------------------------------------------------------------------------------------------

variable "bucket_name" {
  type        = string
  description = "Staging bucket for the JSONL objects and the source zip. Empty: <project_id>-<name>-staging."
  default     = ""

  validation {
    condition     = var.bucket_name == "" || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be empty or a bucket name: 3-63 lower-case letters, digits, -, _ and ., starting and ending with a letter or digit."
  }
}

variable "source_bucket_name" {
  type        = string
  description = "Bucket for the function's source zip, apart from the staging bucket so the runtime account cannot replace the code it runs. Empty: <project_id>-<name>-source."
  default     = ""

  validation {
    condition     = var.source_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be empty or a bucket name: 3-63 lower-case letters, digits, -, _ and ., starting and ending with a letter or digit."
  }
}

variable "bucket_location" {
  type        = string
  description = "Location of the staging bucket; keep it with the dataset (e.g. US, EU, europe-west1)."
  default     = "US"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.bucket_location))
    error_message = "bucket_location must be a Cloud Storage location such as US, EU or europe-west1."
  }
}

variable "staging_retention_days" {
  type        = number
  description = "Days staged objects are kept before the lifecycle rule deletes them (a load job reads them within minutes)."
  default     = 3

  validation {
    condition     = var.staging_retention_days >= 1 && var.staging_retention_days <= 365 && floor(var.staging_retention_days) == var.staging_retention_days
    error_message = "staging_retention_days must be a whole number of days between 1 and 365."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy delete the staging bucket while it still holds objects."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# BigQuery
# ---------------------------------------------------------------------------------------------

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset of the System Activity tables of a single Looker instance; with several, the prefix of each one's dataset (<dataset_id>_<name>) unless it names its own."
  default     = "looker_system_activity"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.dataset_id)) && length(var.dataset_id) <= 1024
    error_message = "dataset_id may contain only letters, digits and underscores (no hyphens, no project prefix)."
  }
}

variable "dataset_location" {
  type        = string
  description = "BigQuery location of the dataset and the load jobs (e.g. US, EU, europe-west1)."
  default     = "US"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.dataset_location))
    error_message = "dataset_location must be a BigQuery location such as US, EU or europe-west1."
  }
}

variable "create_views" {
  type        = bool
  description = "Create the views for common audit questions (views/*.sql) in each instance's dataset, where the tables they read are exported."
  default     = true
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the tables from terraform destroy: they are the audit archive Looker no longer has."
  default     = true
}

# ---------------------------------------------------------------------------------------------
# Firestore (export state)
# ---------------------------------------------------------------------------------------------

variable "firestore" {
  type = object({
    database = optional(string)
    create   = optional(bool, true)
    location = optional(string)
  })
  description = <<-EOT
    Firestore database holding the export state (watermarks and run leases). By default the
    module creates a Native-mode database of its own named after `name`, which works whatever the
    project already has. `database`: its ID (default: `name`); `create`: create it here (default
    true), or false to use an existing Native-mode database such as `(default)`; `location`:
    where to create it (default: `region`; nam5 or eur3 for a multi-region). See README.md,
    "Firestore".
  EOT
  default     = {}

  validation {
    condition     = var.firestore.database == null || var.firestore.database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore.database))
    error_message = "firestore.database must be (default) or 4-63 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }

  validation {
    condition     = !(var.firestore.create && var.firestore.database == "(default)")
    error_message = "firestore = { database = \"(default)\", create = true } is refused: a project can hold one (default) database and creating it fails if it exists. To use an existing Native-mode (default), set create = false; otherwise leave database unset and the module creates its own named database."
  }

  validation {
    condition     = var.firestore.location == null || can(regex("^[a-z][a-z0-9-]*[0-9]$", var.firestore.location))
    error_message = "firestore.location must be a Firestore location such as europe-west1, us-central1, nam5 or eur3."
  }
}

variable "firestore_collection" {
  type        = string
  description = "Firestore collection for the watermarks and the run lease."
  default     = "looker_activity_export"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.firestore_collection))
    error_message = "firestore_collection must be 1-100 letters, digits, _ and - (a collection ID, not a path)."
  }
}

# ---------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------

variable "source_dir" {
  type        = string
  description = "Directory of the function's source, holding package.json and .gcloudignore. Empty: the directory above this module (the repository root)."
  default     = ""
}

variable "runtime" {
  type        = string
  description = "Cloud Run functions runtime: nodejs24 (supported until 2028-04-30, decommissioned 2028-10-31) or nodejs22 (deprecated 2027-04-30, decommissioned 2027-10-31). nodejs20 was decommissioned on 2026-10-30 (no function can be created or updated on it)."
  default     = "nodejs24"

  validation {
    condition     = contains(["nodejs22", "nodejs24"], var.runtime)
    error_message = "runtime must be nodejs22 or nodejs24 (nodejs20 is decommissioned: Cloud Functions no longer creates or updates functions on it)."
  }
}

variable "memory" {
  type        = string
  description = "Memory of the function instance. The extract streams, so 1Gi suffices for millions of rows."
  default     = "1Gi"

  validation {
    condition = try(
      can(regex("^[0-9]+(Mi|Gi)$", var.memory)) &&
      tonumber(regex("^[0-9]+", var.memory)) * (endswith(var.memory, "Gi") ? 1024 : 1) >= 256 &&
      tonumber(regex("^[0-9]+", var.memory)) * (endswith(var.memory, "Gi") ? 1024 : 1) <= 32768,
      false
    )
    error_message = "memory must be a size between 256Mi and 32Gi written with Mi or Gi, e.g. 512Mi or 1Gi (not 1GB or 1024)."
  }
}

# The three deadlines of a run, tied together (README.md, "Deadlines"): Cloud Scheduler waits
# scheduler_attempt_deadline_seconds for the answer; the function stops starting windows after
# run_budget_seconds and finishes the one in flight; the platform stops it at timeout_seconds.
variable "scheduler_attempt_deadline_seconds" {
  type        = number
  description = "How long Cloud Scheduler waits for a run to answer before it records a failure and retries. Its maximum for an HTTP target is 1800 (30 minutes)."
  default     = 1800

  validation {
    condition     = var.scheduler_attempt_deadline_seconds >= 15 && var.scheduler_attempt_deadline_seconds <= 1800 && floor(var.scheduler_attempt_deadline_seconds) == var.scheduler_attempt_deadline_seconds
    error_message = "scheduler_attempt_deadline_seconds must be a whole number between 15 and 1800: Cloud Scheduler waits at most 30 minutes for an HTTP target."
  }
}

variable "run_budget_seconds" {
  type        = number
  description = "A run stops starting new windows after this many seconds and answers `partial`; the next run continues. It must end the run, in-flight window included, before Cloud Scheduler stops waiting."
  default     = 1500

  validation {
    condition     = var.run_budget_seconds >= 60 && floor(var.run_budget_seconds) == var.run_budget_seconds
    error_message = "run_budget_seconds must be a whole number of seconds, 60 or more."
  }

  validation {
    condition     = var.run_budget_seconds <= var.scheduler_attempt_deadline_seconds - local.deadline_margin_seconds
    error_message = "run_budget_seconds (${var.run_budget_seconds}) must be at most scheduler_attempt_deadline_seconds minus ${local.deadline_margin_seconds} (${var.scheduler_attempt_deadline_seconds - local.deadline_margin_seconds}): the window in flight when the budget runs out needs that margin to finish before Cloud Scheduler stops waiting for the answer."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Function timeout. At least run_budget_seconds + 300 (the window in flight may finish), at most run_budget_seconds + 600 (a run's Firestore lease lasts its budget plus 10 minutes) and at most 3600 (the 2nd gen limit for HTTP functions)."
  default     = 2100

  validation {
    condition     = var.timeout_seconds >= 60 && var.timeout_seconds <= 3600 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number between 60 and 3600 (the 2nd gen limit for HTTP functions)."
  }

  validation {
    condition     = var.timeout_seconds >= var.run_budget_seconds + local.deadline_margin_seconds
    error_message = "timeout_seconds (${var.timeout_seconds}) must be at least run_budget_seconds plus ${local.deadline_margin_seconds} (${var.run_budget_seconds + local.deadline_margin_seconds}): otherwise the platform stops the function while it finishes the window it started before its budget ran out."
  }

  validation {
    condition     = var.timeout_seconds <= var.run_budget_seconds + local.lease_slack_seconds
    error_message = "timeout_seconds (${var.timeout_seconds}) must be at most run_budget_seconds plus ${local.lease_slack_seconds} (${var.run_budget_seconds + local.lease_slack_seconds}): a run's Firestore lease lasts its budget plus 10 minutes, and a function still running after that could be overtaken by the next run."
  }
}

variable "settle_days" {
  type        = number
  description = "Days before the watermark re-read on each run, for rows System Activity serves late (its cache is up to 12 hours old outside Elite System Activity)."
  default     = 1

  validation {
    condition     = var.settle_days >= 0 && var.settle_days <= 30 && floor(var.settle_days) == var.settle_days
    error_message = "settle_days must be a whole number between 0 and 30."
  }

  validation {
    condition     = var.settle_days >= 1 || var.elite_system_activity
    error_message = "settle_days 0 loses rows under System Activity's 12-hour cache; it is allowed only with elite_system_activity = true."
  }
}

variable "elite_system_activity" {
  type        = bool
  description = "Every Looker instance has Elite System Activity (refreshed every 10 minutes, no 12-hour cache, several queries at once); only then may settle_days be 0 and, in fan-out mode, an instance run more than one System Activity query at a time."
  default     = false
}

variable "window_max_rows" {
  type        = number
  description = "Counted rows one window holds at most: days are packed into windows up to this many rows; each window is one BigQuery write and one progress step, so a long initial load resumes where it stopped."
  default     = 1000000

  validation {
    condition     = var.window_max_rows >= 1 && var.window_max_rows <= 100000000 && floor(var.window_max_rows) == var.window_max_rows
    error_message = "window_max_rows must be a whole number between 1 and 100000000."
  }
}

variable "ingress_settings" {
  type        = string
  description = "Network ingress of the function's URL; every caller still needs run.invoker. ALLOW_INTERNAL_ONLY also shuts out `gcloud functions call` from outside your VPC (backfills)."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "build_service_account" {
  type        = string
  description = "Email of the service account Cloud Build builds the function as. Empty: the project's default build account."
  default     = ""

  validation {
    condition     = var.build_service_account == "" || can(regex("^[a-z0-9-]+@[a-z0-9.-]+\\.gserviceaccount\\.com$", var.build_service_account))
    error_message = "build_service_account must be empty or a service account email, e.g. builder@PROJECT.iam.gserviceaccount.com."
  }
}

variable "invoker_members" {
  type        = list(string)
  description = "Operators allowed to run backfills with `gcloud functions call`, e.g. [\"group:data-ops@example.com\"]. Each gets roles/run.invoker on the function's Cloud Run service and roles/cloudfunctions.viewer on the function (gcloud reads the function before it calls it), nothing else."
  default     = []

  validation {
    condition     = alltrue([for member in var.invoker_members : can(regex("^(user|group|serviceAccount):[^\\s@]+@[^\\s@]+$", member))])
    error_message = "invoker_members entries must be user:EMAIL, group:EMAIL or serviceAccount:EMAIL. allUsers and allAuthenticatedUsers are refused: the function must not be public."
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
    condition     = can(regex("^[0-9A-Za-z*/,-]+( +[0-9A-Za-z*/,-]+){4}$", trimspace(var.schedule)))
    error_message = "schedule must be a five-field unix-cron expression (minute hour day-of-month month day-of-week), e.g. \"0 3 * * *\"."
  }
}

variable "schedule_time_zone" {
  type        = string
  description = "IANA time zone of the schedule (the export itself always works in UTC days)."
  default     = "Etc/UTC"

  validation {
    condition     = can(regex("^[A-Za-z]+([/_+-][A-Za-z0-9]+)*$", var.schedule_time_zone)) && !can(regex("^(UTC|GMT)[+-]", var.schedule_time_zone))
    error_message = "schedule_time_zone must be an IANA time zone name such as Etc/UTC or Europe/Paris, not an offset such as UTC+1 or +01:00."
  }
}

variable "scheduler_body" {
  type        = string
  description = "JSON object the scheduler posts, e.g. {\"explores\":[\"content_usage\"]}. {} runs every explore."
  default     = "{}"

  validation {
    condition     = can(keys(jsondecode(var.scheduler_body)))
    error_message = "scheduler_body must be a JSON object such as {} or {\"explores\":[\"history\"]}."
  }
}

# ---------------------------------------------------------------------------------------------
# Alerts and run history
# ---------------------------------------------------------------------------------------------

variable "alert_notification_channels" {
  type        = list(string)
  description = "Cloud Monitoring notification channels the alert policies notify, as projects/PROJECT/notificationChannels/ID (create them in the console or with google_monitoring_notification_channel). Empty: incidents open in the console only."
  default     = []

  validation {
    condition     = alltrue([for channel in var.alert_notification_channels : can(regex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/[0-9]+$", channel))])
    error_message = "alert_notification_channels entries must be notification channel names, projects/PROJECT/notificationChannels/ID (gcloud beta monitoring channels list --format='value(name)'), not e-mail addresses or display names."
  }
}

variable "stale_explore_hours" {
  type        = number
  description = "Alert when an exported explore of an instance has had no successful run for this many hours (the daily run plus a missed day's slack)."
  default     = 36

  validation {
    condition     = var.stale_explore_hours >= 25 && var.stale_explore_hours <= 168 && floor(var.stale_explore_hours) == var.stale_explore_hours
    error_message = "stale_explore_hours must be a whole number between 25 and 168: less than a day would alert between two daily runs."
  }
}

# The default and the upper bound follow src/explores/retention.ts (RETENTION_ALERT_DAYS,
# SHORTEST_MUST_SUCCEED_DAYS); a spec holds them equal.
variable "retention_alert_days" {
  type        = number
  description = "Alert (severity CRITICAL) when an exported incremental explore of an instance has had no successful run for this many days. Looker deletes the history rows of scheduled tasks after 7 days and a run reads up to the start of its UTC day, so a run must succeed at least every 6 days; the default, 3, leaves as long to fix the cause as went by before the alert."
  default     = 3

  validation {
    condition     = var.retention_alert_days >= 2 && var.retention_alert_days <= 6 && floor(var.retention_alert_days) == var.retention_alert_days
    error_message = "retention_alert_days must be a whole number between 2 and 6: after 6 days without a successful run Looker has deleted scheduled-task history the archive does not hold (it keeps those rows 7 days, and a run reads up to the start of its day); 1 would alert between two daily runs."
  }
}

variable "run_history_dataset_id" {
  type        = string
  description = "BigQuery dataset the log sink routes every run summary to (one partitioned table, written by Cloud Logging), with the runs_per_day view."
  default     = "looker_activity_export_runs"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.run_history_dataset_id)) && length(var.run_history_dataset_id) <= 1024
    error_message = "run_history_dataset_id may contain only letters, digits and underscores (no hyphens, no project prefix)."
  }
}

variable "create_run_history_view" {
  type        = bool
  description = "Create the runs_per_day view over the run history. Cloud Logging creates the table it reads with the first run summary it routes, and BigQuery refuses a view over a missing table: set this to true and apply again after the first run."
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Fan-out mode (tasks.tf, README.md "Fan-out mode")
# ---------------------------------------------------------------------------------------------

variable "fan_out" {
  type        = bool
  description = "Fan-out mode: the scheduler's call only plans and enqueues one Cloud Task per instance and explore on the instance's own queue, and a second function (<name>-task) exports each explore, continuing itself when its budget runs out. Off (default): one call exports everything."
  default     = false
}

variable "looker_max_concurrent_queries" {
  type        = number
  description = "Fan-out mode: System Activity queries one Looker instance runs at once, i.e. its queue's max_concurrent_dispatches (an instance's max_concurrent_queries overrides it). Above 1 only with elite_system_activity: outside Elite System Activity Looker runs one System Activity query at a time."
  default     = 1

  validation {
    condition     = var.looker_max_concurrent_queries >= 1 && var.looker_max_concurrent_queries <= 8 && floor(var.looker_max_concurrent_queries) == var.looker_max_concurrent_queries
    error_message = "looker_max_concurrent_queries must be a whole number between 1 and 8."
  }

  validation {
    condition     = var.looker_max_concurrent_queries <= 1 || var.elite_system_activity
    error_message = "looker_max_concurrent_queries above 1 needs elite_system_activity = true: outside Elite System Activity Looker runs one System Activity query at a time and refuses a second one."
  }
}

# A task's budget, the dispatch deadline and the task function's timeout, tied like the
# scheduler's (README.md, "Deadlines"): Cloud Tasks waits this long for a call, then counts it
# failed and dispatches it again; the function gets exactly as long.
variable "task_dispatch_deadline_seconds" {
  type        = number
  description = "Fan-out mode: how long Cloud Tasks waits for one task call (at most 1800, its limit for HTTP targets); also the task function's timeout. At least run_budget_seconds + 300 (the window in flight finishes and the task answers in time) and at most run_budget_seconds + 600 (a task's Firestore lease lasts its budget plus 10 minutes)."
  default     = 1800

  validation {
    condition     = var.task_dispatch_deadline_seconds >= 15 && var.task_dispatch_deadline_seconds <= 1800 && floor(var.task_dispatch_deadline_seconds) == var.task_dispatch_deadline_seconds
    error_message = "task_dispatch_deadline_seconds must be a whole number between 15 and 1800: Cloud Tasks waits at most 30 minutes for an HTTP task."
  }

  validation {
    condition     = !var.fan_out || var.run_budget_seconds <= var.task_dispatch_deadline_seconds - local.deadline_margin_seconds
    error_message = "run_budget_seconds (${var.run_budget_seconds}) must be at most task_dispatch_deadline_seconds minus ${local.deadline_margin_seconds} (${var.task_dispatch_deadline_seconds - local.deadline_margin_seconds}) in fan-out mode: the window in flight when a task's budget runs out needs that margin to finish before Cloud Tasks stops waiting and dispatches the task again."
  }

  validation {
    condition     = !var.fan_out || var.task_dispatch_deadline_seconds <= var.run_budget_seconds + local.lease_slack_seconds
    error_message = "task_dispatch_deadline_seconds (${var.task_dispatch_deadline_seconds}) must be at most run_budget_seconds plus ${local.lease_slack_seconds} (${var.run_budget_seconds + local.lease_slack_seconds}) in fan-out mode: it is the task function's timeout, and a task's Firestore lease lasts its budget plus 10 minutes, so a task still running after that could be overtaken by its own retry."
  }
}

variable "task_max_attempts" {
  type        = number
  description = "Fan-out mode: dispatches of one task before Cloud Tasks drops it (a 409 while another task of the explore holds its lease, or a 503, is retried; the code answers 2xx to what a retry cannot fix)."
  default     = 10

  validation {
    condition     = var.task_max_attempts >= 1 && var.task_max_attempts <= 100 && floor(var.task_max_attempts) == var.task_max_attempts
    error_message = "task_max_attempts must be a whole number between 1 and 100."
  }
}

variable "task_min_backoff_seconds" {
  type        = number
  description = "Fan-out mode: wait before the first retry of a task; it doubles on each retry (a few times) up to task_max_backoff_seconds."
  default     = 60

  validation {
    condition     = var.task_min_backoff_seconds >= 1 && var.task_min_backoff_seconds <= 3600 && floor(var.task_min_backoff_seconds) == var.task_min_backoff_seconds
    error_message = "task_min_backoff_seconds must be a whole number between 1 and 3600."
  }
}

variable "task_max_backoff_seconds" {
  type        = number
  description = "Fan-out mode: longest wait between two retries of a task."
  default     = 3600

  validation {
    condition     = var.task_max_backoff_seconds >= 1 && var.task_max_backoff_seconds <= 86400 && floor(var.task_max_backoff_seconds) == var.task_max_backoff_seconds
    error_message = "task_max_backoff_seconds must be a whole number between 1 and 86400."
  }

  validation {
    condition     = var.task_max_backoff_seconds >= var.task_min_backoff_seconds
    error_message = "task_max_backoff_seconds (${var.task_max_backoff_seconds}) must be at least task_min_backoff_seconds (${var.task_min_backoff_seconds})."
  }
}

variable "task_ingress_settings" {
  type        = string
  description = "Fan-out mode: network ingress of the task function. ALLOW_INTERNAL_ONLY (default): only sources Google counts as internal, among them Cloud Tasks in the same project; only the tasks account may invoke it either way (README.md, \"Fan-out mode\")."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.task_ingress_settings)
    error_message = "task_ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}
