# Inputs of the monitoring module: where the dashboard and alert JSON live, what to probe, where to page.

variable "project_id" {
  type        = string
  description = "Project whose Cloud Monitoring workspace receives the dashboards and policies."
}

variable "region" {
  type        = string
  description = "Region of the Cloud Run services the SLOs measure."
}

variable "dashboards_dir" {
  type        = string
  description = "Folder of Cloud Monitoring dashboard JSON files (the repository's dashboards/); every *.json in it becomes a dashboard."
}

variable "alerting_dir" {
  type        = string
  description = "Folder of Cloud Monitoring alert policy JSON files (the repository's alerting/); every *.json in it becomes a policy."
}

variable "uptime_host" {
  type        = string
  description = "Public host probed by the uptime check (the Hosting domain)."
}

variable "uptime_path" {
  type        = string
  description = "Path probed by the uptime check."
  default     = "/health"
}

variable "slo_services" {
  type        = list(string)
  description = "Cloud Run services (HTTP functions) whose requests count towards the API's availability and latency SLOs."
}

variable "availability_goal" {
  type        = number
  description = "Share of requests that must not fail with a 5xx over the rolling window."
  default     = 0.999
}

variable "latency_threshold_ms" {
  type        = number
  description = "A request slower than this is a bad request for the latency SLO."
  default     = 1000
}

variable "latency_goal" {
  type        = number
  description = "Share of requests that must be faster than latency_threshold_ms over the rolling window."
  default     = 0.99
}

variable "slo_window_days" {
  type        = number
  description = "Rolling window of both SLOs."
  default     = 28
}

variable "pagerduty_secret" {
  type        = string
  description = "Secret id holding the PagerDuty integration (service) key; critical policies page through it."
}

variable "slack_secret" {
  type        = string
  description = "Secret id holding the Slack app OAuth token used by Cloud Monitoring's Slack channel; warning policies post through it."
}

variable "slack_channel" {
  type        = string
  description = "Slack channel receiving warnings, e.g. #taxasge-alerts."
}

variable "environment" {
  type        = string
  description = "Environment name shown in channel names (dev, staging, prod)."
}
