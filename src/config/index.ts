import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { CONFIG_VARIABLES } from './variables.js';

export { CONFIG_VARIABLES, type ConfigVariable } from './variables.js';

/** The validated, frozen configuration the whole run works from. */
export interface Config {
  looker: {
    baseUrl: string;
    instanceName: string;
    clientIdSecret: string;
    clientSecretSecret: string;
    verifySsl: boolean;
    timeoutMs: number;
    /** Rows Looker may cap a result at; a piece that returns this many is split (0: never). */
    rowCap: number;
  };
  projectId: string;
  gcs: { bucket: string; prefix: string; apiEndpoint?: string };
  bigquery: { dataset: string; location: string; apiEndpoint?: string };
  firestore: { databaseId: string; collection: string };
  secretManager: { apiEndpoint?: string };
  settleDays: number;
  runBudgetMs: number;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));
const positiveInt = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `must be between 1 and ${max}`);
const httpUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));
/** BigQuery, GCS and Firestore name rules, checked here so a typo fails at start, not mid-run. */
const datasetId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{1,1024}$/, 'must be letters, digits and underscores');
const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'must be a valid bucket name (lower case, digits, - _ .)');
const secretName = z
  .string()
  .trim()
  .regex(
    /^(projects\/[^/]+\/secrets\/)?[A-Za-z0-9_-]{1,255}(\/versions\/[A-Za-z0-9_-]+)?$/,
    'must be a secret id or projects/P/secrets/NAME',
  );
const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.[\]:-]+:\d+$/, 'must be host:port');

const schema = z.object({
  LOOKER_BASE_URL: httpUrl,
  LOOKER_CLIENT_ID_SECRET: secretName,
  LOOKER_CLIENT_SECRET_SECRET: secretName,
  LOOKER_INSTANCE_NAME: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 letters, digits, . _ -')
    .optional(),
  LOOKER_VERIFY_SSL: bool.default(true),
  LOOKER_TIMEOUT_SECONDS: positiveInt(3600).default(600),
  LOOKER_ROW_CAP: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number (0 turns splitting off)')
    .transform(Number)
    // Past 2^53 the digits turn into an inexact number, or Infinity.
    .refine((n) => Number.isSafeInteger(n), `must be at most ${Number.MAX_SAFE_INTEGER}`)
    .default(5000),
  GOOGLE_CLOUD_PROJECT: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a project id'),
  GCS_BUCKET: bucketName,
  GCS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._=/-]*$/, 'must be a plain object prefix')
    .transform((v) => v.replace(/^\/+|\/+$/g, ''))
    .default('system_activity'),
  BQ_DATASET: datasetId,
  BQ_LOCATION: nonEmpty.default('US'),
  FIRESTORE_DATABASE: nonEmpty.default('(default)'),
  FIRESTORE_COLLECTION: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a collection id')
    .default('looker_activity_export'),
  SETTLE_DAYS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n <= 30, 'must be between 0 and 30')
    .default(1),
  RUN_BUDGET_SECONDS: positiveInt(86_400).default(3300),
  GCS_API_ENDPOINT: httpUrl.optional(),
  BIGQUERY_API_ENDPOINT: httpUrl.optional(),
  SECRET_MANAGER_API_ENDPOINT: hostPort.optional(),
});

type RawEnv = Record<string, string | undefined>;

/**
 * Parses the environment once. Empty strings count as unset, so a blank Terraform value falls
 * back to the default. Throws ConfigError naming every bad or missing variable at once.
 */
export function parseConfig(env: RawEnv = process.env): Config {
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  const input: RawEnv = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      return input[name] === undefined ? `${name} is required but not set` : `${name} ${issue.message}`;
    });
    throw new ConfigError([...new Set(problems)].sort());
  }
  const v = result.data;
  return deepFreeze({
    looker: {
      baseUrl: v.LOOKER_BASE_URL,
      instanceName: v.LOOKER_INSTANCE_NAME ?? new URL(v.LOOKER_BASE_URL).hostname,
      clientIdSecret: v.LOOKER_CLIENT_ID_SECRET,
      clientSecretSecret: v.LOOKER_CLIENT_SECRET_SECRET,
      verifySsl: v.LOOKER_VERIFY_SSL,
      timeoutMs: v.LOOKER_TIMEOUT_SECONDS * 1000,
      rowCap: v.LOOKER_ROW_CAP,
    },
    projectId: v.GOOGLE_CLOUD_PROJECT,
    gcs: { bucket: v.GCS_BUCKET, prefix: v.GCS_PREFIX, apiEndpoint: v.GCS_API_ENDPOINT },
    bigquery: { dataset: v.BQ_DATASET, location: v.BQ_LOCATION, apiEndpoint: v.BIGQUERY_API_ENDPOINT },
    firestore: { databaseId: v.FIRESTORE_DATABASE, collection: v.FIRESTORE_COLLECTION },
    secretManager: { apiEndpoint: v.SECRET_MANAGER_API_ENDPOINT },
    settleDays: v.SETTLE_DAYS,
    runBudgetMs: v.RUN_BUDGET_SECONDS * 1000,
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
