variable "project_id" {
  description = "Google Cloud project that holds the deployment. Its BAA with Google must be signed before any PHI reaches it."
  type        = string
}

variable "region" {
  description = "Region of the functions, the FHIR store, Pub/Sub storage, KMS keys and the BigQuery dataset."
  type        = string
  default     = "us-central1"
}

variable "environment" {
  description = "Deployment name used in labels and resource names, such as prod or staging."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "The environment must be 1 to 16 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "domain" {
  description = "Host name of the API behind the load balancer, such as api.ihep.app. Its DNS A record must point at the address in the api_ip_address output."
  type        = string
}

variable "cors_origins" {
  description = "Exact origins (scheme://host[:port]) that browsers may call the API from."
  type        = list(string)
  default     = []
}

variable "authorized_domains" {
  description = "Domains Identity Platform accepts for sign-in redirects, in addition to the API domain."
  type        = list(string)
  default     = []
}

variable "alert_email" {
  description = "E-mail address that receives the alert policies' notifications."
  type        = string
}

variable "firestore_location" {
  description = "Location of the Firestore database, a region or a multi-region such as nam5."
  type        = string
  default     = "nam5"
}

variable "healthcare_dataset" {
  description = "Id of the Cloud Healthcare dataset."
  type        = string
  default     = "ihep"
}

variable "fhir_store" {
  description = "Id of the FHIR R4 store inside the dataset."
  type        = string
  default     = "phi"
}

variable "fhir_notification_topic" {
  description = "Pub/Sub topic id that receives the FHIR store's change notifications. A function in functions/manifest.yaml must consume it."
  type        = string
  default     = "fhir-changes"
}

variable "firestore_ttl_collections" {
  description = "Firestore collection groups whose documents carry an expireAt timestamp and are deleted by a TTL policy: rate-limit counters, token revocations, sessions, the appointment leases that crashed instances left behind, sent-reminder markers and inbox entries (collection group entries)."
  type        = list(string)
  default     = ["rateLimits", "revocations", "sessions", "appointmentLeases", "appointmentReminders", "entries"]
}

variable "trusted_proxy_hops" {
  description = "Proxies that append to X-Forwarded-For in front of the HTTPS functions. The external Application Load Balancer appends the client address and its own, so the client is the second entry from the end."
  type        = number
  default     = 2
}

variable "function_source_dir" {
  description = "Folder holding one staged source folder per function, as written by ./deploy.sh --dry-run. Terraform uploads it once, when it creates a function; later code changes are deployed with ./deploy.sh."
  type        = string
  default     = "../.deploy"
}

variable "rate_limit_per_minute" {
  description = "Requests per minute that one client address may send to the API before Cloud Armor answers 429."
  type        = number
  default     = 600
}

variable "auth_rate_limit_per_minute" {
  description = "Requests per minute that one client address may send to the sign-up, login and refresh functions before Cloud Armor answers 429."
  type        = number
  default     = 30
}

variable "lock_audit_retention" {
  description = "Lock the audit-log bucket's 7-year retention policy. Locking cannot be undone: the bucket then cannot be deleted before every object is 7 years old."
  type        = bool
  default     = false
}
