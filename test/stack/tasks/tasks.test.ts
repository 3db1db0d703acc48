/**
 * The Cloud Tasks fake judged by clients we did not write: `@google-cloud/tasks` over gRPC and in
 * its REST `fallback` mode, `gcloud tasks` over REST, and a real HTTP worker on loopback that
 * sees what Cloud Tasks sends (headers, body, an OIDC token checked by google-auth-library).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CloudTasksClient } from '@google-cloud/tasks';
import { OAuth2Client } from 'google-auth-library';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { failure, gcloudConfig, insecureGrpc, restFallback, type GcloudConfig } from '../spec-helpers.js';
import { startCloudTasksFake, type CloudTasksFake } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';

type GaxAuthClient = NonNullable<
  NonNullable<ConstructorParameters<typeof CloudTasksClient>[0]>['authClient']
>;

const LOCATION = 'projects/tasks-spec/locations/us-central1';
const SA = 'worker-invoker@tasks-spec.iam.gserviceaccount.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const queuePath = (id: string) => `${LOCATION}/queues/${id}`;
const taskPath = (queue: string, id: string) => `${queuePath(queue)}/tasks/${id}`;
const duration = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** Set when the fake gave up on the request (the client closed the connection). */
  abandoned?: boolean;
}

/**
 * A worker on loopback. Behaviour by path: /ok 200, /unavailable 503, /reset (socket destroyed),
 * /hold/MS (answers 200 after MS), /hang (never answers), /conflict-once (409 then 200).
 */
async function startWorker() {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        path: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      received.push(entry);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = (status: number) => {
        inFlight -= 1;
        if (!res.destroyed) res.writeHead(status).end('answer');
      };
      res.on('close', () => {
        if (!res.writableFinished) {
          entry.abandoned = true;
          inFlight -= 1;
        }
      });
      const hold = /^\/hold\/(\d+)/.exec(entry.path);
      const task = String(req.headers['x-cloudtasks-taskname']);
      if (entry.path === '/ok') done(200);
      else if (entry.path === '/unavailable') done(503);
      else if (entry.path === '/reset') req.socket.destroy();
      else if (hold) setTimeout(() => done(200), Number(hold[1]));
      else if (entry.path === '/hang') return;
      else if (entry.path === '/conflict-once') done(seen.has(task) ? 200 : (seen.add(task), 409));
      else done(404);
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    get maxInFlight() {
      return maxInFlight;
    },
    clear() {
      received.length = 0;
      maxInFlight = 0;
      seen.clear();
    },
    close: () => closeServer(server),
  };
}
type Worker = Awaited<ReturnType<typeof startWorker>>;

const grpcClient = (fake: CloudTasksFake) => new CloudTasksClient(insecureGrpc(fake.address));

describe('Cloud Tasks fake over gRPC (@google-cloud/tasks)', () => {
  let fake: CloudTasksFake;
  let client: CloudTasksClient;
  let worker: Worker;

  before(async () => {
    [fake, worker] = await Promise.all([startCloudTasksFake({ minDispatchDeadlineMs: 100 }), startWorker()]);
    client = grpcClient(fake);
  });
  beforeEach(async () => {
    await fake.reset();
    worker.clear();
  });
  after(async () => {
    await client.close();
    await Promise.all([fake.close(), worker.close()]);
  });

  const createQueue = (id: string, queue: Record<string, unknown> = {}) =>
    client.createQueue({ parent: LOCATION, queue: { name: queuePath(id), ...queue } }).then(([q]) => q);
  const createTask = (queue: string, task: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    client.createTask({ parent: queuePath(queue), task, ...extra }).then(([t]) => t);

  it('creates queues with Google defaults, lists, updates by mask, deletes, and refuses bad input', async () => {
    const created = await createQueue('alpha');
    assert.equal(created.state, 'RUNNING');
    assert.deepEqual(
      { ...created.rateLimits },
      { maxDispatchesPerSecond: 500, maxBurstSize: 100, maxConcurrentDispatches: 1000 },
    );
    assert.equal(created.retryConfig!.maxAttempts, 100);
    assert.equal(created.retryConfig!.maxDoublings, 16);
    assert.equal(Number(created.retryConfig!.minBackoff!.nanos), 100e6);
    assert.equal(Number(created.retryConfig!.maxBackoff!.seconds), 3600);
    assert.equal((await failure(createQueue('alpha'))).code, grpc.status.ALREADY_EXISTS);
    await createQueue('beta', { rateLimits: { maxConcurrentDispatches: 4 } });

    const [queues] = await client.listQueues({ parent: LOCATION });
    assert.deepEqual(
      queues.map((q) => q.name),
      [queuePath('alpha'), queuePath('beta')],
    );
    const [got] = await client.getQueue({ name: queuePath('beta') });
    assert.equal(got.rateLimits!.maxConcurrentDispatches, 4);

    // Only the masked field changes; max_attempts stays what it was.
    const [updated] = await client.updateQueue({
      queue: {
        name: queuePath('beta'),
        rateLimits: { maxConcurrentDispatches: 7 },
        retryConfig: { maxAttempts: 1 },
      },
      updateMask: { paths: ['rate_limits.max_concurrent_dispatches'] },
    });
    assert.equal(updated.rateLimits!.maxConcurrentDispatches, 7);
    assert.equal(updated.retryConfig!.maxAttempts, 100);

    const tooFast = await failure(createQueue('gamma', { rateLimits: { maxDispatchesPerSecond: 501 } }));
    assert.equal(tooFast.code, grpc.status.INVALID_ARGUMENT);
    assert.equal((await failure(createQueue('bad_id'))).code, grpc.status.INVALID_ARGUMENT);

    await client.deleteQueue({ name: queuePath('alpha') });
    assert.equal((await failure(client.getQueue({ name: queuePath('alpha') }))).code, grpc.status.NOT_FOUND);
    // A deleted queue's name stays reserved (Google: 7 days).
    assert.equal((await failure(createQueue('alpha'))).code, grpc.status.FAILED_PRECONDITION);
    const iam = await failure(client.getIamPolicy({ resource: queuePath('beta') }));
    assert.equal(iam.code, grpc.status.UNIMPLEMENTED);
  });

  it('creates, gets, lists and deletes tasks; BASIC hides the body; names are deduplicated', async () => {
    await createQueue('held');
    await client.pauseQueue({ name: queuePath('held') });
    const http = {
      url: worker.url('/ok'),
      body: Buffer.from('{"n":1}'),
      headers: { 'Content-Type': 'application/json' },
    };
    const named = await createTask('held', { name: taskPath('held', 'window-1'), httpRequest: http });
    assert.equal(named.name, taskPath('held', 'window-1'));
    assert.equal(named.httpRequest!.httpMethod, 'POST');
    assert.equal(Number(named.dispatchDeadline!.seconds), 600);
    assert.equal(named.dispatchCount ?? 0, 0);
    assert.equal(named.view, 'BASIC');
    assert.equal(Buffer.from(named.httpRequest!.body ?? []).length, 0);
    assert.equal(Number(named.createTime!.nanos ?? 0), 0, 'create_time is truncated to the second');

    const unnamed = await createTask('held', { httpRequest: { url: worker.url('/ok') } });
    assert.match(unnamed.name!, new RegExp(`^${taskPath('held', '')}[0-9]+$`));

    const [full] = await client.getTask({ name: named.name, responseView: 'FULL' });
    assert.equal(Buffer.from(full.httpRequest!.body!).toString(), '{"n":1}');
    assert.deepEqual({ ...full.httpRequest!.headers }, { 'Content-Type': 'application/json' });
    const [tasks] = await client.listTasks({ parent: queuePath('held') });
    assert.deepEqual(tasks.map((t) => t.name).sort(), [named.name, unnamed.name].sort());

    const duplicate = await failure(createTask('held', { name: named.name, httpRequest: http }));
    assert.equal(duplicate.code, grpc.status.ALREADY_EXISTS);
    await client.deleteTask({ name: named.name });
    assert.equal((await failure(client.getTask({ name: named.name }))).code, grpc.status.NOT_FOUND);
    // Deleted recently: the name is still taken.
    const again = await failure(createTask('held', { name: named.name, httpRequest: http }));
    assert.equal(again.code, grpc.status.ALREADY_EXISTS);

    const refused: [string, Record<string, unknown>, number][] = [
      ['bad id', { name: taskPath('held', 'a.b'), httpRequest: http }, grpc.status.INVALID_ARGUMENT],
      ['no target', {}, grpc.status.INVALID_ARGUMENT],
      ['ftp url', { httpRequest: { url: 'ftp://x/y' } }, grpc.status.INVALID_ARGUMENT],
      ['body on GET', { httpRequest: { ...http, httpMethod: 'GET' } }, grpc.status.INVALID_ARGUMENT],
      [
        'deadline over 30 min',
        { httpRequest: http, dispatchDeadline: duration(31 * 60_000) },
        grpc.status.INVALID_ARGUMENT,
      ],
      [
        'over 100 KB',
        { httpRequest: { ...http, body: Buffer.alloc(101 * 1024) } },
        grpc.status.INVALID_ARGUMENT,
      ],
    ];
    for (const [why, task, code] of refused)
      assert.equal((await failure(createTask('held', task))).code, code, why);
    const noQueue = await failure(createTask('missing', { httpRequest: http }));
    assert.equal(noQueue.code, grpc.status.NOT_FOUND);
  });

  it('dispatches the body, headers and an OIDC token google-auth-library verifies; done tasks keep their name', async () => {
    await createQueue('deliver');
    const audience = 'https://worker.example/run';
    const task = await createTask('deliver', {
      name: taskPath('deliver', 'w-42'),
      httpRequest: {
        url: worker.url('/ok'),
        httpMethod: 'PUT',
        body: Buffer.from('payload'),
        headers: {
          'Content-Type': 'text/plain',
          'User-Agent': 'mine',
          'X-Custom': 'v',
          Authorization: 'Bearer x',
        },
        oidcToken: { serviceAccountEmail: SA, audience },
      },
    });
    await fake.idle();
    assert.equal(worker.received.length, 1);
    const [got] = worker.received;
    assert.equal(got!.method, 'PUT');
    assert.equal(got!.body, 'payload');
    assert.equal(got!.headers['content-type'], 'text/plain');
    assert.equal(got!.headers['x-custom'], 'v');
    assert.equal(got!.headers['user-agent'], 'Google-Cloud-Tasks');
    assert.equal(got!.headers['x-cloudtasks-queuename'], 'deliver');
    assert.equal(got!.headers['x-cloudtasks-taskname'], 'w-42');
    assert.equal(got!.headers['x-cloudtasks-taskretrycount'], '0');
    assert.equal(got!.headers['x-cloudtasks-taskexecutioncount'], '0');
    const eta = Number(task.scheduleTime!.seconds) + (task.scheduleTime!.nanos ?? 0) / 1e9;
    assert.ok(Math.abs(Number(got!.headers['x-cloudtasks-tasketa']) - eta) < 1e-3);
    assert.equal(got!.headers['x-cloudtasks-taskpreviousresponse'], undefined);

    const jwt = /^Bearer (.+)$/.exec(String(got!.headers.authorization))![1]!;
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(
      jwt,
      { [fake.oidc.kid]: fake.oidc.publicKeyPem },
      audience,
      ['https://accounts.google.com'],
    );
    const claims = ticket.getPayload()!;
    assert.equal(claims.email, SA);
    assert.equal(claims.email_verified, true);
    assert.equal(claims.aud, audience);
    assert.match(claims.sub, /^\d{21}$/);
    assert.equal(claims.exp - claims.iat, 3600);
    await assert.rejects(
      new OAuth2Client().verifySignedJwtWithCertsAsync(
        jwt,
        { [fake.oidc.kid]: fake.oidc.publicKeyPem },
        'https://other',
      ),
    );
    assert.equal(fake.oidc.jwks.keys[0]!.kid, fake.oidc.kid);

    assert.equal((await failure(client.getTask({ name: task.name }))).code, grpc.status.NOT_FOUND);
    const reused = await failure(
      createTask('deliver', { name: task.name, httpRequest: { url: worker.url('/ok') } }),
    );
    assert.equal(reused.code, grpc.status.ALREADY_EXISTS);

    // With a short tombstone the name frees up again.
    const brief = await startCloudTasksFake({ tombstoneMs: 50 });
    const briefClient = grpcClient(brief);
    try {
      const name = `${LOCATION}/queues/q/tasks/again`;
      await briefClient.createQueue({ parent: LOCATION, queue: { name: `${LOCATION}/queues/q` } });
      const spec = {
        parent: `${LOCATION}/queues/q`,
        task: { name, httpRequest: { url: worker.url('/ok') } },
      };
      await briefClient.createTask(spec);
      await brief.idle();
      await sleep(80);
      const [recreated] = await briefClient.createTask(spec);
      assert.equal(recreated.name, name);
      await brief.idle();
    } finally {
      await briefClient.close();
      await brief.close();
    }
  });

  it('retries a 503 with doubling backoff until max_attempts, then drops the task', async () => {
    await createQueue('flaky', {
      retryConfig: {
        maxAttempts: 4,
        minBackoff: duration(100),
        maxBackoff: duration(1000),
        maxDoublings: 16,
      },
    });
    await createTask('flaky', {
      name: taskPath('flaky', 'down'),
      httpRequest: { url: worker.url('/unavailable') },
    });
    await fake.idle();
    const attempts = fake.dispatches.filter((d) => d.taskId === 'down');
    assert.deepEqual(
      attempts.map((d) => [d.attempt, d.status]),
      [
        [1, 503],
        [2, 503],
        [3, 503],
        [4, 503],
      ],
    );
    // Retries at min_backoff, doubling: 100, 200, 400 ms after each failure.
    for (const [i, want] of [100, 200, 400].entries()) {
      const gap = attempts[i + 1]!.startedMs - attempts[i]!.endedMs!;
      assert.ok(gap >= want - 5 && gap < want + 150, `retry ${i + 1} after ${gap} ms, want ${want}`);
    }
    assert.deepEqual(
      worker.received.map((r) => [
        r.headers['x-cloudtasks-taskretrycount'],
        r.headers['x-cloudtasks-taskexecutioncount'],
      ]),
      [
        ['0', '0'],
        ['1', '0'],
        ['2', '0'],
        ['3', '0'],
      ],
      '5xx answers do not count as executions',
    );
    assert.equal(worker.received[1]!.headers['x-cloudtasks-taskpreviousresponse'], '503');
    assert.ok(worker.received[1]!.headers['x-cloudtasks-taskretryreason']);
    assert.deepEqual(
      fake.dropped.map((d) => [d.taskId, d.attempts, d.lastStatus]),
      [['down', 4, 503]],
    );
  });

  it('retries after a connection reset and after a 409, which counts as an execution', async () => {
    await createQueue('broken', {
      retryConfig: { maxAttempts: 3, minBackoff: duration(50), maxBackoff: duration(50) },
    });
    await createTask('broken', {
      name: taskPath('broken', 'cut'),
      httpRequest: { url: worker.url('/reset') },
    });
    const conflict = await createTask('broken', {
      name: taskPath('broken', 'busy'),
      httpRequest: { url: worker.url('/conflict-once') },
    });
    // Between the two attempts, the task shows the failed one.
    while (!fake.dispatches.some((d) => d.taskId === 'busy' && d.endedMs)) await sleep(5);
    const [between] = await client.getTask({ name: conflict.name });
    assert.equal(between.dispatchCount, 1);
    assert.equal(between.responseCount, 1);
    assert.equal(between.lastAttempt!.responseStatus!.code, 10, 'ABORTED for HTTP 409');
    assert.ok(between.firstAttempt!.dispatchTime);
    await fake.idle();

    const cut = fake.dispatches.filter((d) => d.taskId === 'cut');
    assert.equal(cut.length, 3);
    assert.ok(cut.every((d) => d.status === undefined && d.error && !d.timedOut));
    assert.deepEqual(
      fake.dropped.map((d) => d.taskId),
      ['cut'],
    );
    const busy = worker.received.filter((r) => r.headers['x-cloudtasks-taskname'] === 'busy');
    assert.deepEqual(
      busy.map((r) => r.headers['x-cloudtasks-taskexecutioncount']),
      ['0', '1'],
    );
    assert.equal(busy[1]!.headers['x-cloudtasks-taskpreviousresponse'], '409');
  });

  it('cancels an attempt at its dispatch deadline and retries it', async () => {
    await createQueue('slow', { retryConfig: { maxAttempts: 2, minBackoff: duration(50) } });
    await createTask('slow', { httpRequest: { url: worker.url('/hang') }, dispatchDeadline: duration(300) });
    await fake.idle();
    const attempts = fake.dispatches.filter((d) => d.queue === 'slow');
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt.timedOut, true);
      assert.equal(attempt.deadlineMs, 300);
      const took = attempt.endedMs! - attempt.startedMs;
      assert.ok(took >= 295 && took < 450, `cancelled after ${took} ms`);
    }
    await sleep(20);
    assert.ok(
      worker.received.every((r) => r.abandoned),
      'the worker saw the request go away',
    );
    assert.equal(fake.dropped.length, 1);
  });

  it('never has more than max_concurrent_dispatches in flight, and reaches it under load', async () => {
    await createQueue('fanout', { rateLimits: { maxConcurrentDispatches: 3 } });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        createTask('fanout', {
          name: taskPath('fanout', `t${i}`),
          httpRequest: { url: worker.url('/hold/120') },
        }),
      ),
    );
    await fake.idle();
    assert.equal(worker.received.length, 12);
    assert.equal(worker.maxInFlight, 3, 'seen by the worker');
    assert.equal(fake.maxInFlight('fanout'), 3, 'reported by the fake');
  });

  it('spaces dispatches by max_dispatches_per_second after a burst of max_burst_size', async () => {
    const queue = await createQueue('paced', { rateLimits: { maxDispatchesPerSecond: 10 } });
    assert.equal(queue.rateLimits!.maxBurstSize, 2);
    await Promise.all(
      Array.from({ length: 6 }, () => createTask('paced', { httpRequest: { url: worker.url('/ok') } })),
    );
    await fake.idle();
    const starts = fake.dispatches.map((d) => d.startedMs).sort((a, b) => a - b);
    assert.equal(starts.length, 6);
    // Two at once from the full bucket, then one per 100 ms.
    for (let i = 2; i < starts.length; i++) {
      const since = starts[i]! - starts[0]!;
      assert.ok(since >= (i - 1) * 100 - 10, `dispatch ${i + 1} at +${since} ms`);
    }
    assert.ok(starts[5]! - starts[0]! < 900);
  });

  it('holds tasks while paused, dispatches on resume, and RunTask forces one through', async () => {
    await createQueue('gate');
    const [paused] = await client.pauseQueue({ name: queuePath('gate') });
    assert.equal(paused.state, 'PAUSED');
    const forced = await createTask('gate', {
      name: taskPath('gate', 'forced'),
      httpRequest: { url: worker.url('/ok') },
    });
    await createTask('gate', { name: taskPath('gate', 'waits'), httpRequest: { url: worker.url('/ok') } });
    await sleep(150);
    assert.equal(worker.received.length, 0);
    await assert.rejects(fake.idle(100), /gate: 2 task\(s\) \(paused\)/);

    const [ran] = await client.runTask({ name: forced.name });
    assert.equal(ran.dispatchCount, 1);
    await sleep(50);
    assert.deepEqual(
      worker.received.map((r) => r.headers['x-cloudtasks-taskname']),
      ['forced'],
    );
    const [resumed] = await client.resumeQueue({ name: queuePath('gate') });
    assert.equal(resumed.state, 'RUNNING');
    await fake.idle();
    assert.deepEqual(
      worker.received.map((r) => r.headers['x-cloudtasks-taskname']),
      ['forced', 'waits'],
    );
    assert.equal((await failure(client.runTask({ name: forced.name }))).code, grpc.status.NOT_FOUND);
  });

  it('purges every task of a queue', async () => {
    await createQueue('bin');
    await client.pauseQueue({ name: queuePath('bin') });
    await Promise.all(
      Array.from({ length: 5 }, () => createTask('bin', { httpRequest: { url: worker.url('/ok') } })),
    );
    const [purged] = await client.purgeQueue({ name: queuePath('bin') });
    assert.ok(Number(purged.purgeTime!.seconds) > 0);
    const [left] = await client.listTasks({ parent: queuePath('bin') });
    assert.equal(left.length, 0);
    await client.resumeQueue({ name: queuePath('bin') });
    await fake.idle(1000);
    assert.equal(worker.received.length, 0);
  });

  it('honours schedule_time: counts as pending until then, dispatched at it', async () => {
    await createQueue('later');
    const at = Date.now() + 400;
    await createTask('later', {
      httpRequest: { url: worker.url('/ok') },
      scheduleTime: { seconds: Math.floor(at / 1000), nanos: (at % 1000) * 1e6 },
    });
    await assert.rejects(fake.idle(100));
    await fake.idle();
    assert.equal(worker.received.length, 1);
    assert.ok(worker.received[0]!.at >= at, `dispatched ${at - worker.received[0]!.at} ms early`);
    assert.ok(Math.abs(Number(worker.received[0]!.headers['x-cloudtasks-tasketa']) * 1000 - at) < 2);
  });

  it('reset forgets queues, tasks, tombstones and records', async () => {
    await createQueue('gone');
    await createTask('gone', { name: taskPath('gone', 'x'), httpRequest: { url: worker.url('/ok') } });
    await fake.idle();
    await client.deleteQueue({ name: queuePath('gone') });
    await fake.reset();
    assert.equal(fake.dispatches.length, 0);
    await createQueue('gone');
    const [again] = await client.createTask({
      parent: queuePath('gone'),
      task: { name: taskPath('gone', 'x'), httpRequest: { url: worker.url('/ok') } },
    });
    assert.equal(again.name, taskPath('gone', 'x'));
    await fake.idle();
  });
});

describe('Cloud Tasks fake over REST (gcloud tasks, client fallback mode)', () => {
  let fake: CloudTasksFake;
  let worker: Worker;
  let config: GcloudConfig;

  before(async () => {
    [fake, worker] = await Promise.all([startCloudTasksFake(), startWorker()]);
    config = gcloudConfig('gcloud-tasks-spec-');
  });
  beforeEach(async () => {
    await fake.reset();
    worker.clear();
  });
  after(async () => {
    await Promise.all([fake.close(), worker.close()]);
    config.remove();
  });

  const gcloud = (...args: string[]) =>
    config.gcloud(['tasks', ...args, '--project=tasks-spec', '--location=us-central1'], {
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS: `${fake.url}/`,
    });
  const json = async (...args: string[]) =>
    JSON.parse(await gcloud(...args, '--format=json')) as Record<string, unknown>;

  it('gcloud creates, describes and lists queues and tasks in one store with the gRPC client', async () => {
    const client = grpcClient(fake);
    try {
      // Two rounds of parallel gcloud calls (each costs a Python start): the task goes into a
      // queue the Node client made, while gcloud makes another.
      await client.createQueue({ parent: LOCATION, queue: { name: queuePath('made') } });
      const later = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      await Promise.all([
        gcloud(
          'queues',
          'create',
          'cli',
          '--max-concurrent-dispatches=2',
          '--max-attempts=3',
          '--min-backoff=0.2s',
        ),
        gcloud(
          'create-http-task',
          'later',
          '--queue=made',
          `--url=${worker.url('/ok')}`,
          '--method=PUT',
          '--body-content=from gcloud',
          '--header=Content-Type:text/plain',
          `--oidc-service-account-email=${SA}`,
          `--schedule-time=${later}`,
        ),
      ]);
      const [viaGrpc] = await client.getQueue({ name: queuePath('cli') });
      assert.equal(viaGrpc.rateLimits!.maxConcurrentDispatches, 2);
      assert.equal(viaGrpc.retryConfig!.maxAttempts, 3);
      assert.equal(Number(viaGrpc.retryConfig!.minBackoff!.nanos), 200e6);
      const [made] = await client.getTask({ name: taskPath('made', 'later'), responseView: 'FULL' });
      assert.equal(Buffer.from(made.httpRequest!.body!).toString(), 'from gcloud');

      const [described, queues, tasks, task] = await Promise.all([
        json('queues', 'describe', 'cli'),
        gcloud('queues', 'list', '--format=json'),
        gcloud('list', '--queue=made', '--format=json'),
        json('describe', 'later', '--queue=made', '--response-view=full'),
      ]);
      assert.equal(described.state, 'RUNNING');
      assert.deepEqual(described.rateLimits, {
        maxBurstSize: 100,
        maxConcurrentDispatches: 2,
        maxDispatchesPerSecond: 500,
      });
      assert.deepEqual(described.retryConfig, {
        maxAttempts: 3,
        maxBackoff: '3600s',
        maxDoublings: 16,
        minBackoff: '0.200s',
      });
      assert.deepEqual(
        (JSON.parse(queues) as { name: string }[]).map((q) => q.name),
        [queuePath('cli'), queuePath('made')],
      );
      assert.deepEqual(
        (JSON.parse(tasks) as { name: string }[]).map((t) => t.name),
        [taskPath('made', 'later')],
      );
      const http = task.httpRequest as Record<string, unknown>;
      assert.equal(http.httpMethod, 'PUT');
      assert.equal(Buffer.from(http.body as string, 'base64').toString(), 'from gcloud');
      assert.deepEqual(http.headers, { 'Content-Type': 'text/plain' });
      assert.deepEqual(http.oidcToken, { serviceAccountEmail: SA, audience: worker.url('/ok') });
      assert.equal(task.scheduleTime, later);
      assert.equal(task.dispatchDeadline, '600s');
      assert.equal(task.view, 'FULL');
      assert.equal(worker.received.length, 0, 'not due for an hour');
    } finally {
      await client.close();
    }
  });

  it('serves the Node client in REST fallback mode', async () => {
    const client = new CloudTasksClient(restFallback<GaxAuthClient>(fake.url));
    try {
      const [queue] = await client.createQueue({
        parent: LOCATION,
        queue: { name: queuePath('fallback'), retryConfig: { minBackoff: duration(1500) } },
      });
      assert.equal(Number(queue.retryConfig!.minBackoff!.seconds), 1);
      assert.equal(Number(queue.retryConfig!.minBackoff!.nanos), 500e6);
      await client.pauseQueue({ name: queue.name });
      const [task] = await client.createTask({
        parent: queue.name,
        task: { httpRequest: { url: worker.url('/ok'), body: Buffer.from([0, 1, 255]) } },
      });
      const [full] = await client.getTask({ name: task.name, responseView: 'FULL' });
      assert.deepEqual([...Buffer.from(full.httpRequest!.body as Uint8Array)], [0, 1, 255]);
      // Google's dispatch_deadline floor is 15 s (the gRPC spec's fake was started with 100 ms).
      const tooShort = client.createTask({
        parent: queue.name,
        task: { httpRequest: { url: worker.url('/ok') }, dispatchDeadline: duration(14_000) },
      });
      await assert.rejects(tooShort, (error: { code: number }) => error.code === 400 || error.code === 3);
      await client.resumeQueue({ name: queue.name });
      await fake.idle();
      assert.deepEqual(
        worker.received.map((r) => r.body),
        [Buffer.from([0, 1, 255]).toString()],
      );
      await assert.rejects(
        client.getQueue({ name: queuePath('nope') }),
        (error: { code: number }) => error.code === 404 || error.code === 5,
      );
    } finally {
      await client.close();
    }
  });
});
