# Inputs of the Cloud SQL PostgreSQL 15 instance, its database, user and connection secret.

variable "project_id" {
  type        = string
  description = "Project that hosts the instance."
}

variable "region" {
  type        = string
  description = "Region of the instance."
}

variable "instance_name" {
  type        = string
  description = "Cloud SQL instance name."
  default     = "taxasge-db"
}

variable "database_name" {
  type        = string
  description = "Application database."
  default     = "taxasge"
}

variable "user_name" {
  type        = string
  description = "Application database user (used by the functions and the migrations job)."
  default     = "taxasge"
}

variable "tier" {
  type        = string
  description = "Machine tier, e.g. db-custom-2-7680."
}

variable "availability_type" {
  type        = string
  description = "ZONAL, or REGIONAL for a standby in another zone."
  default     = "ZONAL"

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.availability_type)
    error_message = "The availability type must be ZONAL or REGIONAL."
  }
}

variable "disk_size_gb" {
  type        = number
  description = "Initial SSD size; it grows automatically."
  default     = 20
}

variable "network_id" {
  type        = string
  description = "VPC network id the instance gets its private IP in."
}

variable "private_services_connection" {
  type        = string
  description = "Id of the service networking connection of network_id; the instance is created only once it exists."
}

variable "max_connections" {
  type        = number
  description = "PostgreSQL max_connections."
}

variable "required_connections" {
  type        = number
  description = "Connections the functions can open at most (sum over functions of max instances × pool size) plus the migrations job; must fit max_connections with 10 to spare for operators."
}

variable "flags" {
  type        = map(string)
  description = "Extra PostgreSQL flags (max_connections is set from its own variable)."
  default     = {}
}

variable "backup_start_time" {
  type        = string
  description = "Daily backup window start (UTC, HH:MM)."
  default     = "02:00"
}

variable "retained_backups" {
  type        = number
  description = "Daily backups kept."
  default     = 30
}

variable "backup_location" {
  type        = string
  description = "Region (or multi-region) the daily backups are stored in; empty for Cloud SQL's default (the multi-region of the instance). Another region than the instance's keeps them through a regional outage."
  default     = ""
}

variable "replica_region" {
  type        = string
  description = "Region of a cross-region read replica (<instance_name>-replica) that can be promoted if the primary's region is lost; empty for none."
  default     = ""
}

variable "replica_name" {
  type        = string
  description = "Name of the cross-region read replica."
  default     = "taxasge-db-replica"
}

variable "transaction_log_retention_days" {
  type        = number
  description = "Days of WAL kept for point-in-time recovery (1 to 7)."
  default     = 7
}

variable "password_version" {
  type        = number
  description = "Bump to rotate the application user's password; the DATABASE_URL secret gets a new version in the same apply."
  default     = 1
}

variable "database_url_secret" {
  type        = string
  description = "Secret Manager secret id (projects/<p>/secrets/<name>) receiving the DATABASE_URL."
}

variable "labels" {
  type        = map(string)
  description = "User labels of the instance."
  default     = {}
}
