# HIPAA asks for six years of audit records; the bucket keeps seven. Cloud
# Audit Logs record every read and write of the FHIR store, and a sink copies
# them here.
locals {
  audit_retention_seconds = 2557 * 24 * 60 * 60 # 7 years of 365 days plus 2 leap days
}

resource "google_project_iam_audit_config" "healthcare" {
  project = var.project_id
  service = "healthcare.googleapis.com"

  audit_log_config {
    log_type = "ADMIN_READ"
  }
  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

resource "google_storage_bucket" "audit_logs" {
  name                        = "${var.project_id}-ihep-audit-logs"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  retention_policy {
    retention_period = local.audit_retention_seconds
    is_locked        = var.lock_audit_retention
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.key["audit-logs"].id
  }

  # Older records are read rarely, so they move to cheaper storage classes.
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }
  lifecycle_rule {
    condition {
      age = 365
    }
    action {
      type          = "SetStorageClass"
      storage_class = "ARCHIVE"
    }
  }

  lifecycle {
    prevent_destroy = true
  }

  depends_on = [google_kms_crypto_key_iam_member.audit_logs]
}

resource "google_logging_project_sink" "fhir_audit" {
  name                   = "ihep-fhir-audit"
  destination            = "storage.googleapis.com/${google_storage_bucket.audit_logs.name}"
  unique_writer_identity = true
  filter                 = <<-EOT
    protoPayload.serviceName="healthcare.googleapis.com"
    AND (logName:"cloudaudit.googleapis.com%2Fdata_access" OR logName:"cloudaudit.googleapis.com%2Factivity")
  EOT
}

resource "google_storage_bucket_iam_member" "fhir_audit_writer" {
  bucket = google_storage_bucket.audit_logs.name
  role   = "roles/storage.objectCreator"
  member = google_logging_project_sink.fhir_audit.writer_identity
}
