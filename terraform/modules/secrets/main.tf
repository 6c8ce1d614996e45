# Secret Manager secrets (containers, automatic replication). Values never live in the repository:
# they are added with `gcloud secrets versions add`, except DATABASE_URL which modules/cloud-sql
# writes through a write-only argument.

resource "google_secret_manager_secret" "this" {
  for_each            = var.secrets
  project             = var.project_id
  secret_id           = each.key
  labels              = var.labels
  annotations         = { purpose = each.value }
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }
}
