# Names the deploy pipeline, preflight and runbook use.

output "instance_name" {
  description = "Cloud SQL instance name (gcloud sql instances describe <name>)."
  value       = google_sql_database_instance.this.name
}

output "connection_name" {
  description = "project:region:instance, for cloud-sql-proxy."
  value       = google_sql_database_instance.this.connection_name
}

output "private_ip_address" {
  description = "Private IP the functions connect to through the VPC connector."
  value       = google_sql_database_instance.this.private_ip_address
}

output "database_name" {
  description = "Application database."
  value       = google_sql_database.app.name
}

output "replica_name" {
  description = "Cross-region read replica (empty when there is none)."
  value       = var.replica_region == "" ? "" : google_sql_database_instance.replica[0].name
}

output "replica_region" {
  description = "Region of the cross-region read replica (empty when there is none)."
  value       = var.replica_region
}
