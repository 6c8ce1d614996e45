# Names other modules and the runbook commands use.

output "topics" {
  description = "Topic name => full resource id."
  value       = { for name, t in google_pubsub_topic.topics : name => t.id }
}

output "subscriptions" {
  description = "Concern subscription name => full resource id."
  value       = { for name, s in google_pubsub_subscription.push : name => s.id }
}

output "dead_letter_topics" {
  description = "Concern subscription name => its dead-letter topic id."
  value       = { for name, t in google_pubsub_topic.dead_letter : name => t.id }
}

output "dead_letter_subscriptions" {
  description = "Concern subscription name => the pull subscription holding its dead letters."
  value       = { for name, s in google_pubsub_subscription.dead_letter : name => s.id }
}
