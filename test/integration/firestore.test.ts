/**
 * Firestore holds the run lease and the progress. When it cannot be reached a run fails fast
 * with 503 (Cloud Scheduler retries) and touches nothing; a lease that lands after its run gave
 * up never blocks the next run; and however many runs race for the lease, one wins.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Firestore, FieldValue, Timestamp } from '@google-cloud/firestore';
import { ConflictError, DependencyError } from '../../src/errors.js';
import { history } from '../../src/explores/history.js';
import type { ExploreDefinition } from '../../src/explores/index.js';
import { DEFAULT_STATE_TIMEOUT_MS, StateStore } from '../../src/state/store.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource, progressDoc, tableRows, truthRows } from '../support/oracle.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const NOW = new Date('2026-11-24T03:00:00Z');
const TTL = 3_900_000;
const SHORT_TIMEOUT_MS = 1_500;

let h: Harness;
const cleanup: (() => Promise<unknown>)[] = [];
before(async () => {
  h = await startHarness({ now: NOW });
});
after(async () => {
  await Promise.allSettled(cleanup.map((fn) => fn()));
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

/** The Firestore client reads its emulator host from the environment when it is constructed. */
function withFirestoreAt<T>(host: string, create: () => T): T {
  const previous = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    return create();
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = previous;
  }
}

/** A proxy in front of the real emulator, removed after the file. */
async function proxyToFirestore(): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(h.stack.env.FIRESTORE_EMULATOR_HOST!);
  cleanup.push(() => proxy.close());
  return proxy;
}

function firestoreAt(host: string): Firestore {
  const firestore = withFirestoreAt(host, () => new Firestore({ projectId: h.config.projectId }));
  cleanup.push(() => firestore.terminate());
  return firestore;
}

function storeOn(firestore: Firestore, timeoutMs = SHORT_TIMEOUT_MS): StateStore {
  return new StateStore(firestore, h.config.firestore.collection, h.config.instances[0]!.name, {
    timeoutMs,
  });
}

const instanceDoc = () =>
  h.clients.firestore
    .collection(h.config.firestore.collection)
    .doc(encodeURIComponent(h.config.instances[0]!.name).replace(/\./g, '%2E'));

async function leaseHolder(): Promise<string | null> {
  const lease = (await instanceDoc().get()).get('lease') as { holder: string } | null | undefined;
  return lease?.holder ?? null;
}

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: Math.round(performance.now() - started) };
}

const transientFirestoreError = (error: unknown) => {
  assert.ok(error instanceof DependencyError, String(error));
  assert.equal(error.service, 'firestore');
  assert.equal(error.transient, true);
  return true;
};

describe('when Firestore cannot be reached', () => {
  it('answers 503 within the bound, touches nothing, and the next run completes once it is back', async (t) => {
    const proxy = await proxyToFirestore();
    const call = withFirestoreAt(proxy.host, () => h.instance());
    await proxy.down();

    const { value: res, ms } = await timed(call({}));
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.code, 'firestore_error');
    assert.match(res.body.error, /acquiring the run lease failed: no answer within 15 s/);
    // The production bound stopped it, not the client's own retries (~229 s before the bound).
    assert.ok(ms >= DEFAULT_STATE_TIMEOUT_MS - 50 && ms < DEFAULT_STATE_TIMEOUT_MS + 3_000, `took ${ms} ms`);
    t.diagnostic(`time to 503 with Firestore unreachable: ${ms} ms`);

    assert.equal(h.stack.looker.requests.length, 0, 'Looker was called');
    assert.equal(h.stack.bigquery.jobs.length, 0, 'a load job ran');
    const [objects] = await h.clients.storage.bucket(h.config.gcs.bucket).getFiles();
    assert.deepEqual(
      objects.map((o) => o.name),
      [],
    );
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
    assert.equal(await leaseHolder(), null);

    // Firestore is back. The same function instance's client reconnects once its gRPC backoff
    // from the failed attempts runs out (seconds, growing with the outage); its next run completes.
    const reconnected = proxy.nextConnection(60_000);
    await proxy.up();
    const { ms: reconnectMs } = await timed(reconnected);
    t.diagnostic(`client reconnected ${reconnectMs} ms after Firestore came back`);
    const rerun = await timed(call({}));
    assert.equal(rerun.value.status, 200, JSON.stringify(rerun.value.body));
    t.diagnostic(`run after Firestore came back: ${rerun.ms} ms`);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
    await assertEachRowOnce(history, EPOCH, day('2026-11-24'));
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-24T00:00:00.000Z',
    });
    assert.equal(await leaseHolder(), null, 'the lease was not released');
  });

  it('bounds every state call when Firestore accepts connections but never answers', async () => {
    const proxy = await proxyToFirestore();
    const store = storeOn(firestoreAt(proxy.host));
    await store.readProgress('history'); // connected: what follows is held, not refused
    await storeOn(h.clients.firestore).acquireLease('run-a', TTL, NOW);
    proxy.hold();
    const calls = await Promise.all(
      [
        () => store.acquireLease('run-b', TTL, NOW),
        () => store.readProgress('history'),
        () => store.recordWindow('run-a', 'history', { watermark: day('2026-11-23'), window: 'w' }, NOW),
        () => store.releaseLease('run-a'),
      ].map((call) =>
        timed(
          call().then(
            () => 'succeeded',
            (error: unknown) => error,
          ),
        ),
      ),
    );
    for (const { value, ms } of calls) {
      transientFirestoreError(value);
      assert.match((value as Error).message, /no answer within 1\.5 s/);
      assert.ok(ms >= SHORT_TIMEOUT_MS - 50 && ms < SHORT_TIMEOUT_MS + 1_000, `took ${ms} ms`);
    }
    // Let the abandoned calls finish before the client is closed.
    proxy.release();
    await store.readProgress('history');
    await new Promise((r) => setTimeout(r, 300));
  });
});

describe('a lease that lands after its run gave up', () => {
  it('never blocks the next run: an acquire whose commit arrives late is taken over', async () => {
    const proxy = await proxyToFirestore();
    const late = storeOn(firestoreAt(proxy.host));
    await late.readProgress('history'); // connected, so only the transaction's traffic is held

    // Let the lease read through, then hold everything the client sends (the commit) past the deadline.
    proxy.holdAfterNextReply();
    const { value: outcome, ms } = await timed(
      late.acquireLease('run-late', TTL, NOW).then(
        () => 'acquired',
        (e: unknown) => e,
      ),
    );
    transientFirestoreError(outcome);
    assert.ok(ms < SHORT_TIMEOUT_MS + 1_000, `took ${ms} ms`);
    // Well past the claim deadline plus the clock slack, the held commit reaches Firestore.
    await new Promise((r) => setTimeout(r, 2_000));
    proxy.release();
    // It did land (a lease was written: the field exists, as a lease or as released), so this
    // is the late-commit case and not an attempt that gave up before writing.
    await waitFor(async () => (await instanceDoc().get()).get('lease') !== undefined);

    // The next run, with the production bound: under contention the client backs off ~1 s.
    const next = storeOn(h.clients.firestore, DEFAULT_STATE_TIMEOUT_MS);
    await next.acquireLease('run-next', TTL, NOW);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await leaseHolder(), 'run-next');
  });

  it('is void for other runs when Firestore committed it after its claim deadline, and holds otherwise', async () => {
    const store = storeOn(h.clients.firestore);
    const lease = (claimDeadline: number) => ({
      lease: {
        holder: 'other-run',
        acquiredAt: Timestamp.fromDate(NOW),
        expiresAt: Timestamp.fromMillis(NOW.getTime() + TTL),
        claimDeadline: Timestamp.fromMillis(claimDeadline),
        committedAt: FieldValue.serverTimestamp(),
      },
    });
    // Committed 10 s after its run stopped waiting (that process then froze, so it never cleaned up).
    await instanceDoc().set(lease(Date.now() - 10_000));
    await store.acquireLease('run-b', TTL, NOW);
    assert.equal(await leaseHolder(), 'run-b');

    // Committed in time: its run is working under it.
    await instanceDoc().set(lease(Date.now() + 10_000));
    await assert.rejects(store.acquireLease('run-c', TTL, NOW), ConflictError);
    assert.equal(await leaseHolder(), 'other-run');
  });
});

describe('runs racing for the lease', () => {
  it('lets exactly one of many concurrent acquireLease calls win', async () => {
    const store = storeOn(h.clients.firestore, DEFAULT_STATE_TIMEOUT_MS);
    const ids = Array.from({ length: 20 }, (_, i) => `racer-${i}`);
    const outcomes = await Promise.allSettled(ids.map((id) => store.acquireLease(id, TTL, NOW)));
    const won = ids.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    const refused = outcomes.filter(
      (o): o is PromiseRejectedResult => o.status === 'rejected' && o.reason instanceof ConflictError,
    );
    assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
    assert.equal(refused.length, ids.length - 1, JSON.stringify(outcomes.map((o) => o.status)));
    assert.equal(await leaseHolder(), won[0]);
  });

  it('runs one of 8 concurrent calls; the others answer 409, and every row lands once', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => h.call({})));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409], JSON.stringify(statuses));
    for (const refused of responses.filter((r) => r.status === 409))
      assert.match(refused.body.error, /holds the lease/);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
    await assertEachRowOnce(history, EPOCH, day('2026-11-24'));
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-24T00:00:00.000Z',
    });
    assert.equal(await leaseHolder(), null);
    // One run's jobs only: one initial-load window per explore, each a staging load, a key
    // check and the MERGE.
    assert.equal(h.stack.bigquery.jobs.length, 2 * 3);
  });
});

/** Every source row of the explore, once (by id; assertTableMatchesSource compares values too). */
async function assertEachRowOnce(explore: ExploreDefinition, from: Date, to: Date): Promise<void> {
  const ids = (rows: Record<string, unknown>[]) => rows.map((row) => String(row.id)).sort();
  const actual = ids(await tableRows(h.clients.bigquery, h.config.bigquery.dataset, explore));
  const expected = ids(truthRows(h, from, to, explore));
  assert.ok(expected.length > 0);
  assert.deepEqual(actual, expected);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
