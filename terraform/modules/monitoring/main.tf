# Cloud Monitoring as code: every dashboards/*.json and alerting/*.json applied (the log-based metrics
# they read are generated in log-metrics.tf), the /health uptime check, availability and latency SLOs of the API,
# PagerDuty and Slack channels keyed from Secret Manager.
#
# The JSON files may write __PROJECT_ID__ where a project id is needed (e.g. the SLO names inside
# select_slo_burn_rate); it is replaced by the environment's project.

locals {
  dashboards = {
    for f in fileset(var.dashboards_dir, "*.json") : trimsuffix(f, ".json") => replace(file("${var.dashboards_dir}/${f}"), "__PROJECT_ID__", var.project_id)
  }

  # google_monitoring_alert_policy takes HCL arguments, not the API's JSON: each file is decoded and
  # its fields mapped one by one (camelCase JSON field => snake_case argument); test/delivery checks
  # that every field used in alerting/*.json is mapped here.
  policies = {
    for f in fileset(var.alerting_dir, "*.json") : trimsuffix(f, ".json") => jsondecode(replace(file("${var.alerting_dir}/${f}"), "__PROJECT_ID__", var.project_id))
  }

  # The files leave notificationChannels empty: userLabels.severity decides where a policy goes.
  channels_by_severity = {
    critical = [google_monitoring_notification_channel.pagerduty.id]
    warning  = [google_monitoring_notification_channel.slack.id]
  }

  slo_request_filter = join(" ", [
    "resource.type=\"cloud_run_revision\"",
    "resource.label.location=\"${var.region}\"",
    "resource.label.service_name=one_of(${join(",", [for s in var.slo_services : "\"${s}\""])})",
  ])
}

resource "google_monitoring_dashboard" "this" {
  for_each       = local.dashboards
  project        = var.project_id
  dashboard_json = each.value
}

data "google_secret_manager_secret_version" "pagerduty" {
  project = var.project_id
  secret  = var.pagerduty_secret
}

data "google_secret_manager_secret_version" "slack" {
  project = var.project_id
  secret  = var.slack_secret
}

resource "google_monitoring_notification_channel" "pagerduty" {
  project      = var.project_id
  display_name = "TaxasGE ${var.environment} on-call (PagerDuty)"
  type         = "pagerduty"
  user_labels  = { severity = "critical" }

  sensitive_labels {
    service_key = data.google_secret_manager_secret_version.pagerduty.secret_data
  }
}

resource "google_monitoring_notification_channel" "slack" {
  project      = var.project_id
  display_name = "TaxasGE ${var.environment} ${var.slack_channel} (Slack)"
  type         = "slack"
  labels       = { channel_name = var.slack_channel }
  user_labels  = { severity = "warning" }

  sensitive_labels {
    auth_token = data.google_secret_manager_secret_version.slack.secret_data
  }
}

resource "google_monitoring_alert_policy" "this" {
  for_each              = local.policies
  project               = var.project_id
  display_name          = each.value.displayName
  combiner              = try(each.value.combiner, "OR")
  enabled               = try(each.value.enabled, true)
  severity              = try(each.value.severity, null)
  user_labels           = try(each.value.userLabels, {})
  notification_channels = lookup(local.channels_by_severity, try(each.value.userLabels.severity, ""), [])

  dynamic "conditions" {
    for_each = each.value.conditions
    content {
      display_name = conditions.value.displayName

      dynamic "condition_threshold" {
        for_each = can(conditions.value.conditionThreshold) ? [conditions.value.conditionThreshold] : []
        content {
          filter                  = condition_threshold.value.filter
          duration                = try(condition_threshold.value.duration, "0s")
          comparison              = try(condition_threshold.value.comparison, null)
          threshold_value         = try(condition_threshold.value.thresholdValue, null)
          denominator_filter      = try(condition_threshold.value.denominatorFilter, null)
          evaluation_missing_data = try(condition_threshold.value.evaluationMissingData, null)

          dynamic "aggregations" {
            for_each = try(condition_threshold.value.aggregations, [])
            content {
              alignment_period     = try(aggregations.value.alignmentPeriod, null)
              per_series_aligner   = try(aggregations.value.perSeriesAligner, null)
              cross_series_reducer = try(aggregations.value.crossSeriesReducer, null)
              group_by_fields      = try(aggregations.value.groupByFields, null)
            }
          }

          dynamic "denominator_aggregations" {
            for_each = try(condition_threshold.value.denominatorAggregations, [])
            content {
              alignment_period     = try(denominator_aggregations.value.alignmentPeriod, null)
              per_series_aligner   = try(denominator_aggregations.value.perSeriesAligner, null)
              cross_series_reducer = try(denominator_aggregations.value.crossSeriesReducer, null)
              group_by_fields      = try(denominator_aggregations.value.groupByFields, null)
            }
          }

          dynamic "trigger" {
            for_each = can(condition_threshold.value.trigger) ? [condition_threshold.value.trigger] : []
            content {
              count   = try(trigger.value.count, null)
              percent = try(trigger.value.percent, null)
            }
          }

          dynamic "forecast_options" {
            for_each = can(condition_threshold.value.forecastOptions) ? [condition_threshold.value.forecastOptions] : []
            content {
              forecast_horizon = forecast_options.value.forecastHorizon
            }
          }
        }
      }

      dynamic "condition_absent" {
        for_each = can(conditions.value.conditionAbsent) ? [conditions.value.conditionAbsent] : []
        content {
          filter   = condition_absent.value.filter
          duration = condition_absent.value.duration

          dynamic "aggregations" {
            for_each = try(condition_absent.value.aggregations, [])
            content {
              alignment_period     = try(aggregations.value.alignmentPeriod, null)
              per_series_aligner   = try(aggregations.value.perSeriesAligner, null)
              cross_series_reducer = try(aggregations.value.crossSeriesReducer, null)
              group_by_fields      = try(aggregations.value.groupByFields, null)
            }
          }

          dynamic "trigger" {
            for_each = can(condition_absent.value.trigger) ? [condition_absent.value.trigger] : []
            content {
              count   = try(trigger.value.count, null)
              percent = try(trigger.value.percent, null)
            }
          }
        }
      }

      dynamic "condition_matched_log" {
        for_each = can(conditions.value.conditionMatchedLog) ? [conditions.value.conditionMatchedLog] : []
        content {
          filter           = condition_matched_log.value.filter
          label_extractors = try(condition_matched_log.value.labelExtractors, null)
        }
      }

      dynamic "condition_monitoring_query_language" {
        for_each = can(conditions.value.conditionMonitoringQueryLanguage) ? [conditions.value.conditionMonitoringQueryLanguage] : []
        content {
          query                   = condition_monitoring_query_language.value.query
          duration                = condition_monitoring_query_language.value.duration
          evaluation_missing_data = try(condition_monitoring_query_language.value.evaluationMissingData, null)

          dynamic "trigger" {
            for_each = can(condition_monitoring_query_language.value.trigger) ? [condition_monitoring_query_language.value.trigger] : []
            content {
              count   = try(trigger.value.count, null)
              percent = try(trigger.value.percent, null)
            }
          }
        }
      }

      dynamic "condition_prometheus_query_language" {
        for_each = can(conditions.value.conditionPrometheusQueryLanguage) ? [conditions.value.conditionPrometheusQueryLanguage] : []
        content {
          query                     = condition_prometheus_query_language.value.query
          duration                  = try(condition_prometheus_query_language.value.duration, null)
          evaluation_interval       = try(condition_prometheus_query_language.value.evaluationInterval, null)
          labels                    = try(condition_prometheus_query_language.value.labels, null)
          rule_group                = try(condition_prometheus_query_language.value.ruleGroup, null)
          alert_rule                = try(condition_prometheus_query_language.value.alertRule, null)
          disable_metric_validation = try(condition_prometheus_query_language.value.disableMetricValidation, null)
        }
      }
    }
  }

  dynamic "documentation" {
    for_each = can(each.value.documentation) ? [each.value.documentation] : []
    content {
      content   = try(documentation.value.content, null)
      mime_type = try(documentation.value.mimeType, "text/markdown")
      subject   = try(documentation.value.subject, null)

      dynamic "links" {
        for_each = try(documentation.value.links, [])
        content {
          display_name = try(links.value.displayName, null)
          url          = links.value.url
        }
      }
    }
  }

  dynamic "alert_strategy" {
    for_each = can(each.value.alertStrategy) ? [each.value.alertStrategy] : []
    content {
      auto_close           = try(alert_strategy.value.autoClose, null)
      notification_prompts = try(alert_strategy.value.notificationPrompts, null)

      dynamic "notification_rate_limit" {
        for_each = can(alert_strategy.value.notificationRateLimit) ? [alert_strategy.value.notificationRateLimit] : []
        content {
          period = notification_rate_limit.value.period
        }
      }

      dynamic "notification_channel_strategy" {
        for_each = try(alert_strategy.value.notificationChannelStrategy, [])
        content {
          notification_channel_names = try(notification_channel_strategy.value.notificationChannelNames, null)
          renotify_interval          = try(notification_channel_strategy.value.renotifyInterval, null)
        }
      }
    }
  }

  # The Monitoring API refuses a policy on a log-based metric that does not exist yet ("Cannot find
  # metric(s) that match type"): every log-based metric (log-metrics.tf) an alerting/*.json file
  # names, by filter or PromQL; test/observability/metric-delivery.test.ts keeps this list whole.
  depends_on = [
    google_logging_metric.event_deliveries,
    google_logging_metric.payments,
    google_logging_metric.reconciliation_discrepancies,
    google_logging_metric.webhooks_received,
  ]

  lifecycle {
    precondition {
      condition     = contains(keys(local.channels_by_severity), try(each.value.userLabels.severity, ""))
      error_message = "alerting/${each.key}.json: userLabels.severity must be \"critical\" (PagerDuty) or \"warning\" (Slack)."
    }
  }
}

resource "google_monitoring_uptime_check_config" "health" {
  project      = var.project_id
  display_name = "taxasge-${var.environment}-health"
  timeout      = "10s"
  period       = "60s"
  checker_type = "STATIC_IP_CHECKERS"

  http_check {
    path         = var.uptime_path
    port         = 443
    use_ssl      = true
    validate_ssl = true
    accepted_response_status_codes {
      status_class = "STATUS_CLASS_2XX"
    }
  }

  content_matchers {
    content = "\"status\":\"ok\""
    matcher = "CONTAINS_STRING"
  }

  monitored_resource {
    type   = "uptime_url"
    labels = { project_id = var.project_id, host = var.uptime_host }
  }
}

# One service for the whole API (every public HTTP function), with request-based SLIs over Cloud Run's own metrics.
resource "google_monitoring_custom_service" "api" {
  project      = var.project_id
  service_id   = "taxasge-api"
  display_name = "TaxasGE API (${var.environment})"
}

resource "google_monitoring_slo" "availability" {
  project             = var.project_id
  service             = google_monitoring_custom_service.api.service_id
  slo_id              = "availability"
  display_name        = "${var.availability_goal * 100} % of API requests do not fail with a 5xx"
  goal                = var.availability_goal
  rolling_period_days = var.slo_window_days

  request_based_sli {
    good_total_ratio {
      total_service_filter = "metric.type=\"run.googleapis.com/request_count\" ${local.slo_request_filter}"
      bad_service_filter   = "metric.type=\"run.googleapis.com/request_count\" ${local.slo_request_filter} metric.label.response_code_class=\"5xx\""
    }
  }
}

resource "google_monitoring_slo" "latency" {
  project             = var.project_id
  service             = google_monitoring_custom_service.api.service_id
  slo_id              = "latency"
  display_name        = "${var.latency_goal * 100} % of API requests answered within ${var.latency_threshold_ms} ms"
  goal                = var.latency_goal
  rolling_period_days = var.slo_window_days

  request_based_sli {
    distribution_cut {
      distribution_filter = "metric.type=\"run.googleapis.com/request_latencies\" ${local.slo_request_filter}"
      range {
        min = 0
        max = var.latency_threshold_ms
      }
    }
  }
}
