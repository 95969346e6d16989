# The FHIR R4 store is the only place PHI lives.
resource "google_healthcare_dataset" "main" {
  name      = var.healthcare_dataset
  location  = var.region
  time_zone = "UTC"

  depends_on = [google_project_service.api]
}

resource "google_healthcare_fhir_store" "main" {
  name    = var.fhir_store
  dataset = google_healthcare_dataset.main.id
  version = "R4"

  # Referential integrity and resource versioning stay on; both are fixed
  # when the store is created. Update-create lets a PUT create a resource.
  disable_referential_integrity  = false
  disable_resource_versioning    = false
  enable_update_create           = true
  default_search_handling_strict = true
  labels                         = local.labels

  # Name-only notifications: the message carries the resource name, never the
  # resource, so no PHI passes through Pub/Sub.
  notification_configs {
    pubsub_topic       = google_pubsub_topic.topic[var.fhir_notification_topic].id
    send_full_resource = false
  }

  stream_configs {
    resource_types = ["Patient", "Observation", "Appointment"]

    bigquery_destination {
      dataset_uri = "bq://${var.project_id}.${google_bigquery_dataset.fhir.dataset_id}"

      schema_config {
        schema_type               = "ANALYTICS_V2"
        recursive_structure_depth = 3
      }
    }
  }

  lifecycle {
    prevent_destroy = true

    precondition {
      condition     = contains([for f in local.event_functions : f.topic], var.fhir_notification_topic)
      error_message = "No function in functions/manifest.yaml consumes the FHIR notification topic ${var.fhir_notification_topic}."
    }
  }

  depends_on = [
    google_pubsub_topic_iam_member.healthcare_publisher,
    google_project_iam_member.healthcare_bigquery,
  ]
}

# The Healthcare service agent publishes the notifications and writes the
# BigQuery stream.
resource "google_pubsub_topic_iam_member" "healthcare_publisher" {
  topic  = google_pubsub_topic.topic[var.fhir_notification_topic].id
  role   = "roles/pubsub.publisher"
  member = google_project_service_identity.healthcare.member
}

resource "google_project_iam_member" "healthcare_bigquery" {
  for_each = toset(["roles/bigquery.dataEditor", "roles/bigquery.jobUser"])

  project = var.project_id
  role    = each.value
  member  = google_project_service_identity.healthcare.member
}
