# The staging environment: production's shape at a smaller size; `develop` deploys here automatically.

locals {
  project_id = "taxasge-staging"
  region     = "europe-west1"
}

module "stack" {
  source = "../../modules/stack"

  environment      = "staging"
  project_id       = local.project_id
  region           = local.region
  service_version  = var.service_version
  migrations_image = var.migrations_image

  cors_origins = ["https://taxasge-staging.web.app", "https://staging.taxasge.gq"]
  log_level    = "info"

  # Functions with no traffic to grow (docs/CAPACITY.md) keep 2 instances so the connection budget holds.
  # Every function × its max instances × db_pool_max, plus the migrations job, must stay under
  # db_max_connections - 10: modules/cloud-sql refuses the plan otherwise.
  db_pool_max           = 5
  default_max_instances = 5
  max_instances         = { "dead-letters" = 1, "admin" = 2, "docs" = 2, "metrics" = 2, "health" = 2, "jobs" = 2 }
  db_tier               = "db-custom-1-3840"
  db_max_connections    = 400

  hosting_site_id    = "taxasge-staging"
  bange_api_url      = "https://sandbox.bange.gq/api/v1"
  mailgun_domain     = "mg-staging.taxasge.gq"
  twilio_account_sid = "AC00000000000000000000000000000000"
  twilio_from        = "TaxasGE"
  slack_channel      = "#taxasge-staging-alerts"

  github_repository = "taxasge/taxasge"
  github_refs       = ["refs/heads/develop"]
}
