# Everything per function comes from the one manifest that the local runner
# and deploy.sh read too. Resources loop over these maps, so a function, topic
# or schedule added to the manifest needs no change here.
locals {
  manifest = yamldecode(file("${path.module}/../functions/manifest.yaml"))

  # Every function by name, with the manifest's optional fields filled in.
  # The timeout is a Go duration of whole seconds, minutes or hours (the
  # manifest loader rejects anything else), such as 30s, 2m or 1m30s.
  functions = {
    for f in local.manifest.functions : f.name => {
      name    = f.name
      package = f.package
      kind = (
        can(f.trigger.https) ? "https" :
        can(f.trigger.schedule) ? "schedule" : "topic"
      )
      public    = try(f.trigger.https.public, false)
      topic     = try(f.trigger.topic, null)
      schedule  = try(f.trigger.schedule, null)
      time_zone = try(f.trigger.timeZone, null)
      memory    = f.memory
      timeout_seconds = sum([
        for i, unit in [3600, 60, 1] :
        tonumber(coalesce(regex("^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$", f.timeout)[i], "0")) * unit
      ])
      min_instances = try(f.minInstances, 0)
      max_instances = try(f.maxInstances, 0)
      env           = try(f.env, {})
      secrets       = try(f.secrets, [])
      roles         = try(f.roles, [])
    }
  }

  https_functions = { for name, f in local.functions : name => f if f.kind == "https" }
  event_functions = { for name, f in local.functions : name => f if f.kind != "https" }
  scheduled       = { for name, f in local.functions : name => f if f.kind == "schedule" }

  # Topics that functions consume, plus the FHIR store's notification topic.
  topics = toset(concat(
    [for f in local.event_functions : f.topic],
    [var.fhir_notification_topic],
  ))

  # One project-level IAM grant per function and role, keyed "function role".
  function_roles = merge([
    for name, f in local.functions : {
      for role in f.roles : "${name} ${role}" => { function = name, role = role }
    }
  ]...)

  # One accessor grant per function and Secret Manager secret it reads.
  secret_ids = toset(flatten([for f in local.functions : [for s in f.secrets : s.secret]]))
  function_secrets = merge([
    for name, f in local.functions : {
      for s in f.secrets : "${name} ${s.secret}" => { function = name, secret = s.secret }
    }
  ]...)

  fhir_store_name = "projects/${var.project_id}/locations/${var.region}/datasets/${var.healthcare_dataset}/fhirStores/${var.fhir_store}"

  # Settings every function reads (shared/config), beside the manifest's own env.
  common_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    FHIR_STORE           = local.fhir_store_name
    CORS_ALLOWED_ORIGINS = join(",", var.cors_origins)
    TRUSTED_PROXY_HOPS   = tostring(var.trusted_proxy_hops)
    LOG_LEVEL            = "info"
  }

  labels = {
    app         = "ihep"
    environment = var.environment
  }
}

data "google_project" "this" {
  project_id = var.project_id
}
