/**
 * Every registered explore end to end: incremental explores by day, snapshot explores once a
 * day, each compared with the Looker fake's source of truth row for row.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores, type ExploreDefinition } from '../../src/explores/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, tableRows, truthRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const FOREVER = day('2100-01-01');
const incremental = [...explores.values()].filter((e) => e.mode === 'incremental');
const snapshots = [...explores.values()].filter((e) => e.mode === 'snapshot');

let h: Harness;
before(async () => {
  h = await startHarness({ env: { EXPORT_EXPLORES: [...explores.keys()].join(',') } });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(new Date('2026-11-24T03:00:00Z'));
});

const rowsOf = (explore: ExploreDefinition, extra: string[] = []) =>
  tableRows(h.clients.bigquery, h.config.bigquery.dataset, explore, extra);

/** The snapshot table's rows grouped by snapshot day, Looker columns only. */
async function snapshotsOf(explore: ExploreDefinition) {
  const byDay = new Map<string, Record<string, unknown>[]>();
  for (const row of await rowsOf(explore, ['snapshot_date'])) {
    const { snapshot_date: date, ...columns } = row;
    byDay.set(String(date), [...(byDay.get(String(date)) ?? []), columns]);
  }
  return byDay;
}

describe('all of System Activity', () => {
  it('loads every explore: events by day, current state as one snapshot per day, each row once', async () => {
    const first = await h.call({});
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const summary = first.body.instances[0];
    // Snapshots first (they can only be taken today), then events, each in registry order.
    assert.deepEqual(
      summary.explores.map((e: { explore: string; status: string }) => `${e.explore}:${e.status}`),
      [...snapshots, ...incremental].map((e) => `${e.name}:succeeded`),
    );
    // The committed schemas are what the model holds: nothing added, and missing only
    // query.dynamic_fields, which 2024 tools name and the 2020 model the fake serves lacks.
    for (const explore of summary.explores)
      assert.deepEqual(
        explore.schema,
        { source: 'looker', added: [], removed: explore.explore === 'query' ? ['dynamic_fields'] : [] },
        explore.explore,
      );
    for (const explore of incremental) {
      assertSameRows(explore, await rowsOf(explore), truthRows(h, EPOCH, day('2026-11-24'), explore));
    }
    // Every table has rows to judge: user_facts_role and role_group too, read through the
    // fields their explores expose while the fake hides the joins declared `fields: []`.
    const empty = snapshots.filter((explore) => truthRows(h, EPOCH, FOREVER, explore).length === 0);
    assert.deepEqual(
      empty.map((e) => e.name),
      [],
    );
    for (const explore of snapshots) {
      const byDay = await snapshotsOf(explore);
      assert.deepEqual([...byDay.keys()], empty.includes(explore) ? [] : ['2026-11-24'], explore.name);
      assertSameRows(explore, byDay.get('2026-11-24') ?? [], truthRows(h, EPOCH, FOREVER, explore));
    }
    const instances = new Set(
      (await rowsOf(explores.get('user')!, ['looker_instance'])).map((r) => r.looker_instance),
    );
    assert.deepEqual([...instances], ['local']);

    // The same day again: nothing new for events, today's snapshot is already there.
    const again = await h.call({});
    assert.equal(again.status, 200, JSON.stringify(again.body));
    for (const explore of again.body.instances[0].explores.filter(
      (e: { mode: string }) => e.mode === 'snapshot',
    ))
      assert.equal(explore.note, "today's snapshot is already loaded");

    // The next day: one more day of events, one more snapshot; still each row once per snapshot,
    // each snapshot as Looker held the state that day (content_usage counts grow in place).
    const firstDay = new Map(snapshots.map((e) => [e.name, truthRows(h, EPOCH, FOREVER, e)]));
    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const next = await h.call({});
    assert.equal(next.status, 200, JSON.stringify(next.body));
    for (const explore of incremental) {
      assertSameRows(explore, await rowsOf(explore), truthRows(h, EPOCH, day('2026-11-25'), explore));
    }
    for (const explore of snapshots.filter((e) => !empty.includes(e))) {
      const byDay = await snapshotsOf(explore);
      assert.deepEqual([...byDay.keys()].sort(), ['2026-11-24', '2026-11-25'], explore.name);
      assertSameRows(explore, byDay.get('2026-11-24')!, firstDay.get(explore.name)!);
      assertSameRows(explore, byDay.get('2026-11-25')!, truthRows(h, EPOCH, FOREVER, explore));
    }
  });

  it('backfills events only: a snapshot explore says why it has nothing to do', async () => {
    await h.call({ explores: ['history'] });
    const res = await h.call({ explores: ['history', 'user'], from: '2026-11-20', to: '2026-11-21' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const find = (name: string) =>
      res.body.instances[0].explores.find((e: { explore: string }) => e.explore === name);
    const [history, user] = [find('history'), find('user')];
    assert.deepEqual(
      history.windows.map((w: { window: string }) => w.window),
      ['dt=2026-11-20..2026-11-21'],
    );
    assert.deepEqual(user.windows, []);
    assert.match(user.note, /cannot be backfilled/);
  });
});

describe("a snapshot under Looker's row cap", () => {
  let capped: Harness;
  before(async () => {
    capped = await startHarness({ stack: { looker: { rowCap: 40 } }, env: { LOOKER_ROW_CAP: '40' } });
  });
  after(async () => {
    await capped?.stop();
  });

  it('is read in pages after the last key until a page is under the cap, every row once', async () => {
    const user = explores.get('user')!;
    const res = await capped.call({ explores: ['user'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const truth = truthRows(capped, EPOCH, FOREVER, user);
    assert.ok(truth.length > 40 * 5, `only ${truth.length} users`);
    assert.equal(res.body.instances[0].explores[0].windows[0].pieces, Math.floor(truth.length / 40) + 1);
    const rows = await tableRows(capped.clients.bigquery, capped.config.bigquery.dataset, user);
    assertSameRows(user, rows, truth);
  });
});
