# A global external Application Load Balancer serves every HTTPS function at
# https://DOMAIN/<function-name>, behind the Cloud Armor policy in armor.tf.

resource "google_compute_region_network_endpoint_group" "function" {
  for_each = local.https_functions

  name                  = "fn-${each.key}"
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_function {
    function = google_cloudfunctions2_function.function[each.key].name
  }
}

resource "google_compute_backend_service" "function" {
  for_each = local.https_functions

  name                  = "fn-${each.key}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.api.id

  backend {
    group = google_compute_region_network_endpoint_group.function[each.key].id
  }

  # Request logs hold paths and client addresses only: no request reaches a
  # function with PHI in its URL.
  log_config {
    enable      = true
    sample_rate = 1
  }
}

resource "google_compute_global_address" "api" {
  name = "ihep-${var.environment}-api"

  depends_on = [google_project_service.api]
}

resource "google_compute_managed_ssl_certificate" "api" {
  name = "ihep-${var.environment}-api"

  managed {
    domains = [var.domain]
  }
}

# Each function at /<name> and below. Cloud Armor rejects every other path
# with 404 before routing, so the default service is never reached for one.
resource "google_compute_url_map" "api" {
  name            = "ihep-${var.environment}-api"
  default_service = google_compute_backend_service.function[sort(keys(local.https_functions))[0]].id

  host_rule {
    hosts        = [var.domain]
    path_matcher = "functions"
  }

  path_matcher {
    name            = "functions"
    default_service = google_compute_backend_service.function[sort(keys(local.https_functions))[0]].id

    dynamic "path_rule" {
      for_each = local.https_functions
      content {
        paths   = ["/${path_rule.key}", "/${path_rule.key}/*"]
        service = google_compute_backend_service.function[path_rule.key].id
      }
    }
  }
}

resource "google_compute_target_https_proxy" "api" {
  name             = "ihep-${var.environment}-api"
  url_map          = google_compute_url_map.api.id
  ssl_certificates = [google_compute_managed_ssl_certificate.api.id]
  ssl_policy       = google_compute_ssl_policy.api.id
}

resource "google_compute_ssl_policy" "api" {
  name            = "ihep-${var.environment}-api"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = "ihep-${var.environment}-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.api.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.api.id
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "http_redirect" {
  name = "ihep-${var.environment}-http-redirect"

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "http_redirect" {
  name    = "ihep-${var.environment}-http-redirect"
  url_map = google_compute_url_map.http_redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  name                  = "ihep-${var.environment}-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.api.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.http_redirect.id
}
