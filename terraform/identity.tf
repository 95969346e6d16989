# Identity Platform issues the ID tokens every Bearer function verifies.
# Sign-in is by e-mail and password only.
resource "google_identity_platform_config" "main" {
  autodelete_anonymous_users = true
  authorized_domains         = distinct(concat([var.domain], var.authorized_domains))

  sign_in {
    allow_duplicate_emails = false

    email {
      enabled           = true
      password_required = true
    }
  }

  depends_on = [google_project_service.api]
}

# The google provider has no field for the password policy, so this sets it
# through the Identity Toolkit API with the caller's gcloud credentials. The
# minimum length matches the one functions/auth enforces.
resource "terraform_data" "password_policy" {
  triggers_replace = [var.project_id, local.password_policy]

  provisioner "local-exec" {
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      set -euo pipefail
      curl --fail --silent --show-error -X PATCH \
        -H "Authorization: Bearer $(gcloud auth print-access-token)" \
        -H "Content-Type: application/json" \
        -H "X-Goog-User-Project: ${var.project_id}" \
        "https://identitytoolkit.googleapis.com/v2/projects/${var.project_id}/config?updateMask=passwordPolicyConfig" \
        -d '${local.password_policy}' >/dev/null
    EOT
  }

  depends_on = [google_identity_platform_config.main]
}

locals {
  password_policy = jsonencode({
    passwordPolicyConfig = {
      passwordPolicyEnforcementState = "ENFORCE"
      forceUpgradeOnSignin           = true
      passwordPolicyVersions = [{
        customStrengthOptions = {
          minPasswordLength = 8
          maxPasswordLength = 256
        }
      }]
    }
  })
}
