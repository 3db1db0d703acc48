# ---------------------------------------------------------------------------------------------
# The function: 2nd gen, HTTP, built by Cloud Build from a zip of the source. The zip is
# named by its content hash, so any code change deploys a new revision.
# ---------------------------------------------------------------------------------------------

locals {
  # The same exclusions as `gcloud functions deploy` (.gcloudignore is the one list).
  source_excludes = [
    for line in split("\n", file("${local.source_dir}/.gcloudignore")) :
    trimsuffix(trimspace(line), "/") if trimspace(line) != "" && !startswith(trimspace(line), "#")
  ]
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.source_dir
  excludes    = local.source_excludes
  output_path = "${path.root}/.terraform/tmp/${var.name}-source.zip"
}

resource "google_storage_bucket_object" "source" {
  name   = "function-source/${var.name}-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.staging.name
  source = data.archive_file.source.output_path
}

resource "google_cloudfunctions2_function" "export" {
  project     = var.project_id
  name        = var.name
  location    = var.region
  description = "Exports Looker System Activity into BigQuery, one day at a time, exactly once."
  labels      = local.labels

  build_config {
    runtime     = var.runtime
    entry_point = "exportSystemActivity"

    source {
      storage_source {
        bucket = google_storage_bucket.staging.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = var.memory
    timeout_seconds                  = var.timeout_seconds
    max_instance_count               = 1
    max_instance_request_concurrency = 1
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.runtime.email

    environment_variables = {
      LOOKER_BASE_URL             = var.looker_base_url
      LOOKER_CLIENT_ID_SECRET     = google_secret_manager_secret.client_id.id
      LOOKER_CLIENT_SECRET_SECRET = google_secret_manager_secret.client_secret.id
      LOOKER_INSTANCE_NAME        = var.looker_instance_name
      LOOKER_VERIFY_SSL           = tostring(var.looker_verify_ssl)
      LOOKER_TIMEOUT_SECONDS      = tostring(var.looker_timeout_seconds)
      LOOKER_ROW_CAP              = tostring(var.looker_row_cap)
      GOOGLE_CLOUD_PROJECT        = var.project_id
      GCS_BUCKET                  = google_storage_bucket.staging.name
      BQ_DATASET                  = google_bigquery_dataset.activity.dataset_id
      BQ_LOCATION                 = google_bigquery_dataset.activity.location
      FIRESTORE_DATABASE          = var.create_firestore_database ? google_firestore_database.state[0].name : var.firestore_database_id
      FIRESTORE_COLLECTION        = var.firestore_collection
      SETTLE_DAYS                 = tostring(var.settle_days)
      # Stop starting windows five minutes before the function's timeout.
      RUN_BUDGET_SECONDS = tostring(var.timeout_seconds - 300)
    }
  }

  depends_on = [
    google_project_service.required,
    google_secret_manager_secret_iam_member.runtime_reads_client_id,
    google_secret_manager_secret_iam_member.runtime_reads_client_secret,
  ]
}
