/**
 * 120 simulated days against a Looker that forgets and serves a 12-hour-stale cache: daily runs
 * with random skips and same-day reruns, backfills over forgotten and kept days, state lost once
 * and the instance renamed once. At the end every explore's table holds every row Looker ever
 * held (the exporter's own activity left out), exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource } from '../support/oracle.js';

const DAY = 86_400_000;
const START = new Date('2026-08-01T03:00:00Z');
const EPOCH = new Date('2000-01-01T00:00:00Z');
const DAYS = 120;
const tables = [explores.get('history')!, explores.get('event')!];

/** A seeded PRNG (mulberry32): the same simulation on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let h: Harness;
before(async () => {
  h = await startHarness({
    now: START,
    stack: {
      looker: {
        // Within the retention at the start: Looker has forgotten nothing before the first run
        // (what it forgot before the exporter existed is no archive's to keep).
        datasets: {
          history: { rows: 400, start: new Date(START.getTime() - 19 * DAY), end: START },
          event: { rows: 300, start: new Date(START.getTime() - 19 * DAY), end: START },
        },
        // The 7-day rule for scheduled-task history is off for the same reason (todays-looker.test.ts
        // holds the archive to it).
        retention: { history: { days: 20, sooner: [] }, event: { rows: 500 } },
        cacheStaleHours: 12,
      },
    },
    env: { EXPORT_EXPLORES: 'history,event' },
  });
});
after(async () => {
  await h?.stop();
});

describe('120 days of a forgetting Looker', () => {
  it('ends with every row Looker ever held in BigQuery, exactly once', async () => {
    const next = random(20261201);
    let env: Record<string, string> = {};
    let call = h.instance(env);
    let id = 50_000_000;
    const calls: string[] = [];
    for (let d = 0; d < DAYS; d++) {
      const at = new Date(START.getTime() + d * DAY);
      h.clock.set(at);
      // The day's activity, "as time passes": a dozen queries and events at random times.
      const date = at.toISOString().slice(0, 10);
      for (const view of ['history', 'event'] as const)
        h.stack.looker.append(
          view,
          Array.from({ length: 8 + Math.floor(next() * 8) }, () => ({
            [`${view}.id`]: id++,
            [`${view}.created_time`]: `${date} ${String(Math.floor(next() * 24)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}:00`,
            [`${view}.user_id`]: 1 + Math.floor(next() * 20),
          })),
        );
      if (d === 60) {
        // State lost: a new Firestore collection (the deployment was recreated).
        env = { ...env, FIRESTORE_COLLECTION: 'looker_activity_export_recreated' };
        call = h.instance(env);
        calls.push(`${date}:state-lost`);
      }
      if (d === 90) {
        // The Looker host moved: the instance has a new name, and so new progress.
        env = { ...env, LOOKER_INSTANCE_NAME: 'looker-moved.example' };
        call = h.instance(env);
        calls.push(`${date}:renamed`);
      }
      if (d > 0 && next() < 0.45) {
        calls.push(`${date}:skipped`);
        continue;
      }
      const runs = next() < 0.1 ? 2 : 1;
      for (let r = 0; r < runs; r++) {
        const res = await call({});
        assert.equal(res.status, 200, `${date}: ${JSON.stringify(res.body).slice(0, 2000)}`);
      }
      calls.push(`${date}:${runs === 2 ? 'rerun' : 'run'}`);
      if (d % 25 === 24) {
        // A backfill of three days long ago (some forgotten) and one of recent, kept days.
        for (const back of [Math.min(d - 1, 30), 3]) {
          const from = new Date(at.getTime() - back * DAY).toISOString().slice(0, 10);
          const to = new Date(at.getTime() - (back - 2) * DAY).toISOString().slice(0, 10);
          const res = await call({ from, to });
          assert.equal(
            res.status,
            200,
            `backfill ${from}..${to}: ${JSON.stringify(res.body).slice(0, 2000)}`,
          );
          calls.push(`${date}:backfill ${from}..${to}`);
        }
      }
    }
    // Two quiet days after the last activity, so the stale cache has served everything.
    for (const d of [DAYS, DAYS + 1]) {
      h.clock.set(new Date(START.getTime() + d * DAY));
      assert.equal((await call({})).status, 200);
    }
    const end = new Date(START.getTime() + (DAYS - 1) * DAY);
    end.setUTCHours(0, 0, 0, 0);
    const last = new Date(end.getTime() + DAY);
    for (const table of tables) {
      // Looker really forgot: the oldest rows are gone from it, not from the archive.
      assert.ok(
        h.stack.looker.truth(table.explore, EPOCH, last).length <
          h.stack.looker.everHeld(table.explore, EPOCH, last).length,
        `${table.name}: Looker forgot nothing`,
      );
      await assertTableMatchesSource(h, EPOCH, last, table, { ever: true });
    }
    assert.ok(calls.filter((c) => c.endsWith(':skipped')).length > 10, calls.join('\n'));
  });
});
