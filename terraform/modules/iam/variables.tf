# Inputs of the IAM module: the identities of the platform and of GitHub Actions.

variable "project_id" {
  type        = string
  description = "Project that hosts the service accounts."
}

variable "function_ids" {
  type        = list(string)
  description = "Every function (HTTP and event); each gets its own service account fn-<id>."
}

variable "github_repository" {
  type        = string
  description = "owner/name of the repository whose GitHub Actions may deploy (the only one the identity provider accepts)."
}

variable "github_refs" {
  type        = list(string)
  description = "Git refs allowed to deploy to this environment, e.g. [\"refs/heads/main\"] for production."
}

variable "deployer_roles" {
  type        = list(string)
  description = "Project roles of the deployer (GitHub Actions through Workload Identity Federation): what terraform apply, gcloud run and gcloud builds need, nothing more."
  default = [
    "roles/artifactregistry.admin",
    "roles/cloudbuild.builds.editor",
    "roles/cloudfunctions.admin",
    "roles/cloudscheduler.admin",
    "roles/cloudsql.admin",
    "roles/compute.networkAdmin",
    "roles/firebasehosting.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/logging.configWriter",
    "roles/logging.viewer",
    "roles/monitoring.editor",
    "roles/pubsub.admin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/run.admin",
    "roles/secretmanager.admin",
    "roles/servicenetworking.networksAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
    "roles/vpcaccess.admin",
  ]
}
