# Topics from the manifest's topic and schedule triggers. Each event function
# gets its own push subscription with a retry policy and a dead-letter topic,
# so a message that keeps failing is set aside after max_delivery_attempts
# instead of being retried forever or dropped.
locals {
  max_delivery_attempts = 10
}

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  name   = each.value
  labels = local.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  depends_on = [google_project_service.api]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.event_functions

  name   = "${each.key}-dead-letter"
  labels = local.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  depends_on = [google_project_service.api]
}

# Messages published to a topic without subscriptions are lost, so every
# dead-letter topic keeps its messages in a pull subscription for inspection
# and replay.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.event_functions

  name                       = "${each.key}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  message_retention_duration = "2678400s" # 31 days, the maximum
  ack_deadline_seconds       = 60
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "function" {
  for_each = local.event_functions

  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = max(10, min(600, each.value.timeout_seconds))
  message_retention_duration = "604800s"
  labels                     = local.labels

  # The path names the topic, so shared/eventfn gives the CloudEvent it makes
  # of the push request the topic as its source, as Eventarc would.
  push_config {
    push_endpoint = "${google_cloudfunctions2_function.function[each.key].service_config[0].uri}/projects/${var.project_id}/topics/${each.value.topic}"

    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = google_cloudfunctions2_function.function[each.key].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = local.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_service_iam_member.pubsub_push,
    google_pubsub_topic_iam_member.dead_letter_publisher,
  ]
}

# Pub/Sub signs the push requests as this account, which may invoke exactly
# the event functions.
resource "google_service_account" "pubsub_push" {
  account_id   = "pubsub-push"
  display_name = "Pub/Sub push to the IHEP event functions"
}

resource "google_cloud_run_service_iam_member" "pubsub_push" {
  for_each = local.event_functions

  location = var.region
  service  = google_cloudfunctions2_function.function[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.pubsub_push.member
}

# The Pub/Sub service agent mints the push tokens, forwards undeliverable
# messages to the dead-letter topics and acknowledges them on the source
# subscription.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_project_service_identity.pubsub.member
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.event_functions

  topic  = google_pubsub_topic.dead_letter[each.key].id
  role   = "roles/pubsub.publisher"
  member = google_project_service_identity.pubsub.member
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.event_functions

  subscription = google_pubsub_subscription.function[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = google_project_service_identity.pubsub.member
}
