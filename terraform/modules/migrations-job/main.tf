# The migrations Cloud Run job: `node index.js up` from the dist/migrate bundle, never retried (a
# failed migration is investigated, not replayed), run by the deploy pipeline before traffic moves.

resource "google_cloud_run_v2_job" "this" {
  project             = var.project_id
  location            = var.region
  name                = var.name
  labels              = var.labels
  deletion_protection = false

  template {
    task_count  = 1
    parallelism = 1

    template {
      max_retries     = 0
      timeout         = var.timeout
      service_account = var.service_account_email

      containers {
        image   = var.image
        command = ["node"]
        args    = ["index.js", "up"]

        env {
          name  = "ENVIRONMENT"
          value = var.environment
        }
        env {
          name  = "LOG_LEVEL"
          value = var.log_level
        }
        env {
          name = "DATABASE_URL"
          value_source {
            secret_key_ref {
              secret  = var.database_url_secret
              version = "latest"
            }
          }
        }

        resources {
          limits = { cpu = "1", memory = "512Mi" }
        }
      }

      vpc_access {
        connector = var.vpc_connector
        egress    = "PRIVATE_RANGES_ONLY"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.reads]
}

resource "google_secret_manager_secret_iam_member" "reads" {
  project   = var.project_id
  secret_id = var.database_url_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_account_email}"
}
