import type { Config } from './config/index.js';
import type { GoogleClients } from './clients.js';
import type { Logger } from './log.js';
import { memoizeAsync } from './memo.js';
import { CredentialCache } from './looker/credentials.js';
import { LookerClient } from './looker/client.js';
import { assertDiscoveredOffered } from './looker/offered.js';
import { runDeadline, runExport } from './pipeline/run.js';
import { BigQueryLoader } from './sinks/bigquery.js';
import { GcsStaging } from './sinks/gcs.js';
import { StateStore } from './state/store.js';
import { ConfigError } from './errors.js';
import type { TaskPayload } from './tasks/payload.js';
import { planFanOut, type PlanSummary } from './tasks/planner.js';
import { CloudTasksQueue, type TaskQueue } from './tasks/queue.js';
import { runTask, type TaskResult } from './tasks/worker.js';
import type { InstanceDependencies, RunRequest, RunSummary } from './pipeline/types.js';

export interface RunOptions {
  signal?: AbortSignal;
  logger?: Logger;
}

export interface Exporter {
  /** `fan-out` when a queue is configured: a Scheduler call plans, task calls work. */
  readonly mode: 'single-call' | 'fan-out';
  /** Single-call mode's run: every instance, every selected explore, in this call. */
  run(request: RunRequest, options?: RunOptions): Promise<RunSummary>;
  /** Fan-out mode's Scheduler call: enqueue one task per instance and explore. */
  plan(request: RunRequest, options?: RunOptions): Promise<PlanSummary>;
  /** Fan-out mode's task call. */
  runTask(payload: TaskPayload, options?: RunOptions): Promise<TaskResult>;
  /** Fan-out mode: the full name of an instance's queue (undefined: no such instance, or single-call). */
  queueOf(instance: string): string | undefined;
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
        // Fan-out: tasks of different explores of one instance may run side by side.
        leasePerExplore: config.tasks !== undefined,
      }),
    };
  });
  const maskingKey = memoizeAsync(() =>
    config.masking.keySecret
      ? clients.secrets.read(config.masking.keySecret)
      : Promise.reject(new Error('no MASKING_KEY_SECRET is configured')),
  );
  const queue = config.tasks && clients.tasks ? new CloudTasksQueue(clients.tasks, config.tasks) : undefined;
  const needQueue = (): TaskQueue => {
    if (!queue)
      throw new ConfigError(['fan-out mode needs TASKS_QUEUE_PREFIX and the other TASKS_ variables']);
    return queue;
  };
  const lookerOf = (w: (typeof wired)[number], runLogger: Logger, deadline?: AbortSignal) =>
    new LookerClient({
      baseUrl: w.instance.baseUrl,
      timeoutMs: config.looker.timeoutMs,
      verifySsl: w.instance.verifySsl,
      credentials: w.credentials,
      logger: runLogger.child({ instance: w.instance.name }),
      signal: deadline,
      retry: options.lookerRetry,
    });
  const run = async (request: RunRequest, runOptions: RunOptions, only?: string): Promise<RunSummary> => {
    const runLogger = runOptions.logger ?? logger;
    // A task (`only`) was checked when it was planned; a run skips an explore gone since, with a note.
    if (only === undefined) await checkOffered(request, runLogger);
    // One deadline for everything the call does: the Looker clients' counts, metadata and pages
    // stop with it as the run does.
    const deadline = runDeadline(config, runOptions.signal);
    const instances: InstanceDependencies[] = wired
      .filter((w) => only === undefined || w.instance.name === only)
      .map((w) => ({
        instance: w.instance,
        loader: w.loader,
        state: w.state,
        maskingKey,
        looker: lookerOf(w, runLogger, deadline),
      }));
    return runExport(request, { config, logger: runLogger, staging, instances, now: options.now }, deadline);
  };
  /** A request naming a discovered explore is checked against each instance before any work (400). */
  async function checkOffered(request: RunRequest, runLogger: Logger) {
    if (!request.explores?.some((explore) => explore.discovered)) return;
    const clients = wired.map((w) => ({ name: w.instance.name, looker: lookerOf(w, runLogger) }));
    try {
      await assertDiscoveredOffered(request.explores, clients);
    } finally {
      await Promise.all(clients.map((c) => c.looker.logout()));
    }
  }
  const queueOf = (name: string) => config.instances.find((i) => i.name === name)?.queue;
  return {
    mode: config.tasks ? 'fan-out' : 'single-call',
    queueOf,
    run: (request, runOptions = {}) => run(request, runOptions),
    plan: async (request, runOptions = {}) => {
      await checkOffered(request, runOptions.logger ?? logger);
      return planFanOut(request, {
        config,
        logger: runOptions.logger ?? logger,
        queue: needQueue(),
        instances: wired,
        now: options.now,
      });
    },
    runTask: (payload, runOptions = {}) =>
      runTask(payload, {
        run: (request, instance) => run(request, runOptions, instance),
        queue: needQueue(),
        queueOf,
        logger: runOptions.logger ?? logger,
      }),
  };
}
