# Inputs of one CloudEvent function (gen2) fed by Pub/Sub push subscriptions.

variable "project_id" {
  type        = string
  description = "Project that hosts the function."
}

variable "region" {
  type        = string
  description = "Region of the function and of its Cloud Run service."
}

variable "name" {
  type        = string
  description = "Function id: the folder under functions/, the registered CloudEvent entry point and the Cloud Run service name."
}

variable "description" {
  type        = string
  description = "What the function handles, shown in the console."
}

variable "topics" {
  type        = list(string)
  description = "Topics whose messages this function consumes (through the subscriptions of the pubsub module)."
}

variable "source_dir" {
  type        = string
  description = "Folder produced by `npm run build` for this function (dist/functions/<name>)."
}

variable "source_bucket" {
  type        = string
  description = "Bucket receiving the zipped sources."
}

variable "build_service_account" {
  type        = string
  description = "Service account id (projects/<p>/serviceAccounts/<email>) that Cloud Build uses to build the function."
}

variable "service_account_email" {
  type        = string
  description = "Runtime identity of the function: one service account per function."
}

variable "push_service_account_email" {
  type        = string
  description = "Identity Pub/Sub signs its push requests with (OIDC); the only invoker of this function."
}

variable "memory" {
  type        = string
  description = "Memory of one instance."
  default     = "256Mi"
}

variable "node_options" {
  type        = string
  description = "NODE_OPTIONS of the instances; null: the V8 heap flags ../http-function/node-options.json gives for var.memory."
  default     = null
}

variable "timeout_seconds" {
  type        = number
  description = "Handler deadline; the subscription's ack deadline is set to match it."
  default     = 60
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm."
  default     = 0
}

variable "max_instances" {
  type        = number
  description = "Upper bound of instances; also bounds the database connections this function can open."
  default     = 10
}

variable "concurrency" {
  type        = number
  description = "Events one instance handles at once."
  default     = 20
}

variable "environment_variables" {
  type        = map(string)
  description = "Plain environment variables (no secrets)."
  default     = {}
}

variable "secret_environment_variables" {
  type        = map(string)
  description = "Environment variable name => Secret Manager secret id."
  default     = {}
}

variable "service_version" {
  type        = string
  description = "Version being deployed, exposed as SERVICE_VERSION."
}

variable "vpc_connector" {
  type        = string
  description = "Serverless VPC Access connector id used to reach Cloud SQL's private IP."
}

variable "new_revisions_get_traffic" {
  type        = bool
  description = "false: a deploy creates a revision with no traffic until the pipeline moves it."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the function."
  default     = {}
}
