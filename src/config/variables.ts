/**
 * Every environment variable the function reads, declared once: its schema (with its default),
 * who needs it, and what it means. The parser, the README's configuration table
 * (scripts/config-table.ts), the Terraform checks and the local CLI's variables derive from it.
 */
import { z } from 'zod';
import { DISCOVER_PREFIX, resolveExploreNames } from '../explores/discovered.js';
import { explores } from '../explores/index.js';
import {
  bool,
  bucketName,
  datasetId,
  hostPort,
  httpUrl,
  instanceEntry,
  instanceName,
  json,
  nonEmpty,
  positiveInt,
  secretName,
  wholeNumber,
} from './schemas.js';

/**
 * When a deployment must set a variable: `always`; `instances`: it or the other form of naming
 * the Looker instances (LOOKER_INSTANCES, or the one-instance shorthand); `fan-out`: when
 * TASKS_QUEUE_PREFIX is set; `hashing`: when a masking rule hashes; `optional`: never.
 */
export type Need = 'always' | 'instances' | 'fan-out' | 'hashing' | 'optional';

/**
 * Who sets it: a `deployment` (Terraform sets every one of these); the one-instance `shorthand`
 * for LOOKER_INSTANCES, which Terraform never writes (the two may not be mixed); or only the
 * `local-stack`, to point the clients at the fakes.
 */
export type Scope = 'deployment' | 'shorthand' | 'local-stack';

export interface VariableDeclaration {
  /** Takes the value as set (blank counts as unset); its default, if any, is the variable's. */
  schema: z.ZodType<unknown, string | undefined>;
  need: Need;
  scope: Scope;
  /**
   * The default when it is not a value the schema gives, e.g. one computed from other variables.
   * Otherwise the default is the schema's, and nothing else states it.
   */
  defaultText?: string;
  /** `npm run export` (the read path, without Google Cloud) takes it from the user's environment. */
  localRun?: boolean;
  /** No variable holds a credential: they live in Secret Manager; these name the secret. */
  namesSecret?: boolean;
  /** What it means, in the README's words (Markdown, one line, without the default). */
  description: string;
}

export const VARIABLES = {
  LOOKER_INSTANCES: {
    schema: json(z.array(instanceEntry).min(1, 'must list at least one instance').max(50)).optional(),
    need: 'instances',
    scope: 'deployment',
    description:
      'JSON list of instances: `[{"name","baseUrl","clientIdSecret","clientSecretSecret","dataset"?,"verifySsl"?,"monthlyQueryBudget"?}]`; each instance loads into its own dataset (default `BQ_DATASET`); replaces the one-instance `LOOKER_` variables below',
  },
  LOOKER_BASE_URL: {
    schema: httpUrl.optional(),
    need: 'instances',
    scope: 'shorthand',
    description: 'one instance: the Looker API host, e.g. `https://acme.cloud.looker.com`',
  },
  LOOKER_CLIENT_ID_SECRET: {
    schema: secretName.optional(),
    need: 'instances',
    scope: 'shorthand',
    namesSecret: true,
    description:
      'one instance: the Secret Manager secret (`name` or `projects/P/secrets/NAME`) holding the Looker API client id',
  },
  LOOKER_CLIENT_SECRET_SECRET: {
    schema: secretName.optional(),
    need: 'instances',
    scope: 'shorthand',
    namesSecret: true,
    description: 'one instance: the Secret Manager secret holding the Looker API client secret',
  },
  LOOKER_INSTANCE_NAME: {
    schema: instanceName.optional(),
    need: 'optional',
    scope: 'shorthand',
    defaultText: 'the host of `LOOKER_BASE_URL`',
    description: 'one instance: the value of the `looker_instance` column',
  },
  LOOKER_VERIFY_SSL: {
    schema: bool.default(true),
    need: 'optional',
    scope: 'deployment',
    description: "verify Looker's TLS certificate (`false` logs a warning and affects Looker requests only)",
  },
  LOOKER_TIMEOUT_SECONDS: {
    schema: positiveInt(3600).default(600),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description:
      'longest wait for Looker to start answering, and longest silence inside a result (at most 3600)',
  },
  LOOKER_ROW_CAP: {
    schema: wholeNumber(Number.MAX_SAFE_INTEGER, 'no known cap').default(0),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description:
      "Looker's row cap when known (5000 for an API user without `download_without_limit`): pages ask for this many rows; 0: unknown: a page that comes back short of Looker's count, or with no count to judge it, is read on with its own size as the limit until a shorter or empty page proves the read (see *Each row read once, under any cap*)",
  },
  WINDOW_MAX_ROWS: {
    schema: positiveInt(100_000_000).default(1_000_000),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description:
      'counted rows one window (one BigQuery write, one progress step) holds at most, so a long initial load resumes where it stopped',
  },
  ELITE_SYSTEM_ACTIVITY: {
    schema: bool.default(false),
    need: 'optional',
    scope: 'deployment',
    description:
      '`true` when every instance has Elite System Activity (refreshed every 10 minutes, no 12-hour cache): only then may `SETTLE_DAYS` be 0',
  },
  EXPORT_EXPLORES: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .refine((names) => names.length > 0, 'must name at least one explore')
      .refine((names) => resolveExploreNames(names).problems.length === 0, {
        // The names are not echoed: configuration errors never repeat a value.
        message: `must name known explores (${[...explores.keys()].join(', ')}), or ${DISCOVER_PREFIX}NAME for an explore no table exports`,
      })
      .optional(),
    need: 'optional',
    scope: 'deployment',
    defaultText: `all ${explores.size}`,
    description:
      'comma-separated tables a run exports when the request names none; `discover:NAME` exports an explore no table does (see Discovered explores)',
  },
  EXPLORE_CONCURRENCY: {
    schema: positiveInt(8).default(2),
    need: 'optional',
    scope: 'deployment',
    description: 'explores of one instance exported at once (at most 8)',
  },
  EXCLUDE_OWN_ACTIVITY: {
    schema: bool.default(true),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description:
      "leave the exporter's own API user out of `history` and `event`, so the audit does not fill the audit trail",
  },
  MASK_PERSONAL_DATA: {
    schema: bool.default(false),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description: 'apply the default masking of the columns marked personal (see *Privacy*)',
  },
  MASKING_RULES: {
    schema: json(z.record(z.string(), z.enum(['drop', 'hash', 'keep']))).optional(),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description: 'JSON `{"explore.column": "drop" | "hash" | "keep"}` over the defaults',
  },
  MASKING_KEY_SECRET: {
    schema: secretName.optional(),
    need: 'hashing',
    scope: 'deployment',
    namesSecret: true,
    description: 'the secret holding the HMAC-SHA256 key of hashed columns',
  },
  GOOGLE_CLOUD_PROJECT: {
    schema: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a project id'),
    need: 'always',
    scope: 'deployment',
    description: 'project of the bucket, datasets and jobs',
  },
  GCS_BUCKET: {
    schema: bucketName,
    need: 'always',
    scope: 'deployment',
    description: 'staging bucket for the JSONL objects',
  },
  GCS_PREFIX: {
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._=/-]*$/, 'must be a plain object prefix')
      .transform((v) => v.replace(/^\/+|\/+$/g, ''))
      .default('system_activity'),
    need: 'optional',
    scope: 'deployment',
    description: 'object prefix in the staging bucket',
  },
  BQ_DATASET: {
    schema: datasetId,
    need: 'always',
    scope: 'deployment',
    description: 'BigQuery dataset (of instances that name none)',
  },
  BQ_LOCATION: {
    schema: nonEmpty.default('US'),
    need: 'optional',
    scope: 'deployment',
    description: 'BigQuery location of the datasets and jobs',
  },
  FIRESTORE_DATABASE: {
    schema: nonEmpty.default('(default)'),
    need: 'optional',
    scope: 'deployment',
    description: 'Firestore database id (Terraform creates and sets its own)',
  },
  FIRESTORE_COLLECTION: {
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a collection id')
      .default('looker_activity_export'),
    need: 'optional',
    scope: 'deployment',
    description:
      "Firestore collection for progress and the leases; an instance's state records the dataset it exports into, and a deployment exporting elsewhere is refused",
  },
  SETTLE_DAYS: {
    schema: wholeNumber(30).default(1),
    need: 'optional',
    scope: 'deployment',
    description:
      'days before the watermark re-read each run, for rows Looker serves late (1 to 30; 0 only with `ELITE_SYSTEM_ACTIVITY`)',
  },
  RUN_BUDGET_SECONDS: {
    schema: positiveInt(86_400).default(1500),
    need: 'optional',
    scope: 'deployment',
    localRun: true,
    description:
      "a run starts no new window after this long (inside Cloud Scheduler's 30-minute attempt deadline); a running window gets a tenth more (10 s to 5 min), then is aborted cleanly and the next call repeats it; the lease lasts the budget plus 10 minutes",
  },
  LOOKER_MONTHLY_QUERY_BUDGET: {
    schema: wholeNumber(1_000_000_000, 'no limit').default(0),
    need: 'optional',
    scope: 'deployment',
    description:
      'Looker query calls an instance may spend per calendar month (UTC), counts and pages together; each day gets an even share of what is left, explores that do not fit wait for the next day (0: no limit; per instance: `"monthlyQueryBudget"` in `LOOKER_INSTANCES`; see *Fan-out mode*)',
  },
  TASKS_QUEUE_PREFIX: {
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,59}$/, 'must be 1-60 letters, digits and -, starting with a letter')
      .optional(),
    need: 'optional',
    scope: 'deployment',
    defaultText: 'unset: single-call mode',
    description:
      "turns on fan-out mode: instance `NAME`'s queue is `PREFIX-NAME` (characters other than letters, digits and - become -), whose `max_concurrent_dispatches` bounds the queries that instance runs at once (see *Fan-out mode*)",
  },
  TASKS_LOCATION: {
    schema: z
      .string()
      .trim()
      .regex(/^[a-z]+-[a-z]+\d+$/, 'must be a region such as us-central1')
      .optional(),
    need: 'fan-out',
    scope: 'deployment',
    description: 'the region of the queues',
  },
  TASK_HANDLER_URL: {
    schema: httpUrl.optional(),
    need: 'fan-out',
    scope: 'deployment',
    description: "the task function's HTTPS URL, where tasks are dispatched; also the OIDC audience",
  },
  TASKS_SERVICE_ACCOUNT: {
    schema: z
      .string()
      .trim()
      .regex(/^[^@\s]+@[^@\s]+\.[a-z]+$/, 'must be a service account e-mail')
      .optional(),
    need: 'fan-out',
    scope: 'deployment',
    description:
      "the service account Cloud Tasks signs each call's OIDC token as; it alone may invoke the task function",
  },
  TASK_DISPATCH_DEADLINE_SECONDS: {
    schema: positiveInt(1800)
      .refine((n) => n >= 15, 'must be between 15 and 1800')
      .default(1800),
    need: 'optional',
    scope: 'deployment',
    description:
      "how long Cloud Tasks waits for one task call (15 to 1800, Cloud Tasks' limit for HTTP tasks); `RUN_BUDGET_SECONDS` plus its grace must fit in it",
  },
  GCS_API_ENDPOINT: {
    schema: httpUrl.optional(),
    need: 'optional',
    scope: 'local-stack',
    description: 'Storage JSON API base URL',
  },
  BIGQUERY_API_ENDPOINT: {
    schema: httpUrl.optional(),
    need: 'optional',
    scope: 'local-stack',
    description: 'BigQuery REST base URL',
  },
  SECRET_MANAGER_API_ENDPOINT: {
    schema: hostPort.optional(),
    need: 'optional',
    scope: 'local-stack',
    description: 'Secret Manager `host:port` over plaintext gRPC',
  },
  CLOUD_TASKS_API_ENDPOINT: {
    schema: hostPort.optional(),
    need: 'optional',
    scope: 'local-stack',
    description: 'Cloud Tasks `host:port` over plaintext gRPC',
  },
  FIRESTORE_EMULATOR_HOST: {
    schema: hostPort.optional(),
    need: 'optional',
    scope: 'local-stack',
    description: "the Firestore emulator's `host:port` (the Firestore client reads it itself; checked here)",
  },
} as const satisfies Record<string, VariableDeclaration>;

export type VariableName = keyof typeof VARIABLES;

export interface ConfigVariable extends VariableDeclaration {
  name: VariableName;
}

/** The table as a list, in declaration order. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.entries(VARIABLES).map(
  ([name, declaration]) => ({ name: name as VariableName, ...declaration }),
);

/** The names of the variables `test` picks, in declaration order. */
export function variablesWhere(test: (variable: ConfigVariable) => boolean): VariableName[] {
  return CONFIG_VARIABLES.filter(test).map((variable) => variable.name);
}

/** The default a variable takes when unset: the schema's value, or undefined. */
export function defaultOf(variable: VariableDeclaration): unknown {
  const parsed = variable.schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}
