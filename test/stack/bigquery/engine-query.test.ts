/**
 * The BigQuery fake's GoogleSQL engine path (engine-query.ts), judged through Google's Node
 * client and Google's `bq` CLI: ordinary SQL the streaming subset does not take (JOIN,
 * COUNT(DISTINCT), AVG, functions, parameters) is answered by ZetaSQL over the tables' rows,
 * with BigQuery's result encoding; the engine's refusals are 400 `invalidQuery`; views are
 * created with their query's schema and queried. One fake, so one ZetaSQL server for the file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { cloudSdkRoot } from '../firestore/index.js';
import { quoteTable, repeatedKeysQuery } from '../../../src/sinks/merge-sql.js';
import { startBigQueryFake, type BigQueryFake } from './index.js';
import { queryTable } from './query.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const PROJECT = 'engine-project';
const run = promisify(execFile);

let root: string;
let fake: BigQueryFake;
let bigquery: BigQuery;

const HISTORY = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'user_id', type: 'INTEGER' },
  { name: 'query_id', type: 'INTEGER' },
  { name: 'runtime', type: 'FLOAT' },
  { name: 'created_time', type: 'TIMESTAMP' },
];
const USERS = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
  { name: 'snapshot_date', type: 'DATE' },
];
const history = (id: number, user: number, query: number, runtime: number | null, at: string) => ({
  id,
  user_id: user,
  query_id: query,
  runtime,
  created_time: at,
});

/** Loads rows through a load job from a staged gs:// object, as the exporter does. */
async function loadTable(
  table: string,
  schema: object[],
  partitionField: string,
  rows: object[],
): Promise<void> {
  const name = `${table}.jsonl`;
  const path = join(root, 'staging', name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const [job] = await bigquery.createJob({
    configuration: {
      load: {
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        sourceUris: [`gs://staging/${name}`],
        destinationTable: { projectId: PROJECT, datasetId: 'archive', tableId: table },
        schema: { fields: schema },
        timePartitioning: { type: 'DAY', field: partitionField },
      },
    },
  });
  await job.promise();
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bq-engine-'));
  fake = await startBigQueryFake({
    jobDelayMs: 10,
    async readObject(bucket, name) {
      const path = join(root, bucket, name);
      await stat(path);
      return createReadStream(path);
    },
  });
  bigquery = new BigQuery({
    projectId: PROJECT,
    apiEndpoint: fake.url,
    authClient: new PassThroughClient() as never,
  });
  await bigquery.createDataset('archive', { location: 'US' });
  await loadTable('history', HISTORY, 'created_time', [
    history(1, 1, 10, 2, '2026-11-20T08:00:00Z'),
    history(2, 1, 10, 4, '2026-11-20T09:30:00Z'),
    history(3, 1, 11, 6, '2026-11-21T10:00:00Z'),
    history(4, 2, 12, null, '2026-11-21T23:59:59.5Z'),
    history(5, 2, 12, 9, '2026-11-22T00:00:00Z'),
  ]);
  await loadTable('user', USERS, 'snapshot_date', [
    { id: 1, name: 'ann', snapshot_date: '2026-11-21' },
    { id: 2, name: 'bob', snapshot_date: '2026-11-21' },
    { id: 1, name: 'ann', snapshot_date: '2026-11-22' },
  ]);
});

after(async () => {
  await fake?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('ad-hoc GoogleSQL through the Node client', () => {
  it('answers a JOIN with COUNT(DISTINCT) and AVG, typed as BigQuery types its result', async () => {
    const [job] = await bigquery.createQueryJob({
      query: `SELECT u.name, COUNT(*) AS runs, COUNT(DISTINCT h.query_id) AS queries, AVG(h.runtime) AS avg_runtime
        FROM \`${PROJECT}.archive.history\` AS h
        JOIN (SELECT DISTINCT id, name FROM archive.user) AS u ON u.id = h.user_id
        GROUP BY u.name ORDER BY u.name`,
    });
    const [rows] = await job.getQueryResults();
    assert.deepEqual(rows, [
      { name: 'ann', runs: 3, queries: 2, avg_runtime: 4 },
      { name: 'bob', runs: 2, queries: 1, avg_runtime: 9 },
    ]);
    const [metadata] = await job.getMetadata();
    assert.deepEqual(
      metadata.configuration.query.query.length > 0 && metadata.statistics.query.referencedTables,
      [
        { projectId: PROJECT, datasetId: 'archive', tableId: 'history' },
        { projectId: PROJECT, datasetId: 'archive', tableId: 'user' },
      ],
    );
    const [, , response] = await job.getQueryResults({ autoPaginate: false });
    assert.deepEqual(response?.schema?.fields, [
      { name: 'name', type: 'STRING', mode: 'NULLABLE' },
      { name: 'runs', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'queries', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'avg_runtime', type: 'FLOAT', mode: 'NULLABLE' },
    ]);
  });

  it('groups by the UTC day of a TIMESTAMP partitioning column and by a DATE one', async () => {
    const [days] = await bigquery.query({
      query: `SELECT DATE(created_time) AS day, COUNT(*) AS runs, MAX(created_time) AS last_run
        FROM archive.history GROUP BY day ORDER BY day`,
    });
    assert.deepEqual(
      days.map((r: { day: { value: string }; runs: number; last_run: { value: string } }) => [
        r.day.value,
        r.runs,
        r.last_run.value,
      ]),
      [
        ['2026-11-20', 2, '2026-11-20T09:30:00.000Z'],
        ['2026-11-21', 2, '2026-11-21T23:59:59.500Z'],
        ['2026-11-22', 1, '2026-11-22T00:00:00.000Z'],
      ],
    );
    const [snapshots] = await bigquery.query({
      query: 'SELECT snapshot_date, COUNT(DISTINCT id) AS users FROM archive.user GROUP BY 1 ORDER BY 1 DESC',
    });
    assert.deepEqual(
      snapshots.map((r: { snapshot_date: { value: string }; users: number }) => [
        r.snapshot_date.value,
        r.users,
      ]),
      [
        ['2026-11-22', 1],
        ['2026-11-21', 2],
      ],
    );
  });

  it('binds named and positional parameters', async () => {
    const [named] = await bigquery.query({
      query: 'SELECT id FROM archive.history WHERE user_id = @user AND created_time >= @since ORDER BY id',
      params: { user: 2, since: bigquery.timestamp('2026-11-22T00:00:00Z') },
    });
    assert.deepEqual(named, [{ id: 5 }]);
    const [positional] = await bigquery.query({
      query: 'SELECT id FROM archive.history WHERE query_id IN UNNEST(?) ORDER BY id',
      params: [[11, 12]],
    });
    assert.deepEqual(positional, [{ id: 3 }, { id: 4 }, { id: 5 }]);
  });

  it("answers the engine's refusals as 400 invalidQuery with its message, located as BigQuery locates them", async () => {
    const cases: [string, string | RegExp][] = [
      [
        'SELECT h.nope FROM archive.history h JOIN archive.user u ON u.id = h.user_id',
        'Name nope not found inside h at [1:10]',
      ],
      [
        'SELECT COUNT(DISTINCT id) FROM archive.history WHERE id = "x"',
        /^No matching signature for operator = /,
      ],
      ['SELECT FROM archive.history', /^Syntax error: /],
    ];
    for (const [query, message] of cases)
      await assert.rejects(
        bigquery.query({ query }),
        (e: { code?: number; errors?: { reason: string; message: string }[] }) => {
          assert.equal(e.code, 400, query);
          assert.equal(e.errors?.[0]?.reason, 'invalidQuery', query);
          if (typeof message === 'string') assert.equal(e.errors?.[0]?.message, message);
          else assert.match(e.errors![0]!.message, message);
          return true;
        },
      );
    await assert.rejects(
      bigquery.query({ query: 'SELECT COUNT(DISTINCT id) FROM archive.missing' }),
      (e: { code?: number; errors?: { reason: string; message: string }[] }) =>
        e.code === 404 &&
        e.errors?.[0]?.message === `Not found: Table ${PROJECT}:archive.missing was not found in location US`,
    );
  });

  it('dry-runs a query by analyzing it: schema and bytes, no rows read', async () => {
    const [job] = await bigquery.createQueryJob({
      query: 'SELECT user_id, AVG(runtime) AS avg_runtime FROM archive.history GROUP BY user_id',
      dryRun: true,
    });
    assert.equal(job.metadata.status.state, 'DONE');
    assert.equal(job.metadata.statistics.query.statementType, 'SELECT');
    assert.ok(Number(job.metadata.statistics.totalBytesProcessed) > 0);
    assert.equal(fake.storage('archive', 'history')?.residentRows, 0);
  });
});

describe('which engine answers', () => {
  // The product's reads must scale to 1M-row windows: the ZetaSQL server takes at most 4 MiB of
  // rows per query, so they must stay in the streaming grammar (README, "Which engine answers a query").
  it("keeps the product's staged-key check on the streaming path: its grammar takes the statement", () => {
    const staging = quoteTable(PROJECT, 'archive', 'history_staging_1');
    assert.deepEqual(queryTable(repeatedKeysQuery(staging, ['id', 'looker_instance']), PROJECT), {
      projectId: PROJECT,
      datasetId: 'archive',
      tableId: 'history_staging_1',
    });
  });
});

describe('views', () => {
  it('creates a view with its query schema, queries it, and a view over it; tabledata.list refuses a view', async () => {
    const [view] = await bigquery.dataset('archive').createTable('latest_user', {
      view: `SELECT id, name, snapshot_date AS last_seen_date FROM \`${PROJECT}.archive.user\`
        WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY snapshot_date DESC) = 1`,
    });
    const [metadata] = await view.getMetadata();
    assert.equal(metadata.type, 'VIEW');
    assert.equal(metadata.view.useLegacySql, false);
    assert.deepEqual(metadata.schema.fields, [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'name', type: 'STRING', mode: 'NULLABLE' },
      { name: 'last_seen_date', type: 'DATE', mode: 'NULLABLE' },
    ]);
    await bigquery.dataset('archive').createTable('user_runs', {
      view: `SELECT u.name, COUNT(h.id) AS runs FROM \`${PROJECT}.archive.latest_user\` AS u
        LEFT JOIN \`${PROJECT}.archive.history\` AS h ON h.user_id = u.id GROUP BY u.name`,
    });
    await assert.rejects(
      bigquery.dataset('archive').table('user_runs').getRows(),
      (e: { code?: number; errors?: { message: string }[] }) =>
        e.code === 400 && e.errors?.[0]?.message === 'Cannot list a table of type VIEW.',
    );
    const [rows] = await bigquery.query({ query: 'SELECT * FROM archive.user_runs ORDER BY name' });
    assert.deepEqual(rows, [
      { name: 'ann', runs: 3 },
      { name: 'bob', runs: 2 },
    ]);
    const [latest] = await bigquery.query({
      query: 'SELECT id, last_seen_date FROM archive.latest_user ORDER BY id',
    });
    assert.deepEqual(
      latest.map((r: { id: number; last_seen_date: { value: string } }) => [r.id, r.last_seen_date.value]),
      [
        [1, '2026-11-22'],
        [2, '2026-11-21'],
      ],
    );
  });

  it('refuses a view whose query the engine refuses, and a legacy SQL view', async () => {
    await assert.rejects(
      bigquery.dataset('archive').createTable('broken', { view: 'SELECT nope FROM archive.user' }),
      (e: { code?: number; errors?: { reason: string; message: string }[] }) =>
        e.code === 400 &&
        e.errors?.[0]?.reason === 'invalid' &&
        /^Unrecognized name: nope/.test(e.errors[0].message),
    );
    await assert.rejects(
      bigquery.dataset('archive').createTable('legacy', { view: { query: 'SELECT 1', useLegacySql: true } }),
      (e: { code?: number }) => e.code === 400,
    );
  });
});

const SDK = (() => {
  try {
    return cloudSdkRoot();
  } catch {
    return undefined;
  }
})();

describe(
  'ad-hoc GoogleSQL and views through bq',
  { skip: !SDK && 'the Cloud SDK (bq) is not installed' },
  () => {
    let config: string;
    before(async () => {
      config = await mkdtemp(join(tmpdir(), 'bq-engine-config-'));
      // An existing (empty) .bigqueryrc keeps bq from running its first-use `bq init` dialogue.
      await writeFile(join(config, 'bigqueryrc'), '');
    });
    after(async () => {
      if (config) await rm(config, { recursive: true, force: true });
    });

    /** Google's bq pointed at the fake; resolves to stdout, rejects with the CLI's output. */
    async function bq(...args: string[]): Promise<string> {
      const { stdout } = await run(
        join(SDK!, 'platform/bundledpythonunix/bin/python3'),
        [
          join(SDK!, 'platform/bq/bq.py'),
          `--api=${fake.url}`,
          `--discovery_file=${join(SDK!, 'platform/bq/discovery_next/bigquery.json')}`,
          `--project_id=${PROJECT}`,
          '--oauth_access_token=local-token',
          '--nouse_google_auth',
          `--bigqueryrc=${join(config, 'bigqueryrc')}`,
          '--quiet',
          ...args,
        ],
        {
          timeout: 60_000,
          env: { ...process.env, CLOUDSDK_CONFIG: config, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
        },
      );
      return stdout;
    }

    it('runs a JOIN with COUNT(DISTINCT) and AVG, creates a view with bq mk --view and queries it, and reports an invalid query', async () => {
      const joined = JSON.parse(
        await bq(
          'query',
          '--nouse_legacy_sql',
          '--format=json',
          `SELECT u.name, COUNT(DISTINCT h.query_id) AS queries, AVG(h.runtime) AS avg_runtime
         FROM archive.history h JOIN (SELECT DISTINCT id, name FROM archive.user) u ON u.id = h.user_id
         GROUP BY u.name ORDER BY u.name`,
        ),
      ) as unknown;
      assert.deepEqual(joined, [
        { name: 'ann', queries: '2', avg_runtime: '4.0' },
        { name: 'bob', queries: '1', avg_runtime: '9.0' },
      ]);
      await bq(
        'mk',
        '--nouse_legacy_sql',
        '--view',
        'SELECT DATE(created_time) AS day, COUNT(*) AS runs FROM archive.history GROUP BY day',
        'archive.runs_per_day',
      );
      const days = JSON.parse(
        await bq(
          'query',
          '--nouse_legacy_sql',
          '--format=json',
          'SELECT * FROM archive.runs_per_day ORDER BY day',
        ),
      ) as unknown;
      assert.deepEqual(days, [
        { day: '2026-11-20', runs: '2' },
        { day: '2026-11-21', runs: '2' },
        { day: '2026-11-22', runs: '1' },
      ]);
      await assert.rejects(
        bq(
          'query',
          '--nouse_legacy_sql',
          'SELECT h.nope FROM archive.history h JOIN archive.user u ON u.id = h.user_id',
        ),
        (e: { stdout?: string; stderr?: string }) => {
          assert.match(`${e.stdout}${e.stderr}`, /Name nope not found inside\s+h at \[1:10\]/);
          return true;
        },
      );
    });
  },
);
