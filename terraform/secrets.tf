# Secret Manager secrets named in the manifest. Terraform creates the secrets
# but never their values, which would otherwise sit in the state: add each
# value with `gcloud secrets versions add`.
resource "google_secret_manager_secret" "secret" {
  for_each = local.secret_ids

  secret_id = each.value
  labels    = local.labels

  replication {
    user_managed {
      replicas {
        location = var.region

        customer_managed_encryption {
          kms_key_name = google_kms_crypto_key.key["secrets"].id
        }
      }
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.secrets]
}
