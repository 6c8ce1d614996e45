# Firebase on the project and the Hosting site whose rewrites (firebase.json, deployed by `firebase deploy --only hosting`) route paths to the functions.

resource "google_firebase_project" "this" {
  provider = google-beta
  project  = var.project_id
}

resource "google_firebase_hosting_site" "api" {
  provider   = google-beta
  project    = var.project_id
  site_id    = var.site_id
  depends_on = [google_firebase_project.this]
}

resource "google_firebase_hosting_custom_domain" "api" {
  provider      = google-beta
  count         = var.custom_domain == "" ? 0 : 1
  project       = var.project_id
  site_id       = google_firebase_hosting_site.api.site_id
  custom_domain = var.custom_domain
}
