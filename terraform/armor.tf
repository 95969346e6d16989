# Cloud Armor in front of every HTTPS function: unknown paths, per-address
# rate limits (stricter on the unauthenticated account functions) and the
# OWASP Top 10 rules of the preconfigured WAF.
locals {
  # Paths the load balancer routes, as one RE2 alternation.
  function_path_pattern = "^/(${join("|", sort(keys(local.https_functions)))})(/.*)?$"

  # Sign-up, login and refresh take no token, so they get the stricter limit.
  public_path_pattern = "^/(${join("|", sort([for name, f in local.https_functions : name if f.public]))})(/.*)?$"

  # Preconfigured WAF rule sets for the OWASP Top 10 (ModSecurity CRS 3.3),
  # at sensitivity 1, the level with the fewest false positives.
  owasp_rules = {
    "sqli-v33-stable"              = 1000
    "xss-v33-stable"               = 1001
    "lfi-v33-stable"               = 1002
    "rfi-v33-stable"               = 1003
    "rce-v33-stable"               = 1004
    "methodenforcement-v33-stable" = 1005
    "scannerdetection-v33-stable"  = 1006
    "protocolattack-v33-stable"    = 1007
    "sessionfixation-v33-stable"   = 1008
  }
}

resource "google_compute_security_policy" "api" {
  name = "ihep-${var.environment}-api"
  type = "CLOUD_ARMOR"

  adaptive_protection_config {
    layer_7_ddos_defense_config {
      enable = true
    }
  }

  rule {
    description = "Reject paths that no function serves."
    priority    = 100
    action      = "deny(404)"

    match {
      expr {
        expression = "!request.path.matches('${local.function_path_pattern}')"
      }
    }
  }

  rule {
    description = "Rate-limit the account functions that take no token, per client address."
    priority    = 200
    action      = "throttle"

    match {
      expr {
        expression = "request.path.matches('${local.public_path_pattern}')"
      }
    }

    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"

      rate_limit_threshold {
        count        = var.auth_rate_limit_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    description = "Rate-limit every client address; repeat offenders are banned for ten minutes."
    priority    = 300
    action      = "rate_based_ban"

    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }

    rate_limit_options {
      conform_action   = "allow"
      exceed_action    = "deny(429)"
      enforce_on_key   = "IP"
      ban_duration_sec = 600

      rate_limit_threshold {
        count        = var.rate_limit_per_minute
        interval_sec = 60
      }

      ban_threshold {
        count        = var.rate_limit_per_minute * 5
        interval_sec = 300
      }
    }
  }

  dynamic "rule" {
    for_each = local.owasp_rules
    content {
      description = "OWASP: ${rule.key}"
      priority    = rule.value
      action      = "deny(403)"

      match {
        expr {
          expression = "evaluatePreconfiguredWaf('${rule.key}', {'sensitivity': 1})"
        }
      }
    }
  }

  rule {
    description = "Allow what no rule above rejected."
    priority    = 2147483647
    action      = "allow"

    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }

  depends_on = [google_project_service.api]
}
