# Provider pins for the hosting module: Firebase Hosting sites exist only in google-beta.
terraform {
  required_version = ">= 1.11"
  required_providers {
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.50"
    }
  }
}
