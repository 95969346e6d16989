# Cloud Scheduler publishes to the topic of each schedule-triggered function,
# in the time zone the manifest gives. The payload names the job; unlike the
# local runner's messages it carries no schedule time.
resource "google_cloud_scheduler_job" "function" {
  for_each = local.scheduled

  name      = each.key
  region    = var.region
  schedule  = each.value.schedule
  time_zone = each.value.time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.topic[each.value.topic].id
    data       = base64encode(jsonencode({ job = each.key }))
  }

  retry_config {
    retry_count          = 3
    min_backoff_duration = "10s"
    max_backoff_duration = "300s"
  }

  depends_on = [google_project_service.api]
}
