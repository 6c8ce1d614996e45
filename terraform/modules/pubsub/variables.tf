# Inputs of the event topology: topics, one push subscription per concern, dead letters.

variable "project_id" {
  type        = string
  description = "Project that hosts the topics."
}

variable "topics" {
  type = map(object({
    description = string
    publishers  = map(string)
  }))
  description = "Topic name => what flows on it and who may publish (static key => member, e.g. webhooks => serviceAccount:…)."
}

variable "subscriptions" {
  type = map(object({
    topic                 = string
    push_endpoint         = string
    audience              = string
    ack_deadline_seconds  = number
    max_delivery_attempts = optional(number, 5)
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
  }))
  description = "Subscription (one per concern) => its topic, the event function's push endpoint and OIDC audience, ack deadline and retry limits."

  validation {
    condition     = alltrue([for s in values(var.subscriptions) : s.max_delivery_attempts >= 5 && s.max_delivery_attempts <= 100])
    error_message = "Pub/Sub accepts 5 to 100 delivery attempts before dead-lettering."
  }
}

variable "push_service_account_email" {
  type        = string
  description = "Identity whose OIDC token signs push requests (the event functions' only invoker)."
}

variable "dead_letters" {
  type = object({
    push_endpoints       = map(string)
    audience             = string
    ack_deadline_seconds = number
  })
  description = "Subscription => push endpoint of the function that records its dead letters (one per dead-letter topic), with that function's OIDC audience and ack deadline."

  validation {
    condition     = length(var.dead_letters.push_endpoints) > 0
    error_message = "Every subscription's dead letters must be pushed somewhere that records them."
  }
}

variable "topic_viewers" {
  type        = map(string)
  description = "Static key => member allowed to read every topic's metadata (the health function's readiness probe checks the topics exist)."
  default     = {}
}

variable "message_retention_duration" {
  type        = string
  description = "How long subscriptions keep unacknowledged messages."
  default     = "604800s"
}

variable "dead_letter_retention_duration" {
  type        = string
  description = "How long dead-lettered messages are kept for investigation and replay."
  default     = "2678400s"
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every topic and subscription."
  default     = {}
}
