/**
 * The questions the LookML dashboards answer, asked as Looker asks them: the SQL Looker sends
 * for a dashboard element (its fields' and joins' SQL taken from the committed lookml/, the
 * manifest's constants overridden to the stack's project and dataset), run through the real
 * BigQuery client against the local stack after the function loaded the demo's data. Each must
 * return the rows the spec derives from the loaded tables themselves.
 *
 * Loading: the harness and one call of the real function (the demo's first run) for the tables
 * the questions read; the demo's later runs add nothing these questions need.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { expandSql, exploreViews, readProject, type Project } from './project.js';

const ROOT = new URL('../../', import.meta.url).pathname;

const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
const firstRun = new Date(today.getTime() + 3 * 3_600_000);
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** The dashboards' date filter, as an absolute range: the 30 UTC days before today. */
const from = `${isoDay(new Date(today.getTime() - 30 * 86_400_000))} 00:00:00`;
const to = `${isoDay(today)} 00:00:00`;

type Row = Record<string, unknown>;

async function committedProject(project: string, dataset: string): Promise<Project> {
  const dir = join(ROOT, 'lookml');
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && /\.(lkml|lookml)$/.test(entry.name))
      files.set(
        relative(ROOT, join(entry.parentPath, entry.name)),
        await readFile(join(entry.parentPath, entry.name), 'utf8'),
      );
  const parsed = await readProject(files);
  // What a project importing this one does with override_constant.
  parsed.constants.set('ARCHIVE_PROJECT', project);
  parsed.constants.set('ARCHIVE_DATASET', dataset);
  return parsed;
}

/** An explore's FROM clause with every join, and a function expanding `${view.field}` references in it. */
function explore(project: Project, name: string) {
  const [model] = [...project.models.values()];
  const definition = model!.explores.get(name)!;
  const views = exploreViews(project, definition);
  const base = views.get(name)!;
  const sql = (text: string) => expandSql(project, text, name, base, views);
  const field = (reference: string) => sql(`\${${reference}}`);
  const joins = (names: readonly string[]) =>
    definition.joins
      .filter((join) => names.includes(join.name))
      .map(
        (join) =>
          `LEFT JOIN ${expandSql(project, views.get(join.name)!.sqlTableName, join.name, views.get(join.name)!)} AS \`${join.name}\` ON ${sql(join.sqlOn)}`,
      )
      .join('\n');
  const fromClause = (joined: readonly string[] = []) =>
    `FROM ${expandSql(project, base.sqlTableName, name, base)} AS \`${name}\`\n${joins(joined)}`;
  return { field, fromClause };
}

describe("the dashboards' questions, as Looker asks them, on the local stack", () => {
  let h: Harness;
  let project: Project;
  const tables = new Map<string, Row[]>();
  const query = async (sql: string) =>
    (await h.clients.bigquery.query({ query: sql, useLegacySql: false, wrapIntegers: false }))[0] as Row[];

  before(async () => {
    h = await startHarness({
      now: firstRun,
      env: { EXPORT_EXPLORES: 'history,query,user,dashboard,content_usage' },
    });
    const response = await h.call({});
    assert.equal(response.status, 200, response.text);
    for (const table of ['history', 'query', 'user', 'dashboard', 'content_usage'])
      tables.set(table, h.stack.bigquery.rows(h.config.bigquery.dataset, table));
    project = await committedProject(h.config.projectId, h.config.bigquery.dataset);
  });
  after(() => h?.stop());

  it('active users per day (usage_over_time.active_users_per_day)', async () => {
    const history = explore(project, 'history');
    const day = `DATE(${history.field('history.created_raw')})`;
    const rows = await query(`SELECT
  ${day} AS history_created_date,
  COUNT(DISTINCT ${history.field('history.user_id')}) AS history_user_count
${history.fromClause()}
WHERE ${history.field('history.created_raw')} >= DATETIME '${from}' AND ${history.field('history.created_raw')} < DATETIME '${to}'
GROUP BY 1
ORDER BY 1
LIMIT 500`);
    const users = new Map<string, Set<unknown>>();
    for (const row of tables.get('history')!) {
      const created = String(row.created_time).replace('T', ' ');
      if (created < from || created >= to) continue;
      const set = users.get(created.slice(0, 10)) ?? new Set();
      if (row.user_id !== null) set.add(row.user_id);
      users.set(created.slice(0, 10), set);
    }
    const expected = [...users]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, set]) => ({ history_created_date: date, history_user_count: set.size }));
    assert.ok(expected.length > 20, 'the demo has a month of history');
    assert.deepEqual(
      rows.map((row) => ({
        history_created_date: (row.history_created_date as { value: string }).value,
        history_user_count: Number(row.history_user_count),
      })),
      expected,
    );
  });

  it('dashboards unused for 365 days (content_activity.unused_dashboards)', async () => {
    const dashboard = explore(project, 'dashboard');
    const rows = await query(`SELECT
  ${dashboard.field('dashboard.id')} AS dashboard_id,
  ${dashboard.field('dashboard.title')} AS dashboard_title
${dashboard.fromClause(['content_usage'])}
WHERE (${dashboard.field('dashboard.is_latest_snapshot')})
  AND (${dashboard.field('content_usage.unused_365_days')})
  AND ${dashboard.field('dashboard.deleted_raw')} IS NULL
GROUP BY 1, 2
ORDER BY 1
LIMIT 500`);
    const dashboards = tables.get('dashboard')!;
    const latest = dashboards
      .map((row) => String(row.snapshot_date))
      .sort()
      .at(-1);
    const cutoff = isoDay(
      new Date(
        Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) -
          365 * 86_400_000,
      ),
    );
    const recentlyUsed = new Set(
      tables
        .get('content_usage')!
        .filter((row) => row.content_type === 'dashboard' && String(row.snapshot_date) === latest)
        .filter(
          (row) => row.last_accessed_time !== null && String(row.last_accessed_time).slice(0, 10) >= cutoff,
        )
        .map((row) => String(row.content_id)),
    );
    const expected = dashboards
      .filter(
        (row) =>
          String(row.snapshot_date) === latest &&
          row.deleted_time === null &&
          !recentlyUsed.has(String(row.id)),
      )
      .map((row) => ({ dashboard_id: Number(row.id), dashboard_title: row.title }))
      .sort((a, b) => a.dashboard_id - b.dashboard_id);
    assert.ok(
      expected.length > 0 && expected.length < dashboards.length,
      'some dashboards are unused, not all',
    );
    assert.deepEqual(
      rows.map((row) => ({ dashboard_id: Number(row.dashboard_id), dashboard_title: row.dashboard_title })),
      expected,
    );
  });

  it('slowest query runs (performance.slowest_queries)', async () => {
    const history = explore(project, 'history');
    const rows = await query(`SELECT
  ${history.field('history.id')} AS history_id,
  ${history.field('history.runtime')} AS history_runtime,
  ${history.field('query.model')} AS query_model,
  ${history.field('user.name')} AS user_name
${history.fromClause(['query', 'user'])}
WHERE ${history.field('history.created_raw')} >= DATETIME '${from}' AND ${history.field('history.created_raw')} < DATETIME '${to}'
  AND ${history.field('history.runtime')} IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 2 DESC, 1
LIMIT 10`);
    const models = new Map(tables.get('query')!.map((row) => [row.id, row.model]));
    const names = new Map<unknown, { day: string; name: unknown }>();
    for (const row of tables.get('user')!) {
      const seen = names.get(row.id);
      if (!seen || String(row.snapshot_date) > seen.day)
        names.set(row.id, { day: String(row.snapshot_date), name: row.name });
    }
    const expected = tables
      .get('history')!
      .filter((row) => row.runtime !== null)
      .filter(
        (row) =>
          String(row.created_time).replace('T', ' ') >= from &&
          String(row.created_time).replace('T', ' ') < to,
      )
      .sort((a, b) => Number(b.runtime) - Number(a.runtime) || Number(a.id) - Number(b.id))
      .slice(0, 10)
      .map((row) => ({
        history_id: Number(row.id),
        history_runtime: row.runtime,
        query_model: models.get(row.query_id) ?? null,
        user_name: names.get(row.user_id)?.name ?? null,
      }));
    assert.equal(expected.length, 10);
    assert.deepEqual(
      rows.map((row) => ({ ...row, history_id: Number(row.history_id) })),
      expected,
    );
  });
});
