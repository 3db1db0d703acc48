/**
 * The archive outlives Looker: Looker forgets (history by age, event by count), the oracle is
 * every row Looker ever held, and neither a backfill of a partly forgotten day nor a re-run of
 * the initial load after lost or renamed state takes an archived row away.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource, progressDoc, tableRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-24T03:00:00Z');
const EPOCH = day('2000-01-01');
const history = explores.get('history')!;
const event = explores.get('event')!;

let h: Harness;
before(async () => {
  // 30 days of history and event rows; Looker keeps history 31 days and the newest 4000 events (all it has at first),
  // so nothing is forgotten before the first export and more is forgotten as the clock moves.
  h = await startHarness({
    now: NOW,
    // The 7-day rule for scheduled-task history is off (`sooner: []`): it would forget rows before
    // the first export; todays-looker.test.ts holds the archive to that rule.
    stack: { looker: { retention: { history: { days: 31, sooner: [] }, event: { rows: 4000 } } } },
    env: { EXPORT_EXPLORES: 'history,event' },
  });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

const held = (from: string, to: string) => h.stack.looker.truth('history', day(from), day(to)).length;
const everHeld = (from: string, to: string) => h.stack.looker.everHeld('history', day(from), day(to)).length;

/** Initial load now, then the clock `days` later, when Looker has forgotten the oldest days. */
async function archivedThenForgotten(days: number) {
  const first = await h.call({});
  assert.equal(first.status, 200, JSON.stringify(first.body));
  h.clock.set(new Date(NOW.getTime() + days * 86_400_000));
}

describe('when Looker forgets', () => {
  it('a backfill of a partly forgotten day keeps the archived rows Looker no longer has', async () => {
    await archivedThenForgotten(6);
    // The clock moved 6 days: history before 2026-10-30 03:00 is gone from Looker.
    assert.ok(
      held('2026-10-30', '2026-10-31') < everHeld('2026-10-30', '2026-10-31'),
      'the day is partly forgotten',
    );
    assert.ok(held('2026-10-30', '2026-10-31') > 0, 'and partly still held');
    const before = (await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history)).length;
    const res = await h.call({ explores: ['history'], from: '2026-10-25', to: '2026-10-30' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history)).length, before);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'), history, { ever: true });
  });

  it('a re-run initial load after lost state (a new FIRESTORE_COLLECTION) loses nothing archived', async () => {
    await archivedThenForgotten(10);
    const lost = h.instance({ FIRESTORE_COLLECTION: 'looker_activity_export_new' });
    const res = await lost({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // It started again at the earliest day Looker still has, and merged: the archive keeps the rest.
    for (const table of [history, event])
      await assertTableMatchesSource(h, EPOCH, day('2026-12-04'), table, { ever: true });
  });

  it('a renamed instance (its host moved) starts its own progress and doubles nothing', async () => {
    await archivedThenForgotten(3);
    const renamed = h.instance({ LOOKER_INSTANCE_NAME: 'looker.acme.example' });
    const res = await renamed({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await assertTableMatchesSource(h, EPOCH, day('2026-11-27'), history, { ever: true });
    // The rows it read again now name the new instance; the forgotten ones keep the old name.
    const names = new Set(
      (await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history, ['looker_instance'])).map(
        (row) => row.looker_instance,
      ),
    );
    assert.deepEqual([...names].sort(), ['local', 'looker.acme.example']);
  });

  it('daily runs keep every event although Looker keeps only the newest 4000', async () => {
    await h.call({});
    for (let d = 1; d <= 4; d++) {
      const date = new Date(NOW.getTime() + (d - 1) * 86_400_000).toISOString().slice(0, 10);
      h.stack.looker.append(
        'event',
        Array.from({ length: 400 }, (_, i) => ({
          'event.id': 9_000_000 + d * 1000 + i,
          'event.created_time': `${date} ${String(4 + (i % 19)).padStart(2, '0')}:00:00`,
          'event.name': 'dashboard_run',
          'event.user_id': 1 + (i % 50),
        })),
      );
      h.clock.set(new Date(NOW.getTime() + d * 86_400_000));
      const res = await h.call({ explores: ['event'] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    assert.ok(h.stack.looker.truth('event', EPOCH, day('2026-11-28')).length <= 4000 + 400);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-28'), event, { ever: true });
    assert.equal((await progressDoc(h.clients.firestore, h, 'event'))?.watermark, '2026-11-28T00:00:00.000Z');
  });
});
