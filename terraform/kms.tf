# Customer-managed keys for the stores that hold or copy PHI outside the FHIR
# store: the BigQuery analytics dataset and the audit-log bucket. Every key
# rotates every 90 days.
locals {
  kms_rotation_period = "7776000s" # 90 days
  kms_keys            = toset(["bigquery", "audit-logs", "secrets"])
}

resource "google_kms_key_ring" "main" {
  name     = "ihep-${var.environment}"
  location = var.region

  depends_on = [google_project_service.api]
}

resource "google_kms_crypto_key" "key" {
  for_each = local.kms_keys

  name            = each.value
  key_ring        = google_kms_key_ring.main.id
  rotation_period = local.kms_rotation_period
  purpose         = "ENCRYPT_DECRYPT"
  labels          = local.labels

  lifecycle {
    prevent_destroy = true
  }
}

data "google_bigquery_default_service_account" "this" {
  depends_on = [google_project_service.api]
}

data "google_storage_project_service_account" "this" {
  depends_on = [google_project_service.api]
}

resource "google_project_service_identity" "secretmanager" {
  provider = google-beta
  service  = "secretmanager.googleapis.com"

  depends_on = [google_project_service.api]
}

resource "google_kms_crypto_key_iam_member" "bigquery" {
  crypto_key_id = google_kms_crypto_key.key["bigquery"].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = data.google_bigquery_default_service_account.this.member
}

resource "google_kms_crypto_key_iam_member" "audit_logs" {
  crypto_key_id = google_kms_crypto_key.key["audit-logs"].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.this.email_address}"
}

resource "google_kms_crypto_key_iam_member" "secrets" {
  crypto_key_id = google_kms_crypto_key.key["secrets"].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_project_service_identity.secretmanager.member
}
