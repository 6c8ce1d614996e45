# One TaxasGE environment: APIs, private network, buckets, image registry, and the wiring of every module.

locals {
  repo_root = abspath("${path.module}/../../..")
  labels    = { app = "taxasge", environment = var.environment }

  # ENVIRONMENT as shared/config/config.ts reads it.
  app_environment = { dev = "development", staging = "staging", prod = "production" }[var.environment]

  services = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "firebase.googleapis.com",
    "firebasehosting.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
    "sts.googleapis.com",
    "vpcaccess.googleapis.com",
    "vision.googleapis.com",
  ]
}

resource "google_project_service" "this" {
  for_each           = toset(local.services)
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# Private network: Cloud SQL has no public IP; functions and the migrations job reach it through the connector.
resource "google_compute_network" "vpc" {
  project                 = var.project_id
  name                    = "taxasge-vpc"
  auto_create_subnetworks = false
  depends_on              = [google_project_service.this]
}

resource "google_compute_global_address" "private_services" {
  project       = var.project_id
  name          = "taxasge-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 16
  network       = google_compute_network.vpc.id
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.vpc.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
}

resource "google_vpc_access_connector" "this" {
  project       = var.project_id
  region        = var.region
  name          = "taxasge-connector"
  network       = google_compute_network.vpc.name
  ip_cidr_range = "10.8.0.0/28"
  min_instances = 2
  max_instances = 3
}

resource "google_storage_bucket" "sources" {
  project                     = var.project_id
  name                        = "${var.project_id}-function-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  # Sources are content-addressed; older ones stay long enough to redeploy a previous release.
  lifecycle_rule {
    condition {
      age = 180
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "documents" {
  project                     = var.project_id
  name                        = "${var.project_id}-documents"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  # A document deleted by the retention job or an erasure (docs/PRIVACY.md) leaves a noncurrent
  # version: kept 30 days to undo a mistake, then gone.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # response_header: the upload URL's signed headers, which a browser's preflight must be allowed to send (docs/STORAGE.md).
  cors {
    origin          = var.cors_origins
    method          = ["PUT", "GET"]
    response_header = ["Content-Type", "x-goog-content-length-range", "x-goog-if-generation-match"]
    max_age_seconds = 3600
  }
}

resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "taxasge"
  format        = "DOCKER"
  description   = "Images built by the deploy pipeline (the migrations job)."
  labels        = local.labels
  depends_on    = [google_project_service.this]
}

module "iam" {
  source            = "../iam"
  project_id        = var.project_id
  function_ids      = concat(keys(local.http_functions), keys(local.event_functions))
  github_repository = var.github_repository
  github_refs       = var.github_refs
  depends_on        = [google_project_service.this]
}

module "secrets" {
  source              = "../secrets"
  project_id          = var.project_id
  secrets             = local.secrets
  deletion_protection = var.protect_secrets
  labels              = local.labels
  depends_on          = [google_project_service.this]
}
