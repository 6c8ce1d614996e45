# Terraform, provider pins and the remote state of the dev environment (its own bucket, created once by hand: docs/DEPLOYMENT.md).
terraform {
  required_version = ">= 1.11"

  backend "gcs" {
    bucket = "taxasge-dev-tfstate"
    prefix = "taxasge"
  }

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.50"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}

provider "google" {
  project = local.project_id
  region  = local.region
}

provider "google-beta" {
  project = local.project_id
  region  = local.region
}
