/**
 * Today's Looker: explores the registry does not know are listed by the check and exported by
 * naming them (`discover:NAME`); the explores added since 2020 land; history carries the API
 * client that ran each query, and keeps working on a Looker without that view; a table whose
 * explore hides what it is read by is skipped, never failed; and scheduled-task history, which
 * Looker keeps 7 days, is archived before Looker drops it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores, type ExploreDefinition } from '../../src/explores/index.js';
import { discoveryPlaceholder } from '../../src/explores/discovered.js';
import { CLIENT_ID_SECRET, CLIENT_SECRET_SECRET } from '../stack/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, tableRows, truthRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const NOW = new Date('2026-11-24T03:00:00Z');
const EPOCH = day('2000-01-01');
const FOREVER = day('2100-01-01');
const history = explores.get('history')!;
const API_CLIENT_COLUMNS = history.fields.filter((c) => c.name.startsWith('api_client_')).map((c) => c.name);

type Explore = {
  explore: string;
  status: string;
  note?: string;
  rows: number;
  schema?: { added: string[]; removed: string[] };
};
type Body = { status: string; instances: { explores: Explore[] }[] };
const exploreOf = (body: Body, name: string) => body.instances[0]!.explores.find((e) => e.explore === name)!;

/** Looker's own description of an explore, over its API (what the exporter must follow). */
async function lookerExplore(h: Harness, explore: string) {
  const [id, secret] = await Promise.all([
    h.clients.secrets.read(CLIENT_ID_SECRET),
    h.clients.secrets.read(CLIENT_SECRET_SECRET),
  ]);
  const base = `${h.stack.looker.url}/api/4.0`;
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: id, client_secret: secret }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const response = await fetch(`${base}/lookml_models/system__activity/explores/${explore}`, {
    headers: { authorization: `token ${token}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as {
    view_name: string;
    fields: { dimensions: { name: string; type: string; hidden: boolean }[] };
  };
}

let h: Harness;
before(async () => {
  // Looker's documented forgetting: history after 90 days, scheduled-task history after 7.
  h = await startHarness({ now: NOW, stack: { looker: { retention: { history: { days: 90 } } } } });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

describe('discovery', () => {
  it('the check lists every explore Looker offers and which of them are exported', async () => {
    const res = await h.call({ check: true, explores: ['history', 'api_usage', 'discover:concurrency'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const line = res.body.checks.find((c: { check: string }) => c.check === 'looker.explores');
    assert.equal(line.status, 'ok', line.detail);
    for (const name of [
      'history',
      'api_usage',
      'api_usage_hourly',
      'concurrency',
      'compliance_user_permissions',
    ])
      assert.ok(line.offered.includes(name), `${name} is offered: ${line.detail}`);
    assert.deepEqual(line.exported, ['api_usage', 'concurrency', 'history']);
    assert.ok(line.notExported.includes('api_usage_hourly'), line.detail);
    assert.ok(!line.notExported.includes('concurrency'), line.detail);
    assert.match(line.detail, /discover:NAME/);
  });

  it('a discovered explore lands as a snapshot of its visible dimensions; a second day adds a partition, every row once', async () => {
    const table = discoveryPlaceholder('discover:concurrency');
    const first = await h.call({ explores: ['discover:concurrency'] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(exploreOf(first.body, table.name).status, 'succeeded', JSON.stringify(first.body));

    // The table's Looker columns are the base view's visible dimensions, a time group by its
    // finest timeframe, typed from Looker's metadata; it was created saying it was discovered.
    const metadata = await lookerExplore(h, 'concurrency');
    const visible = metadata.fields.dimensions.filter(
      (d) => d.name.startsWith(`${metadata.view_name}.`) && !d.hidden,
    );
    const finest = visible.filter(
      (d) =>
        !['date_week', 'date_month', 'date_quarter', 'date_year', 'date_hour', 'date_minute'].includes(
          d.type,
        ) && !(d.type === 'date_date' && visible.some((o) => o.name === d.name.replace(/_date$/, '_time'))),
    );
    const [bqTable] = await h.clients.bigquery.dataset(h.config.bigquery.dataset).table(table.name).get();
    const columns = (bqTable.metadata.schema.fields as { name: string }[]).map((f) => f.name);
    const looker = columns.filter(
      (c) => !['snapshot_date', 'looker_instance'].includes(c) && !c.startsWith('export'),
    );
    assert.deepEqual(
      looker.filter((c) => c !== 'exported_at'),
      finest.map((d) => d.name.slice(metadata.view_name.length + 1)),
    );
    assert.match(String(bqTable.metadata.description), /^Discovered explore system__activity\/concurrency/);

    // Day two: a second partition, each holding every row Looker held that day, once.
    const resolved = {
      ...table,
      fields: looker
        .filter((c) => c !== 'exported_at')
        .map((name) => ({ name, type: 'STRING' as const, description: '', field: `concurrency.${name}` })),
      primaryKey: ['pk'],
    } satisfies ExploreDefinition;
    const expectedDay1 = truthRows(h, EPOCH, FOREVER, resolved);
    h.clock.set(new Date('2026-11-25T03:00:00Z'));
    const second = await h.call({ explores: ['discover:concurrency'] });
    assert.equal(exploreOf(second.body, table.name).status, 'succeeded', JSON.stringify(second.body));
    const expectedDay2 = truthRows(h, EPOCH, FOREVER, resolved);
    const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, resolved, ['snapshot_date']);
    const byDay = (d: string) =>
      rows
        .filter((r) => String(r.snapshot_date) === d)
        .map(({ snapshot_date: _, ...r }) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
        );
    const text = (rs: Record<string, unknown>[]) =>
      rs.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
      );
    assert.ok(expectedDay1.length > 0);
    assertSameRows(resolved, byDay('2026-11-24'), text(expectedDay1));
    assertSameRows(resolved, byDay('2026-11-25'), text(expectedDay2));
  });

  it('a request naming an explore Looker does not offer, or no explore at all, is refused with 400 naming it', async () => {
    const missing = await h.call({ explores: ['history', 'discover:no_such_explore'] });
    assert.equal(missing.status, 400, JSON.stringify(missing.body));
    assert.match(
      missing.body.error,
      /discover:no_such_explore: Looker instance \S+ offers no explore "no_such_explore"/,
    );
    const malformed = await h.call({ explores: ['discover:Not An Explore'] });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error, /"discover:Not An Explore" does not name an explore/);
    const unknown = await h.call({ explores: ['concurrency'] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /unknown explore "concurrency".*discover:NAME/);
    // Nothing was read or written.
    assert.deepEqual(await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history), []);
  });

  it('an explore Looker no longer offers is skipped with a note by the scheduled run, and the check names it', async () => {
    const call = h.instance({ EXPORT_EXPLORES: 'history,discover:retired_explore' });
    const res = await call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const skipped = exploreOf(res.body, 'discovered_retired_explore');
    assert.equal(skipped.status, 'skipped');
    assert.match(skipped.note!, /Looker offers no explore retired_explore/);
    assert.equal(exploreOf(res.body, 'history').status, 'succeeded');
  });
});

describe('hidden joins never fail a run', () => {
  it('user_facts_role and role_group are read through the fields their explores expose, while Looker hides the joins', async () => {
    const call = h.instance({ EXPORT_EXPLORES: 'user_facts_role,role_group' });
    const res = await call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const name of ['user_facts_role', 'role_group']) {
      const explore = explores.get(name)!;
      assert.equal(exploreOf(res.body, name).status, 'succeeded', JSON.stringify(res.body));
      const expected = truthRows(h, EPOCH, FOREVER, explore);
      assert.ok(expected.length > 0, `${name} has grants to judge`);
      const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, explore);
      assertSameRows(explore, rows, expected);
    }
  });

  it('a table whose key Looker stops exposing is skipped with a note (200), and the check warns', async () => {
    h.stack.looker.removeField('history', 'history.id');
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const skipped = exploreOf(res.body, 'history');
    assert.equal(skipped.status, 'skipped');
    assert.match(skipped.note!, /does not expose history\.id/);
    assert.equal(exploreOf(res.body, 'query').status, 'succeeded');
    const check = await h.call({ check: true, explores: ['history'] });
    const line = check.body.checks.find((c: { check: string }) => c.check === 'looker.explore_metadata');
    assert.equal(line.status, 'warning');
    assert.match(line.detail, /history cannot be read: the explore does not expose history\.id/);
  });
});

describe('history and the API client that ran each query', () => {
  it('carries query_api_client_context where Looker has it', async () => {
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history);
    assertSameRows(history, rows, truthRows(h, EPOCH, day('2026-11-24'), history));
    const clients = new Set(rows.map((r) => r.api_client_name).filter((n) => n !== null));
    assert.ok(clients.has('Connected Sheets') && clients.has('Looker Studio'), [...clients].join(', '));
    assert.ok(
      rows.some((r) => r.api_client_name === null),
      'ordinary queries have no API client',
    );
  });

  it('on a Looker without the view, reports the fields removed and leaves the columns NULL', async () => {
    const older = await startHarness({ now: NOW, stack: { looker: { queryApiClientContext: false } } });
    try {
      const res = await older.call({ explores: ['history'] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const summary = exploreOf(res.body, 'history');
      assert.equal(summary.status, 'succeeded');
      assert.deepEqual(summary.schema?.removed, API_CLIENT_COLUMNS);
      const rows = await tableRows(older.clients.bigquery, older.config.bigquery.dataset, history);
      assert.ok(rows.length > 0);
      for (const column of API_CLIENT_COLUMNS)
        assert.ok(
          rows.every((r) => r[column] === null),
          column,
        );
      assertSameRows(history, rows, truthRows(older, EPOCH, day('2026-11-24'), history));
    } finally {
      await older.stop();
    }
  });
});

describe('scheduled-task history, which Looker keeps 7 days', () => {
  it('is archived by the daily run and kept after Looker drops it on day 8', async () => {
    const scheduled = (rows: Record<string, unknown>[]) => rows.filter((r) => r.source === 'scheduled_task');
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const archived = scheduled(await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history));
    const oldest = archived.reduce(
      (min, r) => (String(r.created_time) < min ? String(r.created_time) : min),
      '9',
    );
    assert.ok(
      archived.length > 0 && oldest < '2026-11-18',
      `scheduled-task rows of the last week: ${oldest}`,
    );
    // What Looker held at the first run (older scheduled-task rows were gone before it began).
    const heldAtFirstRun = truthRows(h, EPOCH, day('2026-11-24'), history);

    // Eight days on, Looker has dropped those rows; the daily runs in between kept every one.
    for (const d of ['2026-11-28', '2026-12-02']) {
      h.clock.set(new Date(`${d}T03:00:00Z`));
      const daily = await h.call({ explores: ['history'] });
      assert.equal(daily.status, 200, JSON.stringify(daily.body));
    }
    const heldNow = scheduled(truthRows(h, EPOCH, FOREVER, history));
    assert.ok(!heldNow.some((r) => String(r.created_time) <= '2026-11-24'), 'Looker forgot them');
    const kept = scheduled(await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history));
    const ids = new Set(kept.map((r) => String(r.id)));
    for (const row of archived) assert.ok(ids.has(String(row.id)), `row ${String(row.id)} is still archived`);
    assertSameRows(history, await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history), [
      ...heldAtFirstRun,
      ...truthRows(h, day('2026-11-24'), day('2026-12-02'), history, { ever: true }),
    ]);
  });
});
