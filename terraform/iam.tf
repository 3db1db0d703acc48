# ---------------------------------------------------------------------------------------------
# Service accounts, least privilege: every grant is on one resource unless BigQuery or
# Firestore only offer it at project level.
# ---------------------------------------------------------------------------------------------

resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "${substr(var.name, 0, 22)}-run"
  display_name = "${var.name} runtime"
  description  = "Runs the Looker System Activity export function."
  depends_on   = [google_project_service.required]
}

resource "google_service_account" "invoker" {
  project      = var.project_id
  account_id   = "${substr(var.name, 0, 22)}-inv"
  display_name = "${var.name} scheduler invoker"
  description  = "Cloud Scheduler calls the export function as this account (OIDC)."
  depends_on   = [google_project_service.required]
}

resource "google_secret_manager_secret_iam_member" "runtime_reads_looker_api_key" {
  for_each = google_secret_manager_secret.looker_api_key

  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}

resource "google_secret_manager_secret_iam_member" "runtime_reads_masking_key" {
  count = local.masking_hashes ? 1 : 0

  project   = var.project_id
  secret_id = google_secret_manager_secret.masking_key[0].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}

# Create, read, overwrite and delete objects in the staging bucket, no IAM; the source bucket
# (the function's code) is out of its reach.
resource "google_storage_bucket_iam_member" "runtime_stages_objects" {
  bucket = google_storage_bucket.staging.name
  role   = "roles/storage.objectUser"
  member = google_service_account.runtime.member
}

# One dataset per Looker instance; the runtime account edits those and no other.
resource "google_bigquery_dataset_iam_member" "runtime_edits_dataset" {
  for_each = google_bigquery_dataset.activity

  project    = var.project_id
  dataset_id = each.value.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.runtime.member
}

# Load jobs run in the project: BigQuery has no narrower place to grant this.
resource "google_project_iam_member" "runtime_runs_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.runtime.member

  depends_on = [google_project_service.required]
}

# Firestore has no per-database IAM resource: the grant is on the project, with an IAM condition
# that limits it to the export's database (Firestore evaluates resource.name on every request).
# datastore.user reads and writes documents, nothing more.
resource "google_project_iam_member" "runtime_uses_firestore_database" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.runtime.member

  condition {
    title       = "${var.name} Firestore database only"
    description = "The export state database of ${var.name}."
    expression  = local.firestore_condition
  }

  depends_on = [google_project_service.required]
}

# Calling the function: a 2nd gen function is a Cloud Run service, and run.invoker is granted
# on that service alone. service_config[0].service is its full name (Cloud Run may normalise
# the function's name into the service's).
resource "google_cloud_run_service_iam_member" "invoker_calls_function" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.export.service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.invoker.member
}

# Operators who backfill with `gcloud functions call` (the variable refuses public members).
# gcloud first reads the function (cloudfunctions.functions.get), then calls its URL
# (run.invoker): each is granted on that one function, nothing on the project.
resource "google_cloud_run_service_iam_member" "operators_call_function" {
  for_each = toset(var.invoker_members)

  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.export.service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

# roles/cloudfunctions.viewer holds cloudfunctions.functions.get (and list, which on one
# function grants nothing more): the read gcloud makes before the call.
resource "google_cloudfunctions2_function_iam_member" "operators_read_function" {
  for_each = toset(var.invoker_members)

  project        = var.project_id
  location       = var.region
  cloud_function = google_cloudfunctions2_function.export.name
  role           = "roles/cloudfunctions.viewer"
  member         = each.value
}
