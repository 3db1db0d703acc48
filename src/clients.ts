import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { Storage } from '@google-cloud/storage';
import { CloudTasksClient } from '@google-cloud/tasks';
import { credentials } from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';
import type { Config } from './config/index.js';
import { SecretManagerSource } from './secrets/index.js';

/** The Google Cloud clients one function instance shares across runs. */
export interface GoogleClients {
  storage: Storage;
  bigquery: BigQuery;
  firestore: Firestore;
  secrets: SecretManagerSource;
  /** Fan-out mode only. */
  tasks?: CloudTasksClient;
}

/**
 * Clients for the real services, or for the local stack when its endpoint variables are set.
 * A local endpoint gets no credentials at all (the auth library would otherwise look for them).
 */
export function createClients(config: Config): GoogleClients {
  const projectId = config.projectId;
  return {
    storage: config.gcs.apiEndpoint
      ? new Storage({
          projectId,
          apiEndpoint: config.gcs.apiEndpoint,
          authClient: new PassThroughClient(),
        })
      : new Storage({ projectId }),
    bigquery: config.bigquery.apiEndpoint
      ? new BigQuery({
          projectId,
          apiEndpoint: config.bigquery.apiEndpoint,
          authClient: new PassThroughClient(),
        })
      : new BigQuery({ projectId }),
    // FIRESTORE_EMULATOR_HOST, when set, is honoured by the client itself.
    firestore: new Firestore({
      projectId,
      databaseId: config.firestore.databaseId,
      ignoreUndefinedProperties: true,
    }),
    secrets: new SecretManagerSource({ projectId, apiEndpoint: config.secretManager.apiEndpoint }),
    tasks: config.tasks ? tasksClient(config.tasks.apiEndpoint) : undefined,
  };
}

function tasksClient(endpoint: string | undefined): CloudTasksClient {
  if (!endpoint) return new CloudTasksClient();
  const separator = endpoint.lastIndexOf(':');
  return new CloudTasksClient({
    apiEndpoint: endpoint.slice(0, separator),
    port: Number(endpoint.slice(separator + 1)),
    // The local stack speaks plaintext gRPC.
    sslCreds: credentials.createInsecure(),
  });
}
