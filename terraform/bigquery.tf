# ---------------------------------------------------------------------------------------------
# BigQuery: the dataset and one day-partitioned table per explore, with the schema the
# function loads with (terraform/schemas/*.json, generated from src/explores).
# ---------------------------------------------------------------------------------------------

resource "google_bigquery_dataset" "activity" {
  project       = var.project_id
  dataset_id    = var.dataset_id
  location      = var.dataset_location
  friendly_name = "Looker System Activity"
  description   = "Looker System Activity exported daily by ${var.name}. Kept beyond Looker's own retention."
  labels        = local.labels

  depends_on = [google_project_service.required]
}

resource "google_bigquery_table" "explore" {
  for_each = local.tables

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.activity.dataset_id
  table_id            = each.key
  description         = each.value.description
  deletion_protection = var.deletion_protection
  clustering          = each.value.clustering
  labels              = local.labels
  schema              = jsonencode(jsondecode(file("${path.module}/schemas/${each.key}.json")))

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }
}
