# ---------------------------------------------------------------------------------------------
# looker-activity-export: a daily Cloud Function that copies Looker System Activity into
# BigQuery. This file holds the shared names; each concern has its own file.
# ---------------------------------------------------------------------------------------------

locals {
  source_dir  = var.source_dir != "" ? var.source_dir : abspath("${path.module}/..")
  bucket_name = var.bucket_name != "" ? var.bucket_name : "${var.project_id}-${var.name}-staging"
  labels      = merge({ app = "looker-activity-export" }, var.labels)

  # One entry per table; the schema files are generated from the code's explore registry
  # (npm run schemas) and a test keeps them equal.
  tables = {
    content_usage = {
      partition_field = "last_accessed_time"
      clustering      = ["content_type"]
      description     = "Looker System Activity content_usage: usage of each dashboard and look."
    }
    history = {
      partition_field = "created_time"
      clustering      = ["source", "status"]
      description     = "Looker System Activity history: one row per query run."
    }
  }
}
