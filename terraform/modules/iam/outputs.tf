# Identities the other modules bind to, and what GitHub Actions authenticates with.

output "function_service_accounts" {
  description = "Function id => service account email."
  value       = { for id, sa in google_service_account.functions : id => sa.email }
}

output "migrations_service_account" {
  description = "Email of the migrations job's identity."
  value       = google_service_account.migrations.email
}

output "scheduler_service_account" {
  description = "Email of the scheduler's OIDC identity."
  value       = google_service_account.scheduler.email
}

output "pubsub_push_service_account" {
  description = "Email of the push subscriptions' OIDC identity."
  value       = google_service_account.pubsub_push.email
}

output "builder_service_account" {
  description = "Full id of the Cloud Build identity (build_config.service_account expects it)."
  value       = google_service_account.builder.id
}

output "deployer_service_account" {
  description = "Email GitHub Actions impersonates (google-github-actions/auth service_account)."
  value       = google_service_account.deployer.email
}

output "workload_identity_provider" {
  description = "Full provider name (google-github-actions/auth workload_identity_provider)."
  value       = google_iam_workload_identity_pool_provider.github.name
}
