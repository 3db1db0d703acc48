# ---------------------------------------------------------------------------------------------
# Run history: a log sink routes every run summary ("export run succeeded|partial|failed") to a
# dataset of its own, where Cloud Logging writes one table partitioned by the entries'
# timestamp (local.run_history_table), and a view sums the runs per day.
# ---------------------------------------------------------------------------------------------

resource "google_bigquery_dataset" "run_history" {
  project       = var.project_id
  dataset_id    = var.run_history_dataset_id
  location      = var.dataset_location
  friendly_name = "${var.name} run history"
  description   = "Every run summary of ${var.name}, routed from Cloud Logging by the ${var.name}-run-history sink."
  labels        = local.labels

  depends_on = [google_project_service.required]
}

resource "google_logging_project_sink" "run_history" {
  project     = var.project_id
  name        = "${var.name}-run-history"
  description = "Run summaries of ${var.name} to BigQuery."
  destination = "bigquery.googleapis.com/projects/${var.project_id}/datasets/${google_bigquery_dataset.run_history.dataset_id}"
  filter      = local.run_summary_filter
  # A service account of its own, granted on this dataset alone (below).
  unique_writer_identity = true

  bigquery_options {
    use_partitioned_tables = true
  }

  depends_on = [google_project_service.required]
}

# The sink's writer creates its table and streams into it: dataEditor on this dataset only.
resource "google_bigquery_dataset_iam_member" "run_history_sink_writes" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.run_history.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_logging_project_sink.run_history.writer_identity
}

# BigQuery refuses a view over a table that does not exist yet, and Logging creates the table
# with the first entry it routes: create_run_history_view is turned on after the first run.
resource "google_bigquery_table" "runs_per_day" {
  count = var.create_run_history_view ? 1 : 0

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.run_history.dataset_id
  table_id            = "runs_per_day"
  description         = "Export runs per UTC day and status: runs, rows, duration."
  deletion_protection = false
  labels              = local.labels

  view {
    query          = templatefile("${path.module}/run-history/runs_per_day.sql", { project = var.project_id, dataset = google_bigquery_dataset.run_history.dataset_id, table = local.run_history_table })
    use_legacy_sql = false
  }
}
