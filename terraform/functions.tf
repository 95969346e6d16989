# One service account, one set of grants and one Cloud Function (2nd gen) per
# manifest function.

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "fn-${each.key}"
  display_name = "IHEP function ${each.key}"

  lifecycle {
    precondition {
      condition     = length(each.key) >= 3 && length(each.key) <= 27
      error_message = "Function name ${each.key} must be 3 to 27 characters long, so that its service account id fn-NAME fits the 6 to 30 characters IAM allows."
    }
  }
}

# Exactly the roles the manifest lists, at project level.
resource "google_project_iam_member" "function" {
  for_each = local.function_roles

  project = var.project_id
  role    = each.value.role
  member  = google_service_account.function[each.value.function].member
}

# Each function reads only the secrets the manifest gives it.
resource "google_secret_manager_secret_iam_member" "function" {
  for_each = local.function_secrets

  secret_id = google_secret_manager_secret.secret[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function[each.value.function].member
}

# Cloud Build builds each function's image as this account rather than the
# Compute Engine default account.
resource "google_service_account" "build" {
  account_id   = "fn-build"
  display_name = "IHEP function builds"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/cloudbuild.builds.builder", "roles/logging.logWriter"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
}

# First source of each function: the folder ./deploy.sh --dry-run staged.
# Terraform uploads it when it creates a function and ignores later source
# changes, because ./deploy.sh deploys new code.
resource "google_storage_bucket" "function_sources" {
  name                        = "${var.project_id}-ihep-function-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.api]
}

data "archive_file" "function" {
  for_each = local.functions

  type        = "zip"
  source_dir  = "${path.module}/${var.function_source_dir}/${each.key}"
  output_path = "${path.module}/.build/${each.key}.zip"
}

resource "google_storage_bucket_object" "function" {
  for_each = local.functions

  name   = "${each.key}/${data.archive_file.function[each.key].output_md5}.zip"
  bucket = google_storage_bucket.function_sources.name
  source = data.archive_file.function[each.key].output_path
}

resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  name     = each.key
  location = var.region
  labels   = merge(local.labels, { function = each.key })

  build_config {
    runtime         = "go126"
    entry_point     = each.key
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.function_sources.name
        object = google_storage_bucket_object.function[each.key].name
      }
    }
  }

  service_config {
    available_memory               = each.value.memory
    timeout_seconds                = each.value.timeout_seconds
    min_instance_count             = each.value.min_instances
    max_instance_count             = each.value.max_instances
    service_account_email          = google_service_account.function[each.key].email
    all_traffic_on_latest_revision = true
    environment_variables          = merge(local.common_env, each.value.env)

    # HTTPS functions answer only the load balancer, where Cloud Armor
    # filters; event functions answer only Pub/Sub pushes from this project.
    ingress_settings = each.value.kind == "https" ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_INTERNAL_ONLY"

    dynamic "secret_environment_variables" {
      for_each = each.value.secrets
      content {
        key        = secret_environment_variables.value.env
        project_id = var.project_id
        secret     = google_secret_manager_secret.secret[secret_environment_variables.value.secret].secret_id
        version    = "latest"
      }
    }
  }

  lifecycle {
    ignore_changes = [build_config[0].source]
  }

  depends_on = [
    google_project_iam_member.function,
    google_project_iam_member.build,
    google_secret_manager_secret_iam_member.function,
  ]
}

# The external load balancer carries no Google identity, so the HTTPS
# functions' Cloud Run services must let it invoke them without one. Ingress
# ALLOW_INTERNAL_AND_GCLB keeps every other path out: a request reaches these
# functions only through the load balancer and its Cloud Armor policy, and
# each function checks the caller's Identity Platform token itself.
resource "google_cloud_run_service_iam_member" "load_balancer_invoker" {
  for_each = local.https_functions

  location = var.region
  service  = google_cloudfunctions2_function.function[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}
