import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { explores, type MaskAction } from '../explores/index.js';
import { graceMs } from '../pipeline/budget.js';
import { CONFIG_VARIABLES, VARIABLES, variablesWhere, type VariableName } from './variables.js';

export { CONFIG_VARIABLES, variablesWhere, type ConfigVariable, type VariableName } from './variables.js';

/** One Looker instance to export, with where its rows go. */
export interface LookerInstance {
  /** Written to every row's `looker_instance` column and keys the instance's state. */
  name: string;
  baseUrl: string;
  clientIdSecret: string;
  clientSecretSecret: string;
  verifySsl: boolean;
  /** BigQuery dataset of this instance's tables: a day partition holds one instance's rows. */
  dataset: string;
  /** Looker query calls this instance may spend per calendar month (UTC); 0: no limit. */
  monthlyQueryBudget: number;
  /** Fan-out mode: the full name of this instance's Cloud Tasks queue. */
  queue?: string;
}

/** Fan-out mode: where tasks go and how they call back. */
export interface TasksConfig {
  /** `projects/P/locations/L`: the parent of every instance's queue. */
  location: string;
  /** The task function's URL; also the OIDC token's audience. */
  handlerUrl: string;
  /** The service account Cloud Tasks signs each call's OIDC token as. */
  serviceAccount: string;
  /** How long Cloud Tasks waits for one task call. */
  dispatchDeadlineMs: number;
  /** Local stack only: host:port of a plaintext gRPC Cloud Tasks. */
  apiEndpoint?: string;
}

/** The validated, frozen configuration the whole run works from. */
export interface Config {
  instances: readonly LookerInstance[];
  looker: {
    timeoutMs: number;
    /** Rows Looker caps a result at, when known: pages are asked for this many (0: unknown). */
    rowCap: number;
    /** Leave the exporter's own API user's rows out of explores that record who acted. */
    excludeOwnActivity: boolean;
    /** Every instance has Elite System Activity (no 12-hour cache): SETTLE_DAYS may be 0. */
    eliteSystemActivity: boolean;
  };
  /** Counted rows one window (one write job, one progress step) holds at most. */
  windowMaxRows: number;
  /** Explores a run exports when its request names none. */
  explores: readonly string[];
  /** Explores one instance exports at the same time. */
  exploreConcurrency: number;
  masking: {
    /** Per `explore.column`: what happens to it. Defaults (when on) plus the user's rules. */
    rules: Readonly<Record<string, MaskAction>>;
    /** Secret holding the HMAC key; set when any rule hashes. */
    keySecret?: string;
  };
  projectId: string;
  gcs: { bucket: string; prefix: string; apiEndpoint?: string };
  /** `dataset`: the default dataset of instances that name none. */
  bigquery: { dataset: string; location: string; apiEndpoint?: string };
  firestore: { databaseId: string; collection: string };
  secretManager: { apiEndpoint?: string };
  settleDays: number;
  runBudgetMs: number;
  /** Set in fan-out mode (TASKS_QUEUE_PREFIX): Scheduler's call plans and enqueues, tasks work. */
  tasks?: TasksConfig;
}

/** The object schema of the whole environment: each variable's schema from the table. */
const schema = z.object(
  Object.fromEntries(CONFIG_VARIABLES.map((variable) => [variable.name, variable.schema])) as {
    [Name in VariableName]: (typeof VARIABLES)[Name]['schema'];
  },
);

type RawEnv = Record<string, string | undefined>;

/**
 * Parses the environment once. Empty strings count as unset, so a blank Terraform value falls
 * back to the default. Throws ConfigError naming every bad or missing variable at once.
 */
export function parseConfig(env: RawEnv = process.env): Config {
  const input: RawEnv = {};
  for (const { name } of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const where = issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : '';
      return input[name] === undefined
        ? `${name} is required but not set`
        : `${name}${where} ${issue.message}`;
    });
    throw new ConfigError([...new Set(problems)].sort());
  }
  const v = result.data;
  const problems: string[] = [];
  const instances = resolveInstances(v, problems);
  const masking = resolveMasking(v, problems);
  const tasks = resolveTasks(v, instances, problems);
  if (v.SETTLE_DAYS === 0 && !v.ELITE_SYSTEM_ACTIVITY)
    problems.push(
      'SETTLE_DAYS is 0, which loses rows: outside Elite System Activity Looker serves System Activity from a cache up to 12 hours old, so yesterday is incomplete until it is re-read (set ELITE_SYSTEM_ACTIVITY=true only if every instance has Elite System Activity)',
    );
  if (problems.length) throw new ConfigError(problems.sort());
  return deepFreeze({
    instances,
    looker: {
      timeoutMs: v.LOOKER_TIMEOUT_SECONDS * 1000,
      rowCap: v.LOOKER_ROW_CAP,
      excludeOwnActivity: v.EXCLUDE_OWN_ACTIVITY,
      eliteSystemActivity: v.ELITE_SYSTEM_ACTIVITY,
    },
    windowMaxRows: v.WINDOW_MAX_ROWS,
    explores: v.EXPORT_EXPLORES ?? [...explores.keys()],
    exploreConcurrency: v.EXPLORE_CONCURRENCY,
    masking,
    projectId: v.GOOGLE_CLOUD_PROJECT,
    gcs: { bucket: v.GCS_BUCKET, prefix: v.GCS_PREFIX, apiEndpoint: v.GCS_API_ENDPOINT },
    bigquery: { dataset: v.BQ_DATASET, location: v.BQ_LOCATION, apiEndpoint: v.BIGQUERY_API_ENDPOINT },
    firestore: { databaseId: v.FIRESTORE_DATABASE, collection: v.FIRESTORE_COLLECTION },
    secretManager: { apiEndpoint: v.SECRET_MANAGER_API_ENDPOINT },
    settleDays: v.SETTLE_DAYS,
    runBudgetMs: v.RUN_BUDGET_SECONDS * 1000,
    tasks,
  });
}

/** Cloud Tasks' limit on a queue id: letters, digits, hyphens, at most 100. */
const QUEUE_ID_MAX = 100;

/** The queue id of an instance: PREFIX-NAME with every character a queue id may not hold as `-`. */
export function queueIdOf(prefix: string, instance: string): string {
  return `${prefix}-${instance.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/**
 * Fan-out mode, when TASKS_QUEUE_PREFIX is set: every other TASKS_ variable is then required,
 * each instance gets its own queue (so one queue's concurrency limit is one Looker's), and a
 * task's budget and grace must fit inside the dispatch deadline, or Cloud Tasks would give up
 * on calls that are still working and dispatch them again.
 */
const FAN_OUT_VARIABLES = variablesWhere((v) => v.need === 'fan-out');

function resolveTasks(v: Parsed, instances: LookerInstance[], problems: string[]): TasksConfig | undefined {
  const prefix = v.TASKS_QUEUE_PREFIX;
  if (prefix === undefined) {
    const stray = FAN_OUT_VARIABLES.filter((name) => v[name] !== undefined);
    if (stray.length)
      problems.push(
        `${stray.join(', ')} only apply in fan-out mode: set TASKS_QUEUE_PREFIX too, or unset them`,
      );
    return undefined;
  }
  const missing = FAN_OUT_VARIABLES.filter((name) => v[name] === undefined);
  for (const name of missing)
    problems.push(`${name} is required in fan-out mode (TASKS_QUEUE_PREFIX is set)`);
  const deadlineMs = v.TASK_DISPATCH_DEADLINE_SECONDS * 1000;
  const neededMs = v.RUN_BUDGET_SECONDS * 1000 + graceMs(v.RUN_BUDGET_SECONDS * 1000);
  if (neededMs > deadlineMs)
    problems.push(
      `RUN_BUDGET_SECONDS (${v.RUN_BUDGET_SECONDS}) plus its grace (${graceMs(v.RUN_BUDGET_SECONDS * 1000) / 1000} s) exceeds TASK_DISPATCH_DEADLINE_SECONDS (${v.TASK_DISPATCH_DEADLINE_SECONDS}): Cloud Tasks would retry calls that are still working`,
    );
  if (missing.length) return undefined;
  const location = `projects/${v.GOOGLE_CLOUD_PROJECT}/locations/${v.TASKS_LOCATION}`;
  const seen = new Map<string, string>();
  for (const instance of instances) {
    const id = queueIdOf(prefix, instance.name);
    if (id.length > QUEUE_ID_MAX)
      problems.push(
        `the queue id ${id} of instance ${instance.name} is over ${QUEUE_ID_MAX} characters: shorten TASKS_QUEUE_PREFIX`,
      );
    const other = seen.get(id);
    if (other)
      problems.push(`instances ${other} and ${instance.name} would share the queue ${id}: rename one`);
    seen.set(id, instance.name);
    instance.queue = `${location}/queues/${id}`;
  }
  return {
    location,
    handlerUrl: v.TASK_HANDLER_URL!,
    serviceAccount: v.TASKS_SERVICE_ACCOUNT!,
    dispatchDeadlineMs: deadlineMs,
    apiEndpoint: v.CLOUD_TASKS_API_ENDPOINT,
  };
}

type Parsed = z.infer<typeof schema>;
/** The one-instance shorthand for LOOKER_INSTANCES, and the part of it an instance needs. */
const SHORTHAND_VARIABLES = variablesWhere((v) => v.scope === 'shorthand');
const SHORTHAND_NEEDED = variablesWhere((v) => v.scope === 'shorthand' && v.need === 'instances');

/**
 * LOOKER_INSTANCES lists instances; the LOOKER_BASE_URL family is the shorthand for one. Two
 * instances may not share a dataset: each load replaces a day partition, which would hold both.
 */
function resolveInstances(v: Parsed, problems: string[]): LookerInstance[] {
  if (v.LOOKER_INSTANCES) {
    const mixed = SHORTHAND_VARIABLES.filter((name) => v[name] !== undefined);
    if (mixed.length)
      problems.push(`${mixed.join(', ')} must not be set with LOOKER_INSTANCES (list every instance there)`);
    const instances = v.LOOKER_INSTANCES.map((entry) => ({
      name: entry.name,
      baseUrl: entry.baseUrl,
      clientIdSecret: entry.clientIdSecret,
      clientSecretSecret: entry.clientSecretSecret,
      verifySsl: entry.verifySsl ?? v.LOOKER_VERIFY_SSL,
      dataset: entry.dataset ?? v.BQ_DATASET,
      monthlyQueryBudget: entry.monthlyQueryBudget ?? v.LOOKER_MONTHLY_QUERY_BUDGET,
    }));
    for (const key of ['name', 'dataset'] as const) {
      const seen = new Set<string>();
      for (const instance of instances) {
        if (seen.has(instance[key]))
          problems.push(
            key === 'name'
              ? `LOOKER_INSTANCES names "${instance.name}" twice`
              : `LOOKER_INSTANCES has two instances loading into dataset "${instance.dataset}"; give each its own "dataset" (a day partition can hold one instance's rows)`,
          );
        seen.add(instance[key]);
      }
    }
    return instances;
  }
  const missing = SHORTHAND_NEEDED.filter((name) => v[name] === undefined);
  for (const name of missing) problems.push(`${name} is required but not set (or set LOOKER_INSTANCES)`);
  if (missing.length) return [];
  return [
    {
      name: v.LOOKER_INSTANCE_NAME ?? new URL(v.LOOKER_BASE_URL!).hostname,
      baseUrl: v.LOOKER_BASE_URL!,
      clientIdSecret: v.LOOKER_CLIENT_ID_SECRET!,
      clientSecretSecret: v.LOOKER_CLIENT_SECRET_SECRET!,
      verifySsl: v.LOOKER_VERIFY_SSL,
      dataset: v.BQ_DATASET,
      monthlyQueryBudget: v.LOOKER_MONTHLY_QUERY_BUDGET,
    },
  ];
}

/**
 * The effective masking rules: the registry's defaults for personal columns when
 * MASK_PERSONAL_DATA is on, then MASKING_RULES (`explore.column: drop|hash|keep`) over them.
 */
function resolveMasking(v: Parsed, problems: string[]): Config['masking'] {
  const rules: Record<string, MaskAction> = {};
  if (v.MASK_PERSONAL_DATA) {
    for (const explore of explores.values())
      for (const column of explore.fields)
        if (column.personal) rules[`${explore.name}.${column.name}`] = column.personal;
  }
  for (const [key, action] of Object.entries(v.MASKING_RULES ?? {})) {
    const [exploreName, columnName] = key.split('.', 2);
    const explore = explores.get(exploreName ?? '');
    const column = explore?.fields.find((c) => c.name === columnName);
    if (!explore || !column) {
      problems.push(`MASKING_RULES names "${key}", which is not a known explore.column`);
    } else if (action === 'hash' && column.type !== 'STRING') {
      problems.push(
        `MASKING_RULES hashes "${key}", a column of type ${column.type}; only STRING columns can be hashed (use drop)`,
      );
    } else if (explore.primaryKey.includes(column.name) && action !== 'keep') {
      problems.push(`MASKING_RULES masks "${key}", which identifies the row and cannot be masked`);
    } else if (column.name === explore.cursorField && action !== 'keep') {
      problems.push(
        `MASKING_RULES masks "${key}", the time the table is partitioned and read by, which cannot be masked`,
      );
    } else {
      rules[key] = action;
    }
  }
  for (const [key, action] of Object.entries(rules)) if (action === 'keep') delete rules[key];
  const hashes = Object.values(rules).includes('hash');
  if (hashes && !v.MASKING_KEY_SECRET)
    problems.push(
      'MASKING_KEY_SECRET is required when a masking rule hashes (MASK_PERSONAL_DATA or MASKING_RULES): it holds the HMAC key',
    );
  return { rules, keySecret: hashes ? v.MASKING_KEY_SECRET : undefined };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
