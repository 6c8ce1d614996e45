# Inputs of the Cloud Scheduler jobs that call the functions' job endpoints.

variable "project_id" {
  type        = string
  description = "Project that hosts the jobs."
}

variable "region" {
  type        = string
  description = "Region of the jobs."
}

variable "time_zone" {
  type        = string
  description = "Time zone of the schedules (Equatorial Guinea is on West Africa Time)."
  default     = "Africa/Malabo"
}

variable "service_account_email" {
  type        = string
  description = "Identity whose OIDC token the jobs send; the functions accept job calls only from it."
}

variable "jobs" {
  type = map(object({
    description  = string
    schedule     = string
    uri          = string
    audience     = string
    deadline     = optional(string, "320s")
    retry_count  = optional(number, 1)
    paused       = optional(bool, false)
    request_body = optional(string, "{}")
  }))
  description = "Job name => schedule (cron), target URL (function URL + job path) and OIDC audience (the function URL)."
}
