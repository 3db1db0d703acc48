/**
 * Fan-out mode on Cloud Tasks: Cloud Scheduler's call plans and enqueues, the queue dispatches
 * task calls over HTTP to the task function, one explore of one instance each, at most K at
 * once per instance. Every row lands once whatever the queue does: duplicate deliveries,
 * retries, continuations.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import type { LookerFake } from '../stack/looker/index.js';
import { instancesEnv, lookerFakeFor, lookerSecrets, startFanOut, type FanOut } from '../support/fan-out.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, progressDoc, tableRows, truthRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const NOW = new Date('2026-11-24T03:00:00Z');
const TODAY = day('2026-11-24');
const history = explores.get('history')!;
const ALL = [...explores.keys()];
const EXTRA = ['emea', 'apac', 'latam', 'anz'];

let h: Harness;
const others = new Map<string, LookerFake>();
let fanOut: FanOut | undefined;

before(async () => {
  h = await startHarness({
    now: NOW,
    stack: {
      secrets: {
        secrets: lookerSecrets(EXTRA),
      },
    },
  });
  for (const [i, name] of EXTRA.entries())
    others.set(
      name,
      await lookerFakeFor(name, {
        now: NOW,
        concurrentQueryLimit: 1,
        queryLatencyMs: 20,
        datasets: { history: { seed: 10 + i, rows: 400 }, event: { seed: 10 + i, rows: 300 } },
      }),
    );
});
after(async () => {
  await fanOut?.close();
  for (const looker of others.values()) await looker.close();
  await h?.stop();
});
beforeEach(async () => {
  await fanOut?.close();
  fanOut = undefined;
  await h.reset();
  for (const looker of others.values()) await looker.reset();
  h.clock.set(NOW);
});

const fiveInstances = () => instancesEnv(h, others);

const dispatchesOf = (name: string) => h.stack.tasks.dispatches.filter((d) => d.taskId.endsWith(name));

function assertEveryCallInsideItsDeadline() {
  assert.ok(h.stack.tasks.dispatches.length > 0, 'the queue dispatched nothing');
  for (const d of h.stack.tasks.dispatches) {
    assert.equal(d.timedOut, false, `${d.taskId} attempt ${d.attempt} ran into its dispatch deadline`);
    assert.ok(
      (d.endedMs ?? Infinity) - d.startedMs < d.deadlineMs,
      `${d.taskId} took ${(d.endedMs ?? Infinity) - d.startedMs} ms`,
    );
  }
  assert.deepEqual(h.stack.tasks.dropped, [], 'no task may be dropped');
}

describe('fan-out mode', () => {
  it('exports five instances x every explore, one task each, K = 1 query at a time per Looker', async () => {
    fanOut = await startFanOut(h, { ...(await fiveInstances()), EXPORT_EXPLORES: ALL.join(',') });
    const planned = await fanOut.plan();
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    assert.equal(planned.body.mode, 'fan-out');
    assert.equal(planned.body.lookerQueries, 0, 'planning asks Looker nothing');
    assert.equal(planned.body.tasks.length, 5 * ALL.length);
    assert.ok(planned.body.tasks.every((t: { status: string }) => t.status === 'enqueued'));
    await h.stack.tasks.idle(240_000);

    assertEveryCallInsideItsDeadline();
    // One call per task: nothing was retried, nothing continued.
    assert.equal(h.stack.tasks.dispatches.length, 5 * ALL.length);
    for (const q of fanOut.config.instances)
      assert.equal(h.stack.tasks.maxInFlight(q.queue!.split('/').at(-1)!), 1, q.queue);
    // Looker never ran two System Activity queries at once (it refuses the second).
    for (const looker of [h.stack.looker, ...others.values()]) {
      assert.equal(looker.maxConcurrentQueries, 1);
      assert.equal(looker.refusedQueries, 0);
    }
    // Every row once, per instance, in the instance's own dataset.
    for (const instance of fanOut.config.instances) {
      const looker = instance.name === 'us' ? h.stack.looker : others.get(instance.name)!;
      for (const explore of [history, explores.get('event')!]) {
        const rows = await tableRows(h.clients.bigquery, instance.dataset, explore);
        const expected = truthRows(h, EPOCH, TODAY, explore, { looker });
        assert.ok(expected.length > 0);
        assertSameRows(explore, rows, expected);
      }
    }
  });

  it('completes an initial load far beyond one call through continuations, every row once', async () => {
    // 1 s of budget: each call reads about one window of 800 rows, then hands on.
    fanOut = await startFanOut(h, {
      EXPORT_EXPLORES: 'history',
      RUN_BUDGET_SECONDS: '1',
      TASK_DISPATCH_DEADLINE_SECONDS: '15',
      WINDOW_MAX_ROWS: '800',
    });
    const planned = await fanOut.plan();
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    await h.stack.tasks.idle(180_000);

    assertEveryCallInsideItsDeadline();
    const parts = h.stack.tasks.dispatches
      .filter((d) => d.status === 200)
      .map((d) => Number(/-p(\d+)$/.exec(d.taskId)![1]));
    assert.ok(Math.max(...parts) >= 5, `expected at least 5 parts, saw ${Math.max(...parts)}`);
    // Each part ran once and in order: a continuation is enqueued by the part before it.
    assert.deepEqual(
      parts,
      parts.map((_, i) => i + 1),
    );
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      truthRows(h, EPOCH, TODAY, history),
    );
    assert.deepEqual(await progressDoc(h.clients.firestore, h), {
      initialLoadDone: true,
      watermark: TODAY.toISOString(),
    });
  });

  it('enqueues nothing twice when Cloud Scheduler delivers its call twice', async () => {
    fanOut = await startFanOut(h, { EXPORT_EXPLORES: 'history,query,user' });
    const [first, second] = [await fanOut.plan(), await fanOut.plan()];
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(
      second.body.tasks.map((t: { status: string }) => t.status),
      ['duplicate', 'duplicate', 'duplicate'],
    );
    await h.stack.tasks.idle(60_000);
    // Named after the plan day, the duplicates are refused even once the first tasks are done.
    const third = await fanOut.plan();
    assert.deepEqual(
      third.body.tasks.map((t: { status: string }) => t.status),
      ['duplicate', 'duplicate', 'duplicate'],
    );
    assert.equal(h.stack.tasks.dispatches.length, 3);
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      truthRows(h, EPOCH, TODAY, history),
    );
  });

  it('lets the queue retry a task that failed transiently, which then lands once', async () => {
    fanOut = await startFanOut(h, { EXPORT_EXPLORES: 'history' });
    h.stack.bigquery.failNextLoad();
    await fanOut.plan();
    await h.stack.tasks.idle(60_000);
    const attempts = dispatchesOf('history-20261124-daily-p1');
    assert.deepEqual(
      attempts.map((d) => d.status),
      [503, 200],
    );
    assertEveryCallInsideItsDeadline();
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      truthRows(h, EPOCH, TODAY, history),
    );
  });

  it('defers what the monthly query budget cannot pay for today, and reports the spend', async () => {
    // 93 calls for November's last 7 days (from the 24th): 13 a day, room for 6 explores.
    fanOut = await startFanOut(h, { EXPORT_EXPLORES: ALL.join(','), LOOKER_MONTHLY_QUERY_BUDGET: '93' });
    const planned = await fanOut.plan();
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    const statuses = planned.body.tasks.map((t: { status: string }) => t.status);
    assert.equal(statuses.filter((s: string) => s === 'enqueued').length, 6);
    assert.equal(statuses.filter((s: string) => s === 'deferred').length, ALL.length - 6);
    assert.deepEqual(planned.body.queryBudgets[0], {
      instance: 'local',
      limit: 93,
      month: '2026-11',
      usedThisMonth: 0,
      usedToday: 0,
      allowanceToday: 13,
      leftToday: 13,
    });
    await h.stack.tasks.idle(60_000);
    assert.equal(h.stack.tasks.dispatches.length, 6);
    // What the tasks spent is counted: Looker's own tally of query calls it served.
    const served = h.stack.looker.requests.filter(
      (r) => r.method === 'POST' && r.path.startsWith('/api/4.0/queries/run/'),
    ).length;
    assert.ok(served >= 6, `six explores take at least a page each, Looker served ${served}`);
    const later = await fanOut.plan();
    assert.equal(later.body.queryBudgets[0].usedToday, served);
    assert.equal(later.body.queryBudgets[0].leftToday, Math.max(0, 13 - served));
    assert.ok(
      later.body.tasks.every((t: { status: string }) => t.status === 'deferred' || t.status === 'duplicate'),
    );
  });

  it('accepts task calls only, each from its own instance queue', async () => {
    fanOut = await startFanOut(h);
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(fanOut!.taskUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const task = { v: 1, instance: 'local', explore: 'history', planDay: '2026-11-24', part: 1 };
    const plain = await post({}, task);
    assert.equal(plain.status, 400);
    assert.match(((await plain.json()) as { error: string }).error, /Cloud Tasks calls only/);
    const wrongQueue = await post({ 'x-cloudtasks-queuename': 'someone-else' }, task);
    assert.equal(wrongQueue.status, 400);
    assert.match(
      ((await wrongQueue.json()) as { error: string }).error,
      /not from its own queue looker-activity-export-local/,
    );
    const malformed = await post(
      { 'x-cloudtasks-queuename': 'looker-activity-export-local' },
      { ...task, part: 0 },
    );
    assert.equal(malformed.status, 400);
    assert.match(JSON.stringify(await malformed.json()), /task\.part/);
    assert.equal(h.stack.looker.requests.length, 0, 'a refused call asks Looker nothing');
  });
});
