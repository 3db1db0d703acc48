import type { Config } from './config/index.js';
import type { GoogleClients } from './clients.js';
import type { Logger } from './log.js';
import { CredentialCache } from './looker/credentials.js';
import { LookerClient } from './looker/client.js';
import { runExport, type RunRequest, type RunSummary } from './pipeline/run.js';
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
 * Wires one function instance: clients and the Looker credential cache live as long as the
 * instance; a Looker session lives for one run.
 */
export function createExporter(
  config: Config,
  clients: GoogleClients,
  logger: Logger,
  options: ExporterOptions = {},
): Exporter {
  const credentials = new CredentialCache(
    clients.secrets,
    config.looker.clientIdSecret,
    config.looker.clientSecretSecret,
  );
  const staging = new GcsStaging(clients.storage, config.gcs.bucket);
  const loader = new BigQueryLoader(clients.bigquery, config.bigquery.dataset, config.bigquery.location);
  const state = new StateStore(clients.firestore, config.firestore.collection, config.looker.instanceName);
  if (!config.looker.verifySsl) {
    logger.warn('LOOKER_VERIFY_SSL is false: Looker TLS certificates are not verified');
  }
  return {
    run(request, runOptions = {}) {
      const runLogger = runOptions.logger ?? logger;
      const looker = new LookerClient({
        baseUrl: config.looker.baseUrl,
        timeoutMs: config.looker.timeoutMs,
        verifySsl: config.looker.verifySsl,
        credentials,
        logger: runLogger,
        signal: runOptions.signal,
        retry: options.lookerRetry,
      });
      return runExport(
        request,
        { config, logger: runLogger, looker, staging, loader, state, now: options.now },
        runOptions.signal,
      );
    },
  };
}
