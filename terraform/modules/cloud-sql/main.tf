# Cloud SQL PostgreSQL 15 on a private IP: daily backups kept 30 days (optionally stored in another region), point-in-time
# recovery, deletion protection, an optional cross-region read replica to promote if the region is lost; the DATABASE_URL secret.

# Ephemeral: the password is never written to the state. It reaches the user and the secret through
# write-only arguments, applied only when password_version changes.
ephemeral "random_password" "app" {
  length  = 40
  special = false
}

resource "google_sql_database_instance" "this" {
  project             = var.project_id
  region              = var.region
  name                = var.instance_name
  database_version    = "POSTGRES_15"
  deletion_protection = true

  settings {
    tier                        = var.tier
    edition                     = "ENTERPRISE"
    availability_type           = var.availability_type
    disk_type                   = "PD_SSD"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = true
    user_labels                 = var.labels

    ip_configuration {
      ipv4_enabled    = false
      private_network = var.network_id
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = var.backup_start_time
      location                       = var.backup_location == "" ? null : var.backup_location
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = var.transaction_log_retention_days
      backup_retention_settings {
        retained_backups = var.retained_backups
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = true
    }

    dynamic "database_flags" {
      for_each = merge(var.flags, { max_connections = tostring(var.max_connections) })
      content {
        name  = database_flags.key
        value = database_flags.value
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.private_services_connection != ""
      error_message = "The private services connection must exist before the instance (private IP only)."
    }
    precondition {
      condition     = var.required_connections + 10 <= var.max_connections
      error_message = "The functions could open ${var.required_connections} connections, more than max_connections (${var.max_connections}) minus 10 kept for operators: lower max instances or DB_POOL_MAX, or raise max_connections."
    }
  }
}

# Asynchronous replica in another region (docs/RUNBOOK.md#region-lost): it lags the primary by seconds, so promoting
# it loses at most that much (RPO < 1 h). Same tier and flags: a PostgreSQL standby needs max_connections at least
# the primary's. No backups of its own until promoted.
resource "google_sql_database_instance" "replica" {
  count                = var.replica_region == "" ? 0 : 1
  project              = var.project_id
  region               = var.replica_region
  name                 = var.replica_name
  master_instance_name = google_sql_database_instance.this.name
  database_version     = "POSTGRES_15"
  deletion_protection  = true

  settings {
    tier                        = var.tier
    edition                     = "ENTERPRISE"
    availability_type           = "ZONAL"
    disk_type                   = "PD_SSD"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = true
    user_labels                 = merge(var.labels, { role = "replica" })

    ip_configuration {
      ipv4_enabled    = false
      private_network = var.network_id
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = true
    }

    dynamic "database_flags" {
      for_each = merge(var.flags, { max_connections = tostring(var.max_connections) })
      content {
        name  = database_flags.key
        value = database_flags.value
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.replica_region != var.region
      error_message = "The replica must be in another region than the primary: it is there for the loss of the primary's region."
    }
  }
}

resource "google_sql_database" "app" {
  project  = var.project_id
  instance = google_sql_database_instance.this.name
  name     = var.database_name
}

resource "google_sql_user" "app" {
  project             = var.project_id
  instance            = google_sql_database_instance.this.name
  name                = var.user_name
  password_wo         = ephemeral.random_password.app.result
  password_wo_version = var.password_version
}

# sslmode=no-verify: encrypted inside the VPC (the instance refuses plain connections); Cloud SQL's
# server certificate names the instance, not the private IP, so it cannot be verified by hostname.
resource "google_secret_manager_secret_version" "database_url" {
  secret                 = var.database_url_secret
  secret_data_wo         = "postgresql://${var.user_name}:${ephemeral.random_password.app.result}@${google_sql_database_instance.this.private_ip_address}:5432/${var.database_name}?sslmode=no-verify"
  secret_data_wo_version = var.password_version
  depends_on             = [google_sql_user.app, google_sql_database.app]
}
