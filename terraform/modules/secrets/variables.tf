# Inputs of the Secret Manager secrets: containers only, values are added outside Terraform.

variable "project_id" {
  type        = string
  description = "Project that hosts the secrets."
}

variable "secrets" {
  type        = map(string)
  description = "Secret id => what it holds and who sets it (shown as the secret's annotation)."
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to destroy the secrets (on in staging and production)."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every secret."
  default     = {}
}
