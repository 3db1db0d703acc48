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
      "Row limit Looker may silently cap a query at (default 5000, Looker's cap without download_without_limit); a window that returns this many rows is split in halves until every piece is under it. 0 turns splitting off.",
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
    description: 'Days before the watermark re-read on each run, for rows Looker serves late (default 1).',
  },
  {
    name: 'RUN_BUDGET_SECONDS',
    required: false,
    description:
      'Time a run may take before it stops after its current window (default 3300, under the 3600 s function timeout); the lease lasts this long plus 10 minutes.',
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
    name: 'FIRESTORE_EMULATOR_HOST',
    required: false,
    localOnly: true,
    description: 'Firestore emulator host:port.',
  },
];
