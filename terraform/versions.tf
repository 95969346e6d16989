# NOTE: `terraform validate` and `terraform plan` need the providers, which
# could not be downloaded where this configuration was written, so argument
# names follow the provider documentation but have not been checked by the
# providers themselves. The Go tests in this folder check the rest.
terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.40"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.40"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # Partial configuration: the state bucket is given at init time, so that
  # each environment keeps its own state:
  #   terraform init -backend-config="bucket=PROJECT-tfstate" -backend-config="prefix=ihep/prod"
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}
