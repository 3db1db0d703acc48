# ---------------------------------------------------------------------------------------------
# Firestore: the export's watermarks and run leases. By default the module creates a
# Native-mode database of its own (named after the function), so it works the same whether the
# project has no database, a Native-mode (default) or a Datastore-mode (default), which the
# Firestore client cannot use. `firestore.create = false` uses an existing Native-mode database
# instead (README.md, "Firestore").
# ---------------------------------------------------------------------------------------------

resource "google_firestore_database" "state" {
  count = var.firestore.create ? 1 : 0

  project                 = var.project_id
  name                    = local.firestore_database
  location_id             = local.firestore_location
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"

  depends_on = [google_project_service.required]
}
