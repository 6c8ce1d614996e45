# What the deploy workflow, rollback, preflight and the docs read from an environment.

output "project_id" {
  description = "Project of the environment."
  value       = var.project_id
}

output "region" {
  description = "Region of the functions, jobs and database."
  value       = var.region
}

output "functions" {
  description = "Function id => Cloud Run service URL (tagged revision URLs are https://<tag>---<host>)."
  value       = merge({ for id, f in module.http_function : id => f.uri }, { for id, f in module.event_function : id => f.uri })
}

output "http_functions" {
  description = "Ids of the HTTP functions (firebase.json functionIds)."
  value       = keys(local.http_functions)
}

output "event_functions" {
  description = "Ids of the Pub/Sub-fed CloudEvent functions."
  value       = keys(local.event_functions)
}

output "migrations_job" {
  description = "Name of the migrations Cloud Run job."
  value       = module.migrations_job.name
}

output "sql_instance" {
  description = "Cloud SQL instance name."
  value       = module.cloud_sql.instance_name
}

output "sql_replica" {
  description = "Cross-region read replica of the database (empty when there is none)."
  value       = module.cloud_sql.replica_name
}

output "sql_connection_name" {
  description = "Cloud SQL connection name for cloud-sql-proxy."
  value       = module.cloud_sql.connection_name
}

output "hosting_site" {
  description = "Firebase Hosting site id."
  value       = module.hosting.site_id
}

output "public_url" {
  description = "Public base URL of the API."
  value       = "https://${module.hosting.host}"
}

output "image_repository" {
  description = "Artifact Registry path for the migrations image."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "source_bucket" {
  description = "Bucket of the functions' source zips."
  value       = google_storage_bucket.sources.name
}

output "workload_identity_provider" {
  description = "Workload Identity provider for google-github-actions/auth."
  value       = module.iam.workload_identity_provider
}

output "deployer_service_account" {
  description = "Service account GitHub Actions impersonates."
  value       = module.iam.deployer_service_account
}

output "builder_service_account" {
  description = "Cloud Build identity (gcloud builds submit --service-account)."
  value       = module.iam.builder_service_account
}

output "topics" {
  description = "Topic name => id."
  value       = module.pubsub.topics
}

output "dead_letter_subscriptions" {
  description = "Concern => pull subscription of its dead letters."
  value       = module.pubsub.dead_letter_subscriptions
}

output "scheduler_jobs" {
  description = "Scheduled job name => id."
  value       = module.scheduler.jobs
}

output "secrets" {
  description = "Secret ids the environment expects a value for."
  value       = keys(local.secrets)
}

output "slo_names" {
  description = "SLO names for burn-rate alert policies."
  value       = module.monitoring.slo_names
}

output "uptime_check_id" {
  description = "Uptime check id of /health."
  value       = module.monitoring.uptime_check_id
}
