# Analytics copy of Patient, Observation and Appointment, streamed by the FHIR
# store. It is PHI too, so it is encrypted with a customer-managed key.
resource "google_bigquery_dataset" "fhir" {
  dataset_id                 = "ihep_fhir_${replace(var.environment, "-", "_")}"
  location                   = var.region
  description                = "FHIR resources streamed from the ${var.fhir_store} store (PHI)."
  delete_contents_on_destroy = false
  labels                     = local.labels

  default_encryption_configuration {
    kms_key_name = google_kms_crypto_key.key["bigquery"].id
  }

  depends_on = [google_kms_crypto_key_iam_member.bigquery]
}
