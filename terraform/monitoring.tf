# ---------------------------------------------------------------------------------------------
# Alerts, from the function's structured logs (the filters are in main.tf):
# - a failed run: a counter of "export run failed" summaries, alerting on any;
# - a stale explore: a counter of "explore finished" entries with status succeeded, labelled by
#   explore and instance, and one PromQL condition that finds each exported explore of each
#   instance with no success in stale_explore_hours. Metric-absence conditions stop at 23.5
#   hours, so a 36-hour absence needs absent_over_time().
# - Looker forgetting unarchived rows: the same counter, one PromQL condition per exported
#   incremental explore of each instance with no success in retention_alert_days (3), severity
#   CRITICAL. Looker deletes scheduled-task history after 7 days (src/explores/retention.ts), so
#   past 6 days without a success rows are lost for good. Why this signal: the per-explore,
#   per-instance success entry is what says that rows landed (a run summary covers every
#   instance, and in fan-out mode the scheduler's call only plans); Cloud Monitoring cannot alert
#   on the run history in BigQuery; metric-absence conditions stop at 23.5 hours.
# - fan-out mode: a task dropped after task_max_attempts, from the queues' attempt logs.
# All notify alert_notification_channels (none: incidents show in the console only).
# ---------------------------------------------------------------------------------------------

resource "google_logging_metric" "failed_runs" {
  project     = var.project_id
  name        = local.failed_runs_metric
  description = "Export runs of ${var.name} that ended with status failed (the run summary log entry)."
  filter      = local.failed_run_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name} failed runs"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_alert_policy" "failed_run" {
  project               = var.project_id
  display_name          = "${var.name}: an export run failed"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "export run failed"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.failed_runs.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${var.name}: an export run failed"
    content   = <<-EOT
      A run of `${var.name}` ended with status `failed`. Its summary (which instance, explore and
      window failed, and why) is in the run's last log entry:

      `${local.failed_run_filter}`

      A 503 run is retried by Cloud Scheduler; a 500 needs an operator (credentials, a rejected
      load, configuration). Progress did not move, so the next run repeats the work.
    EOT
  }
}

resource "google_logging_metric" "explore_succeeded" {
  project     = var.project_id
  name        = local.explore_succeeded_metric
  description = "Explores of ${var.name} that finished a run with status succeeded, by explore and Looker instance."
  filter      = local.explore_succeeded_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name} explores succeeded"

    labels {
      key         = "explore"
      value_type  = "STRING"
      description = "System Activity explore."
    }

    labels {
      key         = "looker_instance"
      value_type  = "STRING"
      description = "Looker instance (the looker_instance column)."
    }
  }

  label_extractors = {
    explore         = "EXTRACT(jsonPayload.explore)"
    looker_instance = "EXTRACT(jsonPayload.instance)"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_alert_policy" "stale_explore" {
  project               = var.project_id
  display_name          = "${var.name}: an explore has not been exported for ${var.stale_explore_hours} hours"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "no successful run of an explore in ${var.stale_explore_hours} h"

    condition_prometheus_query_language {
      query               = local.stale_explores_query
      duration            = "0s"
      evaluation_interval = "300s"
      # The metric has no data until the first explore succeeds; the policy must exist before.
      disable_metric_validation = true
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${var.name}: an explore has not been exported for ${var.stale_explore_hours} hours"
    content   = <<-EOT
      No run of `${var.name}` has finished this explore of this Looker instance with status
      `succeeded` in ${var.stale_explore_hours} hours (the incident's labels `explore` and
      `looker_instance` say which). It counts log entries matching

      `${local.explore_succeeded_filter}`

      Look at the last run summaries (status `partial` means the run budget ran out first;
      `failed` says why). Right after the first deploy the policy is open until every explore
      has succeeded once.
    EOT
  }

  depends_on = [google_logging_metric.explore_succeeded]
}

resource "google_monitoring_alert_policy" "retention" {
  # None when only snapshot explores are exported: Looker serves their current state only.
  count = local.retention_explores_query != "" ? 1 : 0

  project               = var.project_id
  display_name          = "${var.name}: an explore has not been exported for ${var.retention_alert_days} days: Looker is about to forget rows"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "no successful run of an incremental explore in ${var.retention_alert_days} days"

    condition_prometheus_query_language {
      query               = local.retention_explores_query
      duration            = "0s"
      evaluation_interval = "300s"
      # The metric has no data until the first explore succeeds; the policy must exist before.
      disable_metric_validation = true
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${var.name}: an explore has not been exported for ${var.retention_alert_days} days: Looker is about to forget rows"
    content   = <<-EOT
      No run of `${var.name}` has finished this explore of this Looker instance with status
      `succeeded` in ${var.retention_alert_days} days (the incident's labels `explore` and
      `looker_instance` say which). Looker deletes the history rows of scheduled tasks after 7
      days, prunes `event` to its newest million rows, and documents no retention for the other
      incremental explores (held to 7 days): a run reads up to the start of its UTC day, so rows
      Looker holds now are lost for good unless a run succeeds within 6 days of the last one.

      `npm run check` (or `{"check": true}`) reports per instance when the explore last
      succeeded and from when Looker drops what the archive does not hold. The last run
      summaries say why runs fail:

      `${local.run_summary_filter}`

      The next successful run reads every day since the explore's watermark. An initial load
      that takes more than ${var.retention_alert_days} days of runs keeps this policy open too: it
      reads oldest first, so the newest scheduled-task history is read last.
    EOT
  }

  depends_on = [google_logging_metric.explore_succeeded]
}

resource "google_logging_metric" "dropped_tasks" {
  count = var.fan_out ? 1 : 0

  project     = var.project_id
  name        = local.dropped_tasks_metric
  description = "Cloud Tasks of ${var.name} dropped after their last failed attempt (fan-out mode)."
  filter      = local.dropped_task_filter

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name} dropped tasks"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_alert_policy" "dropped_task" {
  count = var.fan_out ? 1 : 0

  project               = var.project_id
  display_name          = "${var.name}: a task was dropped after ${var.task_max_attempts} attempts"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "task dropped"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dropped_tasks[0].name}\" AND resource.type=\"cloud_tasks_queue\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    subject   = "${var.name}: a task was dropped after ${var.task_max_attempts} attempts"
    content   = <<-EOT
      Cloud Tasks gave up on a task of `${var.name}` after ${var.task_max_attempts} failed
      attempts (the incident's `queue_id` names the Looker instance's queue). Its attempts:

      `${local.dropped_task_filter}`

      The explore's watermark did not move, so the next day's plan enqueues it again; until then
      that explore of that instance is not exported. The task function's logs say why each
      attempt failed (409: another task held the explore's lease; 503: a transient failure).
    EOT
  }
}
