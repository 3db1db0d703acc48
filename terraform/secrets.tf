# ---------------------------------------------------------------------------------------------
# Secrets: containers only. Values never pass through Terraform (they would land in its
# state); add them with `gcloud secrets versions add` (see README.md). Two per Looker instance
# (its API client id and secret), and the HMAC key when a masking rule hashes.
# ---------------------------------------------------------------------------------------------

# Each instance's API client id and secret, keyed "<instance>.client_id" / ".client_secret".
resource "google_secret_manager_secret" "looker_api_key" {
  for_each = local.instance_secrets

  project   = var.project_id
  secret_id = each.value.secret_id
  labels    = merge(local.labels, { looker_instance = each.value.instance })

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
