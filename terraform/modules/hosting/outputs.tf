# The site id for `firebase deploy` and the host the uptime check and smoke tests call.

output "site_id" {
  description = "Hosting site id."
  value       = google_firebase_hosting_site.api.site_id
}

output "default_url" {
  description = "https://<site_id>.web.app"
  value       = google_firebase_hosting_site.api.default_url
}

output "host" {
  description = "Public host of the API: the custom domain when set, else <site_id>.web.app."
  value       = var.custom_domain == "" ? "${google_firebase_hosting_site.api.site_id}.web.app" : var.custom_domain
}
