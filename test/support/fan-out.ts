/**
 * Fan-out mode over the local stack: the export function (the planner Cloud Scheduler calls)
 * and the task function, served on a real loopback port so the Cloud Tasks fake dispatches to
 * it over HTTP, as Cloud Tasks calls a deployed function. Queues are created through the
 * client library, as Terraform creates them in the cloud.
 */
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { CloudTasksClient } from '@google-cloud/tasks';
import { credentials } from '@grpc/grpc-js';
import request from 'supertest';
import { createClients, type GoogleClients } from '../../src/clients.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { createExporter, type ExporterOptions } from '../../src/exporter.js';
import { createHttpHandler } from '../../src/http/handler.js';
import { createTaskHandler } from '../../src/http/task-handler.js';
import { startLookerFake, type LookerFake } from '../stack/looker/index.js';
import type { Harness } from './harness.js';

export const TASKS_SERVICE_ACCOUNT =
  'looker-activity-export-tasks@looker-export-local.iam.gserviceaccount.com';

export interface QueueSettings {
  /** K: System Activity queries one Looker runs at once. */
  maxConcurrentDispatches?: number;
  maxAttempts?: number;
  /** Terraform sets 1; specs dispatch faster. */
  maxDispatchesPerSecond?: number;
}

export interface FanOut {
  config: Config;
  clients: GoogleClients;
  /** Cloud Scheduler's call: plans and enqueues. */
  plan(body?: unknown): Promise<request.Response>;
  /** The task function's URL (what Cloud Tasks dispatches to). */
  taskUrl: string;
  tasks: CloudTasksClient;
  close(): Promise<void>;
}

const FAST_RETRY = { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 50 };

export async function startFanOut(
  h: Harness,
  env: Record<string, string> = {},
  queue: QueueSettings = {},
  exporterOptions: ExporterOptions = {},
): Promise<FanOut> {
  // The task function's URL goes into the config, so the handler is served before it is wired.
  const wired: { current?: { config: Config; exporter: ReturnType<typeof createExporter> } } = {};
  const taskFunction = `task_${randomUUID().slice(0, 8)}`;
  functions.http(
    taskFunction,
    createTaskHandler({
      exporter: () => wired.current!.exporter,
      logger: h.logger,
      projectId: h.stack.projectId,
    }),
  );
  const server = getTestServer(taskFunction);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const taskUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const config = parseConfig({
    EXPORT_EXPLORES: 'history,query',
    ...h.stack.env,
    TASKS_QUEUE_PREFIX: 'looker-activity-export',
    TASKS_LOCATION: 'us-central1',
    TASK_HANDLER_URL: taskUrl,
    TASKS_SERVICE_ACCOUNT,
    ...env,
  });
  const clients = createClients(config);
  const exporter = createExporter(config, clients, h.logger, {
    lookerRetry: FAST_RETRY,
    now: () => h.clock.now,
    ...exporterOptions,
  });
  wired.current = { config, exporter };
  const planner = `plan_${randomUUID().slice(0, 8)}`;
  functions.http(
    planner,
    createHttpHandler({
      exporter: () => exporter,
      logger: h.logger,
      projectId: config.projectId,
      now: () => h.clock.now,
    }),
  );

  const [host, port] = h.stack.env.CLOUD_TASKS_API_ENDPOINT!.split(':') as [string, string];
  const tasks = new CloudTasksClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: credentials.createInsecure(),
  });
  // One queue per instance, as terraform/tasks.tf makes them: K dispatches at once, quick retries.
  for (const instance of config.instances)
    await tasks.createQueue({
      parent: config.tasks!.location,
      queue: {
        name: instance.queue,
        rateLimits: {
          maxConcurrentDispatches: queue.maxConcurrentDispatches ?? 1,
          maxDispatchesPerSecond: queue.maxDispatchesPerSecond ?? 100,
        },
        retryConfig: {
          maxAttempts: queue.maxAttempts ?? 5,
          minBackoff: { nanos: 100_000_000 },
          maxBackoff: { seconds: 1 },
        },
      },
    });

  return {
    config,
    clients,
    taskUrl,
    tasks,
    plan: async (body?: unknown) =>
      request(getTestServer(planner))
        .post('/')
        .set('content-type', 'application/json')
        .send(JSON.stringify(body ?? {})),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([
        clients.firestore.terminate(),
        clients.secrets.close(),
        clients.tasks?.close(),
        tasks.close(),
      ]);
    },
  };
}

/** The API key secrets of more Looker instances: `NAME-id` and `NAME-secret` for each name. */
export function lookerSecrets(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => [
      [`${name}-id`, `${name}-client`],
      [`${name}-secret`, `${name}-secret-value`],
    ]),
  );
}

/** A Looker fake whose API key is the one lookerSecrets(name) stores. */
export function lookerFakeFor(
  name: string,
  options: Omit<Parameters<typeof startLookerFake>[0], 'clientId' | 'clientSecret'>,
) {
  return startLookerFake({ ...options, clientId: `${name}-client`, clientSecret: `${name}-secret-value` });
}

/**
 * LOOKER_INSTANCES for the harness's own Looker (`us`, into the stack's dataset) and `others`
 * (each into `activity_NAME`, created here: a stack reset forgets every other dataset).
 */
export async function instancesEnv(
  h: Harness,
  others: ReadonlyMap<string, LookerFake>,
): Promise<Record<string, string>> {
  for (const name of others.keys()) {
    const [exists] = await h.clients.bigquery.dataset(`activity_${name}`).exists();
    if (!exists)
      await h.clients.bigquery.createDataset(`activity_${name}`, { location: h.config.bigquery.location });
  }
  return {
    LOOKER_BASE_URL: '',
    LOOKER_CLIENT_ID_SECRET: '',
    LOOKER_CLIENT_SECRET_SECRET: '',
    LOOKER_INSTANCE_NAME: '',
    LOOKER_INSTANCES: JSON.stringify([
      {
        name: 'us',
        baseUrl: h.stack.looker.url,
        clientIdSecret: 'looker-client-id',
        clientSecretSecret: 'looker-client-secret',
      },
      ...[...others].map(([name, looker]) => ({
        name,
        baseUrl: looker.url,
        clientIdSecret: `${name}-id`,
        clientSecretSecret: `${name}-secret`,
        dataset: `activity_${name}`,
      })),
    ]),
  };
}
