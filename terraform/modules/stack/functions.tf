# The functions of TaxasGE, as shared/topology/topology.json lists them: every public HTTP function is
# a functionId of firebase.json's rewrites, every event function consumes its subscriptions' topics;
# each reads only its secrets.

locals {
  # Secret id => what it holds. Values are added with `gcloud secrets versions add` (docs/DEPLOYMENT.md),
  # except database-url, written by modules/cloud-sql.
  secrets = {
    "database-url"                 = "DATABASE_URL of the application user; written by Terraform (modules/cloud-sql)"
    "upstash-redis-rest-url"       = "UPSTASH_REDIS_REST_URL of this environment's Upstash database"
    "upstash-redis-rest-token"     = "UPSTASH_REDIS_REST_TOKEN of this environment's Upstash database"
    "auth-signing-keys"            = "AUTH_SIGNING_KEYS: JSON array of private Ed25519 JWKs, newest first (the first signs, all verify)"
    "bange-api-key"                = "BANGE_API_KEY: credentials of the BANGE API"
    "bange-webhook-secret"         = "BANGE_WEBHOOK_SECRET: HMAC secret(s) of BANGE webhooks, comma-separated during rotation"
    "metrics-bearer-token"         = "METRICS_BEARER_TOKEN: bearer token Prometheus/Grafana present to /metrics"
    "mailgun-api-key"              = "MAILGUN_API_KEY: e-mail notifications"
    "twilio-auth-token"            = "TWILIO_AUTH_TOKEN: SMS notifications"
    "pagerduty-integration-key"    = "PagerDuty service integration key of Cloud Monitoring's critical channel"
    "slack-alerts-token"           = "Slack app OAuth token of Cloud Monitoring's warning channel"
    "slack-deploy-webhook-url"     = "Slack incoming webhook the deploy workflow posts to"
    "pagerduty-deploy-routing-key" = "PagerDuty Events API v2 routing key the deploy workflow pages on a failed rollout"
  }

  # Environment variable => secret id.
  secret_env = {
    DATABASE_URL             = "database-url"
    UPSTASH_REDIS_REST_URL   = "upstash-redis-rest-url"
    UPSTASH_REDIS_REST_TOKEN = "upstash-redis-rest-token"
    AUTH_SIGNING_KEYS        = "auth-signing-keys"
    BANGE_API_KEY            = "bange-api-key"
    BANGE_WEBHOOK_SECRET     = "bange-webhook-secret"
    METRICS_BEARER_TOKEN     = "metrics-bearer-token"
    MAILGUN_API_KEY          = "mailgun-api-key"
    TWILIO_AUTH_TOKEN        = "twilio-auth-token"
  }

  # shared/config/config.ts requires DATABASE_URL and AUTH_SIGNING_KEYS of every function in staging and production.
  runtime_secrets = ["DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "AUTH_SIGNING_KEYS"]

  # The deployed shape (functions, topics, subscriptions, retry policy, scheduled jobs) is read from
  # the file the code reads too, so neither side can name something the other lacks. HTTP functions:
  # public ones sit behind Firebase Hosting (allUsers may invoke; the code authorises); jobs is not
  # routed by firebase.json and only Cloud Scheduler's account may invoke it.
  topology       = jsondecode(file("${local.repo_root}/shared/topology/topology.json"))
  http_functions = local.topology.httpFunctions

  # Event functions with the topics pushed to them: their subscriptions' topics, and for the
  # dead-letters function every subscription's dead-letter topic.
  dead_letter_function = local.topology.deadLetters.function
  dead_letter_topics   = { for sub in keys(local.topology.subscriptions) : sub => "${sub}-dead-letter" }
  event_functions = {
    for id, f in local.topology.eventFunctions : id => merge(f, {
      topics = id == local.dead_letter_function ? values(local.dead_letter_topics) : distinct([for s in values(local.topology.subscriptions) : s.topic if s.function == id])
    })
  }

  common_environment = {
    ENVIRONMENT          = local.app_environment
    LOG_LEVEL            = var.log_level
    GOOGLE_CLOUD_PROJECT = var.project_id
    DB_POOL_MAX          = tostring(var.db_pool_max)
    CORS_ORIGINS         = join(",", var.cors_origins)
    BANGE_API_URL        = var.bange_api_url
    MAILGUN_DOMAIN       = var.mailgun_domain
    TWILIO_ACCOUNT_SID   = var.twilio_account_sid
    TWILIO_FROM          = var.twilio_from
    STORAGE_BUCKET       = google_storage_bucket.documents.name
    PUBLIC_BASE_URL      = "https://${module.hosting.host}"
    AUTH_ISSUER          = "https://${module.hosting.host}"
    AUTH_AUDIENCE        = "taxasge-api"
    # Every function writes its custom metrics (custom.googleapis.com/taxasge/*, the registry's
    # `custom` entries) to Cloud Monitoring; the jobs function's metrics-collector also the gauges
    # read from PostgreSQL.
    METRICS_EXPORT = "cloud-monitoring"
    # /metrics shows the whole fleet: each instance upserts its counters and histograms into
    # PostgreSQL once a minute (when they changed) and on SIGTERM; the metrics function sums them.
    METRICS_FLEET                  = "postgres"
    METRICS_FLEET_INTERVAL_SECONDS = "60"
  }

  # Scheduled work: Cloud Scheduler POSTs to the jobs function's /jobs/<name> routes with an OIDC token
  # of its own account, the function's only invoker (shared/api/jobs.routes.ts).
  scheduled_jobs = local.topology.jobs

  scheduled_targets = toset([for j in values(local.scheduled_jobs) : j.function])

  all_functions      = merge(local.http_functions, local.event_functions)
  max_instances      = { for id in keys(local.all_functions) : id => lookup(var.max_instances, id, var.default_max_instances) }
  connections_needed = sum([for id in keys(local.all_functions) : local.max_instances[id] * var.db_pool_max]) + 1
}

module "http_function" {
  source   = "../http-function"
  for_each = local.http_functions

  project_id                   = var.project_id
  region                       = var.region
  name                         = each.key
  description                  = each.value.description
  source_dir                   = "${local.repo_root}/dist/functions/${each.key}"
  source_bucket                = google_storage_bucket.sources.name
  build_service_account        = module.iam.builder_service_account
  service_account_email        = module.iam.function_service_accounts[each.key]
  memory                       = each.value.memory
  min_instances                = lookup(var.min_instances, each.key, 0)
  max_instances                = local.max_instances[each.key]
  concurrency                  = var.concurrency
  environment_variables        = local.common_environment
  secret_environment_variables = { for env in concat(local.runtime_secrets, each.value.secrets) : env => module.secrets.names[local.secret_env[env]] }
  service_version              = var.service_version
  vpc_connector                = google_vpc_access_connector.this.id
  public                       = each.value.public
  invoker_members              = { for k, member in { scheduler = "serviceAccount:${module.iam.scheduler_service_account}" } : k => member if contains(local.scheduled_targets, each.key) }
  labels                       = local.labels
}

module "event_function" {
  source   = "../event-function"
  for_each = local.event_functions

  project_id                 = var.project_id
  region                     = var.region
  name                       = each.key
  description                = each.value.description
  topics                     = each.value.topics
  source_dir                 = "${local.repo_root}/dist/functions/${each.key}"
  source_bucket              = google_storage_bucket.sources.name
  build_service_account      = module.iam.builder_service_account
  service_account_email      = module.iam.function_service_accounts[each.key]
  push_service_account_email = module.iam.pubsub_push_service_account
  # A handler may run as long as Pub/Sub waits for its answer, never longer (no redelivery mid-handling).
  timeout_seconds = local.topology.delivery.ackDeadlineSeconds
  # The topology may size an event function (process-document reads documents); the module's 256Mi otherwise.
  memory                       = lookup(each.value, "memory", "256Mi")
  min_instances                = lookup(var.min_instances, each.key, 0)
  max_instances                = local.max_instances[each.key]
  environment_variables        = local.common_environment
  secret_environment_variables = { for env in concat(local.runtime_secrets, each.value.secrets) : env => module.secrets.names[local.secret_env[env]] }
  service_version              = var.service_version
  vpc_connector                = google_vpc_access_connector.this.id
  labels                       = local.labels
}

# Documents and receipts: uploads through signed URLs (the signer signs with its own account).
resource "google_storage_bucket_iam_member" "documents" {
  for_each = {
    declarations    = "roles/storage.objectAdmin"
    agent           = "roles/storage.objectViewer"
    payments        = "roles/storage.objectViewer"
    "issue-receipt" = "roles/storage.objectCreator"
    # Reads each uploaded document to check and OCR it.
    "process-document" = "roles/storage.objectViewer"
  }
  bucket = google_storage_bucket.documents.name
  role   = each.value
  member = "serviceAccount:${module.iam.function_service_accounts[each.key]}"
}

resource "google_service_account_iam_member" "url_signers" {
  for_each           = toset(["declarations", "agent", "payments"])
  service_account_id = "projects/${var.project_id}/serviceAccounts/${module.iam.function_service_accounts[each.key]}"
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${module.iam.function_service_accounts[each.key]}"
}

# Push notifications go through FCM.
resource "google_project_iam_member" "fcm_sender" {
  project = var.project_id
  role    = "roles/firebasecloudmessaging.admin"
  member  = "serviceAccount:${module.iam.function_service_accounts["notifications"]}"
}
