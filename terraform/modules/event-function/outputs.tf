# What the pubsub module and the deploy pipeline need from an event function.

output "name" {
  description = "Function name, equal to its Cloud Run service name."
  value       = module.function.name
}

output "uri" {
  description = "HTTPS URL of the function's Cloud Run service (the OIDC audience of its push subscriptions)."
  value       = module.function.uri
}

output "push_endpoints" {
  description = "Topic => push endpoint; the path lets the functions framework build the CloudEvent from the push body."
  value       = { for topic in var.topics : topic => "${module.function.uri}/projects/${var.project_id}/topics/${topic}" }
}

output "ack_deadline_seconds" {
  description = "Ack deadline matching the handler's timeout (Pub/Sub allows 10 to 600 s)."
  value       = min(600, max(10, var.timeout_seconds))
}
