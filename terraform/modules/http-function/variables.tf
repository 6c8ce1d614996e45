# Inputs of one HTTP Cloud Function (gen2) built by `npm run build` into dist/functions/<name>.

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
  description = "Function id: the folder under functions/, the functionId of firebase.json's rewrites, the registered entry point and the Cloud Run service name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,48}[a-z0-9]$", var.name))
    error_message = "The function name must be lowercase letters, digits and hyphens (it is also the Cloud Run service name)."
  }
}

variable "description" {
  type        = string
  description = "What the function serves, shown in the console."
}

variable "source_dir" {
  type        = string
  description = "Folder produced by `npm run build` for this function (dist/functions/<name>): bundled index.js and a minimal package.json."
}

variable "source_bucket" {
  type        = string
  description = "Bucket receiving the zipped sources (content-addressed object names)."
}

variable "build_service_account" {
  type        = string
  description = "Service account id (projects/<p>/serviceAccounts/<email>) that Cloud Build uses to build the function."
}

variable "service_account_email" {
  type        = string
  description = "Runtime identity of the function: one service account per function."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "nodejs22"
}

variable "memory" {
  type        = string
  description = "Memory of one instance (e.g. 256Mi)."
  default     = "256Mi"
}

variable "node_options" {
  type        = string
  description = "NODE_OPTIONS of the instances; null: the V8 heap flags node-options.json gives for var.memory (--max-semi-space-size=4 at 256Mi). Each function's V8 code cache is built for those flags only: other flags run without it."
  default     = null
}

variable "cpu" {
  type        = string
  description = "vCPUs of one instance."
  default     = "1"
}

variable "timeout_seconds" {
  type        = number
  description = "Request timeout."
  default     = 60
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm."
  default     = 0
}

variable "max_instances" {
  type        = number
  description = "Upper bound of instances (times the pool size, it bounds the database connections this function can open)."
  default     = 10
}

variable "concurrency" {
  type        = number
  description = "Requests one instance serves at once."
  default     = 40
}

variable "environment_variables" {
  type        = map(string)
  description = "Plain environment variables (no secrets)."
  default     = {}
}

variable "secret_environment_variables" {
  type        = map(string)
  description = "Environment variable name => Secret Manager secret id; the latest version is injected and the function's service account may read only these secrets."
  default     = {}
}

variable "service_version" {
  type        = string
  description = "Version being deployed (git tag or commit), exposed as SERVICE_VERSION and reported by /health."
}

variable "ingress" {
  type        = string
  description = "Ingress setting: ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress)
    error_message = "The ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "public" {
  type        = bool
  description = "Whether anyone may invoke the function (Firebase Hosting rewrites and BANGE call it unauthenticated; the code authorises)."
  default     = true
}

variable "invoker_members" {
  type        = map(string)
  description = "Extra invokers: a static key => member given roles/run.invoker (e.g. scheduler => serviceAccount:…). Static keys keep for_each plannable before the accounts exist."
  default     = {}
}

variable "vpc_connector" {
  type        = string
  description = "Serverless VPC Access connector id used to reach Cloud SQL's private IP."
}

variable "new_revisions_get_traffic" {
  type        = bool
  description = "false: a deploy creates a revision with no traffic, moved later by the deploy pipeline after smoke tests; true: every deploy serves at once."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the function."
  default     = {}
}
