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
    )
  }
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
