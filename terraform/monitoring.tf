resource "google_monitoring_notification_channel" "email" {
  display_name = "IHEP ${var.environment} alerts"
  type         = "email"

  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.api]
}

# More than 1% of the HTTPS functions' responses are 5xx for five minutes.
resource "google_monitoring_alert_policy" "http_5xx" {
  display_name          = "IHEP ${var.environment}: 5xx rate above 1%"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email.id]

  conditions {
    display_name = "5xx share of requests"

    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\""
      denominator_filter = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = 0.01
      duration           = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
      denominator_aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    content   = "The HTTPS functions answer more than 1% of requests with a 5xx status. Check the functions' error logs in Cloud Logging."
    mime_type = "text/markdown"
  }
}

# Any message moved to a dead-letter topic: an event failed every delivery.
resource "google_monitoring_alert_policy" "dead_letter" {
  display_name          = "IHEP ${var.environment}: dead-lettered messages"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email.id]

  conditions {
    display_name = "Messages forwarded to a dead-letter topic"

    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.subscription_id"]
      }
    }
  }

  documentation {
    content   = "A subscription forwarded messages to its dead-letter topic after ${local.max_delivery_attempts} failed deliveries. The messages wait in the NAME-dead-letter subscription; fix the cause, then replay them."
    mime_type = "text/markdown"
  }
}
