# One HTTP Cloud Function (gen2, Node 22): the zipped build folder uploaded to GCS, the function, who may invoke it and which secrets it reads.

locals {
  # V8's heap sized to the instance's memory (node-options.json, shared with scripts/build.ts and the
  # bench); a memory the file does not list runs with V8's defaults.
  node_options = var.node_options != null ? var.node_options : lookup(jsondecode(file("${path.module}/node-options.json")).byMemory, var.memory, "")
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.root}/.terraform/build/${var.name}.zip"
}

# Content-addressed: a new build is a new object, which makes the function build a new revision.
resource "google_storage_bucket_object" "source" {
  name   = "functions/${var.name}/${data.archive_file.source.output_md5}.zip"
  bucket = var.source_bucket
  source = data.archive_file.source.output_path
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = merge(var.labels, { function = var.name })

  build_config {
    runtime         = var.runtime
    entry_point     = var.name
    service_account = var.build_service_account
    source {
      storage_source {
        bucket = var.source_bucket
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = var.memory
    available_cpu                    = var.cpu
    timeout_seconds                  = var.timeout_seconds
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    max_instance_request_concurrency = var.concurrency
    ingress_settings                 = var.ingress
    service_account_email            = var.service_account_email
    vpc_connector                    = var.vpc_connector
    vpc_connector_egress_settings    = "PRIVATE_RANGES_ONLY"
    all_traffic_on_latest_revision   = var.new_revisions_get_traffic
    environment_variables            = merge(var.environment_variables, local.node_options == "" ? {} : { NODE_OPTIONS = local.node_options }, { SERVICE_VERSION = var.service_version })

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment_variables
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.reads]
}

resource "google_secret_manager_secret_iam_member" "reads" {
  for_each  = toset(values(var.secret_environment_variables))
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_account_email}"
}

# Gen2 functions are Cloud Run services: invocation is governed by roles/run.invoker on the service.
resource "google_cloud_run_v2_service_iam_member" "public" {
  count    = var.public ? 1 : 0
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = var.invoker_members
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.name
  role     = "roles/run.invoker"
  member   = each.value
}
