# ---------------------------------------------------------------------------------------------
# Looker API credentials: containers only. Values never pass through Terraform (they would
# land in its state); add them with `gcloud secrets versions add` (see README.md).
# ---------------------------------------------------------------------------------------------

resource "google_secret_manager_secret" "client_id" {
  project   = var.project_id
  secret_id = var.client_id_secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}

resource "google_secret_manager_secret" "client_secret" {
  project   = var.project_id
  secret_id = var.client_secret_secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}
