/**
 * The local stack: every service the exporter talks to, on loopback, started together (see
 * CONTRACT.md and README.md beside this file).
 */
import { randomBytes } from 'node:crypto';
import { startBigQueryFake, type BigQueryFake } from './bigquery/index.js';
import {
  startFirestoreEmulator,
  type FirestoreEmulator,
  type FirestoreEmulatorOptions,
} from './firestore/index.js';
import { startGcsFake, type GcsFake } from './gcs/index.js';
import { startLookerFake, type LookerFake } from './looker/index.js';
import {
  startSecretManagerFake,
  type SecretManagerFake,
  type SecretManagerFakeOptions,
} from './secrets/index.js';
import { startCloudTasksFake, type CloudTasksFake } from './tasks/index.js';

export const PROJECT_ID = 'looker-export-local';
export const BUCKET = 'looker-export-staging';
export const DATASET = 'looker_system_activity';
export const LOCATION = 'US';
export const COLLECTION = 'looker_activity_export';
export const CLIENT_ID_SECRET = 'looker-client-id';
export const CLIENT_SECRET_SECRET = 'looker-client-secret';
/** The region of Cloud Tasks queues made against the stack (it makes none itself), as the fan-out specs use. */
export const TASKS_LOCATION = 'us-central1';

// Each part's options as its starter declares them, whatever its module names the type.
type OptionsOf<T extends (options: never) => unknown> = NonNullable<Parameters<T>[0]>;

/** Options passed through to each part; the stack fixes the project, names and Looker credentials. */
export interface StackOptions {
  looker?: Omit<OptionsOf<typeof startLookerFake>, 'clientId' | 'clientSecret'>;
  gcs?: OptionsOf<typeof startGcsFake>;
  bigquery?: Omit<OptionsOf<typeof startBigQueryFake>, 'readObject'>;
  /** `secrets.secrets` are added beside the two Looker credential secrets. */
  secrets?: Partial<Omit<SecretManagerFakeOptions, 'projectId'>>;
  firestore?: FirestoreEmulatorOptions;
  tasks?: OptionsOf<typeof startCloudTasksFake>;
}

export interface Stack {
  /** `looker-export-local`. */
  projectId: string;
  /** The product's configuration pointed at this stack: exactly the table in CONTRACT.md. */
  env: Readonly<Record<string, string>>;
  looker: LookerFake;
  gcs: GcsFake;
  bigquery: BigQueryFake;
  secrets: SecretManagerFake;
  firestore: FirestoreEmulator;
  /** Cloud Tasks: no queues until a spec creates them (Terraform does in the cloud). */
  tasks: CloudTasksFake;
  /** Forgets data and armed faults everywhere; the bucket, the dataset and the seeded secrets stay. */
  reset(): Promise<void>;
  /** Stops every part, the Firestore JVM included; idempotent. */
  stop(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/**
 * Starts the six parts in parallel on free 127.0.0.1 ports. The Looker fake gets fresh random
 * credentials, stored only as the `looker-client-id` / `looker-client-secret` secrets; the
 * staging bucket and the dataset are created as Terraform creates them in the cloud. If any part
 * fails to start, the others are stopped and the error names the part.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // Fresh per stack, so a test can search logs and outputs for them to prove they never leak.
  const clientId = `local-client-${randomBytes(6).toString('hex')}`;
  const clientSecret = `local-secret-${randomBytes(12).toString('hex')}`;

  const gcsStarting = startGcsFake(options.gcs);
  const parts = {
    looker: startLookerFake({ ...options.looker, clientId, clientSecret }),
    gcs: gcsStarting,
    // Started alongside GCS: it reads objects only when a load job runs.
    bigquery: startBigQueryFake({
      ...options.bigquery,
      readObject: async (bucket, name) => (await gcsStarting).openObject(bucket, name),
    }),
    secrets: startSecretManagerFake({
      ...options.secrets,
      projectId: PROJECT_ID,
      secrets: {
        ...options.secrets?.secrets,
        [CLIENT_ID_SECRET]: clientId,
        [CLIENT_SECRET_SECRET]: clientSecret,
      },
    }),
    firestore: startFirestoreEmulator(options.firestore),
    tasks: startCloudTasksFake(options.tasks),
  };
  const names = Object.keys(parts) as (keyof typeof parts)[];
  const settled = await Promise.allSettled(names.map((name) => parts[name] as Promise<Closable>));
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = async () => {
    const results = await Promise.allSettled(started.map((part) => part.close()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const failures = settled.flatMap((result, i) =>
    result.status === 'rejected' ? [`${names[i]}: ${firstLine(result.reason)}`] : [],
  );
  if (failures.length > 0) {
    await stopAll().catch(() => undefined);
    const first = settled.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    throw new Error(`The local stack did not start (${failures.join('; ')})`, { cause: first.reason });
  }

  const [looker, gcs, bigquery, secrets, firestore, tasks] = (
    settled as PromiseFulfilledResult<unknown>[]
  ).map((result) => result.value) as [
    LookerFake,
    GcsFake,
    BigQueryFake,
    SecretManagerFake,
    FirestoreEmulator,
    CloudTasksFake,
  ];

  const provision = async () => {
    await gcs.createBucket(BUCKET);
    await createDataset(bigquery.url);
  };
  try {
    await provision();
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }

  const env: Record<string, string> = {
    LOOKER_BASE_URL: looker.url,
    LOOKER_CLIENT_ID_SECRET: CLIENT_ID_SECRET,
    LOOKER_CLIENT_SECRET_SECRET: CLIENT_SECRET_SECRET,
    LOOKER_INSTANCE_NAME: 'local',
    GOOGLE_CLOUD_PROJECT: PROJECT_ID,
    GCS_BUCKET: BUCKET,
    BQ_DATASET: DATASET,
    BQ_LOCATION: LOCATION,
    FIRESTORE_COLLECTION: COLLECTION,
    GCS_API_ENDPOINT: gcs.url,
    BIGQUERY_API_ENDPOINT: bigquery.url,
    SECRET_MANAGER_API_ENDPOINT: secrets.address,
    FIRESTORE_EMULATOR_HOST: firestore.host,
    CLOUD_TASKS_API_ENDPOINT: tasks.address,
    METADATA_SERVER_DETECTION: 'none',
  };

  let stopping: Promise<void> | undefined;
  return {
    projectId: PROJECT_ID,
    env: Object.freeze(env),
    looker,
    gcs,
    bigquery,
    secrets,
    firestore,
    tasks,
    async reset() {
      await Promise.all([
        looker.reset(),
        gcs.reset(),
        bigquery.reset(),
        secrets.reset(),
        firestore.reset(PROJECT_ID),
        tasks.reset(),
      ]);
      await provision();
    },
    stop: () => (stopping ??= stopAll()),
  };
}

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/** The dataset Terraform creates in the cloud; the exporter creates its tables on first load. */
async function createDataset(bigqueryUrl: string): Promise<void> {
  const res = await fetch(`${bigqueryUrl}/bigquery/v2/projects/${PROJECT_ID}/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      datasetReference: { projectId: PROJECT_ID, datasetId: DATASET },
      location: LOCATION,
    }),
  });
  await res.arrayBuffer();
  // 409: it survived a reset.
  if (!res.ok && res.status !== 409)
    throw new Error(`Creating the dataset ${DATASET} failed: HTTP ${res.status}`);
}
