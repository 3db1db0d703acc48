output "function_name" {
  description = "Name of the export function (for gcloud functions call)."
  value       = google_cloudfunctions2_function.export.name
}

output "function_uri" {
  description = "HTTPS endpoint of the function; callers need roles/run.invoker."
  value       = google_cloudfunctions2_function.export.service_config[0].uri
}

output "runtime_service_account" {
  description = "Email of the service account the function runs as."
  value       = google_service_account.runtime.email
}

output "invoker_service_account" {
  description = "Email of the service account Cloud Scheduler calls the function as."
  value       = google_service_account.invoker.email
}

output "staging_bucket" {
  description = "Name of the staging bucket."
  value       = google_storage_bucket.staging.name
}

output "datasets" {
  description = "BigQuery dataset of each Looker instance."
  value       = { for name, dataset in google_bigquery_dataset.activity : name => dataset.dataset_id }
}

output "tables" {
  description = "Fully qualified BigQuery tables, by instance.explore."
  value       = { for key, table in google_bigquery_table.explore : key => "${table.project}.${table.dataset_id}.${table.table_id}" }
}

output "views" {
  description = "Fully qualified BigQuery views for the common audit questions, by instance.view."
  value = {
    for key, view in merge(google_bigquery_table.view, google_bigquery_table.view_of_views) :
    key => "${view.project}.${view.dataset_id}.${view.table_id}"
  }
}

output "scheduler_job" {
  description = "Name of the Cloud Scheduler job."
  value       = google_cloud_scheduler_job.daily.name
}

output "secret_ids" {
  description = "Secret Manager secrets to add versions to: each instance's Looker API client id and secret, and the masking key when a rule hashes."
  value = {
    instances = {
      for name, instance in local.instances : name => {
        for half, _ in instance.secret_ids : half => google_secret_manager_secret.looker_api_key["${name}.${half}"].secret_id
      }
    }
    masking_key = one(google_secret_manager_secret.masking_key[*].secret_id)
  }
}

output "source_bucket" {
  description = "Name of the bucket holding the function's source zip (the runtime account has no access to it)."
  value       = google_storage_bucket.source.name
}

output "firestore_database" {
  description = "Firestore database holding the export state (created here unless firestore.create is false)."
  value       = local.firestore_database
}

output "alert_policies" {
  description = "Cloud Monitoring alert policies: a failed run, an explore with no successful run in stale_explore_hours, an incremental explore with none in retention_alert_days (null when only snapshots are exported), and (fan-out mode) a task dropped after task_max_attempts."
  value = {
    failed_run    = google_monitoring_alert_policy.failed_run.name
    stale_explore = google_monitoring_alert_policy.stale_explore.name
    retention     = one(google_monitoring_alert_policy.retention[*].name)
    # Fan-out mode only (null otherwise).
    dropped_task = one(google_monitoring_alert_policy.dropped_task[*].name)
  }
}

output "run_history_dataset" {
  description = "BigQuery dataset the run summaries are routed to (table run_googleapis_com_stdout, view runs_per_day once create_run_history_view is on)."
  value       = google_bigquery_dataset.run_history.dataset_id
}

output "task_queues" {
  description = "Fan-out mode: each Looker instance's Cloud Tasks queue ID (in region); empty otherwise."
  value       = { for name, queue in google_cloud_tasks_queue.instance : name => queue.name }
}

output "task_function_uri" {
  description = "Fan-out mode: the task function's URL, where the tasks are sent (null otherwise)."
  value       = one(google_cloudfunctions2_function.task[*].url)
}

output "tasks_service_account" {
  description = "Fan-out mode: email of the account Cloud Tasks calls the task function as (null otherwise)."
  value       = one(google_service_account.tasks[*].email)
}
