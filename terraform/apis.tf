# ---------------------------------------------------------------------------------------------
# APIs. Every resource that calls one of them depends on google_project_service.required, directly
# or through a resource it references, so a first apply on a fresh project enables them first
# (a spec checks the graph). serviceusage.googleapis.com must already be on: it is the API that
# enables the others (README.md, "Assumptions and prerequisites").
# ---------------------------------------------------------------------------------------------

locals {
  services = [
    "artifactregistry.googleapis.com",     # the function's container image
    "bigquery.googleapis.com",             # datasets, tables, views, load jobs
    "cloudbuild.googleapis.com",           # builds the function
    "cloudfunctions.googleapis.com",       # the function
    "cloudresourcemanager.googleapis.com", # project IAM members
    "cloudscheduler.googleapis.com",       # the daily job
    "cloudtasks.googleapis.com",           # fan-out mode's queues (enabled either way: it costs nothing idle)
    "firestore.googleapis.com",            # the export state
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",              # log-based metrics, the run history sink
    "monitoring.googleapis.com",           # alert policies
    "run.googleapis.com",                  # the function's Cloud Run service and its invoker grants
    "secretmanager.googleapis.com",        # the Looker API key and masking key secrets
    "storage.googleapis.com",              # staging and source buckets
  ]
}

resource "google_project_service" "required" {
  for_each = var.enable_apis ? toset(local.services) : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
