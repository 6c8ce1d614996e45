# One service account per function (least privilege: logs, metrics and traces here; secrets, topics
# and buckets are granted resource by resource where they are used), the platform's own identities,
# and Workload Identity Federation so GitHub Actions deploys without any JSON key.

locals {
  function_roles = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"]

  function_bindings = merge([
    for id in var.function_ids : { for role in local.function_roles : "${id}/${role}" => { id = id, role = role } }
  ]...)

  builder_roles = ["roles/cloudbuild.builds.builder", "roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectViewer"]
}

resource "google_service_account" "functions" {
  for_each     = toset(var.function_ids)
  project      = var.project_id
  account_id   = "fn-${each.key}"
  display_name = "Function ${each.key}"
  description  = "Runtime identity of the ${each.key} Cloud Function."
}

resource "google_project_iam_member" "functions" {
  for_each = local.function_bindings
  project  = var.project_id
  role     = each.value.role
  member   = "serviceAccount:${google_service_account.functions[each.value.id].email}"
}

resource "google_service_account" "migrations" {
  project      = var.project_id
  account_id   = "migrations-job"
  display_name = "Migrations job"
  description  = "Runs the migrations Cloud Run job; reads the DATABASE_URL secret only."
}

resource "google_project_iam_member" "migrations_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.migrations.email}"
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "scheduler-invoker"
  display_name = "Cloud Scheduler invoker"
  description  = "Signs the OIDC tokens of the scheduled jobs; invoker of their target functions only."
}

resource "google_service_account" "pubsub_push" {
  project      = var.project_id
  account_id   = "pubsub-push"
  display_name = "Pub/Sub push invoker"
  description  = "Signs the OIDC tokens of push subscriptions; invoker of the event functions only."
}

# Pub/Sub's service agent mints the push OIDC tokens, so it must be able to act as pubsub-push.
data "google_project" "this" {
  project_id = var.project_id
}

resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "function-builder"
  display_name = "Function builder"
  description  = "Cloud Build identity for the functions' builds and the migrations image."
}

resource "google_project_iam_member" "builder" {
  for_each = toset(local.builder_roles)
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.builder.email}"
}

resource "google_service_account" "deployer" {
  project      = var.project_id
  account_id   = "github-deployer"
  display_name = "GitHub Actions deployer"
  description  = "Impersonated by GitHub Actions of ${var.github_repository} through Workload Identity Federation."
}

resource "google_project_iam_member" "deployer" {
  for_each = toset(var.deployer_roles)
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "github"
  display_name              = "GitHub Actions"
  description               = "Federates GitHub's OIDC tokens; no service account keys exist."
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "taxasge-repo"
  display_name                       = "taxasge repository"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.ref"        = "assertion.ref"
  }
  # Tokens of any other repository, or of a ref not allowed here, are refused before any role applies.
  attribute_condition = "assertion.repository == '${var.github_repository}' && assertion.ref in [${join(", ", [for r in var.github_refs : "'${r}'"])}]"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "deployer_federation" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.github_repository}"
}
