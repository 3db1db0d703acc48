# ---------------------------------------------------------------------------------------------
# The function: 2nd gen, HTTP, built by Cloud Build (npm ci, then the gcp-build script) from a
# zip of the source. The zip is named by its content hash, so any code change deploys a new
# revision and an unchanged tree deploys nothing.
# ---------------------------------------------------------------------------------------------

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.source_dir
  excludes    = local.source_excludes
  output_path = "${path.root}/.terraform/tmp/${var.name}-source.zip"

  lifecycle {
    precondition {
      condition     = length(local.gcloudignore_unsupported) == 0
      error_message = "The .gcloudignore in source_dir uses ${join(", ", local.gcloudignore_unsupported)}: Terraform cannot honour negations (!) or #!include, so list the paths to leave out explicitly."
    }
  }
}

resource "google_storage_bucket_object" "source" {
  name   = "function-source/${var.name}-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

# The task function (tasks.tf) is built from the same zip, runs as the same account with the
# same environment: only the entry point, the timeout and the scaling differ.
locals {
  # Null: the project's default build account (see README, "Build service account").
  function_build_service_account = var.build_service_account != "" ? "projects/${var.project_id}/serviceAccounts/${var.build_service_account}" : null
}

resource "google_cloudfunctions2_function" "export" {
  project     = var.project_id
  name        = var.name
  location    = var.region
  description = "Exports Looker System Activity into BigQuery, one day at a time, exactly once."
  labels      = local.labels

  build_config {
    runtime = var.runtime
    # In fan-out mode it only plans and enqueues the tasks.
    entry_point     = "exportSystemActivity"
    service_account = local.function_build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = var.memory
    timeout_seconds  = var.timeout_seconds
    # One run at a time: the Firestore lease refuses a second one anyway (409), and one
    # instance keeps Looker's query load predictable.
    max_instance_count               = 1
    max_instance_request_concurrency = 1
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.runtime.email
    environment_variables            = local.function_environment
  }

  # The environment names these by value (see main.tf); the function must not start before
  # they exist and the runtime account may use them.
  depends_on = [
    google_project_service.required,
    google_secret_manager_secret_iam_member.runtime_reads_looker_api_key,
    google_secret_manager_secret_iam_member.runtime_reads_masking_key,
    google_storage_bucket_iam_member.runtime_stages_objects,
    google_bigquery_dataset_iam_member.runtime_edits_dataset,
    google_bigquery_table.explore,
    google_project_iam_member.runtime_runs_jobs,
    google_project_iam_member.runtime_uses_firestore_database,
    google_firestore_database.state,
    # Fan-out mode (none otherwise): the queues it enqueues to, and its right to.
    google_cloud_tasks_queue_iam_member.runtime_enqueues_tasks,
    google_service_account_iam_member.runtime_acts_as_tasks_account,
  ]
}
