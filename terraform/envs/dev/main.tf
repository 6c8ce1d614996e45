# The dev environment: small, scaled to zero, verbose logs; deployed by the deploy workflow's manual run from develop or main.

locals {
  project_id = "taxasge-dev"
  region     = "europe-west1"
}

module "stack" {
  source = "../../modules/stack"

  environment      = "dev"
  project_id       = local.project_id
  region           = local.region
  service_version  = var.service_version
  migrations_image = var.migrations_image

  cors_origins = ["http://localhost:3000", "http://localhost:8080", "https://taxasge-dev.web.app"]
  log_level    = "debug"

  # Every function × its max instances × db_pool_max, plus the migrations job, must stay under
  # db_max_connections - 10: modules/cloud-sql refuses the plan otherwise.
  db_pool_max           = 2
  default_max_instances = 2
  db_tier               = "db-g1-small"
  db_max_connections    = 100

  hosting_site_id    = "taxasge-dev"
  bange_api_url      = "https://sandbox.bange.gq/api/v1"
  mailgun_domain     = "mg-dev.taxasge.gq"
  twilio_account_sid = "AC00000000000000000000000000000000"
  twilio_from        = "TaxasGE"
  slack_channel      = "#taxasge-dev-alerts"

  github_repository = "taxasge/taxasge"
  github_refs       = ["refs/heads/develop", "refs/heads/main"]
  protect_secrets   = false
}
