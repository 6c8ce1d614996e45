# Pub/Sub topics, one push subscription per concern with retries and a dead-letter topic, and the IAM dead-lettering needs.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Pub/Sub's service agent forwards undeliverable messages, so it must publish to each dead-letter
  # topic and acknowledge on each source subscription.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  publishers = merge([
    for topic, t in var.topics : { for key, member in t.publishers : "${topic}/${key}" => { topic = topic, member = member } }
  ]...)

  viewers = merge([
    for topic in keys(var.topics) : { for key, member in var.topic_viewers : "${topic}/${key}" => { topic = topic, member = member } }
  ]...)
}

resource "google_pubsub_topic" "topics" {
  for_each = var.topics
  project  = var.project_id
  name     = each.key
  labels   = merge(var.labels, { kind = "events" })
}

resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = local.publishers
  project  = var.project_id
  topic    = google_pubsub_topic.topics[each.value.topic].name
  role     = "roles/pubsub.publisher"
  member   = each.value.member
}

# One dead-letter topic per subscription, so a failed "issue-receipt" never mixes with "apply-payment".
resource "google_pubsub_topic" "dead_letter" {
  for_each = var.subscriptions
  project  = var.project_id
  name     = "${each.key}-dead-letter"
  labels   = merge(var.labels, { kind = "dead-letter", subscription = each.key })
}

# Dead letters are pushed to the function that records them in the database (the admin lists and
# replays them there); Pub/Sub keeps them meanwhile, retrying without end while that function is down.
resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = var.subscriptions
  project                    = var.project_id
  name                       = "${each.key}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = var.dead_letters.ack_deadline_seconds
  message_retention_duration = var.dead_letter_retention_duration
  labels                     = merge(var.labels, { kind = "dead-letter", subscription = each.key })

  push_config {
    push_endpoint = var.dead_letters.push_endpoints[each.key]
    oidc_token {
      service_account_email = var.push_service_account_email
      audience              = var.dead_letters.audience
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "push" {
  for_each                   = var.subscriptions
  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.topics[each.value.topic].id
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration
  labels                     = merge(var.labels, { kind = "concern" })

  push_config {
    push_endpoint = each.value.push_endpoint
    oidc_token {
      service_account_email = var.push_service_account_email
      audience              = each.value.audience
    }
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = var.subscriptions
  project  = var.project_id
  topic    = google_pubsub_topic.dead_letter[each.key].name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_forwarder" {
  for_each     = var.subscriptions
  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Readiness reads each topic (GET, never publish): Pub/Sub answering and the topics existing.
resource "google_pubsub_topic_iam_member" "viewers" {
  for_each = local.viewers
  project  = var.project_id
  topic    = google_pubsub_topic.topics[each.value.topic].name
  role     = "roles/pubsub.viewer"
  member   = each.value.member
}
