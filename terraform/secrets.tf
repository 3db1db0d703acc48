# ---------------------------------------------------------------------------------------------
# Secrets: containers only. Values never pass through Terraform (they would land in its
# state); add them with `gcloud secrets versions add` (see README.md). Two per Looker instance
# (its API client id and secret), and the HMAC key when a masking rule hashes.
# ---------------------------------------------------------------------------------------------

resource "google_secret_manager_secret" "client_id" {
  for_each = local.instances

  project   = var.project_id
  secret_id = each.value.client_id_secret
  labels    = merge(local.labels, { looker_instance = each.key })

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}

resource "google_secret_manager_secret" "client_secret" {
  for_each = local.instances

  project   = var.project_id
  secret_id = each.value.client_secret
  labels    = merge(local.labels, { looker_instance = each.key })

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}

resource "google_secret_manager_secret" "masking_key" {
  count = local.masking_hashes ? 1 : 0

  project   = var.project_id
  secret_id = local.masking_key_secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}
