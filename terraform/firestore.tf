# ---------------------------------------------------------------------------------------------
# Firestore: the export's watermarks and run lease. Most projects already have a default
# database; create one only when asked.
# ---------------------------------------------------------------------------------------------

resource "google_firestore_database" "state" {
  count = var.create_firestore_database ? 1 : 0

  project                 = var.project_id
  name                    = var.firestore_database_id
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"

  depends_on = [google_project_service.required]
}
