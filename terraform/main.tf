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

  # Where the function stages JSONL; the bucket's lifecycle rule cleans exactly this prefix.
  staging_prefix = "system_activity"

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
  # The function's environment: every variable src/config reads in the cloud, by its name there
  # (a test checks both ways against CONFIG_VARIABLES). Built from inputs, not resource
  # attributes, so it can be checked before apply; function.tf orders creation by depends_on.
  # -------------------------------------------------------------------------------------------
  function_environment = {
    LOOKER_BASE_URL             = var.looker_base_url
    LOOKER_CLIENT_ID_SECRET     = "projects/${var.project_id}/secrets/${var.client_id_secret_id}"
    LOOKER_CLIENT_SECRET_SECRET = "projects/${var.project_id}/secrets/${var.client_secret_secret_id}"
    # Empty counts as unset in the code: the column then holds the host of LOOKER_BASE_URL.
    LOOKER_INSTANCE_NAME   = var.looker_instance_name
    LOOKER_VERIFY_SSL      = tostring(var.looker_verify_ssl)
    LOOKER_TIMEOUT_SECONDS = tostring(var.looker_timeout_seconds)
    LOOKER_ROW_CAP         = tostring(var.looker_row_cap)
    GOOGLE_CLOUD_PROJECT   = var.project_id
    GCS_BUCKET             = local.bucket_name
    GCS_PREFIX             = local.staging_prefix
    BQ_DATASET             = var.dataset_id
    BQ_LOCATION            = var.dataset_location
    FIRESTORE_DATABASE     = var.firestore_database_id
    FIRESTORE_COLLECTION   = var.firestore_collection
    SETTLE_DAYS            = tostring(var.settle_days)
    # Stop starting windows five minutes before the function's timeout (half of a short one),
    # so a run ends cleanly and the next one resumes from its watermark.
    RUN_BUDGET_SECONDS = tostring(max(var.timeout_seconds - 300, floor(var.timeout_seconds / 2)))
  }

  # -------------------------------------------------------------------------------------------
  # One table per explore. The schema files are generated from the code's explore registry
  # (node --import tsx scripts/schemas.ts); a test keeps them, the partition field and the
  # clustering equal to src/explores.
  # -------------------------------------------------------------------------------------------
  tables = {
    content_usage = {
      partition_field = "last_accessed_time"
      clustering      = ["content_type"]
      description     = "Looker System Activity content_usage: usage of each dashboard and look."
    }
    history = {
      partition_field = "created_time"
      clustering      = ["source", "status"]
      description     = "Looker System Activity history: one row per query run."
    }
  }
}
