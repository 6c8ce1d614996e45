# The event topology of shared/topology/topology.json: payment-events feeds apply-payment, which
# publishes payment-applied for the receipt and the payer's message; declaration-events feeds the
# notifications function. Each subscription has its own dead-letter topic, pushed to the
# dead-letters function, which records it where the admin lists and replays it.

locals {
  topics        = local.topology.topics
  subscriptions = local.topology.subscriptions
  delivery      = local.topology.delivery

  publishers = {
    for topic in keys(local.topics) : topic => merge(
      { for id, f in local.http_functions : id => "serviceAccount:${module.iam.function_service_accounts[id]}" if contains(f.publishes, topic) },
      { for id, f in local.event_functions : id => "serviceAccount:${module.iam.function_service_accounts[id]}" if contains(f.publishes, topic) },
      # Cloud Storage's service agent publishes the buckets' notifications.
      { for bucket, n in local.storage_notifications : "storage-${bucket}" => "serviceAccount:${data.google_storage_project_service_account.this.email_address}" if n.topic == topic },
    )
  }

  storage_notifications = local.topology.storageNotifications
}

data "google_storage_project_service_account" "this" {
  project = var.project_id
}

# Every finalized upload in the documents bucket goes to document-uploads, where process-document
# checks and reads it (the local storage and the deployed shape raise the same message).
resource "google_storage_notification" "documents" {
  bucket         = google_storage_bucket.documents.name
  payload_format = "JSON_API_V1"
  topic          = "projects/${var.project_id}/topics/${local.storage_notifications.documents.topic}"
  event_types    = local.storage_notifications.documents.eventTypes
  # The service agent must be allowed to publish before the notification is created.
  depends_on = [module.pubsub]
}

module "pubsub" {
  source     = "../pubsub"
  project_id = var.project_id
  labels     = local.labels

  topics = { for name, t in local.topics : name => { description = t.description, publishers = local.publishers[name] } }

  subscriptions = {
    for name, s in local.subscriptions : name => {
      topic                 = s.topic
      push_endpoint         = module.event_function[s.function].push_endpoints[s.topic]
      audience              = module.event_function[s.function].uri
      ack_deadline_seconds  = module.event_function[s.function].ack_deadline_seconds
      max_delivery_attempts = local.delivery.maxDeliveryAttempts
      minimum_backoff       = local.delivery.minimumBackoff
      maximum_backoff       = local.delivery.maximumBackoff
    }
  }

  dead_letters = {
    push_endpoints       = { for sub, topic in local.dead_letter_topics : sub => module.event_function[local.dead_letter_function].push_endpoints[topic] }
    audience             = module.event_function[local.dead_letter_function].uri
    ack_deadline_seconds = module.event_function[local.dead_letter_function].ack_deadline_seconds
  }
  dead_letter_retention_duration = local.delivery.deadLetterRetention

  push_service_account_email = module.iam.pubsub_push_service_account
  topic_viewers              = { health = "serviceAccount:${module.iam.function_service_accounts["health"]}" }
}
