# ---------------------------------------------------------------------------------------------
# Staging bucket: JSONL objects between Looker and BigQuery, and the function's source zip.
# ---------------------------------------------------------------------------------------------

resource "google_storage_bucket" "staging" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age            = var.staging_retention_days
      matches_prefix = ["system_activity/"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}
