/**
 * The export function end to end: functions-framework -> real client libraries -> local stack.
 * Every scenario ends by comparing BigQuery with the Looker fake's source of truth, row for row.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource, progressDoc, tableRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const at = (iso: string) => new Date(iso);
const EPOCH = day('2000-01-01');

let h: Harness;

before(async () => {
  h = await startHarness({ now: at('2026-11-24T03:00:00Z') });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(at('2026-11-24T03:00:00Z'));
});

function windows(body: { instances: { explores: { windows: { window: string; status: string }[] }[] }[] }) {
  return body.instances[0]!.explores[0]!.windows.map((w) => `${w.window}:${w.status}`);
}

/** The first day Looker holds history rows on: where an initial load starts. */
function earliestDay(): string {
  const first = h.stack.looker.truth('history', EPOCH, day('2026-11-24'))[0] as Record<string, string>;
  return first['history.created_time']!.slice(0, 10);
}

/** Query runs Looker records on `date`: appended "as time passes". */
function recordActivity(date: string, count: number, firstId: number) {
  h.stack.looker.append(
    'history',
    Array.from({ length: count }, (_, i) => ({
      'history.id': firstId + i,
      'history.created_time': `${date} ${String(1 + (i % 22)).padStart(2, '0')}:15:00`,
      'history.runtime': 0.25 * i,
      'history.status': i % 5 ? 'complete' : 'error',
      'history.source': i % 2 ? 'dashboard' : 'api4',
      'history.message': i % 5 ? null : `Appended ${date} #${i} "quoted" ünïcode`,
      'history.query_id': 900_000 + i,
      'history.user_id': 1 + (i % 7),
    })),
  );
}

describe('the scheduled run', () => {
  it('first loads everything Looker has, then each new day, exactly once', async () => {
    const first = await h.call({});
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, 'succeeded');
    // One window from the earliest day Looker holds, counted first: one count, one read.
    assert.deepEqual(windows(first.body), [`dt=${earliestDay()}..2026-11-23:loaded`]);
    assert.equal(first.body.instances[0].explores[0].lookerQueries, 2);
    const initialRows = await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
    assert.equal(first.body.instances[0].explores[0].rows, initialRows);
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-24T00:00:00.000Z',
    });

    recordActivity('2026-11-24', 25, 5_000_000);
    h.clock.set(at('2026-11-25T03:00:00Z'));
    const second = await h.call({});
    assert.equal(second.status, 200, JSON.stringify(second.body));
    // The settle day and the new day, counted and read together.
    assert.deepEqual(windows(second.body), ['dt=2026-11-23..2026-11-24:loaded']);
    assert.equal(
      second.body.instances[0].explores[0].lookerQueries,
      2,
      JSON.stringify(second.body.instances[0].explores[0]),
    );
    await assertTableMatchesSource(h, EPOCH, day('2026-11-25'));
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-25T00:00:00.000Z',
    });
  });

  it('merges, never appends, when the same day runs again', async () => {
    await h.call({});
    const before = (await tableRows(h.clients.bigquery, h.config.bigquery.dataset)).length;
    const again = await h.call({});
    assert.equal(again.status, 200);
    assert.deepEqual(windows(again.body), ['dt=2026-11-23:loaded']);
    assert.equal((await tableRows(h.clients.bigquery, h.config.bigquery.dataset)).length, before);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });

  it('catches up every day that skipped runs missed', async () => {
    await h.call({});
    recordActivity('2026-11-24', 10, 5_100_000);
    recordActivity('2026-11-25', 11, 5_200_000);
    recordActivity('2026-11-26', 12, 5_300_000);
    h.clock.set(at('2026-11-27T03:00:00Z'));
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(windows(res.body), ['dt=2026-11-23..2026-11-26:loaded']);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-27'));
    assert.equal((await progressDoc(h.clients.firestore, h))?.watermark, '2026-11-27T00:00:00.000Z');
  });

  it('moves the watermark over days Looker holds nothing for, reading nothing there', async () => {
    await h.call({});
    // The source has nothing after 2026-11-24 03:00 but the exporter's own queries, which it
    // leaves out: the 25th loads no row.
    h.clock.set(at('2026-11-26T03:00:00Z'));
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await progressDoc(h.clients.firestore, h))?.watermark, '2026-11-26T00:00:00.000Z');
    await assertTableMatchesSource(h, EPOCH, day('2026-11-26'));
  });
});

describe('a long initial load', () => {
  it('lands window by window, and each next call resumes where the budget stopped the last', async () => {
    const call = h.instance({ WINDOW_MAX_ROWS: '1000', RUN_BUDGET_SECONDS: '1' });
    // The count takes longer than the whole budget: no window starts, nothing is recorded.
    h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'delay', ms: 1200 } });
    const first = await call({ explores: ['history'] });
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 3000));
    assert.equal(first.body.status, 'partial');
    const planned = first.body.instances[0].explores[0].windows as { status: string; end: string }[];
    assert.ok(planned.length >= 5, `${planned.length} windows`);
    assert.ok(planned.every((w) => w.status === 'skipped'));
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);

    // Each query now takes 0.6 s: a call's count and first window outlast its budget, so every
    // call lands one window, records it, and leaves the rest to the next.
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      times: 100,
      fault: { kind: 'delay', ms: 600 },
    });
    const watermarks: string[] = [];
    for (let calls = 0; calls < planned.length + 2; calls++) {
      const res = await call({ explores: ['history'] });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 3000));
      const progress = await progressDoc(h.clients.firestore, h);
      watermarks.push(progress!.watermark!);
      if (res.body.status === 'succeeded') break;
      assert.equal(res.body.status, 'partial');
      assert.equal(progress!.initialLoadDone, false);
    }
    h.stack.looker.faults.clear();
    assert.deepEqual(
      watermarks,
      planned.map((w) => w.end),
    );
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-24T00:00:00.000Z',
    });
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });
});

describe('a backfill', () => {
  it('loads exactly the asked days and leaves the daily progress alone', async () => {
    const res = await h.call({ from: '2026-11-10', to: '2026-11-12' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.mode, 'backfill');
    assert.deepEqual(windows(res.body), ['dt=2026-11-10..2026-11-12:loaded']);
    await assertTableMatchesSource(h, day('2026-11-10'), day('2026-11-13'));
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });

  it('rerun over loaded days keeps each row once', async () => {
    await h.call({});
    const res = await h.call({ from: '2026-11-01', to: '2026-11-20' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: '2026-11-24T00:00:00.000Z',
    });
  });

  it('of days Looker holds nothing for costs one count and loads nothing', async () => {
    const res = await h.call({ explores: ['history'], from: '2026-10-01', to: '2026-10-03' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const history = res.body.instances[0].explores[0];
    assert.equal(history.lookerQueries, 1);
    assert.deepEqual(windows(res.body), ['dt=2026-10-01..2026-10-03:empty']);
    assert.equal(history.windows[0].jobId, undefined);
    assert.equal((await tableRows(h.clients.bigquery, h.config.bigquery.dataset)).length, 0);
  });
});

describe('a dry run', () => {
  it('plans the windows and touches nothing', async () => {
    const res = await h.call({ dryRun: true });
    assert.equal(res.status, 200);
    assert.deepEqual(windows(res.body), [`dt=${earliestDay()}..2026-11-23:planned`]);
    assert.equal((await tableRows(h.clients.bigquery, h.config.bigquery.dataset)).length, 0);
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });
});
