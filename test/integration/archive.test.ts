/**
 * The archive's guarantees, end to end: Looker's queries spent like money (count first, each row
 * read once, a cap continued rather than re-read), initial loads that resume, statuses Cloud
 * Scheduler can act on, and deployments that cannot share progress by accident.
 */
import assert from 'node:assert/strict';
import { Timestamp } from '@google-cloud/firestore';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource, progressDoc } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const NOW = new Date('2026-11-24T03:00:00Z');
const EPOCH = day('2000-01-01');

let h: Harness;
before(async () => {
  // 5000 history rows over 30 days (about 170 a day); Looker caps every result at 40 rows, as
  // for an API user without download_without_limit.
  h = await startHarness({ now: NOW, stack: { looker: { rowCap: 40 } } });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

type Body = {
  status: string;
  lookerQueries: number;
  instances: {
    instance: string;
    status: string;
    explores: {
      explore: string;
      lookerQueries: number;
      rows: number;
      windows: {
        window: string;
        status: string;
        counted: number;
        rows: number;
        end: string;
        pieces?: number;
      }[];
    }[];
  }[];
};
const explore = (body: Body, name = 'history') =>
  body.instances[0]!.explores.find((e) => e.explore === name)!;
const rowsOf = (from: string, to: string) => h.stack.looker.truth('history', day(from), day(to)).length;

describe('count first, read once', () => {
  it('continues a page Looker capped after its last row, with the known cap as page size', async () => {
    const rows = rowsOf('2026-11-20', '2026-11-21');
    const res = await h.instance({ LOOKER_ROW_CAP: '40' })({
      explores: ['history'],
      from: '2026-11-20',
      to: '2026-11-20',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const history = explore(res.body as Body);
    // One count, then pages of 40 continued strictly after the last row: no row read twice.
    assert.equal(history.lookerQueries, 1 + Math.floor(rows / 40) + 1);
    assert.equal(history.windows[0]!.counted, rows);
    await assertTableMatchesSource(h, day('2026-11-20'), day('2026-11-21'));
  });

  it('reads a capped initial load in pages of the cap, each row once', async () => {
    const res = await h.instance({ LOOKER_ROW_CAP: '40' })({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const history = explore(res.body as Body);
    const counted = history.windows.reduce((sum, w) => sum + w.counted, 0);
    // One count, then one query per 40 rows: a continued page re-reads only the few rows of
    // the second it stopped in, so the pages stay within 5% of the minimum.
    assert.ok(history.lookerQueries <= 1 + Math.ceil((1.05 * counted) / 40) + 1, `${history.lookerQueries}`);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });

  it('learns a cap Looker never announced from the first short page, and loses no row', async () => {
    const rows = rowsOf('2026-11-18', '2026-11-20');
    const res = await h.instance({ LOOKER_ROW_CAP: '0' })({
      explores: ['history'],
      from: '2026-11-18',
      to: '2026-11-19',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const history = explore(res.body as Body);
    assert.equal(history.rows, await assertTableMatchesSource(h, day('2026-11-18'), day('2026-11-20')));
    // The first page shows the cap (40 of `rows`); every later page asks for 40 and continues.
    assert.ok(history.lookerQueries <= 1 + Math.ceil(rows / 40) + 1, `${history.lookerQueries} queries`);
    assert.ok(history.windows[0]!.pieces! >= Math.floor(rows / 40));
  });

  it('reads more rows in one second than the cap by key, not by stalling', async () => {
    h.stack.looker.append(
      'history',
      Array.from({ length: 130 }, (_, i) => ({
        'history.id': 7_000_000 + i,
        'history.created_time': '2026-11-20 12:00:00',
        'history.status': 'complete',
        'history.source': 'api4',
        'history.user_id': 7,
      })),
    );
    const res = await h.instance({ LOOKER_ROW_CAP: '40' })({
      explores: ['history'],
      from: '2026-11-20',
      to: '2026-11-20',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await assertTableMatchesSource(h, day('2026-11-20'), day('2026-11-21'));
  });
});

describe('a long initial load', () => {
  it('keeps what landed when a later window fails, and the rerun continues from there', async () => {
    const call = h.instance({ LOOKER_ROW_CAP: '40', WINDOW_MAX_ROWS: '1000' });
    // As soon as the first window is recorded, Looker starts failing for good.
    let armed = false;
    const watch = setInterval(() => {
      void progressDoc(h.clients.firestore, h).then((progress) => {
        if (progress && !armed) {
          armed = true;
          h.stack.looker.faults.add({
            match: 'POST /api/4.0/queries/run',
            times: 1000,
            fault: { kind: 'status', status: 500 },
          });
        }
      });
    }, 10);
    const first = await call({ explores: ['history'] }).finally(() => clearInterval(watch));
    assert.equal(first.status, 503, JSON.stringify(first.body).slice(0, 3000));
    const windows = explore(first.body as Body).windows;
    assert.equal(windows[0]!.status, 'loaded');
    assert.equal(windows[1]!.status, 'failed');
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: false,
      watermark: windows[0]!.end,
    });

    h.stack.looker.faults.clear();
    const second = await call({ explores: ['history'] });
    assert.equal(second.status, 200, JSON.stringify(second.body).slice(0, 3000));
    // The rerun starts at the first window that did not land.
    assert.equal(explore(second.body as Body).windows[0]!.window, windows[1]!.window);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });
});

describe('statuses Cloud Scheduler can act on', () => {
  it('answers 409 when any instance is busy, so Scheduler retries the call', async () => {
    const instances = JSON.stringify([
      {
        name: 'us',
        baseUrl: h.stack.looker.url,
        clientIdSecret: 'looker-client-id',
        clientSecretSecret: 'looker-client-secret',
      },
      {
        name: 'busy',
        baseUrl: h.stack.looker.url,
        clientIdSecret: 'looker-client-id',
        clientSecretSecret: 'looker-client-secret',
        dataset: h.config.bigquery.dataset + '_busy',
      },
    ]);
    await h.clients.firestore
      .collection(h.config.firestore.collection)
      .doc('busy')
      .set({
        lease: {
          holder: 'another-run',
          acquiredAt: Timestamp.now(),
          expiresAt: Timestamp.fromMillis(Date.now() + 600_000),
        },
      });
    const res = await h.instance({
      LOOKER_BASE_URL: '',
      LOOKER_CLIENT_ID_SECRET: '',
      LOOKER_CLIENT_SECRET_SECRET: '',
      LOOKER_INSTANCE_NAME: '',
      LOOKER_INSTANCES: instances,
    })({ explores: ['role'] });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.status, 'busy');
    assert.deepEqual(
      (res.body as Body).instances.map((i) => `${i.instance}:${i.status}`),
      ['us:succeeded', 'busy:busy'],
    );
  });

  it('answers 503 when the budget skipped a snapshot (it can only be taken today), and the retry takes it', async () => {
    const call = h.instance({ RUN_BUDGET_SECONDS: '1', EXPLORE_CONCURRENCY: '1' });
    h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'delay', ms: 1200 } });
    const first = await call({ explores: ['merge_query', 'user'] });
    assert.equal(first.status, 503, JSON.stringify(first.body));
    const body = first.body as Body;
    // Snapshots go first: the budget ran out while user was being counted.
    assert.equal(body.instances[0]!.explores[0]!.explore, 'user');
    assert.equal(explore(body, 'user').windows[0]!.status, 'skipped');
    const retry = await call({ explores: ['merge_query', 'user'] });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(explore(retry.body as Body, 'user').windows[0]!.status, 'loaded');
  });

  it('answers 503 when BigQuery is unreachable, with nothing recorded', async () => {
    const res = await h.instance({ BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9' })({
      explores: ['merge_query'],
    });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(await progressDoc(h.clients.firestore, h, 'merge_query'), undefined);
  });
});

describe('two deployments', () => {
  it('cannot share progress through one Firestore collection: the second is refused, the first untouched', async () => {
    const first = await h.call({ explores: ['merge_query'] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const progress = await progressDoc(h.clients.firestore, h, 'merge_query');
    assert.ok(progress);
    const other = await h.instance({ BQ_DATASET: 'another_deployment' })({ explores: ['merge_query'] });
    assert.equal(other.status, 500, JSON.stringify(other.body));
    assert.match(other.body.error, /FIRESTORE_COLLECTION/);
    assert.deepEqual(await progressDoc(h.clients.firestore, h, 'merge_query'), progress);
  });
});
