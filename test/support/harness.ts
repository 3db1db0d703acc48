import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { createClients, type GoogleClients } from '../../src/clients.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { createExporter, type ExporterOptions } from '../../src/exporter.js';
import { createHttpHandler } from '../../src/http/handler.js';
import { createPreflight } from '../../src/preflight/index.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startStack, type Stack, type StackOptions } from '../stack/index.js';

/** Every log line the function wrote during a test, parsed. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

export interface Harness {
  stack: Stack;
  config: Config;
  clients: GoogleClients;
  logs: LogCapture;
  logger: Logger;
  /** The function's clock (and the Looker fake's): tests move time forward. */
  clock: { now: Date; set(date: Date): void };
  /** POSTs a JSON body to the function through functions-framework, as Cloud Scheduler would. */
  call(
    body?: unknown,
    init?: {
      method?: 'get' | 'post' | 'put' | 'delete';
      contentType?: string;
      raw?: string;
      /** Parameters, or a raw query string (sent as is: an object drops keys such as `__proto__`). */
      query?: Record<string, string> | string;
    },
  ): Promise<request.Response>;
  /** Registers another function instance over the same stack (own credential cache), e.g. with other env. */
  instance(
    envOverrides?: Record<string, string>,
    exporterOptions?: ExporterOptions,
  ): (body?: unknown) => Promise<request.Response>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const FAST_RETRY = { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 50 };

/**
 * Starts the local stack and registers the real HTTP function over it (config parsed from the
 * stack's environment, real client libraries), with a clock tests control.
 */
export async function startHarness(
  options: { stack?: StackOptions; now?: Date; env?: Record<string, string> } = {},
): Promise<Harness> {
  const startedAt = options.now ?? new Date('2026-11-24T03:00:00Z');
  // The fake's data ends at its clock at start: pinned, so no spec depends on the wall clock.
  const stack = await startStack({
    ...options.stack,
    looker: { now: startedAt, ...options.stack?.looker },
  });
  // The Firestore client reads the emulator host from the process environment.
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const logs = new LogCapture();
  const logger = createLogger(logs, 'debug');
  const clock = {
    now: startedAt,
    set(date: Date) {
      clock.now = date;
      stack.looker.setNow(date);
    },
  };
  clock.set(clock.now);
  const created: GoogleClients[] = [];

  const register = (envOverrides: Record<string, string> = {}, exporterOptions: ExporterOptions = {}) => {
    // Tests of one explore's behaviour export two incremental explores unless they ask for more:
    // history (whose own-activity rows are left out) first, then query.
    const config = parseConfig({
      EXPORT_EXPLORES: 'history,query',
      ...stack.env,
      ...options.env,
      ...envOverrides,
    });
    const clients = createClients(config);
    created.push(clients);
    const exporter = createExporter(config, clients, logger, {
      lookerRetry: FAST_RETRY,
      now: () => clock.now,
      ...exporterOptions,
    });
    const name = `export_${randomUUID().slice(0, 8)}`;
    functions.http(
      name,
      createHttpHandler({
        exporter: () => exporter,
        preflight: () => createPreflight(config, clients, logger, { lookerRetry: FAST_RETRY }),
        logger,
        projectId: config.projectId,
        now: () => clock.now,
      }),
    );
    return { name, config, clients };
  };
  const main = register();
  const responses: string[] = [];
  const callFunction =
    (name: string) =>
    async (body?: unknown, init: Parameters<Harness['call']>[1] = {}) => {
      const server = getTestServer(name);
      const method = init.method ?? 'post';
      const agent = request(server);
      let req = agent[method]('/').query(init.query ?? {});
      if (init.raw !== undefined)
        req = req.set('content-type', init.contentType ?? 'application/json').send(init.raw);
      else if (body !== undefined)
        req = req.set('content-type', init.contentType ?? 'application/json').send(JSON.stringify(body));
      const response = await req;
      responses.push(response.text ?? '');
      return response;
    };

  // Every spec on a harness is also a leak check: before each reset and at the end, no Looker
  // credential may appear in any log line, any response or any staged object.
  const credentials = await Promise.all(
    main.config.instances
      .flatMap((i) => [i.clientIdSecret, i.clientSecretSecret])
      .map((n) => main.clients.secrets.read(n)),
  );
  async function assertNoCredentialLeaked() {
    // A fault the last spec armed but did not use must not fail the check itself.
    stack.gcs.faults.clear();
    const [files] = await main.clients.storage.bucket(main.config.gcs.bucket).getFiles();
    // Read through the fake itself: @google-cloud/storage 8's downloads print
    // MaxListenersExceededWarnings (googleapis/google-cloud-node#9185), and the demo prints this
    // check's output to its user.
    const staged = await Promise.all(
      files.map(async (file) => text(await stack.gcs.openObject(main.config.gcs.bucket, file.name))),
    );
    const places = {
      logs: logs.raw.join('\n'),
      responses: responses.join('\n'),
      'staged objects': staged.join('\n'),
    };
    for (const [where, text] of Object.entries(places))
      for (const credential of credentials)
        assert.ok(!text.includes(credential), `a Looker credential appeared in the ${where}`);
    responses.length = 0;
  }

  return {
    stack,
    config: main.config,
    clients: main.clients,
    logs,
    logger,
    clock,
    call: callFunction(main.name),
    instance: (envOverrides, exporterOptions) => callFunction(register(envOverrides, exporterOptions).name),
    async reset() {
      await assertNoCredentialLeaked();
      await stack.reset();
      logs.lines.length = 0;
      logs.raw.length = 0;
    },
    async stop() {
      const leak = await assertNoCredentialLeaked().catch((error: unknown) => error);
      await Promise.allSettled(created.flatMap((c) => [c.firestore.terminate(), c.secrets.close()]));
      await stack.stop();
      if (leak) throw leak;
    },
  };
}
