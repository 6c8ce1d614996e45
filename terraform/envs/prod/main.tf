# The production environment: regional database with a replica and backups in another region, warm instances on the hot paths; `main` deploys here after approval.

locals {
  project_id = "taxasge-prod"
  region     = "europe-west1"
  # Where the database survives the loss of europe-west1 (docs/RUNBOOK.md#region-lost): its replica and its backups.
  recovery_region = "europe-west4"
}

module "stack" {
  source = "../../modules/stack"

  environment      = "prod"
  project_id       = local.project_id
  region           = local.region
  service_version  = var.service_version
  migrations_image = var.migrations_image

  cors_origins = ["https://taxasge.gq", "https://www.taxasge.gq", "https://taxasge-prod.web.app"]
  log_level    = "info"

  # docs/CAPACITY.md: the 1× deadline peak needs 1 instance of each (auth 1, 3 at 10×); these cover 10× with
  # room, and the functions with no traffic to grow (admin, docs, metrics, health, jobs) keep 3 so the budget holds.
  # Every function × its max instances × db_pool_max, plus the migrations job, must stay under
  # db_max_connections - 10: modules/cloud-sql refuses the plan otherwise.
  db_pool_max           = 5
  default_max_instances = 10
  max_instances         = { "webhooks" = 30, "fiscal-services" = 30, "dead-letters" = 1, "admin" = 3, "docs" = 3, "metrics" = 3, "health" = 3, "jobs" = 3 }
  min_instances         = { "webhooks" = 1, "fiscal-services" = 1, "payments" = 1, "apply-payment" = 1 }
  db_tier               = "db-custom-4-16384"
  db_availability_type  = "REGIONAL"
  db_replica_region     = local.recovery_region
  db_backup_location    = local.recovery_region
  db_max_connections    = 1000

  hosting_site_id    = "taxasge-prod"
  bange_api_url      = "https://api.bange.gq/v1"
  mailgun_domain     = "mg.taxasge.gq"
  twilio_account_sid = "AC00000000000000000000000000000000"
  twilio_from        = "TaxasGE"
  slack_channel      = "#taxasge-alerts"

  github_repository = "taxasge/taxasge"
  github_refs       = ["refs/heads/main"]
}
