# ---------------------------------------------------------------------------------------------
# Fan-out mode (var.fan_out): Cloud Scheduler's call to the export function only plans, and
# enqueues one Cloud Task per instance and explore on that instance's queue; the task function
# exports one explore of one instance within run_budget_seconds and, when the budget runs out,
# enqueues its own continuation on the same queue. Nothing here exists in single-call mode.
#
# A queue per instance, because its max_concurrent_dispatches is the number of System Activity
# queries that one Looker runs at once: outside Elite System Activity Looker runs one at a time
# and refuses a second, so K defaults to 1 (variables.tf refuses more without Elite). The
# queues, the grants and the accounts are in iam.tf's style: see there for who may do what.
#
# A deleted queue's name cannot be used again for about 7 days (Cloud Tasks): turning fan_out
# off and on again within a week fails to create the queues (README.md, "Fan-out mode").
# ---------------------------------------------------------------------------------------------

resource "google_cloud_tasks_queue" "instance" {
  for_each = local.task_queues

  project  = var.project_id
  location = var.region
  name     = each.value.queue_id

  rate_limits {
    # K tasks of this instance run at once; each is one Looker query at a time.
    max_concurrent_dispatches = each.value.max_concurrent_dispatches
    # A task runs for minutes: one start a second is plenty, and a burst of new tasks (the
    # planner enqueues every explore at once) reaches Looker spread out.
    max_dispatches_per_second = 1
  }

  # Cloud Tasks retries every answer but 2xx. Those meant to be retried: 409, another task of
  # this explore still holds its Firestore lease (a continuation that came early, a duplicate
  # delivery); 503, a transient failure; 429 from Cloud Run, all instances busy. The code answers
  # 2xx to terminal failures, which it logs, so the queue never retries what cannot pass.
  retry_config {
    max_attempts  = var.task_max_attempts
    min_backoff   = "${var.task_min_backoff_seconds}s"
    max_backoff   = "${var.task_max_backoff_seconds}s"
    max_doublings = 4
    # A task still failing after a day gives way to the next day's plan, which enqueues the
    # explore again from its watermark.
    max_retry_duration = "86400s"
  }

  # Every dispatch and response in Cloud Logging (resource cloud_tasks_queue): the record of
  # what each task did, and what monitoring.tf's dropped-task alert reads.
  stackdriver_logging_config {
    sampling_ratio = 1
  }

  depends_on = [google_project_service.required]
}

resource "google_cloudfunctions2_function" "task" {
  count = var.fan_out ? 1 : 0

  project     = var.project_id
  name        = local.task_function_name
  location    = var.region
  description = "Fan-out mode: exports one Looker System Activity explore of one instance per Cloud Task (${var.name})."
  labels      = local.labels

  build_config {
    runtime         = var.runtime
    entry_point     = "exportSystemActivityTask"
    service_account = local.function_build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = var.memory
    # Cloud Tasks stops waiting at the dispatch deadline and dispatches the task again; the
    # budget ends the task earlier (variables.tf), so the platform never cuts a task short.
    timeout_seconds = var.task_dispatch_deadline_seconds
    # One task per instance, so a task's budget is its own; as many instances as the queues
    # dispatch at once.
    max_instance_count               = local.task_max_instances
    max_instance_request_concurrency = 1
    # Cloud Tasks in the same project counts as internal for Cloud Run ingress (README.md,
    # "Fan-out mode", has the documentation and its caveat); only the tasks account may invoke
    # it either way (iam.tf).
    ingress_settings               = var.task_ingress_settings
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.runtime.email
    environment_variables          = local.function_environment
  }

  lifecycle {
    # Every task is sent to local.task_handler_url, computed before this function exists: stop
    # here, not with every task failing, if the deployed function answers elsewhere.
    postcondition {
      condition     = self.url == local.task_handler_url
      error_message = "The task function's URL is ${self.url}, not ${local.task_handler_url}, the TASK_HANDLER_URL its tasks are sent to (main.tf)."
    }
  }

  # After the export function, and so after everything it waits for (function.tf): the same
  # secrets, buckets, tables and state, the queues and the grants to enqueue.
  depends_on = [
    google_cloudfunctions2_function.export,
    google_service_account.tasks,
  ]
}
