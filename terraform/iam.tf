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

# Fan-out mode: Cloud Tasks signs each task call's OIDC token as this account, the only one
# that may invoke the task function. The tokens are minted by Google's Cloud Tasks service
# agent (service-PROJECT_NUMBER@gcp-sa-cloudtasks.iam.gserviceaccount.com), whose
# roles/cloudtasks.serviceAgent holds iam.serviceAccounts.getOpenIdToken: Google grants it on
# the project when the API is enabled (on every project since 2019), so nothing is granted here.
resource "google_service_account" "tasks" {
  count = var.fan_out ? 1 : 0

  project      = var.project_id
  account_id   = local.tasks_account_id
  display_name = "${var.name} task caller"
  description  = "Cloud Tasks calls the task function as this account (OIDC), in fan-out mode."
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

# ---------------------------------------------------------------------------------------------
# Fan-out mode: the runtime account (both functions) creates tasks on each instance's queue,
# the planner's and the continuations; nothing else on the queues (no listing, purging, IAM).
# ---------------------------------------------------------------------------------------------

resource "google_cloud_tasks_queue_iam_member" "runtime_enqueues_tasks" {
  for_each = google_cloud_tasks_queue.instance

  project  = var.project_id
  location = each.value.location
  name     = each.value.name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.runtime.member
}

# Creating a task that carries an OIDC token for an account is acting as that account
# (iam.serviceAccounts.actAs): granted on the tasks account alone, not on the project, so the
# runtime account can mint calls as no other account.
resource "google_service_account_iam_member" "runtime_acts_as_tasks_account" {
  count = var.fan_out ? 1 : 0

  service_account_id = google_service_account.tasks[0].name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.runtime.member
}

# The tasks account may call the task function's Cloud Run service and nothing else; it is the
# only invoker there (operators and the scheduler call the planner, the export function).
resource "google_cloud_run_service_iam_member" "tasks_call_task_function" {
  count = var.fan_out ? 1 : 0

  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.task[0].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.tasks[0].member
}
