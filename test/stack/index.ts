import { randomBytes } from 'node:crypto';
import { startBigQueryFake, type BigQueryFake } from './bigquery/index.js';
import { startFirestoreEmulator, type FirestoreEmulator } from './firestore/index.js';
import { startGcsFake, type GcsFake } from './gcs/index.js';
import { startLookerFake, type LookerFake, type LookerFakeOptions } from './looker/index.js';
import { startSecretManagerFake, type SecretManagerFake } from './secrets/index.js';

export const PROJECT_ID = 'looker-export-local';
export const BUCKET = 'looker-export-staging';
export const DATASET = 'looker_system_activity';
export const CLIENT_ID_SECRET = 'looker-client-id';
export const CLIENT_SECRET_SECRET = 'looker-client-secret';

export interface StackOptions {
  looker?: Omit<LookerFakeOptions, 'clientId' | 'clientSecret'>;
  /** Extra or replacement secrets in the Secret Manager fake. */
  secrets?: Record<string, string>;
}

export interface Stack {
  projectId: string;
  /** The product's configuration, pointed at this stack (see CONTRACT.md). */
  env: Record<string, string>;
  looker: LookerFake;
  gcs: GcsFake;
  bigquery: BigQueryFake;
  secrets: SecretManagerFake;
  firestore: FirestoreEmulator;
  /** Forgets all data and faults (buckets and the seeded secrets stay), between tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts every stand-in on free loopback ports, in parallel. If one fails, the others are stopped. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // Fresh credentials per stack: tests prove they never leak by searching for these values.
  const clientId = `local-client-${randomBytes(6).toString('hex')}`;
  const clientSecret = `local-secret-${randomBytes(12).toString('hex')}`;
  const started: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(promise: Promise<T>) =>
    promise.then((handle) => {
      started.push(handle);
      return handle;
    });
  try {
    const gcsPromise = track(startGcsFake());
    const [looker, gcs, secrets, firestore] = await Promise.all([
      track(startLookerFake({ ...options.looker, clientId, clientSecret })),
      gcsPromise,
      track(
        startSecretManagerFake({
          projectId: PROJECT_ID,
          secrets: { [CLIENT_ID_SECRET]: clientId, [CLIENT_SECRET_SECRET]: clientSecret, ...options.secrets },
        }),
      ),
      track(startFirestoreEmulator()),
    ]);
    const bigquery = await track(
      startBigQueryFake({ readObject: (bucket, name) => gcs.openObject(bucket, name) }),
    );
    gcs.createBucket(BUCKET);
    await createDataset(bigquery.url);
    const env = {
      LOOKER_BASE_URL: looker.url,
      LOOKER_CLIENT_ID_SECRET: CLIENT_ID_SECRET,
      LOOKER_CLIENT_SECRET_SECRET: CLIENT_SECRET_SECRET,
      LOOKER_INSTANCE_NAME: 'local',
      GOOGLE_CLOUD_PROJECT: PROJECT_ID,
      GCS_BUCKET: BUCKET,
      BQ_DATASET: DATASET,
      BQ_LOCATION: 'US',
      FIRESTORE_COLLECTION: 'looker_activity_export',
      GCS_API_ENDPOINT: gcs.url,
      BIGQUERY_API_ENDPOINT: bigquery.url,
      SECRET_MANAGER_API_ENDPOINT: secrets.address,
      FIRESTORE_EMULATOR_HOST: firestore.host,
      METADATA_SERVER_DETECTION: 'none',
    };
    return {
      projectId: PROJECT_ID,
      env,
      looker,
      gcs,
      bigquery,
      secrets,
      firestore,
      async reset() {
        await Promise.all([
          looker.reset(),
          gcs.reset(),
          bigquery.reset(),
          secrets.reset(),
          firestore.reset(PROJECT_ID),
        ]);
        await createDataset(bigquery.url);
      },
      async stop() {
        await Promise.allSettled(started.map((handle) => handle.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((handle) => handle.close()));
    throw error;
  }
}

/** The dataset Terraform creates in the cloud; tables are created by the first load. */
async function createDataset(bigqueryUrl: string): Promise<void> {
  const res = await fetch(`${bigqueryUrl}/bigquery/v2/projects/${PROJECT_ID}/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ datasetReference: { projectId: PROJECT_ID, datasetId: DATASET }, location: 'US' }),
  });
  if (!res.ok && res.status !== 409) throw new Error(`creating the local dataset failed: HTTP ${res.status}`);
}
