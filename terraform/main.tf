# ---------------------------------------------------------------------------------------------
# looker-activity-export: a daily Cloud Function that copies Looker System Activity into
# BigQuery. Each concern has its own file (apis, iam, secrets, storage, bigquery, firestore,
# function, scheduler); this one holds the values they share.
#
# Only locals here, computed from the inputs alone: test/terraform evaluates this file with the
# real `terraform console` (no provider needed) and feeds the function's environment to the
# code's own config parser. Keep resources out of it.
# ---------------------------------------------------------------------------------------------

locals {
  source_dir  = var.source_dir != "" ? var.source_dir : abspath("${path.module}/..")
  bucket_name = var.bucket_name != "" ? var.bucket_name : "${var.project_id}-${var.name}-staging"
  labels      = merge({ app = "looker-activity-export" }, var.labels)

  # The function's source zip lives apart from the staging bucket the runtime account writes.
  source_bucket_name = var.source_bucket_name != "" ? var.source_bucket_name : "${var.project_id}-${var.name}-source"

  # Where the function stages JSONL; the bucket's lifecycle rule cleans exactly this prefix.
  staging_prefix = "system_activity"

  # Firestore: by default a Native-mode database of the module's own, named after the function,
  # which works whatever the project already has (none, a Native or a Datastore-mode default).
  firestore_database = coalesce(var.firestore.database, var.name)
  firestore_location = coalesce(var.firestore.location, var.region)
  # The IAM condition that limits the runtime account's Firestore role to that database.
  firestore_condition = "resource.name == \"projects/${var.project_id}/databases/${local.firestore_database}\""

  # -------------------------------------------------------------------------------------------
  # Deadlines (variables.tf validates them against each other): the window in flight when the
  # run budget is spent gets this long to finish, both before Cloud Scheduler stops waiting and
  # before the platform stops the function. A run's Firestore lease lasts its budget plus
  # lease_slack_seconds (src/state), so the function must not outlive that.
  # -------------------------------------------------------------------------------------------
  deadline_margin_seconds = 300
  lease_slack_seconds     = 600

  # -------------------------------------------------------------------------------------------
  # The deploy zip honours .gcloudignore, the list `gcloud functions deploy` uses, so both ways
  # of deploying upload the same files. archive_file matches doublestar globs against paths
  # relative to the source: a gitignore pattern without an inner slash matches at any depth,
  # which is `**/pattern` there; one with a slash is anchored at the top.
  # -------------------------------------------------------------------------------------------
  gcloudignore_lines = [for line in split("\n", file("${local.source_dir}/.gcloudignore")) : trimspace(line)]
  gcloudignore       = [for line in local.gcloudignore_lines : trimsuffix(line, "/") if line != "" && !startswith(line, "#")]
  # Negations and #!include cannot be expressed as archive_file excludes.
  gcloudignore_unsupported = [for line in local.gcloudignore_lines : line if startswith(line, "!") || startswith(line, "#!")]
  source_excludes = [
    for pattern in local.gcloudignore :
    strcontains(pattern, "/") ? trimprefix(pattern, "/") : "**/${pattern}"
  ]

  # -------------------------------------------------------------------------------------------
  # Looker instances: each has its own two secrets and its own dataset (a load replaces a whole
  # day partition, so instances cannot share a table; the code refuses it too).
  # -------------------------------------------------------------------------------------------
  instances = {
    for name, instance in var.looker_instances : name => {
      base_url = trimsuffix(instance.base_url, "/")
      dataset_id = coalesce(
        instance.dataset_id,
        length(var.looker_instances) == 1 ? var.dataset_id : "${var.dataset_id}_${replace(name, "-", "_")}",
      )
      verify_ssl = instance.verify_ssl != null ? instance.verify_ssl : var.looker_verify_ssl
      # Fan-out mode: how many tasks its queue dispatches at once (System Activity queries).
      max_concurrent_queries = coalesce(instance.max_concurrent_queries, var.looker_max_concurrent_queries)
      # Null: the module-wide LOOKER_MONTHLY_QUERY_BUDGET applies (the code's default).
      monthly_query_budget = instance.monthly_query_budget
      # The Secret Manager secrets of its API key, by half.
      secret_ids = {
        client_id     = "${name}-looker-client-id"
        client_secret = "${name}-looker-client-secret"
      }
    }
  }

  instance_secrets = merge([
    for name, instance in local.instances : {
      for half, secret_id in instance.secret_ids : "${name}.${half}" => { instance = name, secret_id = secret_id }
    }
  ]...)

  # Masking hashes with an HMAC key from Secret Manager; the defaults hash e-mails and names.
  masking_hashes        = var.mask_personal_data || contains(values(var.masking_rules), "hash")
  masking_key_secret_id = "${var.name}-masking-key"

  # -------------------------------------------------------------------------------------------
  # The function's environment: every variable src/config reads in the cloud, by its name there
  # (a test checks both ways against CONFIG_VARIABLES). Built from inputs, not resource
  # attributes, so it can be checked before apply; function.tf orders creation by depends_on.
  # -------------------------------------------------------------------------------------------
  function_environment = {
    LOOKER_INSTANCES = jsonencode([
      for name, instance in local.instances : merge(
        {
          name               = name
          baseUrl            = instance.base_url
          clientIdSecret     = "projects/${var.project_id}/secrets/${instance.secret_ids.client_id}"
          clientSecretSecret = "projects/${var.project_id}/secrets/${instance.secret_ids.client_secret}"
          dataset            = instance.dataset_id
          verifySsl          = instance.verify_ssl
        },
        # Only when set: the code takes a number or nothing, not null.
        { for key, budget in { monthlyQueryBudget = instance.monthly_query_budget } : key => budget if budget != null },
      )
    ])
    LOOKER_MONTHLY_QUERY_BUDGET = tostring(var.looker_monthly_query_budget)
    LOOKER_VERIFY_SSL           = tostring(var.looker_verify_ssl)
    LOOKER_TIMEOUT_SECONDS      = tostring(var.looker_timeout_seconds)
    LOOKER_ROW_CAP              = tostring(var.looker_row_cap)
    # Empty counts as unset in the code: every registered explore.
    EXPORT_EXPLORES      = join(",", var.explores)
    EXPLORE_CONCURRENCY  = tostring(var.explore_concurrency)
    EXCLUDE_OWN_ACTIVITY = tostring(var.exclude_own_activity)
    MASK_PERSONAL_DATA   = tostring(var.mask_personal_data)
    MASKING_RULES        = length(var.masking_rules) > 0 ? jsonencode(var.masking_rules) : ""
    MASKING_KEY_SECRET   = local.masking_hashes ? "projects/${var.project_id}/secrets/${local.masking_key_secret_id}" : ""
    GOOGLE_CLOUD_PROJECT = var.project_id
    GCS_BUCKET           = local.bucket_name
    GCS_PREFIX           = local.staging_prefix
    # The dataset of instances that name none; every instance above names its own.
    BQ_DATASET            = var.dataset_id
    BQ_LOCATION           = var.dataset_location
    FIRESTORE_DATABASE    = local.firestore_database
    FIRESTORE_COLLECTION  = var.firestore_collection
    SETTLE_DAYS           = tostring(var.settle_days)
    ELITE_SYSTEM_ACTIVITY = tostring(var.elite_system_activity)
    WINDOW_MAX_ROWS       = tostring(var.window_max_rows)
    # Validated against the scheduler's attempt deadline and the function timeout (variables.tf).
    RUN_BUDGET_SECONDS = tostring(var.run_budget_seconds)
    # Fan-out mode; empty strings count as unset, which is single-call mode.
    TASKS_QUEUE_PREFIX             = var.fan_out ? local.tasks_queue_prefix : ""
    TASKS_LOCATION                 = var.fan_out ? var.region : ""
    TASK_HANDLER_URL               = var.fan_out ? local.task_handler_url : ""
    TASKS_SERVICE_ACCOUNT          = var.fan_out ? local.tasks_service_account_email : ""
    TASK_DISPATCH_DEADLINE_SECONDS = tostring(var.task_dispatch_deadline_seconds)
  }

  # -------------------------------------------------------------------------------------------
  # Fan-out mode (tasks.tf): one queue per instance, a task function, an account that Cloud
  # Tasks signs the calls' OIDC tokens as. Every name is computed here from inputs, because the
  # environment above names them and the task function's own environment cannot read its URL.
  # -------------------------------------------------------------------------------------------
  task_function_name = "${var.name}-task"
  # The gen2 function's cloudfunctions.net URL, https://REGION-PROJECT.cloudfunctions.net/NAME,
  # known before apply (the run.app URL holds a hash Cloud Run picks at creation). Tasks are
  # sent there and it is their OIDC audience: for functions, Google's samples give the function's
  # full cloudfunctions.net URL as the audience. tasks.tf checks it against the deployed URL.
  task_handler_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.task_function_name}"
  # Like the other accounts (iam.tf): account IDs are at most 30 characters.
  tasks_account_id            = "${substr(var.name, 0, 22)}-tasks"
  tasks_service_account_email = "${local.tasks_account_id}@${var.project_id}.iam.gserviceaccount.com"
  # The code names each instance's queue PREFIX-NAME, every character a queue ID cannot hold
  # replaced by - (queueIdOf in src/config); a spec compares the two for every instance.
  tasks_queue_prefix = var.name
  task_queues = var.fan_out ? {
    for name, instance in local.instances : name => {
      queue_id                  = "${local.tasks_queue_prefix}-${replace(name, "/[^A-Za-z0-9-]/", "-")}"
      max_concurrent_dispatches = instance.max_concurrent_queries
    }
  } : {}
  # Every queue may dispatch its K tasks at once, one request per instance of the function: with
  # fewer instances Cloud Run would answer 429 and the queue would back off for nothing.
  task_max_instances = sum(concat([0], [for queue in values(local.task_queues) : queue.max_concurrent_dispatches]))

  # -------------------------------------------------------------------------------------------
  # One table per explore, in every instance's dataset. The schema files and tables.json (each
  # table's partition field, clustering and description) are generated from the code's explore
  # registry (npm run schemas); a test keeps them equal to src/explores.
  # -------------------------------------------------------------------------------------------
  tables            = jsondecode(file("${path.module}/schemas/tables.json"))
  exported_explores = length(var.explores) > 0 ? var.explores : keys(local.tables)

  # -------------------------------------------------------------------------------------------
  # Views for the common audit questions, one GoogleSQL template per file in views/ (it names
  # tables `${project}.${dataset}.<table>`). `tables`: every table a view reads, through the
  # views it reads too, so a view is created only where all of them are exported. `of_views`:
  # it reads other views (none of which read views), so it is created after them. A test
  # derives both from the SQL.
  # -------------------------------------------------------------------------------------------
  views = {
    latest_dashboard = {
      tables      = ["dashboard"]
      of_views    = false
      description = "The latest known state of each dashboard (deleted ones included), from the dashboard snapshots."
    }
    latest_look = {
      tables      = ["look"]
      of_views    = false
      description = "The latest known state of each look (deleted ones included), from the look snapshots."
    }
    latest_user = {
      tables      = ["user"]
      of_views    = false
      description = "The latest known state of each user (deleted ones included), from the user snapshots."
    }
    most_run_queries = {
      tables      = ["history", "query"]
      of_views    = false
      description = "Queries by number of runs in the last 30 days, with users, errors and runtimes."
    }
    unused_content = {
      tables      = ["content_usage", "dashboard", "look", "user"]
      of_views    = true
      description = "Cleanup candidates: dashboards and looks with their last use and days since (filter days_since_last_used)."
    }
    slowest_queries = {
      tables      = ["dashboard", "history", "look", "query", "user"]
      of_views    = true
      description = "The slowest query runs of the last 30 days: who, from which dashboard or look, on which explore."
    }
    api_usage_by_user = {
      tables      = ["history", "user"]
      of_views    = true
      description = "API query runs per user and UTC day: runs, errors and runtime."
    }
    queries_by_api_client = {
      tables      = ["history"]
      of_views    = false
      description = "Query runs per UTC day by API client (Connected Sheets, Looker Studio, Power BI, ...): runs, users, spreadsheets and reports."
    }
    user_last_activity = {
      tables      = ["event", "history", "user"]
      of_views    = true
      description = "Each user's last login and last query run, for idle-account cleanup."
    }
  }
  instance_views = var.create_views ? merge([
    for name, instance in local.instances : {
      for view, definition in local.views : "${name}.${view}" => {
        instance    = name
        dataset_id  = instance.dataset_id
        view        = view
        of_views    = definition.of_views
        description = definition.description
      } if alltrue([for table in definition.tables : contains(local.exported_explores, table)])
    }
  ]...) : {}
  instance_tables = merge([
    for name, instance in local.instances : {
      for explore in local.exported_explores : "${name}.${explore}" => merge(local.tables[explore], {
        instance   = name
        dataset_id = instance.dataset_id
        table_id   = explore
      })
    }
  ]...)
}

# ---------------------------------------------------------------------------------------------
# What the function logs, as Cloud Logging stores it (one JSON line on stdout becomes
# jsonPayload), and the filters, metrics and queries built on it (monitoring.tf,
# run_history.tf). Gen2 functions log as their Cloud Run service, named like the function; in
# fan-out mode the task function logs the explores it exports, so both are read.
# ---------------------------------------------------------------------------------------------

locals {
  function_services = var.fan_out ? [var.name, local.task_function_name] : [var.name]
  function_logs = (var.fan_out
    ? "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=~\"^(${join("|", local.function_services)})$\""
    : "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.name}\""
  )
  # The same choice as a PromQL label matcher (whose regular expressions are anchored).
  function_service_matcher = var.fan_out ? "service_name=~\"${join("|", local.function_services)}\"" : "service_name=\"${var.name}\""

  # One entry per run: "export run succeeded" / "export run partial" / "export run failed".
  run_summary_filter = "${local.function_logs} AND jsonPayload.message=~\"^export run (succeeded|partial|failed)$\""
  failed_run_filter  = "${local.function_logs} AND jsonPayload.message=\"export run failed\""
  # One entry per explore and instance at the end of each run.
  explore_succeeded_filter = "${local.function_logs} AND jsonPayload.message=\"explore finished\" AND jsonPayload.status=\"succeeded\""

  failed_runs_metric       = "${var.name}-failed-runs"
  explore_succeeded_metric = "${var.name}-explore-succeeded"

  # PromQL names a user log-based metric logging_googleapis_com:user_<name>, every character
  # other than letters, digits and _ replaced by _. absent_over_time() returns one series, with
  # the labels its selector names, for each instance and explore with no success in the period.
  explore_succeeded_promql = "logging_googleapis_com:user_${replace(local.explore_succeeded_metric, "/[^A-Za-z0-9_]/", "_")}"
  stale_explores_query = join(" or ", [
    for key, table in local.instance_tables :
    "absent_over_time(${local.explore_succeeded_promql}{monitored_resource=\"cloud_run_revision\",${local.function_service_matcher},looker_instance=\"${table.instance}\",explore=\"${table.table_id}\"}[${var.stale_explore_hours}h])"
  ])

  # Looker forgets the rows of incremental explores (scheduled-task history after 7 days), so
  # each exported incremental explore of each instance (snapshot tables partition on
  # snapshot_date) gets a term that is a series when it had no success in retention_alert_days.
  retention_explores_query = join(" or ", [
    for key, table in local.instance_tables :
    "absent_over_time(${local.explore_succeeded_promql}{monitored_resource=\"cloud_run_revision\",${local.function_service_matcher},looker_instance=\"${table.instance}\",explore=\"${table.table_id}\"}[${var.retention_alert_days * 24}h])"
    if table.partition_field != "snapshot_date"
  ])

  # Fan-out mode: Cloud Tasks logs every attempt's response on the queue (tasks.tf samples them
  # all) as jsonPayload.attemptResponseLog, with status (a google.rpc code name, OK for 2xx) and
  # dispatchCount (a string). A failed attempt whose count reached task_max_attempts is the last
  # one: the task is dropped. (The queues' max_retry_duration of a day is never reached first:
  # ten attempts with their backoffs take a few hours at most.)
  task_logs            = "resource.type=\"cloud_tasks_queue\" AND resource.labels.queue_id=~\"^(${join("|", [for queue in values(local.task_queues) : queue.queue_id])})$\""
  dropped_task_filter  = "${local.task_logs} AND jsonPayload.attemptResponseLog.dispatchCount=\"${var.task_max_attempts}\" AND jsonPayload.attemptResponseLog.status!=\"OK\""
  dropped_tasks_metric = "${var.name}-dropped-tasks"

  # Logging names the table after the log (run.googleapis.com/stdout); with partitioned tables
  # it is one table, partitioned by the entries' timestamp.
  run_history_table = "run_googleapis_com_stdout"
}
