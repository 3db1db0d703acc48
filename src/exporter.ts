import type { Config } from './config/index.js';
import type { GoogleClients } from './clients.js';
import type { Logger } from './log.js';
import { memoizeAsync } from './memo.js';
import { CredentialCache } from './looker/credentials.js';
import { LookerClient } from './looker/client.js';
import { runExport, type InstanceDependencies, type RunRequest, type RunSummary } from './pipeline/run.js';
import { BigQueryLoader } from './sinks/bigquery.js';
import { GcsStaging } from './sinks/gcs.js';
import { StateStore } from './state/store.js';

export interface Exporter {
  run(request: RunRequest, options?: { signal?: AbortSignal; logger?: Logger }): Promise<RunSummary>;
}

export interface ExporterOptions {
  /** Looker retry policy; tests shorten it. */
  lookerRetry?: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
  now?: () => Date;
}

/**
 * Wires one function instance: clients, Looker credential caches and the masking key live as
 * long as the instance; a Looker session lives for one run.
 */
export function createExporter(
  config: Config,
  clients: GoogleClients,
  logger: Logger,
  options: ExporterOptions = {},
): Exporter {
  const staging = new GcsStaging(clients.storage, config.gcs.bucket);
  const wired = config.instances.map((instance) => {
    if (!instance.verifySsl)
      logger.warn(
        { instance: instance.name },
        `LOOKER_VERIFY_SSL is false for Looker instance ${instance.name}: its TLS certificates are not checked`,
      );
    return {
      instance,
      credentials: new CredentialCache(clients.secrets, instance.clientIdSecret, instance.clientSecretSecret),
      loader: new BigQueryLoader(clients.bigquery, instance.dataset, config.bigquery.location),
      state: new StateStore(clients.firestore, config.firestore.collection, instance.name, {
        owner: `${config.projectId}.${instance.dataset}`,
      }),
    };
  });
  const maskingKey = memoizeAsync(() =>
    config.masking.keySecret
      ? clients.secrets.read(config.masking.keySecret)
      : Promise.reject(new Error('no MASKING_KEY_SECRET is configured')),
  );
  return {
    run(request, runOptions = {}) {
      const runLogger = runOptions.logger ?? logger;
      const instances: InstanceDependencies[] = wired.map((w) => ({
        instance: w.instance,
        loader: w.loader,
        state: w.state,
        maskingKey,
        looker: new LookerClient({
          baseUrl: w.instance.baseUrl,
          timeoutMs: config.looker.timeoutMs,
          verifySsl: w.instance.verifySsl,
          credentials: w.credentials,
          logger: runLogger.child({ instance: w.instance.name }),
          signal: runOptions.signal,
          retry: options.lookerRetry,
        }),
      }));
      return runExport(
        request,
        { config, logger: runLogger, staging, instances, now: options.now },
        runOptions.signal,
      );
    },
  };
}
