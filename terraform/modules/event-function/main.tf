# One CloudEvent function (gen2, Node 22) fed by Pub/Sub push subscriptions that carry a retry policy and a dead-letter topic.
#
# Why push subscriptions and not an Eventarc trigger: the subscription Eventarc creates for a Pub/Sub
# trigger is output-only in the API, so its dead-letter policy cannot be set in Terraform
# (hashicorp/terraform-provider-google#17697, #25069) and failed events would be dropped after
# 24 h. The subscriptions are therefore ours (modules/pubsub): push with an OIDC token to
# <uri>/projects/<project>/topics/<topic>, a path from which the functions framework turns the
# Pub/Sub push body into the same CloudEvent (google.cloud.pubsub.topic.v1.messagePublished) an
# Eventarc trigger would deliver; retries with exponential backoff; dead letters after N attempts.

module "function" {
  source = "../http-function"

  project_id                   = var.project_id
  region                       = var.region
  name                         = var.name
  description                  = var.description
  source_dir                   = var.source_dir
  source_bucket                = var.source_bucket
  build_service_account        = var.build_service_account
  service_account_email        = var.service_account_email
  memory                       = var.memory
  node_options                 = var.node_options
  timeout_seconds              = var.timeout_seconds
  min_instances                = var.min_instances
  max_instances                = var.max_instances
  concurrency                  = var.concurrency
  environment_variables        = var.environment_variables
  secret_environment_variables = var.secret_environment_variables
  service_version              = var.service_version
  vpc_connector                = var.vpc_connector
  new_revisions_get_traffic    = var.new_revisions_get_traffic
  labels                       = merge(var.labels, { trigger = "pubsub" })

  # Only Pub/Sub's push identity may call it, and only from inside Google Cloud.
  ingress         = "ALLOW_INTERNAL_ONLY"
  public          = false
  invoker_members = { pubsub-push = "serviceAccount:${var.push_service_account_email}" }
}
