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

output "dataset_id" {
  description = "BigQuery dataset holding the System Activity tables."
  value       = google_bigquery_dataset.activity.dataset_id
}

output "tables" {
  description = "Fully qualified BigQuery tables, by explore."
  value       = { for name, table in google_bigquery_table.explore : name => "${table.project}.${table.dataset_id}.${table.table_id}" }
}

output "scheduler_job" {
  description = "Name of the Cloud Scheduler job."
  value       = google_cloud_scheduler_job.daily.name
}

output "secret_ids" {
  description = "Secret Manager secrets to add the Looker API credentials to."
  value = {
    client_id     = google_secret_manager_secret.client_id.secret_id
    client_secret = google_secret_manager_secret.client_secret.secret_id
  }
}
