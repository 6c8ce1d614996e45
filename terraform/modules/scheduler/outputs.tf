# Job names for `gcloud scheduler jobs run`.

output "jobs" {
  description = "Job name => full resource id."
  value       = { for name, j in google_cloud_scheduler_job.this : name => j.id }
}
