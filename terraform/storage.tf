# ---------------------------------------------------------------------------------------------
# Staging bucket: JSONL objects between Looker and BigQuery, and the function's source zip.
# Private by construction; staged objects are only needed until their load job has finished.
# ---------------------------------------------------------------------------------------------

resource "google_storage_bucket" "staging" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  # Only the staged extracts expire: the deployed source zip must outlive them.
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
