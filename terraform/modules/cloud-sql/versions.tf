# Provider pins for the cloud-sql module (random for the ephemeral password; write-only arguments need Terraform 1.11).
terraform {
  required_version = ">= 1.11"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
