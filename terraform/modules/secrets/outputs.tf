# Secret names and ids for the functions, the migrations job and monitoring.

output "ids" {
  description = "Secret id => full resource id (projects/<p>/secrets/<id>)."
  value       = { for name, s in google_secret_manager_secret.this : name => s.id }
}

output "names" {
  description = "Secret ids, as passed to secret_environment_variables."
  value       = { for name, s in google_secret_manager_secret.this : name => s.secret_id }
}
