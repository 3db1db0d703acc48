# ---------------------------------------------------------------------------------------------
# Two private buckets: staging holds the JSONL objects between Looker and BigQuery (the runtime
# account writes there); source holds the function's source zip, which the runtime account
# cannot touch, so the function cannot replace the code it runs.
# ---------------------------------------------------------------------------------------------

resource "google_storage_bucket" "staging" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  # Staged objects are only needed until their load job has finished.
  lifecycle_rule {
    condition {
      age            = var.staging_retention_days
      matches_prefix = ["${local.staging_prefix}/"]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", local.bucket_name))
      error_message = "The staging bucket name \"${local.bucket_name}\" is not a valid bucket name (3-63 lower-case letters, digits, - _ .): set bucket_name, or shorten name."
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = local.source_bucket_name
  location                    = var.bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  # Old zips are kept (a redeploy of a previous revision reads its own): they are small.

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", local.source_bucket_name))
      error_message = "The source bucket name \"${local.source_bucket_name}\" is not a valid bucket name (3-63 lower-case letters, digits, - _ .): set source_bucket_name, or shorten name."
    }
  }

  depends_on = [google_project_service.required]
}
