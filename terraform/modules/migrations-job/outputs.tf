# The job's name for `gcloud run jobs execute`.

output "name" {
  description = "Job name."
  value       = google_cloud_run_v2_job.this.name
}

output "id" {
  description = "Full resource id of the job."
  value       = google_cloud_run_v2_job.this.id
}
