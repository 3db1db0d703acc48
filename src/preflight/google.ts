import { randomUUID } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { Storage } from '@google-cloud/storage';
import pTimeout from 'p-timeout';
import type { Config } from '../config/index.js';
import { messageOf } from './looker.js';
import { ok, type CheckResult } from './report.js';

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
const httpRetryable = (error: unknown) => {
  const code = Number(codeOf(error));
  return !Number.isFinite(code) || code === 408 || code === 429 || code >= 500;
};

/** The staging bucket takes an object: a probe is written and deleted (progress is not touched). */
export async function checkBucket(storage: Storage, config: Config): Promise<CheckResult> {
  const { bucket } = config.gcs;
  const name = `${config.gcs.prefix}/_preflight/${randomUUID()}.txt`;
  const file = storage.bucket(bucket).file(name);
  try {
    await file.save('looker-activity-export preflight probe\n', {
      resumable: false,
      contentType: 'text/plain',
    });
  } catch (error) {
    const code = Number(codeOf(error));
    return {
      check: 'gcs.bucket',
      status: 'failed',
      detail: `writing a probe object to gs://${bucket} failed: ${messageOf(error)}`,
      fix:
        code === 404
          ? `Create the bucket gs://${bucket} in project ${config.projectId} (Terraform creates it), or set GCS_BUCKET to the staging bucket.`
          : code === 403 || code === 401
            ? `Grant the function's service account roles/storage.objectAdmin on gs://${bucket}.`
            : 'Cloud Storage did not answer; a transient failure passes on retry.',
      retryable: httpRetryable(error),
    };
  }
  try {
    await file.delete();
  } catch (error) {
    return {
      check: 'gcs.bucket',
      status: 'warning',
      detail: `gs://${bucket} is writable, but deleting the probe gs://${bucket}/${name} failed: ${messageOf(error)}`,
      fix: `Delete the probe object by hand; the bucket's lifecycle rule removes it otherwise.`,
    };
  }
  return ok('gcs.bucket', `gs://${bucket} is writable (a probe object was written and deleted)`);
}

/** The instance's dataset exists, in BQ_LOCATION (load jobs run there). */
export async function checkDataset(
  bigquery: BigQuery,
  config: Config,
  datasetId: string,
): Promise<CheckResult> {
  const expected = config.bigquery.location;
  const where = `${config.projectId}:${datasetId}`;
  let location: string | undefined;
  try {
    const [dataset] = await bigquery.dataset(datasetId).get();
    location = (dataset.metadata as { location?: string }).location;
  } catch (error) {
    const code = Number(codeOf(error));
    return {
      check: 'bigquery.dataset',
      status: 'failed',
      detail: `reading dataset ${where} failed: ${messageOf(error)}`,
      fix:
        code === 404
          ? `Create the dataset ${datasetId} in ${expected} (Terraform creates it), or set BQ_DATASET (or the instance's "dataset") to the one to load into.`
          : code === 403 || code === 401
            ? `Grant the function's service account roles/bigquery.dataEditor on ${where} and roles/bigquery.jobUser on the project.`
            : 'BigQuery did not answer; a transient failure passes on retry.',
      retryable: httpRetryable(error),
    };
  }
  // Locations are case-insensitive (`US`, `us`, `europe-west1`).
  if (location?.toLowerCase() !== expected.toLowerCase())
    return {
      check: 'bigquery.dataset',
      status: 'failed',
      detail: `dataset ${where} is in ${location ?? 'an unknown location'}, but BQ_LOCATION is ${expected}: load jobs would fail`,
      fix: `Set BQ_LOCATION=${location ?? '<the dataset location>'}, or recreate the dataset in ${expected}.`,
      retryable: false,
    };
  return ok('bigquery.dataset', `dataset ${where} exists in ${location}`);
}

/**
 * Firestore answers a read of the progress collection, in Native mode. Nothing is written.
 *
 * A Datastore-mode database is recognised by the error the client gets for any Firestore API
 * call: FAILED_PRECONDITION "The Cloud Firestore API is not available for Firestore in
 * Datastore mode database ..." from the real service, INVALID_ARGUMENT "Database mode not set to
 * Firestore Mode" from the emulator started with `--database-mode=datastore-mode`.
 */
export async function checkFirestore(
  firestore: Firestore,
  config: Config,
  timeoutMs: number,
): Promise<CheckResult> {
  const { databaseId, collection } = config.firestore;
  const where = `database ${databaseId} of project ${config.projectId}`;
  try {
    await pTimeout(firestore.collection(collection).limit(1).get(), { milliseconds: timeoutMs });
    return ok('firestore.database', `Firestore ${where} answers, in Native mode`);
  } catch (error) {
    const code = codeOf(error);
    const message = messageOf(error);
    if (/datastore mode|not set to firestore mode/i.test(message))
      return {
        check: 'firestore.database',
        status: 'failed',
        detail: `Firestore ${where} is in Datastore mode: ${message}`,
        fix:
          `The exporter needs a Firestore database in Native mode: create one (gcloud firestore databases create ` +
          `--database=NAME --location=LOCATION --type=firestore-native) and set FIRESTORE_DATABASE=NAME.`,
        retryable: false,
      };
    if (code === 5)
      return {
        check: 'firestore.database',
        status: 'failed',
        detail: `Firestore ${where} does not exist: ${message}`,
        fix: `Create the database (Terraform creates it) or set FIRESTORE_DATABASE to an existing one.`,
        retryable: false,
      };
    if (code === 7 || code === 16)
      return {
        check: 'firestore.database',
        status: 'failed',
        detail: `Firestore ${where} refused the read: ${message}`,
        fix: `Grant the function's service account roles/datastore.user.`,
        retryable: false,
      };
    return {
      check: 'firestore.database',
      status: 'failed',
      detail: `Firestore ${where} did not answer a read within ${timeoutMs / 1000} s: ${message}`,
      fix: 'Check that Firestore is reachable from the function (and FIRESTORE_DATABASE); a transient failure passes on retry.',
      retryable: true,
    };
  }
}
