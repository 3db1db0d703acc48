# ---------------------------------------------------------------------------------------------
# Cloud Scheduler: the daily call, authenticated with an OIDC token of the invoker account
# (audience: the function's URL, which is what Cloud Run checks).
#
# Scheduler waits scheduler_attempt_deadline_seconds (at most 30 minutes for an HTTP target) for
# the answer. The run's budget ends it earlier, with a margin for the window in flight
# (variables.tf), so a run that ran out of budget answers 200 `partial` in time and the next
# day's run continues. A retry that arrives while a run still holds its Firestore lease gets
# 409 and does nothing.
# ---------------------------------------------------------------------------------------------

resource "google_cloud_scheduler_job" "daily" {
  project          = var.project_id
  region           = var.region
  name             = "${var.name}-daily"
  description      = "Daily Looker System Activity export (${var.name})."
  schedule         = var.schedule
  time_zone        = var.schedule_time_zone
  attempt_deadline = "${var.scheduler_attempt_deadline_seconds}s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "600s"
    max_backoff_duration = "3600s"
    max_doublings        = 2
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.export.service_config[0].uri
    body        = base64encode(var.scheduler_body)
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = google_cloudfunctions2_function.export.service_config[0].uri
    }
  }

  # The first call must not race the grant that lets it in, nor (fan-out mode) the task
  # function and the grant that lets its tasks in.
  depends_on = [
    google_project_service.required,
    google_cloud_run_service_iam_member.invoker_calls_function,
    google_cloud_run_service_iam_member.tasks_call_task_function,
  ]
}
