/**
 * The preflight's `firestore.last_success` line: per instance, the gap since the last successful
 * run, read from the progress runs record (through the real StateStore, on Google's Firestore
 * emulator), and a warning past RETENTION_ALERT_DAYS that says when Looker drops, or that it
 * dropped, rows the archive does not hold: scheduled-task history is kept 7 days, so a 9-day
 * outage loses some for good.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { explores } from '../../src/explores/index.js';
import { RETENTION_ALERT_DAYS } from '../../src/explores/retention.js';
import { checkLastSuccess } from '../../src/preflight/last-success.js';
import { StateStore } from '../../src/state/store.js';
import { startFirestoreEmulator, type FirestoreEmulator } from '../stack/firestore/index.js';
import { TcpProxy } from '../support/tcp-proxy.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const NOW = new Date('2026-12-06T06:00:00Z');
const DAY_MS = 86_400_000;
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const midnight = (date: Date) => new Date(`${date.toISOString().slice(0, 10)}T00:00:00Z`);
const [history, query, user] = ['history', 'query', 'user'].map((name) => explores.get(name)!);
const EXPORTED = [history!, query!, user!];

let emulator: FirestoreEmulator;
let firestore: Firestore;
const clients: Firestore[] = [];

before(async () => {
  emulator = await startFirestoreEmulator();
  firestore = client(emulator.host);
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.terminate()));
  await emulator?.close();
});

function client(host: string): Firestore {
  const c = new Firestore({
    projectId: 'demo-retention',
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
  });
  clients.push(c);
  return c;
}

/** A store of its own (a fresh collection per spec), as the exporter and the preflight build it. */
const storeFor = (
  instance: string,
  collection = `progress_${randomUUID().slice(0, 8)}`,
  timeoutMs = 10_000,
) => new StateStore(firestore, collection, instance, { timeoutMs });

/**
 * A daily run at `at` that lands each explore, recording what runs record: an incremental
 * explore's watermark moves to the start of the run's day, a snapshot's to the next day.
 */
async function succeededAt(store: StateStore, at: Date, names: string[]): Promise<void> {
  const runId = `run-${randomUUID()}`;
  await store.acquireLease(runId, 3_600_000, at);
  for (const name of names) {
    const watermark =
      explores.get(name)!.mode === 'snapshot' ? new Date(midnight(at).getTime() + DAY_MS) : midnight(at);
    await store.recordWindow(
      runId,
      name,
      { initialLoadDone: true, watermark, window: `dt=${at.toISOString().slice(0, 10)}` },
      at,
    );
  }
  await store.releaseLease(runId);
}

describe('firestore.last_success', () => {
  it('is ok before any run, naming nothing as lost (the first run reads what Looker still keeps)', async () => {
    const line = await checkLastSuccess(storeFor('acme'), 'acme', EXPORTED, NOW);
    assert.deepEqual(line, {
      instance: 'acme',
      check: 'firestore.last_success',
      status: 'ok',
      detail: 'no run has recorded progress yet (the first run reads what Looker still keeps)',
      fix: '',
    });
  });

  it('reports per instance the gap of the explore longest without a success, and names explores never recorded', async () => {
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
    const proxy = await TcpProxy.start(emulator.host);
    const through = client(proxy.host);
    after(() => proxy.close());
    const store = new StateStore(through, `progress_${randomUUID().slice(0, 8)}`, 'acme', {
      timeoutMs: 1_000,
    });
    await store.readRecordedProgress(['history']);
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
});
