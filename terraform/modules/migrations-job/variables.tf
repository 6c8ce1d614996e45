# Inputs of the migrations Cloud Run job (the dist/migrate bundle in a Node 22 image).

variable "project_id" {
  type        = string
  description = "Project that hosts the job."
}

variable "region" {
  type        = string
  description = "Region of the job."
}

variable "name" {
  type        = string
  description = "Job name (gcloud run jobs execute <name>)."
  default     = "taxasge-migrate"
}

variable "image" {
  type        = string
  description = "Container image built from dist/migrate (see docs/DEPLOYMENT.md), tagged with the commit."
}

variable "service_account_email" {
  type        = string
  description = "Identity of the job: reads the DATABASE_URL secret, nothing else."
}

variable "database_url_secret" {
  type        = string
  description = "Secret id holding DATABASE_URL."
}

variable "vpc_connector" {
  type        = string
  description = "Serverless VPC Access connector id used to reach Cloud SQL's private IP."
}

variable "timeout" {
  type        = string
  description = "Deadline of one execution."
  default     = "900s"
}

variable "log_level" {
  type        = string
  description = "LOG_LEVEL of the runner."
  default     = "info"
}

variable "environment" {
  type        = string
  description = "ENVIRONMENT of the runner (development, staging or production)."
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the job."
  default     = {}
}
