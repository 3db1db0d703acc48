import type { GoogleClients } from '../clients.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { resolveExploreNames } from '../explores/discovered.js';
import type { ExploreDefinition } from '../explores/types.js';
import type { Logger } from '../log.js';
import { StateStore } from '../state/store.js';
import { checkBucket, checkDataset, checkFirestore } from './google.js';
import { checkLastSuccess } from './last-success.js';
import { checkLookerInstance, checkSecret } from './looker.js';
import { checkQueue } from './tasks.js';
import { summarise, type PreflightReport } from './report.js';

export { httpStatusOf, type CheckResult, type CheckStatus, type PreflightReport } from './report.js';

export interface PreflightRequest {
  /** Explores whose metadata is checked (default: the configured EXPORT_EXPLORES). */
  explores?: readonly ExploreDefinition[];
  /** Only these Looker instances (by name; default all). */
  instances?: readonly string[];
}

export interface PreflightOptions {
  /** Looker retries per call (default: one retry after 0.5-2 s). */
  lookerRetry?: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
  /** Longest wait for Looker, and for Firestore's answer to the read (default 10 s). */
  timeoutMs?: number;
}

export interface Preflight {
  check(request?: PreflightRequest, options?: { logger?: Logger }): Promise<PreflightReport>;
}

/**
 * The preflight check: verifies every dependency a run needs, for every configured Looker
 * instance, without exporting anything and without touching progress or leases. Checks run in
 * parallel; each becomes one line of the report saying what was found and what to fix.
 */
export function createPreflight(
  config: Config,
  clients: GoogleClients,
  logger: Logger,
  options: PreflightOptions = {},
): Preflight {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retry = options.lookerRetry ?? { retries: 1, minTimeoutMs: 500, maxTimeoutMs: 2000 };
  return {
    async check(request = {}, runOptions = {}) {
      const log = runOptions.logger ?? logger;
      const instances = config.instances.filter(
        (instance) => !request.instances || request.instances.includes(instance.name),
      );
      const unknown = (request.instances ?? []).filter(
        (name) => !config.instances.some((i) => i.name === name),
      );
      if (unknown.length)
        throw new ConfigError([
          `unknown Looker instance(s): ${unknown.join(', ')} (configured: ${config.instances.map((i) => i.name).join(', ')})`,
        ]);
      const explores = request.explores ?? resolveExploreNames(config.explores).explores;
      const lookerContext = {
        config,
        secrets: clients.secrets,
        logger: log,
        explores,
        retry,
        timeoutMs: Math.min(timeoutMs, config.looker.timeoutMs),
      };
      const perInstance = instances.map(async (instance) => {
        const state = new StateStore(clients.firestore, config.firestore.collection, instance.name, {
          timeoutMs,
        });
        const [looker, dataset, queue, lastSuccess] = await Promise.all([
          checkLookerInstance(instance, lookerContext),
          checkDataset(clients.bigquery, config, instance.dataset),
          clients.tasks && instance.queue
            ? checkQueue(clients.tasks, config, instance, timeoutMs)
            : undefined,
          checkLastSuccess(state, instance.name, explores),
        ]);
        return [
          ...looker,
          { instance: instance.name, ...dataset },
          ...(queue ? [{ ...queue, instance: instance.name }] : []),
          lastSuccess,
        ];
      });
      const shared = [
        checkBucket(clients.storage, config),
        checkFirestore(clients.firestore, config, timeoutMs),
        ...(config.masking.keySecret
          ? [checkSecret(clients.secrets, config.masking.keySecret, 'the masking key')]
          : []),
      ];
      const [instanceChecks, sharedChecks] = await Promise.all([
        Promise.all(perInstance),
        Promise.all(shared),
      ]);
      const report = summarise([...instanceChecks.flat(), ...sharedChecks]);
      for (const check of report.checks.filter((c) => c.status !== 'ok'))
        log.warn({ preflight: check }, `preflight ${check.check} ${check.status}: ${check.detail}`);
      log.info({ status: report.status, checks: report.checks.length }, `preflight ${report.status}`);
      return report;
    },
  };
}
