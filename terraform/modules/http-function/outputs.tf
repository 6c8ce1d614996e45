# What other modules and the deploy pipeline need from an HTTP function.

output "name" {
  description = "Function name, equal to its Cloud Run service name."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "HTTPS URL of the function's Cloud Run service."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service" {
  description = "Full resource name of the Cloud Run service behind the function."
  value       = google_cloudfunctions2_function.this.service_config[0].service
}

output "source_object" {
  description = "GCS object holding the uploaded source zip."
  value       = google_storage_bucket_object.source.name
}
