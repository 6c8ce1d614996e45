# Inputs of the Firebase Hosting site serving the one public domain.

variable "project_id" {
  type        = string
  description = "Project to add Firebase to."
}

variable "site_id" {
  type        = string
  description = "Hosting site id; the site answers on https://<site_id>.web.app and firebase.json's rewrites map its paths to the functions."
}

variable "custom_domain" {
  type        = string
  description = "Custom domain of the API (empty: only <site_id>.web.app)."
  default     = ""
}
