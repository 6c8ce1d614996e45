# Inputs that differ between environments; everything else about TaxasGE is decided in this module.

variable "environment" {
  type        = string
  description = "dev, staging or prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "The environment must be dev, staging or prod."
  }
}

variable "project_id" {
  type        = string
  description = "GCP project of this environment (one project per environment)."
}

variable "region" {
  type        = string
  description = "Region of every regional resource; firebase.json's rewrites name the same one."
  default     = "europe-west1"
}

variable "service_version" {
  type        = string
  description = "Version being deployed (git tag or commit SHA): SERVICE_VERSION of every function."
}

variable "migrations_image" {
  type        = string
  description = "Image of the migrations job, built from dist/migrate and tagged with the commit."
}

variable "cors_origins" {
  type        = list(string)
  description = "Origins allowed to call the API from a browser (CORS_ORIGINS) and to upload documents (bucket CORS)."
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of every function: debug, info, warning or error."

  validation {
    condition     = contains(["debug", "info", "warning", "error"], var.log_level)
    error_message = "The log level must be debug, info, warning or error."
  }
}

variable "db_pool_max" {
  type        = number
  description = "DB_POOL_MAX: PostgreSQL connections per function instance."
}

variable "default_max_instances" {
  type        = number
  description = "Max instances of a function unless max_instances names it."
}

variable "max_instances" {
  type        = map(number)
  description = "Function id => max instances, where it differs from default_max_instances."
  default     = {}
}

variable "min_instances" {
  type        = map(number)
  description = "Function id => instances kept warm (0 when absent)."
  default     = {}
}

variable "concurrency" {
  type        = number
  description = "Requests one HTTP function instance serves at once."
  default     = 40
}

variable "db_tier" {
  type        = string
  description = "Cloud SQL machine tier."
}

variable "db_availability_type" {
  type        = string
  description = "ZONAL or REGIONAL (standby in a second zone)."
  default     = "ZONAL"
}

variable "db_instance_name" {
  type        = string
  description = "Cloud SQL instance of the environment; taxasge-db-replica after a promotion (docs/RUNBOOK.md#region-lost)."
  default     = "taxasge-db"
}

variable "db_backup_location" {
  type        = string
  description = "Region the database's daily backups are stored in (another than var.region survives a regional outage); empty for Cloud SQL's default."
  default     = ""
}

variable "db_replica_region" {
  type        = string
  description = "Region of a cross-region read replica of the database, promoted if var.region is lost (docs/RUNBOOK.md#region-lost); empty for none."
  default     = ""
}

variable "db_max_connections" {
  type        = number
  description = "PostgreSQL max_connections; must cover every function's max instances × db_pool_max."
}

variable "hosting_site_id" {
  type        = string
  description = "Firebase Hosting site id (https://<id>.web.app)."
}

variable "custom_domain" {
  type        = string
  description = "Custom domain of the API on Firebase Hosting (empty for none)."
  default     = ""
}

variable "bange_api_url" {
  type        = string
  description = "BANGE_API_URL: the bank's API (its sandbox outside production)."
}

variable "mailgun_domain" {
  type        = string
  description = "MAILGUN_DOMAIN: the sending domain of e-mail notifications (functions holding MAILGUN_API_KEY need it)."
}

variable "twilio_account_sid" {
  type        = string
  description = "TWILIO_ACCOUNT_SID of SMS notifications (AC followed by 32 hex digits)."
}

variable "twilio_from" {
  type        = string
  description = "TWILIO_FROM: the SMS sender, an E.164 number or an alphanumeric id."
}

variable "github_repository" {
  type        = string
  description = "owner/name of the repository whose GitHub Actions deploy this environment."
}

variable "github_refs" {
  type        = list(string)
  description = "Git refs allowed to deploy this environment."
}

variable "slack_channel" {
  type        = string
  description = "Slack channel receiving warning alerts."
}

variable "protect_secrets" {
  type        = bool
  description = "Refuse to destroy the Secret Manager secrets."
  default     = true
}

variable "db_password_version" {
  type        = number
  description = "Bump to rotate the database user's password (the DATABASE_URL secret gets a new version in the same apply)."
  default     = 1
}
