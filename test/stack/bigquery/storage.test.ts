/**
 * The BigQuery fake's table storage, judged through the Node client: rows live in files under
 * `dataDir`, one set per partition, and come back from disk exactly as loaded, in table order; a
 * MERGE rewrites only the partitions its ON range can match; a failed job leaves no file; deleting
 * a table, or closing a fake that made its own directory, removes the files.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BigQuery, type JobMetadata } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { startBigQueryFake, type BigQueryFake } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const PROJECT = 'storage-project';
const BUCKET = 'staging';

let root: string;
let dataDir: string;
let fake: BigQueryFake;
let bigquery: BigQuery;

const readObject = async (bucket: string, name: string) => {
  const path = join(root, bucket, name);
  await stat(path);
  return createReadStream(path);
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bq-storage-'));
  dataDir = join(root, 'data');
  fake = await startBigQueryFake({ jobDelayMs: 5, dataDir, readObject });
  bigquery = client(fake.url);
  await bigquery.createDataset('ds', { location: 'US' });
});

after(async () => {
  await fake?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function client(url: string) {
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient: new PassThroughClient() });
}

async function stage(name: string, rows: object[]): Promise<string> {
  const path = join(root, BUCKET, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return `gs://${BUCKET}/${name}`;
}

async function runJob(configuration: Record<string, unknown>, on = bigquery): Promise<JobMetadata> {
  const [job] = await on.createJob({ configuration });
  for (;;) {
    const [metadata] = await job.getMetadata();
    if (metadata.status?.state === 'DONE') return metadata;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const load = (tableId: string, uri: string, extra: Record<string, unknown> = {}) =>
  runJob({
    load: {
      sourceUris: [uri],
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      destinationTable: { projectId: PROJECT, datasetId: 'ds', tableId },
      ...extra,
    },
  });

/** Every file under dataDir, with its size and change time, to see which a job touched. */
async function files(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(dataDir)) {
    const info = await stat(join(dataDir, name));
    out.set(join(dataDir, name), `${info.size}:${info.mtimeMs}`);
  }
  return out;
}

const lineCount = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

const EVENTS = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'day', type: 'DATE' },
  { name: 'name', type: 'STRING' },
];
const events = (tableId: string) => ({
  schema: { fields: EVENTS },
  timePartitioning: { type: 'DAY', field: 'day' },
  createDisposition: 'CREATE_IF_NEEDED',
  writeDisposition: 'WRITE_TRUNCATE',
  destinationTable: { projectId: PROJECT, datasetId: 'ds', tableId },
});

describe('BigQuery fake storage', () => {
  it('keeps a table’s rows in files under dataDir, per partition, and none in memory', async () => {
    const uri = await stage('spread.jsonl', [
      { id: 1, day: '2026-03-01', name: 'a' },
      { id: 2, day: '2026-03-02', name: 'b' },
      { id: 3, day: '2026-03-01', name: 'c' },
      { id: 4, day: null, name: 'd' },
    ]);
    const done = await load('spread', uri, events('spread'));
    assert.equal(done.status?.errorResult, undefined, JSON.stringify(done.status));
    const storage = fake.storage('ds', 'spread')!;
    assert.equal(storage.numRows, 4);
    assert.equal(storage.residentRows, 0);
    assert.deepEqual(
      storage.partitions.map((p) => [p.partition, p.rows]),
      [
        ['20260301', 2],
        ['20260302', 1],
        ['__NULL__', 1],
      ],
    );
    for (const partition of storage.partitions) {
      for (const file of partition.files) assert.equal(dirname(file), dataDir);
      assert.equal(
        partition.files.reduce((sum, f) => sum + lineCount(f), 0),
        partition.rows,
      );
    }
    // Table order is load order, across partitions, as BigQuery lists a freshly loaded table here.
    const [rows] = await bigquery.dataset('ds').table('spread').getRows();
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2, 3, 4],
    );
    const [decorated] = await bigquery.dataset('ds').table('spread$20260301').getRows();
    assert.deepEqual(
      decorated.map((r) => r.name),
      ['a', 'c'],
    );
  });

  it('gives every value back from disk exactly as it was loaded', async () => {
    const fields = [
      { name: 'i', type: 'INTEGER' },
      { name: 'f', type: 'FLOAT' },
      { name: 'n', type: 'NUMERIC' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 's', type: 'STRING' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'dt', type: 'DATETIME' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      {
        name: 'rec',
        type: 'RECORD',
        fields: [
          { name: 'x', type: 'INTEGER' },
          { name: 'ys', type: 'FLOAT', mode: 'REPEATED' },
        ],
      },
    ];
    const uri = await stage('values.jsonl', [
      {
        i: '9223372036854775807',
        f: '-0',
        n: '12345678901234567890.123456789',
        b: true,
        s: 'line\nbreak “quoted” 🎉',
        ts: '2026-03-01 10:00:00.123456',
        dt: '2026-03-01T10:00:00.5',
        tags: ['a', ''],
        rec: { x: '-9223372036854775808', ys: ['NaN', 'Infinity', 1e300] },
      },
      { i: null, f: '-Infinity', s: '', tags: [], rec: null },
    ]);
    const done = await load('values', uri, { schema: { fields } });
    assert.equal(done.status?.errorResult, undefined, JSON.stringify(done.status));
    const [first, second] = fake.rows('ds', 'values');
    assert.deepEqual(first, {
      i: 9223372036854775807n,
      f: -0,
      n: '12345678901234567890.123456789',
      b: true,
      s: 'line\nbreak “quoted” 🎉',
      ts: '2026-03-01T10:00:00.123456Z',
      dt: '2026-03-01T10:00:00.500000',
      tags: ['a', ''],
      rec: { x: -9223372036854775808n, ys: [NaN, Infinity, 1e300] },
    });
    assert.ok(Object.is(first!.f, -0), 'negative zero stays negative');
    assert.deepEqual(second, {
      i: null,
      f: -Infinity,
      n: null,
      b: null,
      s: '',
      ts: null,
      dt: null,
      tags: [],
      rec: null,
    });
  });

  it('rewrites only the partitions a MERGE’s ON range can match, and keeps table order', async () => {
    const uri = await stage('days.jsonl', [
      { id: 1, day: '2026-04-01', name: 'one' },
      { id: 2, day: '2026-04-02', name: 'two' },
      { id: 3, day: '2026-04-03', name: 'three' },
      { id: 4, day: '2026-04-02', name: 'four' },
    ]);
    await load('days', uri, events('days'));
    const staged = await stage('window.jsonl', [
      { id: 2, day: '2026-04-02', name: 'TWO' },
      { id: 5, day: '2026-04-02', name: 'five' },
    ]);
    await load('days_stage', staged, { schema: { fields: EVENTS }, writeDisposition: 'WRITE_TRUNCATE' });
    const before = fake.storage('ds', 'days')!;
    const filesOf = (storage: typeof before, partition: string) =>
      storage.partitions.find((p) => p.partition === partition)?.files ?? [];
    const untouched = await files();

    const merged = await runJob({
      query: {
        query: [
          'MERGE ds.days T USING ds.days_stage S',
          'ON T.id = S.id AND T.day >= @window_start AND T.day < @window_end',
          'WHEN MATCHED THEN UPDATE SET name = S.name',
          'WHEN NOT MATCHED BY TARGET THEN INSERT ROW',
        ].join('\n'),
        useLegacySql: false,
        parameterMode: 'NAMED',
        queryParameters: [
          { name: 'window_start', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-04-02' } },
          { name: 'window_end', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-04-03' } },
        ],
      },
    });
    assert.equal(merged.status?.errorResult, undefined, JSON.stringify(merged.status));
    assert.deepEqual(merged.statistics?.query?.dmlStats, {
      insertedRowCount: '1',
      updatedRowCount: '1',
      deletedRowCount: '0',
    });
    const after = fake.storage('ds', 'days')!;
    assert.equal(after.residentRows, 0);
    const now = await files();
    for (const day of ['20260401', '20260403']) {
      assert.deepEqual(filesOf(after, day), filesOf(before, day), `${day} keeps its files`);
      for (const file of filesOf(after, day))
        assert.equal(now.get(file), untouched.get(file), `${file} unchanged`);
    }
    assert.notDeepEqual(filesOf(after, '20260402'), filesOf(before, '20260402'));
    for (const file of filesOf(before, '20260402'))
      assert.equal(existsSync(file), false, 'replaced file deleted');
    // The updated row keeps its place; the inserted one comes last.
    assert.deepEqual(
      fake.rows('ds', 'days').map((r) => r.name),
      ['one', 'TWO', 'three', 'four', 'five'],
    );
    const [[counted]] = (await bigquery.query({
      query: "SELECT COUNT(*) AS n FROM ds.days WHERE day >= '2026-04-02' AND day < '2026-04-03'",
    })) as unknown as [[{ n: number }]];
    assert.equal(counted.n, 3);
  });

  it('leaves no file behind when a job fails, and removes a table’s files with it', async () => {
    const good = await stage('good.jsonl', [{ id: 1, day: '2026-05-01', name: 'kept' }]);
    await load('atomic', good, events('atomic'));
    const beforeFiles = await files();
    const bad = await stage('bad.jsonl', [
      { id: 2, day: '2026-05-02', name: 'fine' },
      { id: 'not a number', day: '2026-05-02' },
    ]);
    const failed = await load('atomic', bad, { ...events('atomic'), writeDisposition: 'WRITE_APPEND' });
    assert.ok(failed.status?.errorResult, 'the load fails on its bad row');
    assert.deepEqual(await files(), beforeFiles, 'no new file, none changed');
    assert.deepEqual(
      fake.rows('ds', 'atomic').map((r) => r.name),
      ['kept'],
    );

    const owned = fake.storage('ds', 'atomic')!.partitions.flatMap((p) => p.files);
    await bigquery.dataset('ds').table('atomic').delete();
    for (const file of owned) assert.equal(existsSync(file), false, `${file} deleted with its table`);
  });

  it('removes a directory it made on close, and keeps one it was given', async () => {
    const own = await startBigQueryFake({ jobDelayMs: 5, readObject });
    const other = client(own.url);
    await other.createDataset('ds', { location: 'US' });
    const uri = await stage('own.jsonl', [{ id: 1, day: '2026-06-01' }]);
    await runJob(
      {
        load: {
          sourceUris: [uri],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          ...events('own'),
        },
      },
      other,
    );
    const [file] = own.storage('ds', 'own')!.partitions[0]!.files;
    assert.ok(file && existsSync(file));
    await own.close();
    assert.equal(existsSync(dirname(file)), false, 'its temporary directory is gone');

    const given = await mkdtemp(join(tmpdir(), 'bq-given-'));
    const kept = await startBigQueryFake({ jobDelayMs: 5, readObject, dataDir: given });
    await kept.close();
    assert.equal(existsSync(given), true);
    await rm(given, { recursive: true, force: true });
  });
});
