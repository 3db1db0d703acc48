# ---------------------------------------------------------------------------------------------
# BigQuery: a dataset per Looker instance and, in each, one day-partitioned table per exported
# explore, with the schema the function loads with (terraform/schemas/*.json, generated from
# src/explores), and the views over them (views/*.sql).
# ---------------------------------------------------------------------------------------------

resource "google_bigquery_dataset" "activity" {
  for_each = local.instances

  project       = var.project_id
  dataset_id    = each.value.dataset_id
  location      = var.dataset_location
  friendly_name = "Looker System Activity (${each.key})"
  description   = "Looker System Activity of ${each.key} (${each.value.base_url}), exported daily by ${var.name}. Kept beyond Looker's own retention."
  labels        = merge(local.labels, { looker_instance = each.key })

  depends_on = [google_project_service.required]
}

resource "google_bigquery_table" "explore" {
  for_each = local.instance_tables

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.activity[each.value.instance].dataset_id
  table_id            = each.value.table_id
  description         = each.value.description
  deletion_protection = var.deletion_protection
  clustering          = each.value.clustering
  labels              = merge(local.labels, { looker_instance = each.value.instance })
  schema              = jsonencode(jsondecode(file("${path.module}/schemas/${each.value.table_id}.json")))

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }

  # The function appends a column when Looker adds a field (a load with field addition). A
  # later apply must not take it away again, nor fight the function over the schema: Terraform
  # sets the schema when it creates a table and leaves it to the function from then on.
  lifecycle {
    ignore_changes = [schema]
  }
}

# Views hold no data: no deletion protection, so a changed query or a destroy just works.
resource "google_bigquery_table" "view" {
  for_each = { for key, view in local.instance_views : key => view if !view.of_views }

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.activity[each.value.instance].dataset_id
  table_id            = each.value.view
  description         = each.value.description
  deletion_protection = false
  labels              = merge(local.labels, { looker_instance = each.value.instance })

  view {
    query          = templatefile("${path.module}/views/${each.value.view}.sql", { project = var.project_id, dataset = each.value.dataset_id })
    use_legacy_sql = false
  }

  # BigQuery checks a view's query when it is created: the tables must exist.
  depends_on = [google_bigquery_table.explore]
}

resource "google_bigquery_table" "view_of_views" {
  for_each = { for key, view in local.instance_views : key => view if view.of_views }

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.activity[each.value.instance].dataset_id
  table_id            = each.value.view
  description         = each.value.description
  deletion_protection = false
  labels              = merge(local.labels, { looker_instance = each.value.instance })

  view {
    query          = templatefile("${path.module}/views/${each.value.view}.sql", { project = var.project_id, dataset = each.value.dataset_id })
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.explore, google_bigquery_table.view]
}
