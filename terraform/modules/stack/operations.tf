# Database, migrations job, scheduled jobs, the public domain and monitoring of one environment.

module "cloud_sql" {
  source                      = "../cloud-sql"
  project_id                  = var.project_id
  region                      = var.region
  tier                        = var.db_tier
  availability_type           = var.db_availability_type
  network_id                  = google_compute_network.vpc.id
  private_services_connection = google_service_networking_connection.private_services.id
  max_connections             = var.db_max_connections
  required_connections        = local.connections_needed
  database_url_secret         = module.secrets.ids["database-url"]
  password_version            = var.db_password_version
  instance_name               = var.db_instance_name
  backup_location             = var.db_backup_location
  replica_region              = var.db_replica_region
  labels                      = local.labels
  flags = {
    log_min_duration_statement = "500"
    log_lock_waits             = "on"
  }
}

module "migrations_job" {
  source                = "../migrations-job"
  project_id            = var.project_id
  region                = var.region
  image                 = var.migrations_image
  service_account_email = module.iam.migrations_service_account
  database_url_secret   = module.secrets.names["database-url"]
  vpc_connector         = google_vpc_access_connector.this.id
  environment           = local.app_environment
  log_level             = var.log_level
  labels                = local.labels
}

module "scheduler" {
  source                = "../scheduler"
  project_id            = var.project_id
  region                = var.region
  service_account_email = module.iam.scheduler_service_account
  time_zone             = local.topology.timeZone

  jobs = {
    for name, j in local.scheduled_jobs : name => {
      description = j.description
      schedule    = j.schedule
      uri         = "${module.http_function[j.function].uri}${j.path}"
      audience    = module.http_function[j.function].uri
    }
  }
}

module "hosting" {
  source        = "../hosting"
  project_id    = var.project_id
  site_id       = var.hosting_site_id
  custom_domain = var.custom_domain
}

module "monitoring" {
  source           = "../monitoring"
  project_id       = var.project_id
  region           = var.region
  environment      = var.environment
  dashboards_dir   = "${local.repo_root}/dashboards"
  alerting_dir     = "${local.repo_root}/alerting"
  uptime_host      = module.hosting.host
  slo_services     = [for id in keys(local.http_functions) : id if id != "metrics"]
  pagerduty_secret = module.secrets.names["pagerduty-integration-key"]
  slack_secret     = module.secrets.names["slack-alerts-token"]
  slack_channel    = var.slack_channel
}
