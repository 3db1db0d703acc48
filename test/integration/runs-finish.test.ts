/**
 * Runs that always finish: a backfill longer than one call resumes where it stopped and costs
 * nothing once done; no explore is planned once the budget is spent; the call's status asks for
 * a retry whenever one can pass; two instances share the budget fairly; and a column Looker
 * added earlier keeps loading when Looker changes its type.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import type { LookerQueryBody } from '../stack/looker/index.js';
import { instancesEnv, lookerFakeFor, lookerSecrets, startFanOut } from '../support/fan-out.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, progressDoc, tableRows, truthRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const NOW = new Date('2026-11-24T03:00:00Z');
const history = explores.get('history')!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A count asks only for a date and a count measure (or a count alone); a page asks for rows. */
const isCount = (query: LookerQueryBody) => (query.fields ?? []).length <= 2;

type Window = { window: string; status: string; error?: { message: string; transient: boolean } };
type Explore = {
  explore: string;
  status: string;
  lookerQueries: number;
  rows: number;
  note?: string;
  takeableToday?: boolean;
  windows: Window[];
};
type Body = {
  status: string;
  httpStatus: number;
  retryable: boolean;
  lookerQueries: number;
  instances: { instance: string; status: string; explores: Explore[] }[];
};

let h: Harness;
before(async () => {
  h = await startHarness({ now: NOW, stack: { secrets: { secrets: lookerSecrets(['emea']) } } });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

describe('a backfill longer than one call', () => {
  it('resumes after the last window that landed, answers partial while work is left, and costs nothing once done', async () => {
    // Each page takes longer than the whole 2 s budget, so a call lands the window it started
    // (inside its grace) and skips the rest: one window per call.
    const slowPages = h.stack.looker.onQuery(async (query) => {
      if (!isCount(query)) await sleep(2_200);
    });
    // About 170 history rows a day, at most 200 a window: one window per day.
    const call = h.instance({ RUN_BUDGET_SECONDS: '2', WINDOW_MAX_ROWS: '200' });
    const backfill = { explores: ['history'], from: '2026-11-18', to: '2026-11-20' };
    const landed: string[] = [];
    for (const attempt of [1, 2, 3]) {
      const res = await call(backfill);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const explore = (res.body as Body).instances[0]!.explores[0]!;
      const loaded = explore.windows.filter((w) => w.status === 'loaded').map((w) => w.window);
      assert.equal(loaded.length, 1, `call ${attempt}: ${JSON.stringify(explore.windows)}`);
      landed.push(...loaded);
      assert.equal(res.body.status, attempt < 3 ? 'partial' : 'succeeded', `call ${attempt}`);
    }
    assert.deepEqual(landed, ['dt=2026-11-18', 'dt=2026-11-19', 'dt=2026-11-20']);
    slowPages();

    // Done: the same request again asks Looker nothing.
    const requestsBefore = h.stack.looker.requests.length;
    const done = await call(backfill);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'succeeded');
    assert.equal(done.body.lookerQueries, 0);
    assert.match((done.body as Body).instances[0]!.explores[0]!.note ?? '', /backfill is complete/);
    assert.equal(
      h.stack.looker.requests.filter((r) => r.path.includes('/queries/run')).length,
      h.stack.looker.requests.slice(0, requestsBefore).filter((r) => r.path.includes('/queries/run')).length,
    );

    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      truthRows(h, day('2026-11-18'), day('2026-11-21')),
    );
    // A backfill never moves the daily watermark.
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });
});

describe('a backfill in fan-out mode', () => {
  it('goes on part by part from what landed (parts <= windows + 1, each window merged once); a finished one enqueues nothing', async () => {
    const slowPages = h.stack.looker.onQuery(async (query) => {
      if (!isCount(query)) await sleep(2_200);
    });
    const fanOut = await startFanOut(h, {
      EXPORT_EXPLORES: 'history',
      RUN_BUDGET_SECONDS: '2',
      TASK_DISPATCH_DEADLINE_SECONDS: '15',
      WINDOW_MAX_ROWS: '200',
    });
    try {
      const backfill = { explores: ['history'], from: '2026-11-18', to: '2026-11-21' };
      const planned = await fanOut.plan(backfill);
      assert.equal(planned.status, 200, JSON.stringify(planned.body));
      await h.stack.tasks.idle(120_000);
      const parts = h.stack.tasks.dispatches.filter((d) => d.status === 200);
      // Four days, one window each: each part lands one and hands on; the last finds nothing left.
      assert.ok(parts.length <= 4 + 1, `${parts.length} parts`);
      const merged = h.logs.lines
        .filter((line) => /^window dt=\S+ loaded$/.test(String(line.message)))
        .map((line) => String(line.message));
      assert.deepEqual(merged.sort(), [
        'window dt=2026-11-18 loaded',
        'window dt=2026-11-19 loaded',
        'window dt=2026-11-20 loaded',
        'window dt=2026-11-21 loaded',
      ]);
      assertSameRows(
        history,
        await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
        truthRows(h, day('2026-11-18'), day('2026-11-22')),
      );
      // The same request again the same day: the backfill is complete, so no task at all.
      const again = await fanOut.plan(backfill);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(
        again.body.tasks.map((t: { status: string; note?: string }) => t.status),
        ['skipped'],
      );
      assert.match(again.body.tasks[0].note, /backfill is complete/);
    } finally {
      slowPages();
      await fanOut.close();
    }
  });

  it('lets a later identical request continue a backfill whose chain stopped, instead of refusing it as a duplicate', async () => {
    const fanOut = await startFanOut(
      h,
      { EXPORT_EXPLORES: 'history', WINDOW_MAX_ROWS: '200' },
      { maxAttempts: 2 },
    );
    try {
      const backfill = { explores: ['history'], from: '2026-11-18', to: '2026-11-21' };
      // Its first attempt lands the first windows, then Looker fails for good: the queue's
      // retries run out, and the chain stops there.
      let pages = 0;
      const failLater = h.stack.looker.onQuery((query) => {
        if (!isCount(query) && ++pages > 2) throw new Error('Looker is down');
      });
      await fanOut.plan(backfill);
      await h.stack.tasks.idle(120_000);
      failLater();
      const again = await fanOut.plan(backfill);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.tasks[0].status, 'enqueued', JSON.stringify(again.body.tasks));
      await h.stack.tasks.idle(120_000);
      assertSameRows(
        history,
        await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
        truthRows(h, day('2026-11-18'), day('2026-11-22')),
      );
    } finally {
      await fanOut.close();
    }
  });
});

describe('the budget bounds planning', () => {
  it('plans no explore once the budget is spent: those are skipped, asking Looker nothing', async () => {
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      times: 1000,
      fault: { kind: 'delay', ms: 600 },
    });
    const all = [...explores.values()];
    const res = await h.instance({ RUN_BUDGET_SECONDS: '1', EXPLORE_CONCURRENCY: '1' })({
      explores: all.map((e) => e.name),
    });
    const body = res.body as Body;
    const summaries = body.instances[0]!.explores;
    assert.equal(summaries.length, all.length);
    const skipped = summaries.filter((e) => e.status === 'skipped');
    // The budget was spent on the first explore or two: every later one was never planned.
    assert.ok(
      skipped.length >= all.length - 3,
      JSON.stringify(summaries.map((e) => `${e.explore}:${e.status}`)),
    );
    for (const explore of skipped) assert.equal(explore.lookerQueries, 0, explore.explore);
    assert.ok(body.lookerQueries <= 6, `${body.lookerQueries} Looker queries`);
    // Skipped snapshots can only be taken today: the call asks for a retry.
    assert.ok(skipped.some((e) => explores.get(e.explore)!.mode === 'snapshot' && e.takeableToday));
    assert.equal(res.status, 503, JSON.stringify(body).slice(0, 2000));
  });
});

describe("the call's status", () => {
  it('asks for a retry (503) when one explore failed terminally and another transiently', async () => {
    // user: Looker fails every attempt at its page (transient); merge_query: BigQuery rejects its
    // load (terminal: a retry meets the same data).
    const failing = h.stack.looker.onQuery((query) => {
      if (query.view === 'user' && !isCount(query)) throw new Error('Looker is overloaded');
    });
    h.stack.bigquery.failNextLoad({ reason: 'invalid', message: 'JSON table encountered too many errors' });
    const res = await h.instance({ EXPLORE_CONCURRENCY: '1' })({ explores: ['user', 'merge_query'] });
    failing();
    const body = res.body as Body;
    const byName = new Map(body.instances[0]!.explores.map((e) => [e.explore, e]));
    const user = byName.get('user')!;
    const merge = byName.get('merge_query')!;
    assert.equal(user.status, 'failed', JSON.stringify(user));
    assert.equal(user.windows[0]!.error?.transient, true);
    assert.equal(merge.status, 'failed', JSON.stringify(merge));
    assert.equal(merge.windows.find((w) => w.status === 'failed')!.error?.transient, false);
    // The terminal failure does not stop Scheduler from retrying what can pass (today's user).
    assert.equal(res.status, 503, JSON.stringify(body).slice(0, 2000));
    assert.equal(body.retryable, true);
    // ... and it is still an ERROR in the log, which the failed-run alert counts.
    assert.ok(h.logs.lines.some((line) => line.severity === 'ERROR' && line.message === 'export run failed'));
  });
});

describe('two instances', () => {
  it("land each other's snapshots and daily windows while one is in a long initial load", async () => {
    const emea = await lookerFakeFor('emea', {
      now: NOW,
      datasets: { history: { seed: 11, rows: 400 } },
    });
    try {
      const env: Record<string, string> = {
        ...(await instancesEnv(h, new Map([['emea', emea]]))),
        EXPORT_EXPLORES: 'user,history',
        RUN_BUDGET_SECONDS: '3',
        WINDOW_MAX_ROWS: '200',
      };
      // `emea` loaded its history yesterday (a call exporting it alone): today it has one day.
      const onlyEmea = JSON.stringify(
        (JSON.parse(env.LOOKER_INSTANCES!) as { name: string }[]).filter((i) => i.name === 'emea'),
      );
      h.clock.set(NOW);
      const warm = await h.instance({ ...env, LOOKER_INSTANCES: onlyEmea, RUN_BUDGET_SECONDS: '600' })({});
      assert.equal(warm.status, 200, JSON.stringify(warm.body).slice(0, 1000));
      // `us` (listed first) is in its initial load of 30 days; each of its pages takes 3.5 s,
      // longer than the whole 3 s budget.
      const slowUs = h.stack.looker.onQuery(async (query) => {
        if (!isCount(query) && query.view === 'history') await sleep(3_500);
      });
      const call = h.instance(env);
      for (const today of ['2026-11-25', '2026-11-26']) {
        h.clock.set(new Date(`${today}T03:00:00Z`));
        emea.setNow(new Date(`${today}T03:00:00Z`));
        const res = await call({});
        const body = res.body as Body;
        assert.ok(
          body.instances,
          `${today}: ${res.status} ${JSON.stringify(body).slice(0, 1000)} ${JSON.stringify(h.logs.lines.filter((l) => l.severity === 'ERROR')).slice(0, 3000)}`,
        );
        const emeaSummary = body.instances.find((i) => i.instance === 'emea')!;
        const byName = new Map(emeaSummary.explores.map((e) => [e.explore, e]));
        assert.equal(byName.get('user')!.status, 'succeeded', `${today}: ${JSON.stringify(emeaSummary)}`);
        assert.equal(byName.get('history')!.status, 'succeeded', `${today}: ${JSON.stringify(emeaSummary)}`);
        // us's long load is still going: it reports partial, not failed.
        const us = body.instances.find((i) => i.instance !== 'emea')!;
        assert.equal(
          us.explores.find((e) => e.explore === 'user')!.status,
          'succeeded',
          `${today}: snapshots of every instance come first`,
        );
      }
      slowUs();
    } finally {
      await emea.close();
    }
  });
});

describe('a column Looker added earlier', () => {
  it('keeps its type when Looker changes it: values are converted or loaded as NULL and counted, never a failing load', async () => {
    h.stack.looker.addField('history', {
      name: 'is_embed',
      type: 'yesno',
      label: 'Is Embed',
      value: ({ random }) => random.pick(['Yes', 'No']),
    });
    const first = await h.call({ explores: ['history'], from: '2026-11-20', to: '2026-11-20' });
    assert.equal(first.status, 200, JSON.stringify(first.body));

    // Looker now serves the field as a string, some of whose values are no yes/no.
    h.stack.looker.removeField('history', 'history.is_embed');
    h.stack.looker.addField('history', {
      name: 'is_embed',
      type: 'string',
      label: 'Is Embed',
      value: ({ random }) => random.pick(['Yes', 'No', 'sometimes']),
    });
    const res = await h.call({ explores: ['history'], from: '2026-11-21', to: '2026-11-21' });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
    const window = (res.body as Body).instances[0]!.explores[0]!.windows[0] as Window & {
      invalidValues?: Record<string, number>;
      rows: number;
    };
    assert.equal(window.status, 'loaded');
    assert.ok((window.invalidValues?.is_embed ?? 0) > 0, JSON.stringify(window));
    const [metadata] = await h.clients.bigquery
      .dataset(h.config.bigquery.dataset)
      .table('history')
      .getMetadata();
    const column = (metadata as { schema: { fields: { name: string; type: string }[] } }).schema.fields.find(
      (f) => f.name === 'is_embed',
    );
    assert.equal(column?.type, 'BOOLEAN');
  });
});
