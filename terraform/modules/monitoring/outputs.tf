# Ids of what the monitoring module created, for preflight and the alert JSON authors.

output "dashboards" {
  description = "Dashboard file name => dashboard id."
  value       = { for name, d in google_monitoring_dashboard.this : name => d.id }
}

output "alert_policies" {
  description = "Alert policy file name => policy name."
  value       = { for name, p in google_monitoring_alert_policy.this : name => p.name }
}

output "uptime_check_id" {
  description = "Uptime check id (metric.label.check_id of monitoring.googleapis.com/uptime_check/check_passed)."
  value       = google_monitoring_uptime_check_config.health.uptime_check_id
}

output "slo_names" {
  description = "Full SLO names, as select_slo_burn_rate() expects them."
  value = {
    availability = google_monitoring_slo.availability.name
    latency      = google_monitoring_slo.latency.name
  }
}

output "notification_channels" {
  description = "Severity => notification channel ids."
  value       = local.channels_by_severity
}
