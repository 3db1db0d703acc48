/**
 * The preflight check (`{"check": true}`, `npm run check`): one report line per dependency,
 * what was found and what to fix; 200 only when nothing failed, 503 when every failure may pass
 * on retry, 500 otherwise. It exports nothing, spends no Looker query and touches no progress.
 * Every spec goes through functions-framework and the real client libraries to the local stack.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { CloudTasksClient } from '@google-cloud/tasks';
import * as grpc from '@grpc/grpc-js';
import request from 'supertest';
import { main } from '../../src/cli/check.js';
import { createClients, type GoogleClients } from '../../src/clients.js';
import { parseConfig } from '../../src/config/index.js';
import { createHttpHandler } from '../../src/http/handler.js';
import { createLogger } from '../../src/log.js';
import { explores as registry } from '../../src/explores/index.js';
import { RETENTION_ALERT_DAYS } from '../../src/explores/retention.js';
import { createPreflight, type CheckResult, type PreflightReport } from '../../src/preflight/index.js';
import { checkLastSuccess } from '../../src/preflight/last-success.js';
import { StateStore } from '../../src/state/store.js';
import { cloudSdkRoot, freePort } from '../stack/firestore/index.js';
import { startStack, type Stack } from '../stack/index.js';
import { startLookerFake, type LookerFake } from '../stack/looker/index.js';
import { LogCapture } from '../support/harness.js';
import { TcpProxy } from '../support/tcp-proxy.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const repo = new URL('../../', import.meta.url).pathname;

let stack: Stack;
/** `host:port` of an emulator serving a Datastore-mode database (see startDatastoreModeEmulator). */
let datastoreMode: { host: string; jvm: ChildProcess };
let credentials: string[];
const logs = new LogCapture();
const created: GoogleClients[] = [];

before(async () => {
  [stack, datastoreMode] = await Promise.all([startStack(), startDatastoreModeEmulator()]);
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  const clients = track(createClients(parseConfig(stack.env)));
  credentials = await Promise.all(
    [stack.env.LOOKER_CLIENT_ID_SECRET!, stack.env.LOOKER_CLIENT_SECRET_SECRET!].map((n) =>
      clients.secrets.read(n),
    ),
  );
});
afterEach(async () => {
  await stack.reset();
});
after(async () => {
  // Whatever the checks met, no Looker credential reached a log line (responses are checked per call).
  const everything = logs.raw.join('\n');
  await Promise.allSettled(created.flatMap((c) => [c.firestore.terminate(), c.secrets.close()]));
  await stack?.stop();
  datastoreMode?.jvm.kill('SIGKILL');
  for (const credential of credentials ?? [])
    assert.ok(!everything.includes(credential), 'a credential was logged');
});

/**
 * The emulator always serves Native mode unless started with --database-mode=datastore-mode,
 * where it refuses every Firestore call the way the real service refuses them for a
 * Datastore-mode database (with its own wording and code).
 */
async function startDatastoreModeEmulator(): Promise<{ host: string; jvm: ChildProcess }> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const jvm = spawn(
    'java',
    [
      '-Duser.language=en',
      '-cp',
      join(cloudSdkRoot(), 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar'),
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      '--host=127.0.0.1',
      `--port=${port}`,
      '--database-mode=datastore-mode',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    const up = await fetch(`http://${host}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { host, jvm };
    if (i > 150) {
      jvm.kill('SIGKILL');
      throw new Error('the Datastore-mode emulator did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function track(clients: GoogleClients): GoogleClients {
  created.push(clients);
  return clients;
}

/**
 * Registers a function over the stack with `env` on top of its variables, as a deployment with
 * that configuration would be, and POSTs `{"check": true}` (or `body`) to it.
 */
async function check(
  env: Record<string, string> = {},
  body: unknown = { check: true },
  timeoutMs = 5_000,
): Promise<{ status: number; report: PreflightReport; text: string }> {
  const all: Record<string, string> = { EXPORT_EXPLORES: 'history,query', ...stack.env, ...env };
  const config = parseConfig(all);
  // The Firestore client reads its emulator's address from the environment when it is created.
  process.env.FIRESTORE_EMULATOR_HOST = all.FIRESTORE_EMULATOR_HOST;
  const clients = track(createClients(config));
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  const logger = createLogger(logs, 'debug');
  const preflight = createPreflight(config, clients, logger, {
    lookerRetry: { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 50 },
    timeoutMs,
  });
  const name = `preflight_${randomUUID().slice(0, 8)}`;
  functions.http(
    name,
    createHttpHandler({
      exporter: () => {
        throw new Error('a check must not build the exporter');
      },
      preflight: () => preflight,
      logger,
    }),
  );
  const res = await request(getTestServer(name))
    .post('/')
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
  for (const credential of credentials)
    assert.ok(!res.text.includes(credential), 'a credential was answered');
  return { status: res.status, report: res.body as PreflightReport, text: res.text };
}

const find = (report: PreflightReport, name: string, explore?: string): CheckResult => {
  const found = report.checks.find(
    (c) => c.check === name && (explore === undefined || c.explore === explore),
  );
  assert.ok(found, `no ${name} check in ${JSON.stringify(report.checks.map((c) => c.check))}`);
  return found;
};
const notOk = (report: PreflightReport) => report.checks.filter((c) => c.status !== 'ok');

async function assertNothingTouched() {
  const clients = track(createClients(parseConfig(stack.env)));
  const [objects] = await clients.storage.bucket(stack.env.GCS_BUCKET!).getFiles();
  assert.deepEqual(
    objects.map((o) => o.name),
    [],
    'an object was left in the bucket',
  );
  assert.equal((await clients.firestore.collection(stack.env.FIRESTORE_COLLECTION!).get()).size, 0);
  assert.deepEqual(stack.bigquery.jobs, [], 'a BigQuery job ran');
  const queries = stack.looker.requests.filter((r) => r.path.startsWith('/api/4.0/queries/run'));
  assert.deepEqual(queries, [], 'a Looker query was spent');
}

describe('preflight on a healthy stack', () => {
  it('answers 200 with every dependency ok, and touches nothing', async () => {
    const { status, report, text } = await check();
    assert.equal(status, 200, text);
    assert.equal(report.status, 'ok');
    assert.deepEqual(notOk(report), []);
    assert.deepEqual(
      report.checks.map((c) => [c.instance ?? '-', c.check, c.explore ?? '-']),
      [
        ['local', 'secret', '-'],
        ['local', 'secret', '-'],
        ['local', 'looker.login', '-'],
        ['local', 'looker.system_activity', '-'],
        ['local', 'looker.row_limit', '-'],
        ['local', 'looker.explores', '-'],
        ['local', 'looker.explore_metadata', 'history'],
        ['local', 'looker.explore_metadata', 'query'],
        ['local', 'bigquery.dataset', '-'],
        ['local', 'firestore.last_success', '-'],
        ['-', 'gcs.bucket', '-'],
        ['-', 'firestore.database', '-'],
      ],
    );
    for (const c of report.checks) {
      assert.notEqual(c.detail, '');
      assert.equal(c.fix, '');
    }
    assert.match(find(report, 'looker.login').detail, /as API user 42/);
    assert.match(find(report, 'looker.system_activity').detail, /no Looker query spent/);
    assert.match(find(report, 'looker.row_limit').detail, /download_without_limit/);
    assert.match(find(report, 'bigquery.dataset').detail, /exists in US/);
    assert.match(find(report, 'firestore.last_success').detail, /no run has recorded progress yet/);
    await assertNothingTouched();
    // The role check went through the OAS route, once.
    assert.equal(stack.looker.requests.filter((r) => r.path === '/api/4.0/users/42/roles').length, 1);
  });

  it('checks the explores a call names, and refuses run fields beside check', async () => {
    const named = await check({}, { check: true, explores: ['user'] });
    assert.equal(named.status, 200, named.text);
    assert.deepEqual(
      named.report.checks.filter((c) => c.check === 'looker.explore_metadata').map((c) => c.explore),
      ['user'],
    );
    const mixed = await check({}, { check: true, from: '2026-11-01', to: '2026-11-02' });
    assert.equal(mixed.status, 400, mixed.text);
    assert.match(
      String((mixed.report as unknown as { error: string }).error),
      /unknown field\(s\) with check: from, to/,
    );
  });
});

describe('preflight names each failing dependency and what to fix', () => {
  it('a missing secret: 500 naming it, and no login is tried', async () => {
    const { status, report } = await check({ LOOKER_CLIENT_SECRET_SECRET: 'no-such-secret' });
    assert.equal(status, 500);
    const failed = notOk(report);
    assert.equal(failed.length, 1, JSON.stringify(failed));
    assert.equal(failed[0]!.check, 'secret');
    assert.match(failed[0]!.detail, /no-such-secret/);
    assert.match(failed[0]!.fix, /gcloud secrets versions add no-such-secret/);
    assert.equal(failed[0]!.retryable, false);
    assert.equal(report.checks.filter((c) => c.check.startsWith('looker.')).length, 0);
    assert.equal(stack.looker.requests.length, 0);
  });

  it('wrong Looker credentials: 500, the login failed and how to make a new key', async () => {
    stack.secrets.setSecret(stack.env.LOOKER_CLIENT_SECRET_SECRET!, 'not-the-secret');
    const { status, report } = await check();
    assert.equal(status, 500);
    const login = find(report, 'looker.login');
    assert.equal(login.status, 'failed');
    assert.match(login.detail, /Looker login failed with HTTP 404/);
    assert.match(login.fix, /API key/);
    assert.equal(notOk(report).length, 1, JSON.stringify(notOk(report)));
    assert.ok(!JSON.stringify(report).includes('not-the-secret'), 'the secret value was reported');
  });

  describe('an API user without download_without_limit', () => {
    let capped: LookerFake;
    before(async () => {
      capped = await startLookerFake({
        clientId: credentials[0]!,
        clientSecret: credentials[1]!,
        downloadWithoutLimit: false,
      });
    });
    after(() => capped?.close());

    for (const rowCap of ['5000', '0'])
      it(`is a warning naming the cap's cost, with LOOKER_ROW_CAP=${rowCap} (200: no row is lost)`, async () => {
        const { status, report } = await check({ LOOKER_BASE_URL: capped.url, LOOKER_ROW_CAP: rowCap });
        assert.equal(status, 200);
        assert.equal(report.status, 'warning');
        const limit = find(report, 'looker.row_limit');
        assert.equal(limit.status, 'warning');
        assert.match(limit.detail, /lack download_without_limit.*pages of the cap.*no row is lost/);
        assert.match(limit.detail, rowCap === '0' ? /learned/ : /LOOKER_ROW_CAP=5000/);
        assert.match(limit.fix, /Add download_without_limit/);
        assert.deepEqual(notOk(report), [limit]);
      });
  });

  it('explore metadata Looker will not give: 500 naming the explore', async () => {
    stack.looker.faults.add({
      match: 'GET /api/4.0/lookml_models/system__activity/explores/query',
      fault: { kind: 'status', status: 404 },
    });
    const { status, report } = await check();
    assert.equal(status, 500);
    const failed = notOk(report);
    assert.deepEqual(
      failed.map((c) => [c.check, c.explore]),
      [['looker.explore_metadata', 'query']],
    );
    assert.match(failed[0]!.detail, /system__activity\/query: .*HTTP 404/);
    assert.equal(find(report, 'looker.explore_metadata', 'history').status, 'ok');
  });

  it('Looker unavailable: 503, every failure may pass on retry', async () => {
    stack.looker.faults.add({
      match: 'POST /api/4.0/login',
      times: 10,
      fault: { kind: 'status', status: 503 },
    });
    const { status, report } = await check();
    assert.equal(status, 503);
    assert.equal(report.retryable, true);
    assert.equal(find(report, 'looker.login').retryable, true);
  });

  it('a missing bucket: 500 and create it', async () => {
    const { status, report } = await check({ GCS_BUCKET: 'no-such-bucket' });
    assert.equal(status, 500);
    const bucket = find(report, 'gcs.bucket');
    assert.equal(bucket.status, 'failed');
    assert.match(bucket.detail, /gs:\/\/no-such-bucket/);
    assert.match(bucket.fix, /Create the bucket gs:\/\/no-such-bucket/);
    assert.deepEqual(notOk(report), [bucket]);
  });

  it('a missing dataset: 500 and create it', async () => {
    const { status, report } = await check({ BQ_DATASET: 'no_such_dataset' });
    assert.equal(status, 500);
    const dataset = find(report, 'bigquery.dataset');
    assert.equal(dataset.status, 'failed');
    assert.match(dataset.detail, /looker-export-local:no_such_dataset/);
    assert.match(dataset.fix, /Create the dataset no_such_dataset in US/);
    assert.deepEqual(notOk(report), [dataset]);
  });

  it("fan-out mode: each instance's queue exists and lets Looker run one query at a time", async () => {
    const fanOut = {
      TASKS_QUEUE_PREFIX: 'preflight',
      TASKS_LOCATION: 'us-central1',
      TASK_HANDLER_URL: 'https://us-central1-looker-export-local.cloudfunctions.net/x-task',
      TASKS_SERVICE_ACCOUNT: 'tasks@looker-export-local.iam.gserviceaccount.com',
    };
    const missing = await check(fanOut);
    assert.equal(missing.status, 500);
    const queue = find(missing.report, 'tasks.queue');
    assert.equal(queue.status, 'failed');
    assert.match(
      queue.detail,
      /projects\/looker-export-local\/locations\/us-central1\/queues\/preflight-local/,
    );
    assert.match(queue.fix, /Create the queue/);
    assert.deepEqual(notOk(missing.report), [queue]);

    const [host, port] = stack.env.CLOUD_TASKS_API_ENDPOINT!.split(':') as [string, string];
    const tasks = new CloudTasksClient({
      apiEndpoint: host,
      port: Number(port),
      sslCreds: grpc.credentials.createInsecure(),
    });
    try {
      const name = 'projects/looker-export-local/locations/us-central1/queues/preflight-local';
      await tasks.createQueue({
        parent: 'projects/looker-export-local/locations/us-central1',
        queue: { name, rateLimits: { maxConcurrentDispatches: 3 } },
      });
      const tooMany = await check(fanOut);
      assert.equal(tooMany.status, 500);
      assert.match(find(tooMany.report, 'tasks.queue').detail, /up to 3 tasks at once/);
      // With Elite System Activity Looker runs queries side by side: K = 3 is the user's choice.
      assert.equal((await check({ ...fanOut, ELITE_SYSTEM_ACTIVITY: 'true' })).status, 200);
      await tasks.updateQueue({
        queue: { name, rateLimits: { maxConcurrentDispatches: 1 } },
        updateMask: { paths: ['rate_limits.max_concurrent_dispatches'] },
      });
      const healthy = await check(fanOut);
      assert.equal(healthy.status, 200, healthy.text);
      assert.match(find(healthy.report, 'tasks.queue').detail, /at most 1 task call/);
    } finally {
      await tasks
        .deleteQueue({ name: 'projects/looker-export-local/locations/us-central1/queues/preflight-local' })
        .catch(() => undefined);
      await tasks.close();
    }
  });

  it('a dataset in another location than BQ_LOCATION: 500 naming both', async () => {
    const { status, report } = await check({ BQ_LOCATION: 'EU' });
    assert.equal(status, 500);
    const dataset = find(report, 'bigquery.dataset');
    assert.match(dataset.detail, /is in US, but BQ_LOCATION is EU/);
    assert.match(dataset.fix, /BQ_LOCATION=US/);
  });

  it('Firestore unreachable (a closed port): 503 within the bound', async () => {
    const closed = await freePort();
    const started = Date.now();
    const { status, report } = await check({ FIRESTORE_EMULATOR_HOST: `127.0.0.1:${closed}` });
    assert.equal(status, 503);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const firestore = find(report, 'firestore.database');
    assert.equal(firestore.status, 'failed');
    assert.equal(firestore.retryable, true);
    assert.match(firestore.detail, /did not answer a read within 5 s/);
    // The gap since the last success cannot be told either; that line points at this one.
    const lastSuccess = find(report, 'firestore.last_success');
    assert.equal(lastSuccess.status, 'warning');
    assert.deepEqual(notOk(report), [lastSuccess, firestore]);
  });

  describe('a Firestore database in Datastore mode', () => {
    it('is recognised by the error Firestore answers: 500, use a Native-mode database', async () => {
      // The client retries the emulator's refusal for about 7 s before it gives up.
      const { status, report, text } = await check(
        { FIRESTORE_EMULATOR_HOST: datastoreMode.host },
        undefined,
        15_000,
      );
      assert.equal(status, 500, text);
      const firestore = find(report, 'firestore.database');
      assert.equal(firestore.status, 'failed');
      assert.equal(firestore.retryable, false);
      assert.match(firestore.detail, /is in Datastore mode/);
      assert.match(firestore.fix, /--type=firestore-native/);
    });
  });
});

describe('firestore.last_success: the gap since the last successful run, per instance', () => {
  const NOW = new Date('2026-12-06T06:00:00Z');
  const DAY_MS = 86_400_000;
  const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
  const midnight = (date: Date) => new Date(`${date.toISOString().slice(0, 10)}T00:00:00Z`);
  const [history, query, user] = ['history', 'query', 'user'].map((name) => registry.get(name)!);
  const EXPORTED = [history!, query!, user!];
  const firestore = () => track(createClients(parseConfig(stack.env))).firestore;

  /** The store runs use, on a collection of its own. */
  const storeFor = (instance: string, collection = `progress_${randomUUID().slice(0, 8)}`) =>
    new StateStore(firestore(), collection, instance, { timeoutMs: 10_000 });

  /**
   * A daily run at `at` that lands each explore, recording what runs record: an incremental
   * explore's watermark moves to the start of the run's day, a snapshot's to the next day.
   */
  async function succeededAt(store: StateStore, at: Date, names: string[]): Promise<void> {
    const runId = `run-${randomUUID()}`;
    await store.acquireLease(runId, 3_600_000, at);
    for (const name of names) {
      const watermark =
        registry.get(name)!.mode === 'snapshot' ? new Date(midnight(at).getTime() + DAY_MS) : midnight(at);
      await store.recordWindow(runId, name, { initialLoadDone: true, watermark, window: 'dt' }, at);
    }
    await store.releaseLease(runId);
  }

  it('is ok before any run (the healthy report above), and reports per instance the explore longest without a success', async () => {
    const collection = `progress_${randomUUID().slice(0, 8)}`;
    const prod = storeFor('prod', collection);
    const eu = storeFor('eu', collection);
    await succeededAt(prod, daysBefore(2), ['history', 'user']);
    await succeededAt(prod, new Date(NOW.getTime() - 3 * 3_600_000), ['user']);
    await succeededAt(eu, new Date(NOW.getTime() - 5 * 3_600_000), ['history', 'query', 'user']);

    const prodLine = await checkLastSuccess(prod, 'prod', EXPORTED, NOW);
    assert.equal(prodLine.status, 'ok');
    assert.equal(prodLine.instance, 'prod');
    assert.match(
      prodLine.detail,
      /^last success 2\.0 days ago \(history, the explore longest without one, at 2026-12-04T06:00:00\.000Z\)/,
    );
    assert.match(
      prodLine.detail,
      /must succeed at least every 6 days \(a warning after 3\); no run has recorded query yet$/,
    );
    const euLine = await checkLastSuccess(eu, 'eu', EXPORTED, NOW);
    assert.equal(euLine.status, 'ok');
    assert.match(euLine.detail, /^last success 5 h ago \(history, /);
    assert.doesNotMatch(euLine.detail, /no run has recorded/);
  });

  it(`warns past ${RETENTION_ALERT_DAYS} days, saying from when Looker drops the unarchived rows and how many snapshots are missing`, async () => {
    const store = storeFor('acme');
    await succeededAt(store, daysBefore(4), ['history', 'query', 'user']);
    const line = await checkLastSuccess(store, 'acme', EXPORTED, NOW);
    assert.equal(line.status, 'warning');
    const [historyPart, queryPart, userPart] = line.detail.split('; ');
    // Last success 2026-12-02T06:00Z read up to 2026-12-02T00:00Z; those rows go on 2026-12-09.
    assert.equal(
      historyPart,
      'history: no success for 4.0 days, archived up to 2026-12-02T00:00:00.000Z: Looker drops its unarchived rows from 2026-12-09T00:00:00.000Z ' +
        '(Looker keeps runs of scheduled tasks (source scheduled_task) 7 days, every other run 90 days)',
    );
    // Looker documents nothing for query: held to the same 7 days, said as a possibility.
    assert.match(
      queryPart!,
      /^query: no success for 4\.0 days, .*Looker may drop its unarchived rows from 2026-12-09T00:00:00\.000Z \(Looker keeps what it does not document \(held to 7 days/,
    );
    // Snapshots of 12-03, 12-04 and 12-05 were never taken; today's still can be.
    assert.match(userPart!, /^user: no success for 4\.0 days, 3 daily snapshot\(s\) missing for good/);
    assert.match(
      line.fix,
      /^Get a run through: .*reads every day since the watermark\. What Looker dropped before a run archived it \(rows, a day’s snapshot\) is gone for good\.$/,
    );
  });

  it('says which rows a 9-day outage lost for good', async () => {
    const store = storeFor('acme');
    await succeededAt(store, daysBefore(9), ['history']);
    const line = await checkLastSuccess(store, 'acme', [history!], NOW);
    assert.equal(line.status, 'warning');
    // Archived up to 2026-11-27T00:00Z; Looker now holds scheduled-task runs from 2026-11-29T06:00Z on.
    assert.match(
      line.detail,
      /^history: no success for 9\.0 days, archived up to 2026-11-27T00:00:00\.000Z: rows created from then to 2026-11-29T06:00:00\.000Z are gone from Looker unarchived/,
    );
    assert.match(line.fix, /is gone for good\.$/);
    // Four days: history's rows are not lost yet, so the fix does not say so.
    const recent = storeFor('acme');
    await succeededAt(recent, daysBefore(4), ['history']);
    assert.match((await checkLastSuccess(recent, 'acme', [history!], NOW)).fix, /since the watermark\.$/);
  });

  it('warns, bounded by the store’s timeout, when Firestore does not answer (the firestore.database line says why)', async () => {
    const proxy = await TcpProxy.start(stack.env.FIRESTORE_EMULATOR_HOST!);
    after(() => proxy.close());
    // The Firestore client reads its emulator's address from the environment when it is created.
    process.env.FIRESTORE_EMULATOR_HOST = proxy.host;
    const through = track(createClients(parseConfig(stack.env))).firestore;
    process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
    const collection = `progress_${randomUUID().slice(0, 8)}`;
    // Connected first (a new client's first call takes a few seconds), then bounded at 1 s.
    await new StateStore(through, collection, 'acme').readRecordedProgress(['history']);
    const store = new StateStore(through, collection, 'acme', { timeoutMs: 1_000 });
    // The read leaves the client; the emulator gets it only once released.
    proxy.hold();
    const started = Date.now();
    const line = await checkLastSuccess(store, 'acme', EXPORTED, NOW);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    assert.equal(line.status, 'warning');
    assert.match(
      line.detail,
      /^the gap since the last successful run is unknown: Firestore reading export progress failed: no answer within 1 s/,
    );
    assert.equal(line.fix, 'See the firestore.database check.');
    // The abandoned read is answered before this one: nothing is in flight when the client ends.
    proxy.release();
    await store.readRecordedProgress(['history']);
  });

  it('is in the report: a 9-day-old history success warns (200: the export works)', async () => {
    const config = parseConfig(stack.env);
    await succeededAt(
      new StateStore(firestore(), config.firestore.collection, 'local'),
      new Date(Date.now() - 9 * DAY_MS),
      ['history'],
    );
    const { status, report, text } = await check({ EXPORT_EXPLORES: 'history' });
    assert.equal(status, 200, text);
    assert.equal(report.status, 'warning');
    const line = find(report, 'firestore.last_success');
    assert.deepEqual([line.instance, line.status], ['local', 'warning']);
    assert.match(
      line.detail,
      /^history: no success for 9\.0 days, archived up to .*: rows created from then to .* are gone from Looker unarchived/,
    );
    assert.deepEqual(notOk(report), [line]);
  });
});

describe('npm run check', () => {
  it('runs the same check from a terminal: the report on stdout, exit 0; an unknown instance exits 2', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, ...stack.env, EXPORT_EXPLORES: 'history' };
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'check', '--', '--instance', 'local'], {
      cwd: repo,
      env,
      timeout: 30_000,
    });
    const report = JSON.parse(stdout) as PreflightReport;
    assert.equal(report.status, 'ok', stderr);
    assert.equal(find(report, 'looker.explore_metadata').explore, 'history');
    assert.match(stderr, /preflight: ok/);
    for (const credential of credentials) assert.ok(!(stdout + stderr).includes(credential));

    // The same entry point in process (a second npm start would cost seconds).
    assert.equal(await main(['--instance', 'nope'], env), 2);
  });
});
