/**
 * The shipped views (terraform/views/*.sql) run on the BigQuery fake, whose GoogleSQL engine is
 * Google's ZetaSQL reference implementation: the exporter's tables are created with the schemas
 * and partitioning the exporter gives them (`bigQuerySchema`, `partitionColumn`) and loaded with
 * a few rows of one Looker instance through load jobs; each view is created from its rendered
 * template, in dependency order, through the Node client (tables.insert with `view.query`), and
 * queried. Each view must answer the rows its header comment promises.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { bigQuerySchema, explores, partitionColumn } from '../../src/explores/index.js';
import { startBigQueryFake, type BigQueryFake } from '../stack/bigquery/index.js';
import { ZetaSql } from '../stack/zetasql/index.js';
import { loadViews, TEST_DATASET, TEST_PROJECT, viewOrder } from './views.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const DAY = 86_400_000;
/** A UTC DATETIME `days` ago (the views measure "the last 30 days" from now). */
const ago = (days: number, hour = 12) =>
  new Date(Math.floor(Date.now() / DAY) * DAY - days * DAY + hour * 3_600_000).toISOString().slice(0, 19);
const dayAgo = (days: number) => ago(days).slice(0, 10);
const meta = (exportedDaysAgo = 0) => ({
  looker_instance: 'prod',
  export_run_id: 'run-1',
  export_window_start: `${ago(exportedDaysAgo + 1, 0)}Z`,
  export_window_end: `${ago(exportedDaysAgo, 0)}Z`,
  exported_at: `${ago(exportedDaysAgo, 1)}Z`,
});

/** One instance's System Activity, a few rows per table the views read. */
const ROWS: Record<string, object[]> = {
  user: [
    ...[1, 2, 3].map((id) => ({
      id,
      name: ['ann', 'bob', 'cat'][id - 1],
      email: `${['ann', 'bob', 'cat'][id - 1]}@example.com`,
      is_disabled: false,
      created_time: ago(400),
      snapshot_date: dayAgo(2),
      ...meta(2),
    })),
    // cat is gone from the latest snapshot; bob has been disabled since.
    { id: 1, name: 'ann', email: 'ann@example.com', is_disabled: false, created_time: ago(400), snapshot_date: dayAgo(1), ...meta(1) },
    { id: 2, name: 'bob', email: 'bob@example.com', is_disabled: true, created_time: ago(400), snapshot_date: dayAgo(1), ...meta(1) },
  ],
  dashboard: [
    { id: 10, title: 'Operations', user_id: 1, space_id: 7, created_time: ago(300), snapshot_date: dayAgo(1), ...meta(1) },
    { id: 11, title: 'Forgotten', user_id: 2, space_id: 7, created_time: ago(500), snapshot_date: dayAgo(1), ...meta(1) },
    { id: 12, title: 'Trashed', user_id: 1, space_id: 7, created_time: ago(50), deleted_time: ago(3), snapshot_date: dayAgo(1), ...meta(1) },
  ],
  look: [{ id: 20, title: 'Revenue', user_id: 3, query_id: 501, space_id: 7, created_time: ago(200), snapshot_date: dayAgo(1), ...meta(1) }],
  content_usage: [
    { id: 1, content_type: 'dashboard', content_id: '10', last_accessed_time: ago(2), api_count: 3, other_count: 2, favorite_count: 1, snapshot_date: dayAgo(2), ...meta(2) },
    { id: 1, content_type: 'dashboard', content_id: '10', last_accessed_time: ago(1), api_count: 4, other_count: 2, favorite_count: 1, snapshot_date: dayAgo(1), ...meta(1) },
  ],
  query: [
    { id: 500, model: 'thelook', view: 'orders', formatted_fields: '["orders.count"]', slug: 'abc', created_time: ago(40), ...meta(40) },
    { id: 501, model: 'thelook', view: 'users', formatted_fields: '["users.count"]', slug: 'def', created_time: ago(40), ...meta(40) },
  ],
  history: [
    { id: 100, user_id: 1, query_id: 500, dashboard_id: '10', runtime: 2.5, status: 'complete', source: 'dashboard', cache: false, created_time: ago(1, 9), ...meta(1) },
    { id: 101, user_id: 2, query_id: 500, runtime: 7.5, status: 'error', source: 'api4', issuer_source: 'api', cache: false, created_time: ago(1, 10), ...meta(1) },
    { id: 102, user_id: 1, query_id: 501, look_id: 20, runtime: 1, status: 'complete', source: 'api4', cache: true, created_time: ago(1, 11), ...meta(1) },
    { id: 103, user_id: 1, query_id: 501, runtime: 60, status: 'complete', source: 'explore', cache: false, created_time: ago(45), ...meta(45) },
    // Runs of an API client: by a user gone from the latest snapshot, before the 30 days the other views read.
    { id: 104, user_id: 3, query_id: 501, runtime: 3, status: 'complete', source: 'sql_interface', cache: false, created_time: ago(45, 12), api_client_name: 'Connected Sheets', api_client_cs_spreadsheet_id: 'sheet-1', ...meta(45) },
    { id: 105, user_id: 3, query_id: 500, runtime: 1, status: 'error', source: 'sql_interface', cache: false, created_time: ago(45, 13), api_client_name: 'Connected Sheets', api_client_cs_spreadsheet_id: 'sheet-2', ...meta(45) },
  ],
  event: [{ id: 900, user_id: 1, name: 'login', category: 'session', created_time: ago(1, 8), ...meta(1) }],
};

let root: string;
let fake: BigQueryFake;
let bigquery: BigQuery;

/** `SELECT * FROM view`, ordered, as plain values (DATE/DATETIME/TIMESTAMP as their strings). */
async function select(view: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const [rows] = await bigquery.query({
    query: `SELECT * FROM \`${TEST_PROJECT}.${TEST_DATASET}.${view}\` ORDER BY ${orderBy}`,
  });
  return (rows as Record<string, unknown>[]).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v]),
    ),
  );
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'views-run-'));
  fake = await startBigQueryFake({
    jobDelayMs: 5,
    async readObject(bucket, name) {
      const path = join(root, bucket, name);
      await stat(path);
      return createReadStream(path);
    },
  });
  bigquery = new BigQuery({ projectId: TEST_PROJECT, apiEndpoint: fake.url, authClient: new PassThroughClient() as never });
  await bigquery.createDataset(TEST_DATASET, { location: 'US' });
  for (const [table, rows] of Object.entries(ROWS)) {
    const explore = explores.get(table)!;
    const path = join(root, 'staging', `${table}.jsonl`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const [job] = await bigquery.createJob({
      configuration: {
        load: {
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          sourceUris: [`gs://staging/${table}.jsonl`],
          destinationTable: { projectId: TEST_PROJECT, datasetId: TEST_DATASET, tableId: table },
          schema: { fields: bigQuerySchema(explore) },
          timePartitioning: { type: 'DAY', field: partitionColumn(explore) },
        },
      },
    });
    await job.promise();
  }
  // The checker's own ZetaSQL server renders and orders the views (the fake runs another).
  const checker = new ZetaSql();
  const views = await loadViews(checker).finally(() => checker.close());
  const byName = new Map(views.map((v) => [v.name, v]));
  for (const name of viewOrder(views))
    await bigquery.dataset(TEST_DATASET).createTable(name, { view: byName.get(name)!.sql });
});

after(async () => {
  await fake?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the shipped views, run on the local BigQuery stack', () => {
  it('latest_user keeps every user once, from their latest snapshot, and tells who is gone', async () => {
    const rows = await select('latest_user', 'id');
    assert.deepEqual(
      rows.map((r) => [r.id, r.name, r.is_disabled, r.last_seen_date, r.in_latest_snapshot]),
      [
        [1, 'ann', false, dayAgo(1), true],
        [2, 'bob', true, dayAgo(1), true],
        [3, 'cat', false, dayAgo(2), false],
      ],
    );
  });

  it('latest_dashboard and latest_look answer one row per id', async () => {
    assert.deepEqual(
      (await select('latest_dashboard', 'id')).map((r) => [r.id, r.title, r.in_latest_snapshot]),
      [
        [10, 'Operations', true],
        [11, 'Forgotten', true],
        [12, 'Trashed', true],
      ],
    );
    assert.deepEqual(
      (await select('latest_look', 'id')).map((r) => [r.id, r.title, r.last_seen_date]),
      [[20, 'Revenue', dayAgo(1)]],
    );
  });

  it('unused_content lists live content with its last use from the latest usage snapshot, never-used content included', async () => {
    const rows = await select('unused_content', 'content_type, content_id');
    assert.deepEqual(
      rows.map((r) => [r.content_type, r.content_id, r.title, r.owner_name, r.owner_is_active, r.days_since_last_used, r.never_used, r.access_count]),
      [
        ['dashboard', 10, 'Operations', 'ann', true, 1, false, 6],
        ['dashboard', 11, 'Forgotten', 'bob', false, null, true, 0],
        ['look', 20, 'Revenue', 'cat', false, null, true, 0],
      ],
    );
  });

  // The reference implementation does not evaluate APPROX_QUANTILES (approximate, so not
  // deterministic), which most_run_queries uses for p95_runtime_seconds: the view is created (its
  // query analyzes, with its schema) but querying it is refused, as the fake's README says.
  it('most_run_queries is created with its schema; querying it is refused for APPROX_QUANTILES', async () => {
    const [metadata] = await bigquery.dataset(TEST_DATASET).table('most_run_queries').getMetadata();
    assert.deepEqual(
      (metadata.schema.fields as { name: string; type: string }[]).filter((f) => /runtime|count|rank/.test(f.name)).map((f) => [f.name, f.type]),
      [
        ['run_count', 'INTEGER'],
        ['user_count', 'INTEGER'],
        ['error_count', 'INTEGER'],
        ['cached_count', 'INTEGER'],
        ['dashboard_count', 'INTEGER'],
        ['look_count', 'INTEGER'],
        ['avg_runtime_seconds', 'FLOAT'],
        ['p95_runtime_seconds', 'FLOAT'],
        ['total_runtime_seconds', 'FLOAT'],
        ['run_rank', 'INTEGER'],
      ],
    );
    await assert.rejects(select('most_run_queries', 'run_rank'), (e: { code?: number; errors?: { reason: string; message: string }[] }) =>
      e.code === 400 && e.errors?.[0]?.reason === 'invalidQuery' && /approx_quantiles.*not supported by the BigQuery fake/i.test(e.errors[0].message),
    );
  });

  it('slowest_queries ranks the last 30 days of runs by runtime, with who ran them and from where', async () => {
    const rows = await select('slowest_queries', 'runtime_rank');
    assert.deepEqual(
      rows.map((r) => [r.history_id, r.runtime_rank, r.runtime_seconds, r.user_name, r.dashboard_title, r.look_title, r.explore]),
      [
        [101, 1, 7.5, 'bob', null, null, 'orders'],
        [100, 2, 2.5, 'ann', 'Operations', null, 'orders'],
        [102, 3, 1, 'ann', null, 'Revenue', 'users'],
      ],
    );
  });

  it('api_usage_by_user counts API runs per user and day', async () => {
    const rows = await select('api_usage_by_user', 'user_id');
    assert.deepEqual(
      rows.map((r) => [r.day, r.user_id, r.user_name, r.run_count, r.error_count, r.error_rate, r.cached_count]),
      [
        [dayAgo(1), 1, 'ann', 1, 0, 0, 1],
        [dayAgo(1), 2, 'bob', 1, 1, 1, 0],
      ],
    );
  });

  it('queries_by_api_client counts runs, users and spreadsheets per day and API client', async () => {
    const rows = await select('queries_by_api_client', 'api_client_name');
    assert.deepEqual(
      rows.map((r) => [r.day, r.api_client_name, r.run_count, r.user_count, r.spreadsheet_count, r.error_count]),
      [[dayAgo(45), 'Connected Sheets', 2, 1, 2, 1]],
    );
  });

  it('user_last_activity gives each existing user their last login and last query run', async () => {
    const rows = await select('user_last_activity', 'user_id');
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.last_login_time, r.last_query_time, r.query_run_count, r.days_since_last_active]),
      [
        [1, ago(1, 8), ago(1, 11), 3, 1],
        [2, null, ago(1, 10), 1, 1],
      ],
    );
  });
});
