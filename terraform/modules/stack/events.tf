# The event topology of product.md: payment-events fans out to one subscription per concern,
# declaration-events feeds the notifications function; each subscription has its
# own dead-letter topic, listed and replayed by the admin function.

locals {
  topics = {
    "payment-events"     = { description = "Verified BANGE payment events (webhooks, polls, replays)" }
    "declaration-events" = { description = "Every declaration state transition" }
  }

  # Subscription (one per concern) => the event function handling it.
  subscriptions = {
    "apply-payment"             = { topic = "payment-events", function = "apply-payment" }
    "issue-receipt"             = { topic = "payment-events", function = "issue-receipt" }
    "notify-payer"              = { topic = "payment-events", function = "notify-payer" }
    "notify-declaration-events" = { topic = "declaration-events", function = "notifications" }
  }

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
      topic                = s.topic
      push_endpoint        = module.event_function[s.function].push_endpoints[s.topic]
      audience             = module.event_function[s.function].uri
      ack_deadline_seconds = module.event_function[s.function].ack_deadline_seconds
    }
  }

  push_service_account_email = module.iam.pubsub_push_service_account
  dead_letter_readers        = { admin = "serviceAccount:${module.iam.function_service_accounts["admin"]}" }
}
