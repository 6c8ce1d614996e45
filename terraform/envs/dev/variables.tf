# Values that change with every deploy of dev, passed by the deploy workflow with -var.

variable "service_version" {
  type        = string
  description = "Version being deployed (git tag or commit SHA)."
}

variable "migrations_image" {
  type        = string
  description = "Migrations job image, e.g. europe-west1-docker.pkg.dev/taxasge-dev/taxasge/migrate:<sha>."
}
