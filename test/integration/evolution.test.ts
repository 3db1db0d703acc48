/**
 * Looker changes under a running export: fields appear and disappear in System Activity between
 * releases, and the exporter's own API calls land in the history it exports. A run follows
 * Looker's schema instead of failing, and keeps its own footprint out of the audit trail.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, tableRows, truthRows } from '../support/oracle.js';

type Row = Record<string, unknown>;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const history = explores.get('history')!;
const event = explores.get('event')!;

let h: Harness;
before(async () => {
  h = await startHarness({ env: { EXPORT_EXPLORES: 'history,event' } });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(new Date('2026-11-24T03:00:00Z'));
});

async function run() {
  const response = await h.call({});
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.instances[0].explores as {
    explore: string;
    status: string;
    schema: { source: string; added: string[]; removed: string[] };
    windows: { start: string; status: string; excludedOwnRows?: number }[];
  }[];
}

const summaryOf = (explores: Awaited<ReturnType<typeof run>>, name: string) =>
  explores.find((e) => e.explore === name)!;

/** The first day a run reloaded: rows created from then on were read with Looker's new fields. */
const reloadedFrom = (summary: Awaited<ReturnType<typeof run>>[number]) =>
  summary.windows
    .filter((w) => w.status === 'loaded')
    .map((w) => w.start)
    .sort()[0]!;

async function tableFields(name: string) {
  const [metadata] = await h.clients.bigquery.dataset(h.config.bigquery.dataset).table(name).getMetadata();
  return (metadata.schema.fields as { name: string; type: string; mode: string }[]).map(
    ({ name, type, mode }) => ({ name, type, mode }),
  );
}

const createdFrom = (from: string) => (row: Row) =>
  String(row.created_time) >= from.replace('T', ' ').slice(0, 19);

describe('schema evolution', () => {
  it('adds the fields Looker gained to the table and fills them from then on, without failing the run', async () => {
    await run();
    const columnsBefore = await tableFields('history');
    h.stack.looker.addField('history', {
      name: 'api_client',
      type: 'string',
      label: 'API Client',
      value: ({ random }) => random.pick(['gzr', 'looker-activity-export', null]),
    });
    h.stack.looker.addField('history', {
      group: 'archived',
      label: 'Archived',
      timeframes: ['time', 'date'],
      value: ({ random, time }) => (random.chance(0.5) ? null : time + 86_400_000),
    });

    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const next = summaryOf(await run(), 'history');
    assert.equal(next.status, 'succeeded');
    // A time group is one column, its _time; the coarser timeframes are derivable in SQL.
    assert.deepEqual(next.schema, { source: 'looker', added: ['api_client', 'archived_time'], removed: [] });
    assert.deepEqual(await tableFields('history'), [
      ...columnsBefore,
      { name: 'api_client', type: 'STRING', mode: 'NULLABLE' },
      { name: 'archived_time', type: 'DATETIME', mode: 'NULLABLE' },
    ]);

    const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history, [
      'api_client',
      'archived_time',
    ]);
    const truth = new Map(
      h.stack.looker.truth('history', EPOCH, day('2026-11-25')).map((r) => [Number(r['history.id']), r]),
    );
    const reread = createdFrom(reloadedFrom(next));
    assert.ok(
      rows.some(reread) && rows.some((r) => !reread(r)),
      'the table holds rows from before and after',
    );
    for (const row of rows) {
      const source = truth.get(Number(row.id))!;
      const wanted = reread(row)
        ? { api_client: source['history.api_client'], archived_time: source['history.archived_time'] }
        : { api_client: null, archived_time: null };
      assert.deepEqual(
        { api_client: row.api_client, archived_time: row.archived_time },
        wanted,
        `history ${row.id}`,
      );
    }
    assert.ok(rows.some((r) => r.api_client === 'gzr') && rows.some((r) => r.archived_time !== null));
    // The committed columns are untouched by the new ones.
    assertSameRows(
      history,
      rows.map(({ api_client: _a, archived_time: _b, ...rest }) => rest),
      truthRows(h, EPOCH, day('2026-11-25'), history),
    );
  });

  it('reports a field Looker dropped, keeps its column and every value archived, and loads new rows without it', async () => {
    await run();
    const dialectBefore = new Map(
      truthRows(h, EPOCH, day('2026-11-24'), history).map((r) => [r.id, r.dialect]),
    );
    h.stack.looker.removeField('history', 'history.dialect');
    h.stack.looker.append('history', [
      {
        'history.id': 8_000_001,
        'history.created_time': '2026-11-24 12:00:00',
        'history.status': 'complete',
      },
    ]);

    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const next = summaryOf(await run(), 'history');
    assert.equal(next.status, 'succeeded');
    assert.deepEqual(next.schema, { source: 'looker', added: [], removed: ['dialect'] });
    assert.ok(
      (await tableFields('history')).some((f) => f.name === 'dialect'),
      'the column stays',
    );

    // Looker no longer answers for dialect: the oracle asks for the other fields.
    const withoutDialect = { ...history, fields: history.fields.filter((f) => f.name !== 'dialect') };
    const expected = truthRows(h, EPOCH, day('2026-11-25'), withoutDialect).map((row) => ({
      ...row,
      // The merge updates only the columns it read: a row read again keeps its archived dialect.
      dialect: dialectBefore.get(row.id) ?? null,
    }));
    assert.ok(
      next.windows.some((w) => w.status === 'loaded'),
      'rows were read again',
    );
    assert.ok(expected.some((r) => r.dialect !== null) && expected.some((r) => r.dialect === null));
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      expected,
    );
  });
});

describe("the exporter's own activity", () => {
  const apiUser = () => h.stack.looker.apiUserId;

  it("leaves the API user's history and events out, counts them, and loads everyone else's", async () => {
    await run();
    // The first run's queries, login and logout are now in Looker's history and event.
    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const yesterday = [day('2026-11-24'), day('2026-11-25')] as const;
    for (const name of ['history', 'event'])
      assert.ok(
        h.stack.looker.truth(name, ...yesterday).some((r) => r[`${name}.user_id`] === apiUser()),
        `Looker recorded the export's own ${name}`,
      );

    const next = await run();
    for (const explore of [history, event]) {
      const summary = summaryOf(next, explore.name);
      const excluded = summary.windows.reduce((n, w) => n + (w.excludedOwnRows ?? 0), 0);
      const own = h.stack.looker
        .truth(explore.name, day(reloadedFrom(summary).slice(0, 10)), day('2026-11-25'))
        .filter((r) => r[`${explore.name}.user_id`] === apiUser()).length;
      assert.equal(excluded, own, `${explore.name}: every own row counted once`);
      const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, explore);
      assert.ok(!rows.some((r) => r.user_id === apiUser()), `${explore.name} holds the export's own rows`);
      // Everyone else's rows, each once (the oracle leaves the API user out the same way).
      assertSameRows(explore, rows, truthRows(h, EPOCH, day('2026-11-25'), explore));
    }
  });

  it('keeps them when EXCLUDE_OWN_ACTIVITY is false', async () => {
    const call = h.instance({ EXCLUDE_OWN_ACTIVITY: 'false' });
    assert.equal((await call({})).status, 200);
    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const next = await call({});
    assert.equal(next.status, 200, JSON.stringify(next.body));
    const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history);
    const own = h.stack.looker
      .truth('history', day('2026-11-24'), day('2026-11-25'))
      .filter((r) => r['history.user_id'] === apiUser())
      .map((r) => r['history.id']);
    assert.ok(own.length > 0);
    const loaded = new Set(rows.map((r) => r.id));
    assert.ok(
      own.every((id) => loaded.has(id)),
      'every own history row is loaded',
    );
  });
});
