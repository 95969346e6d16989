output "api_ip_address" {
  description = "Address of the load balancer: point the DNS A record of var.domain here."
  value       = google_compute_global_address.api.address
}

output "api_base_url" {
  description = "Base URL of the HTTPS functions: each answers at <base>/<function-name>."
  value       = "https://${var.domain}"
}

output "fhir_store" {
  description = "Full name of the FHIR store."
  value       = google_healthcare_fhir_store.main.id
}

output "function_service_accounts" {
  description = "Service account e-mail of each function."
  value       = { for name, sa in google_service_account.function : name => sa.email }
}

output "deploy_env" {
  description = "Export lines for ./deploy.sh: eval \"$(terraform output -raw deploy_env)\"."
  value       = <<-EOT
    export GOOGLE_CLOUD_PROJECT='${var.project_id}'
    export IHEP_REGION='${var.region}'
    export IHEP_FHIR_STORE='${local.fhir_store_name}'
    export IHEP_CORS_ORIGINS='${join(",", var.cors_origins)}'
    export IHEP_TRUSTED_PROXY_HOPS='${var.trusted_proxy_hops}'
  EOT
}
