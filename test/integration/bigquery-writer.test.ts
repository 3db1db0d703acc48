/**
 * The BigQuery writer's merge by key, through the real @google-cloud/bigquery and
 * @google-cloud/storage clients against the local stack: a window's staged rows replace their
 * earlier copies inside the window, rows Looker has since pruned stay archived, nothing is ever
 * doubled, and a window BigQuery cannot take changes nothing.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { DependencyError } from '../../src/errors.js';
import type { BigQueryField } from '../../src/explores/index.js';
import { BigQueryLoader, type MergeRequest } from '../../src/sinks/bigquery.js';
import { GcsStaging } from '../../src/sinks/gcs.js';
import { BUCKET, DATASET, LOCATION, startStack, type Stack } from '../stack/index.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const TABLE = 'history';
const FIELDS: BigQueryField[] = [
  { name: 'id', type: 'INTEGER', mode: 'NULLABLE', description: 'query run' },
  { name: 'status', type: 'STRING', mode: 'NULLABLE', description: 'outcome' },
  { name: 'created_time', type: 'DATETIME', mode: 'NULLABLE', description: 'when it ran' },
];
const DIALECT: BigQueryField = { name: 'dialect', type: 'STRING', mode: 'NULLABLE', description: 'added' };

type Row = { id: number; status: string; created_time: string; dialect?: string };
const run = (id: number, day: string, status = 'complete', extra: Partial<Row> = {}): Row => ({
  id,
  status,
  created_time: `${day} 10:${String(id % 60).padStart(2, '0')}:00`,
  ...extra,
});
const window = (day: string) => ({
  start: new Date(`${day}T00:00:00Z`),
  end: new Date(new Date(`${day}T00:00:00Z`).getTime() + 86_400_000),
});

let stack: Stack;
let storage: Storage;
let bigquery: BigQuery;
let writer: BigQueryLoader;
let attempt = 0;

before(async () => {
  stack = await startStack({ bigquery: { jobDelayMs: 5 } });
  storage = new Storage({
    projectId: stack.projectId,
    apiEndpoint: stack.env.GCS_API_ENDPOINT,
    authClient: new PassThroughClient() as never,
  });
  bigquery = new BigQuery({
    projectId: stack.projectId,
    apiEndpoint: stack.env.BIGQUERY_API_ENDPOINT,
    authClient: new PassThroughClient() as never,
  });
  writer = new BigQueryLoader(bigquery, DATASET, LOCATION);
});
after(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  await stack.reset();
});

/** Stages rows as one JSONL object and merges them as window `day`. */
async function merge(day: string, rows: Row[], options: Partial<MergeRequest> = {}) {
  attempt += 1;
  const name = `writer/${day}-${attempt}.jsonl`;
  await storage
    .bucket(BUCKET)
    .file(name)
    .save(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { resumable: false });
  return writer.merge({
    jobId: `window_${day.replace(/-/g, '')}_${attempt}`,
    sourceUris: [`gs://${BUCKET}/${name}`],
    tableId: TABLE,
    schema: FIELDS,
    partitionField: 'created_time',
    range: window(day),
    primaryKey: ['id'],
    clusterBy: ['status'],
    labels: { app: 'looker-activity-export' },
    ...options,
  });
}

/** The table's rows, read back through the fake's oracle, as `id:status:day` sorted. */
const archived = () =>
  stack.bigquery
    .rows(DATASET, TABLE)
    .map((r) => `${String(r.id)}:${String(r.status)}:${String(r.created_time).slice(0, 10)}`)
    .sort();

const tables = async () => (await bigquery.dataset(DATASET).getTables())[0].map((t) => t.id);

describe('BigQuery writer: merge by key', () => {
  it('creates a missing table, day-partitioned and clustered, and inserts the window; the staging table is gone', async () => {
    const result = await merge('2026-11-20', [
      run(1, '2026-11-20'),
      run(2, '2026-11-20'),
      run(3, '2026-11-20'),
    ]);
    assert.deepEqual(result, { jobId: `window_20261120_${attempt}`, stagedRows: 3, inserted: 3, updated: 0 });
    const [metadata] = await bigquery.dataset(DATASET).table(TABLE).getMetadata();
    assert.deepEqual(metadata.timePartitioning, { type: 'DAY', field: 'created_time' });
    assert.deepEqual(metadata.clustering, { fields: ['status'] });
    assert.deepEqual(archived(), ['1:complete:2026-11-20', '2:complete:2026-11-20', '3:complete:2026-11-20']);
    assert.deepEqual(await tables(), [TABLE]);
    const merges = stack.bigquery.jobs.filter((j) => j.configuration.query?.query?.startsWith('MERGE'));
    assert.equal(merges.length, 1);
    assert.deepEqual(merges[0]!.configuration.labels, { app: 'looker-activity-export' });
    // The window's bounds travel as parameters, never inside the SQL text.
    assert.doesNotMatch(merges[0]!.configuration.query!.query!, /2026-11/);
  });

  it('merging the same rows again doubles none of them and counts them as updated', async () => {
    const rows = [run(1, '2026-11-20'), run(2, '2026-11-20')];
    await merge('2026-11-20', rows);
    const again = await merge('2026-11-20', rows);
    assert.deepEqual([again.stagedRows, again.inserted, again.updated], [2, 0, 2]);
    assert.deepEqual(archived(), ['1:complete:2026-11-20', '2:complete:2026-11-20']);
  });

  it('keeps archived rows a re-read no longer returns, and replaces rows changed in place', async () => {
    await merge('2026-11-20', [
      run(1, '2026-11-20'),
      run(2, '2026-11-20'),
      run(3, '2026-11-20'),
      run(4, '2026-11-20'),
    ]);
    // Looker pruned 1 and 3 and a late status change reached 2.
    const reread = await merge('2026-11-20', [run(2, '2026-11-20', 'error'), run(4, '2026-11-20')]);
    assert.deepEqual([reread.stagedRows, reread.inserted, reread.updated], [2, 0, 2]);
    assert.deepEqual(archived(), [
      '1:complete:2026-11-20',
      '2:error:2026-11-20',
      '3:complete:2026-11-20',
      '4:complete:2026-11-20',
    ]);
  });

  it('leaves rows outside the window alone, even with the same key', async () => {
    await merge('2026-11-19', [run(1, '2026-11-19'), run(2, '2026-11-19')]);
    const next = await merge('2026-11-20', [run(1, '2026-11-20', 'error'), run(5, '2026-11-20')]);
    assert.deepEqual([next.inserted, next.updated], [2, 0]);
    assert.deepEqual(archived(), [
      '1:complete:2026-11-19',
      '1:error:2026-11-20',
      '2:complete:2026-11-19',
      '5:complete:2026-11-20',
    ]);
  });

  it('neither inserts nor writes over a row with a staged row outside the window or without a key, and says so in its counts', async () => {
    await merge('2026-11-20', [run(1, '2026-11-20')]);
    const stray = await merge('2026-11-20', [
      run(1, '2026-11-21', 'error'),
      run(2, '2026-11-19'),
      run(3, '2026-11-20'),
      { ...run(4, '2026-11-20'), id: null as unknown as number },
    ]);
    assert.deepEqual([stray.stagedRows, stray.inserted, stray.updated], [4, 1, 0]);
    assert.deepEqual(archived(), ['1:complete:2026-11-20', '3:complete:2026-11-20']);
  });

  it('adds a column Looker added, and keeps it (with its values) when a later window lacks it', async () => {
    await merge('2026-11-20', [run(1, '2026-11-20')]);
    await merge(
      '2026-11-20',
      [run(1, '2026-11-20', 'complete', { dialect: 'bigquery' }), run(2, '2026-11-20')],
      {
        schema: [...FIELDS, DIALECT],
      },
    );
    const names = async () =>
      (
        (await bigquery.dataset(DATASET).table(TABLE).getMetadata())[0].schema.fields as { name: string }[]
      ).map((f) => f.name);
    assert.deepEqual(await names(), ['id', 'status', 'created_time', 'dialect']);
    const later = await merge('2026-11-20', [run(1, '2026-11-20', 'error')]);
    assert.equal(later.updated, 1);
    assert.deepEqual(await names(), ['id', 'status', 'created_time', 'dialect']);
    const one = stack.bigquery.rows(DATASET, TABLE).find((r) => r.id === 1n)!;
    assert.deepEqual([one.status, one.dialect], ['error', 'bigquery']);
  });

  it('refuses staged rows that repeat a key, terminally, changing nothing (not even creating the table)', async () => {
    await assert.rejects(
      merge('2026-11-20', [run(1, '2026-11-20'), run(1, '2026-11-20', 'error'), run(2, '2026-11-20')]),
      (error: unknown) => {
        assert.ok(error instanceof DependencyError);
        assert.equal(error.service, 'bigquery');
        assert.equal(error.transient, false);
        assert.match(error.message, /repeat the key \(id\): \(1\) x2/);
        return true;
      },
    );
    assert.deepEqual(await tables(), []);
    await merge('2026-11-20', [run(1, '2026-11-20'), run(2, '2026-11-20')]);
    await assert.rejects(merge('2026-11-20', [run(2, '2026-11-20', 'error'), run(2, '2026-11-20', 'error')]));
    assert.deepEqual(archived(), ['1:complete:2026-11-20', '2:complete:2026-11-20']);
    assert.deepEqual(await tables(), [TABLE]);
  });

  it('refuses a window BigQuery rejects (a value of the wrong type) terminally, changing nothing', async () => {
    await merge('2026-11-20', [run(1, '2026-11-20')]);
    await assert.rejects(
      merge('2026-11-20', [{ ...run(1, '2026-11-20'), id: 'one' as unknown as number }]),
      (error: unknown) =>
        error instanceof DependencyError && !error.transient && /integer/.test(error.message),
    );
    assert.deepEqual(archived(), ['1:complete:2026-11-20']);
  });

  it('refuses a column name that could break out of its quotes before starting any job', async () => {
    const jobs = stack.bigquery.jobs.length;
    await assert.rejects(
      merge('2026-11-20', [run(1, '2026-11-20')], { primaryKey: ['id` = 1 OR TRUE --'] }),
      (error: unknown) =>
        error instanceof DependencyError &&
        !error.transient &&
        /not a BigQuery column name/.test(error.message),
    );
    assert.equal(stack.bigquery.jobs.length, jobs);
    assert.deepEqual(await tables(), []);
  });

  it('follows the existing job when a retried insert of the same job id meets 409', async () => {
    const rows = [run(1, '2026-11-20')];
    const first = await merge('2026-11-20', rows);
    attempt -= 1; // the same window attempt again: same job ids
    const retried = await merge('2026-11-20', rows);
    assert.deepEqual(retried, first);
    assert.deepEqual(archived(), ['1:complete:2026-11-20']);
  });
});

describe('network failures are transient', () => {
  /** A port that was free a moment ago and has nobody listening. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('classifies ECONNREFUSED from BigQuery and from GCS as a transient DependencyError', async () => {
    const port = await closedPort();
    const unreachable = new BigQueryLoader(
      new BigQuery({
        projectId: stack.projectId,
        apiEndpoint: `http://127.0.0.1:${port}`,
        authClient: new PassThroughClient() as never,
        autoRetry: false,
      }),
      DATASET,
      LOCATION,
    );
    await assert.rejects(
      unreachable.merge({
        jobId: 'unreachable',
        sourceUris: [`gs://${BUCKET}/none.jsonl`],
        tableId: TABLE,
        schema: FIELDS,
        partitionField: 'created_time',
        range: window('2026-11-20'),
        primaryKey: ['id'],
      }),
      (error: unknown) => {
        assert.ok(error instanceof DependencyError, String(error));
        assert.equal(error.service, 'bigquery');
        assert.equal(error.transient, true, error.message);
        return true;
      },
    );
    const gcs = new GcsStaging(
      new Storage({
        projectId: stack.projectId,
        apiEndpoint: `http://127.0.0.1:${port}`,
        authClient: new PassThroughClient() as never,
        retryOptions: { autoRetry: false },
      }),
      BUCKET,
    );
    await assert.rejects(gcs.describe('none.jsonl'), (error: unknown) => {
      assert.ok(error instanceof DependencyError, String(error));
      assert.equal(error.service, 'gcs');
      assert.equal(error.transient, true, error.message);
      return true;
    });
  });
});
