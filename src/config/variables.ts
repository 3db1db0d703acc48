/**
 * Every environment variable the function reads, as data: the config parser, the README and the
 * Terraform checks all derive from this one list.
 */
export interface ConfigVariable {
  name: string;
  /** Required in every deployment; the function refuses to start without it. */
  required: boolean;
  /** Only for pointing clients at the local stack; never set in the cloud. */
  localOnly?: boolean;
  /**
   * Part of the one-instance shorthand for LOOKER_INSTANCES. Terraform always writes
   * LOOKER_INSTANCES, and the two may not be mixed, so a deployment never sets these.
   */
  shorthand?: boolean;
  description: string;
}

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'LOOKER_INSTANCES',
    required: false,
    description:
      'JSON list of Looker instances: [{"name","baseUrl","clientIdSecret","clientSecretSecret","dataset"?,"verifySsl"?}]. Each instance needs its own dataset (default BQ_DATASET). Replaces the four single-instance LOOKER_ variables below.',
  },
  {
    name: 'LOOKER_BASE_URL',
    required: false,
    shorthand: true,
    description: 'One instance: Looker API host, e.g. https://acme.cloud.looker.com.',
  },
  {
    name: 'LOOKER_CLIENT_ID_SECRET',
    required: false,
    shorthand: true,
    description:
      'One instance: Secret Manager secret holding the Looker API client id (name, or projects/P/secrets/NAME).',
  },
  {
    name: 'LOOKER_CLIENT_SECRET_SECRET',
    required: false,
    shorthand: true,
    description: 'One instance: Secret Manager secret holding the Looker API client secret.',
  },
  {
    name: 'LOOKER_INSTANCE_NAME',
    required: false,
    shorthand: true,
    description:
      'One instance: name written to the looker_instance column (default: the host of LOOKER_BASE_URL).',
  },
  {
    name: 'LOOKER_VERIFY_SSL',
    required: false,
    description: 'Verify Looker TLS certificates (default true; false logs a warning).',
  },
  {
    name: 'EXPORT_EXPLORES',
    required: false,
    description: 'Comma-separated explores a run exports when its request names none (default: all).',
  },
  {
    name: 'EXPLORE_CONCURRENCY',
    required: false,
    description: 'Explores of one instance exported at the same time (default 2, at most 8).',
  },
  {
    name: 'EXCLUDE_OWN_ACTIVITY',
    required: false,
    description:
      "Leave the exporter's own API user out of history and event (default true), so the audit does not fill the audit trail.",
  },
  {
    name: 'MASK_PERSONAL_DATA',
    required: false,
    description: 'Mask the columns marked personal in the registry (default false; see README, Privacy).',
  },
  {
    name: 'MASKING_RULES',
    required: false,
    description:
      'JSON object of per-column rules over the defaults: {"explore.column": "drop" | "hash" | "keep"}.',
  },
  {
    name: 'MASKING_KEY_SECRET',
    required: false,
    description: 'Secret holding the HMAC-SHA256 key for hashed columns (required when a rule hashes).',
  },
  {
    name: 'LOOKER_TIMEOUT_SECONDS',
    required: false,
    description: 'Time limit of one Looker request (default 600).',
  },
  {
    name: 'LOOKER_ROW_CAP',
    required: false,
    description:
      "Row limit Looker caps a query at, when known (e.g. 5000 for an API user without download_without_limit): pages are asked for this many rows and continued after their last row. Default 0: unknown; a page that comes back short of Looker's count (or with no count to judge it) is read on with its own size as the page limit, until a shorter or empty page proves the read complete.",
  },
  {
    name: 'WINDOW_MAX_ROWS',
    required: false,
    description:
      'Counted rows one window holds at most (default 1000000): days are packed into windows up to this many rows; each window is one BigQuery write and one progress step, so a long initial load resumes where it stopped.',
  },
  {
    name: 'ELITE_SYSTEM_ACTIVITY',
    required: false,
    description:
      'true when every instance has Elite System Activity (refreshed every 10 minutes, no 12-hour cache): only then may SETTLE_DAYS be 0 (default false).',
  },
  {
    name: 'LOOKER_MONTHLY_QUERY_BUDGET',
    required: false,
    description:
      'Looker query calls an instance may spend per calendar month (UTC), counts and pages together; 0 (default): no limit. Each day gets an even share of what is left, explores that do not fit wait for the next day, and every summary reports the month\'s use. Per instance: "monthlyQueryBudget" in LOOKER_INSTANCES.',
  },
  {
    name: 'TASKS_QUEUE_PREFIX',
    required: false,
    description:
      "Turns on fan-out mode: Cloud Scheduler's call only plans and enqueues one Cloud Task per instance and explore; the task function does the work. Each instance has its own queue, PREFIX-INSTANCE (characters other than letters, digits and - become -), whose max_concurrent_dispatches bounds the System Activity queries that instance runs at once. Unset (default): single-call mode.",
  },
  {
    name: 'TASKS_LOCATION',
    required: false,
    description: 'Fan-out mode: the region of the queues (required with TASKS_QUEUE_PREFIX).',
  },
  {
    name: 'TASK_HANDLER_URL',
    required: false,
    description:
      'Fan-out mode: the HTTPS URL of the task function that tasks are dispatched to (required with TASKS_QUEUE_PREFIX).',
  },
  {
    name: 'TASKS_SERVICE_ACCOUNT',
    required: false,
    description:
      "Fan-out mode: the service account Cloud Tasks signs each call's OIDC token as; it alone may invoke the task function (required with TASKS_QUEUE_PREFIX).",
  },
  {
    name: 'TASK_DISPATCH_DEADLINE_SECONDS',
    required: false,
    description:
      "Fan-out mode: how long Cloud Tasks waits for one task call (default 1800, between 15 and 1800, Cloud Tasks' limit for HTTP tasks). RUN_BUDGET_SECONDS plus its grace must fit inside it: a task whose budget runs out enqueues its own continuation and answers in time.",
  },
  {
    name: 'GOOGLE_CLOUD_PROJECT',
    required: true,
    description: 'Project that owns the bucket, dataset and jobs.',
  },
  { name: 'GCS_BUCKET', required: true, description: 'Staging bucket for the JSONL objects.' },
  {
    name: 'GCS_PREFIX',
    required: false,
    description: 'Object prefix in the staging bucket (default system_activity).',
  },
  { name: 'BQ_DATASET', required: true, description: 'BigQuery dataset the tables live in.' },
  {
    name: 'BQ_LOCATION',
    required: false,
    description: 'BigQuery location of the dataset and jobs (default US).',
  },
  {
    name: 'FIRESTORE_DATABASE',
    required: false,
    description: 'Firestore database id (default "(default)").',
  },
  {
    name: 'FIRESTORE_COLLECTION',
    required: false,
    description: 'Firestore collection for export state (default looker_activity_export).',
  },
  {
    name: 'SETTLE_DAYS',
    required: false,
    description:
      'Days before the watermark re-read on each run, for rows Looker serves late (default 1; at least 1 unless ELITE_SYSTEM_ACTIVITY).',
  },
  {
    name: 'RUN_BUDGET_SECONDS',
    required: false,
    description:
      "Time after which a run starts no new window (default 1500, under Cloud Scheduler's 30-minute attempt deadline); a running window may go on for a tenth of it more (at least 10 s, at most 300 s), then it is aborted cleanly and the next call repeats it. The lease lasts the budget plus 10 minutes.",
  },
  {
    name: 'GCS_API_ENDPOINT',
    required: false,
    localOnly: true,
    description: 'Storage JSON API base URL (local stack).',
  },
  {
    name: 'BIGQUERY_API_ENDPOINT',
    required: false,
    localOnly: true,
    description: 'BigQuery REST base URL (local stack).',
  },
  {
    name: 'SECRET_MANAGER_API_ENDPOINT',
    required: false,
    localOnly: true,
    description: 'Secret Manager host:port over plaintext gRPC (local stack).',
  },
  {
    name: 'CLOUD_TASKS_API_ENDPOINT',
    required: false,
    localOnly: true,
    description: 'Cloud Tasks host:port over plaintext gRPC (local stack).',
  },
  {
    name: 'FIRESTORE_EMULATOR_HOST',
    required: false,
    localOnly: true,
    description: 'Firestore emulator host:port.',
  },
];
