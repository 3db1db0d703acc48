/**
 * Conformance of the BigQuery fake, judged by clients we did not write: Google's Node client
 * (`@google-cloud/bigquery`) and Google's `bq` CLI from the installed Cloud SDK. Sources are
 * files in a temporary directory read through `readObject`, as the GCS fake's `openObject`
 * would serve them; one spec goes through the GCS fake itself.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BigQuery, type Job, type JobMetadata } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { startGcsFake } from '../gcs/index.js';
import { startBigQueryFake, type BigQueryFake } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const PROJECT = 'fake-project';
const BUCKET = 'staging';
const run = promisify(execFile);

let root: string;
let fake: BigQueryFake;
let bigquery: BigQuery;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bq-fake-'));
  fake = await startBigQueryFake({
    jobDelayMs: 20,
    async readObject(bucket, name) {
      const path = join(root, bucket, name);
      await stat(path); // rejects for a missing object, as openObject does
      return createReadStream(path);
    },
    async listObjects(bucket, prefix) {
      const base = join(root, bucket);
      const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(base, join(e.parentPath, e.name)))
        .filter((name) => name.startsWith(prefix));
    },
  });
  bigquery = client(fake.url);
});

after(async () => {
  await fake?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function client(url: string) {
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient: new PassThroughClient() });
}

/** Writes an object of the fake bucket; returns its gs:// URI. */
async function stage(name: string, lines: (string | object)[], gzip = false): Promise<string> {
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  const path = join(root, BUCKET, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gzip ? gzipSync(text) : text);
  return `gs://${BUCKET}/${name}`;
}

type LoadConfiguration = Record<string, unknown>;

/** Inserts a load job through the client and polls jobs.get (getMetadata) until DONE. */
async function loadJob(
  load: LoadConfiguration,
  jobId?: string,
): Promise<{ job: Job; metadata: JobMetadata }> {
  const [job] = await bigquery.createJob({
    ...(jobId ? { jobId } : {}),
    configuration: { load: { sourceFormat: 'NEWLINE_DELIMITED_JSON', ...load } },
  });
  for (;;) {
    const [metadata] = await job.getMetadata();
    if (metadata.status?.state === 'DONE') return { job, metadata };
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

async function load(load: LoadConfiguration): Promise<JobMetadata> {
  const { metadata } = await loadJob(load);
  assert.equal(metadata.status?.errorResult, undefined, JSON.stringify(metadata.status));
  return metadata;
}

interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

async function loadFails(
  load: LoadConfiguration,
): Promise<{ state: string; errorResult: ErrorProto; errors: ErrorProto[] }> {
  const { metadata } = await loadJob(load);
  assert.ok(metadata.status?.errorResult, 'the job should have failed');
  return metadata.status as { state: string; errorResult: ErrorProto; errors: ErrorProto[] };
}

const destination = (datasetId: string, tableId: string) => ({ projectId: PROJECT, datasetId, tableId });

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${fake.url}/bigquery/v2/projects/${PROJECT}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const EVENTS = [
  { name: 'id', type: 'INT64', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
  { name: 'day', type: 'DATE' },
  { name: 'at', type: 'TIMESTAMP' },
];
const event = (id: number, day: string, extra: object = {}) => ({
  id,
  name: `n${id}`,
  day,
  at: `${day} 10:00:00`,
  ...extra,
});

describe('datasets and tables', () => {
  it('creates, gets, lists and refuses a duplicate dataset, keeping its location', async () => {
    const [dataset] = await bigquery.createDataset('eu_data', { location: 'eu' });
    const [metadata] = await dataset.getMetadata();
    assert.equal(metadata.location, 'EU');
    assert.equal(metadata.datasetReference.datasetId, 'eu_data');
    assert.match(metadata.etag, /\S/);
    const [datasets] = await bigquery.getDatasets();
    assert.ok(datasets.some((d) => d.id === 'eu_data'));
    await assert.rejects(
      bigquery.createDataset('eu_data'),
      (e: { code?: number; errors?: { reason: string }[] }) => {
        assert.equal(e.code, 409);
        assert.equal(e.errors?.[0]?.reason, 'duplicate');
        return true;
      },
    );
  });

  it('answers a missing dataset with Google’s error body', async () => {
    const res = await api('GET', '/datasets/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      error: {
        code: 404,
        message: `Not found: Dataset ${PROJECT}:nope`,
        errors: [{ message: `Not found: Dataset ${PROJECT}:nope`, domain: 'global', reason: 'notFound' }],
        status: 'NOT_FOUND',
      },
    });
  });

  it('creates a partitioned, clustered table with nested fields; types come back under their legacy names', async () => {
    const [dataset] = await bigquery.createDataset('catalog', { location: 'US' });
    await dataset.createTable('t', {
      schema: {
        fields: [
          { name: 'id', type: 'INT64', mode: 'REQUIRED', description: 'row id' },
          { name: 'ratio', type: 'FLOAT64' },
          { name: 'ok', type: 'BOOL' },
          { name: 'amount', type: 'NUMERIC' },
          { name: 'day', type: 'DATE' },
          { name: 'owner', type: 'STRUCT', fields: [{ name: 'email', type: 'STRING' }] },
          { name: 'tags', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'k', type: 'STRING' }] },
        ],
      },
      timePartitioning: { type: 'MONTH', field: 'day' },
      clustering: { fields: ['id'] },
    });
    const [table] = await dataset.table('t').getMetadata();
    assert.deepEqual(
      table.schema.fields.map(
        (f: { name: string; type: string; mode: string }) => `${f.name}:${f.type}:${f.mode}`,
      ),
      [
        'id:INTEGER:REQUIRED',
        'ratio:FLOAT:NULLABLE',
        'ok:BOOLEAN:NULLABLE',
        'amount:NUMERIC:NULLABLE',
        'day:DATE:NULLABLE',
        'owner:RECORD:NULLABLE',
        'tags:RECORD:REPEATED',
      ],
    );
    assert.equal(table.schema.fields[0].description, 'row id');
    assert.deepEqual(table.schema.fields[5].fields, [{ name: 'email', type: 'STRING', mode: 'NULLABLE' }]);
    assert.deepEqual(table.timePartitioning, { type: 'MONTH', field: 'day' });
    assert.deepEqual(table.clustering, { fields: ['id'] });
    assert.equal(table.numRows, '0');
    assert.equal(table.numBytes, '0');
    const [tables] = await dataset.getTables();
    assert.deepEqual(
      tables.map((t) => t.id),
      ['t'],
    );
  });

  it('refuses partitioning on a column that is not a date or time', async () => {
    await assert.rejects(
      bigquery.dataset('catalog').createTable('bad', {
        schema: { fields: [{ name: 's', type: 'STRING' }] },
        timePartitioning: { type: 'DAY', field: 's' },
      }),
      /can only be of type TIMESTAMP, DATE or DATETIME/,
    );
  });

  it('patches a schema (add a column, relax REQUIRED), changes the etag, and refuses a stale etag or a dropped column', async () => {
    const table = bigquery.dataset('catalog').table('t');
    const [before] = await table.getMetadata();
    const fields = before.schema.fields.map((f: { name: string }) =>
      f.name === 'id' ? { ...f, mode: 'NULLABLE' } : f,
    );
    const [after] = await table.setMetadata({
      schema: { fields: [...fields, { name: 'note', type: 'STRING' }] },
    });
    assert.equal(after.schema.fields[0].mode, 'NULLABLE');
    assert.equal(after.schema.fields.at(-1).name, 'note');
    assert.notEqual(after.etag, before.etag);
    await assert.rejects(
      table.setMetadata({ description: 'x', etag: before.etag }),
      (e: { code?: number }) => e.code === 412,
    );
    await assert.rejects(
      table.setMetadata({ schema: { fields: fields.slice(1) } }),
      /Provided Schema does not match Table fake-project:catalog\.t\. Field id is missing in new schema/,
    );
  });

  it('deletes tables, and datasets only with deleteContents when they hold tables', async () => {
    await assert.rejects(
      bigquery.dataset('catalog').delete(),
      (e: { code?: number; errors?: { reason: string }[] }) => {
        assert.equal(e.errors?.[0]?.reason, 'resourceInUse');
        return true;
      },
    );
    await bigquery.dataset('catalog').table('t').delete();
    assert.equal((await bigquery.dataset('catalog').table('t').exists())[0], false);
    await bigquery
      .dataset('catalog')
      .createTable('again', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });
    await bigquery.dataset('catalog').delete({ force: true });
    assert.equal((await bigquery.dataset('catalog').exists())[0], false);
  });

  it('deletes a table once its expirationTime has passed', async () => {
    await bigquery.createDataset('expiring', { location: 'US' });
    const expirationTime = String(Date.now() + 300);
    await bigquery
      .dataset('expiring')
      .createTable('short', { schema: { fields: [{ name: 'a', type: 'STRING' }] }, expirationTime });
    const [metadata] = await bigquery.dataset('expiring').table('short').getMetadata();
    assert.equal(metadata.expirationTime, expirationTime);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await bigquery.dataset('expiring').table('short').exists())[0], false);
    assert.deepEqual((await bigquery.dataset('expiring').getTables())[0], []);
  });
});

describe('load jobs', () => {
  before(async () => {
    await bigquery.createDataset('loads', { location: 'US' });
  });

  it('runs PENDING -> RUNNING -> DONE asynchronously; job.promise() polls it; statistics as strings', async () => {
    const uri = await stage('a/first.jsonl', [event(1, '2026-11-21'), event(2, '2026-11-22')]);
    const [job, inserted] = await bigquery.createJob({
      jobId: 'first-load',
      location: 'US',
      configuration: {
        load: {
          sourceUris: [uri],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          destinationTable: destination('loads', 'events'),
          schema: { fields: EVENTS },
          timePartitioning: { type: 'DAY', field: 'day' },
          clustering: { fields: ['name'] },
        },
      },
    });
    assert.equal(inserted.status?.state, 'PENDING');
    assert.deepEqual(inserted.jobReference, { projectId: PROJECT, jobId: 'first-load', location: 'US' });
    await job.promise();
    const [metadata] = await job.getMetadata();
    assert.equal(metadata.status.state, 'DONE');
    const size = (await stat(join(root, BUCKET, 'a/first.jsonl'))).size;
    // 8 (INT64) + 2+2 (STRING "nX") + 8 (DATE) + 8 (TIMESTAMP) = 28 logical bytes a row
    assert.deepEqual(metadata.statistics.load, {
      inputFiles: '1',
      inputFileBytes: String(size),
      outputRows: '2',
      badRecords: '0',
      outputBytes: '56',
    });
    const { creationTime, startTime, endTime } = metadata.statistics;
    assert.ok(Number(creationTime) <= Number(startTime) && Number(startTime) <= Number(endTime));
    const [table] = await bigquery.dataset('loads').table('events').getMetadata();
    assert.deepEqual(table.timePartitioning, { type: 'DAY', field: 'day' });
    assert.deepEqual(table.clustering, { fields: ['name'] });
    assert.equal(table.numRows, '2');
    assert.equal(table.numBytes, '56');
  });

  it('answers jobs.get for the job’s location only, and refuses a duplicate job id with 409', async () => {
    assert.equal((await api('GET', '/jobs/first-load?location=EU')).status, 404);
    assert.equal((await api('GET', '/jobs/first-load?location=US')).status, 200);
    await assert.rejects(
      bigquery.createJob({
        jobId: 'first-load',
        configuration: {
          load: { sourceUris: ['gs://x/y'], destinationTable: destination('loads', 'events') },
        },
      }),
      (e: { code?: number; errors?: { reason: string; message: string }[] }) => {
        assert.equal(e.code, 409);
        assert.equal(e.errors?.[0]?.reason, 'duplicate');
        assert.equal(e.errors?.[0]?.message, `Already Exists: Job ${PROJECT}:US.first-load`);
        return true;
      },
    );
  });

  it('appends with WRITE_APPEND, replaces with WRITE_TRUNCATE, refuses a non-empty table with WRITE_EMPTY', async () => {
    const base = { destinationTable: destination('loads', 'dispositions'), schema: { fields: EVENTS } };
    await load({ ...base, sourceUris: [await stage('d/1.jsonl', [event(1, '2026-11-01')])] });
    await load({
      ...base,
      sourceUris: [await stage('d/2.jsonl', [event(2, '2026-11-02')])],
      writeDisposition: 'WRITE_APPEND',
    });
    assert.deepEqual(
      fake.rows('loads', 'dispositions').map((r) => r.id),
      [1n, 2n],
    );
    await load({
      ...base,
      sourceUris: [await stage('d/3.jsonl', [event(3, '2026-11-03')])],
      writeDisposition: 'WRITE_TRUNCATE',
    });
    assert.deepEqual(
      fake.rows('loads', 'dispositions').map((r) => r.id),
      [3n],
    );
    const refused = await loadFails({
      ...base,
      sourceUris: [await stage('d/4.jsonl', [event(4, '2026-11-04')])],
      writeDisposition: 'WRITE_EMPTY',
    });
    assert.equal(refused.errorResult?.reason, 'duplicate');
    assert.match(refused.errorResult!.message, /Already Exists: Table fake-project:loads\.dispositions/);
    assert.deepEqual(
      fake.rows('loads', 'dispositions').map((r) => r.id),
      [3n],
    );
    await load({
      ...base,
      destinationTable: destination('loads', 'empty_one'),
      sourceUris: [await stage('d/5.jsonl', [event(5, '2026-11-05')])],
      writeDisposition: 'WRITE_EMPTY',
    });
  });

  it('fails CREATE_NEVER on a missing table and a missing source object, with notFound', async () => {
    const never = await loadFails({
      sourceUris: [await stage('n/1.jsonl', [event(1, '2026-11-01')])],
      destinationTable: destination('loads', 'absent'),
      schema: { fields: EVENTS },
      createDisposition: 'CREATE_NEVER',
    });
    assert.deepEqual(never.errorResult, {
      reason: 'notFound',
      message: `Not found: Table ${PROJECT}:loads.absent`,
    });
    const missing = await loadFails({
      sourceUris: [`gs://${BUCKET}/nope.jsonl`],
      destinationTable: destination('loads', 'absent'),
      schema: { fields: EVENTS },
    });
    assert.deepEqual(missing.errorResult, {
      reason: 'notFound',
      message: `Not found: URI gs://${BUCKET}/nope.jsonl`,
    });
    assert.equal((await bigquery.dataset('loads').table('absent').exists())[0], false);
  });

  describe('partition decorators', () => {
    const daily = { schema: { fields: EVENTS }, timePartitioning: { type: 'DAY', field: 'day' } };

    before(async () => {
      await load({
        ...daily,
        destinationTable: destination('loads', 'daily'),
        sourceUris: [
          await stage('p/all.jsonl', [
            event(1, '2026-11-21'),
            event(2, '2026-11-22'),
            event(3, '2026-11-22'),
            event(4, '2026-11-23'),
          ]),
        ],
      });
    });

    it('replaces only the named partition with WRITE_TRUNCATE', async () => {
      const metadata = await load({
        ...daily,
        destinationTable: destination('loads', 'daily$20261122'),
        writeDisposition: 'WRITE_TRUNCATE',
        sourceUris: [await stage('p/22.jsonl', [event(5, '2026-11-22')])],
      });
      assert.equal(metadata.statistics?.load?.outputRows, '1');
      assert.deepEqual(
        fake.rows('loads', 'daily', { partition: '20261122' }).map((r) => r.id),
        [5n],
      );
      const [rows] = await bigquery.dataset('loads').table('daily').getRows();
      assert.deepEqual(rows.map((r) => r.id).sort(), [1, 4, 5]);
      const [partition] = await bigquery.dataset('loads').table('daily$20261122').getMetadata();
      assert.equal(partition.numRows, '1');
    });

    it('fails the whole job when a row belongs to another partition, changing nothing', async () => {
      const status = await loadFails({
        ...daily,
        destinationTable: destination('loads', 'daily$20261122'),
        writeDisposition: 'WRITE_TRUNCATE',
        sourceUris: [await stage('p/wrong.jsonl', [event(6, '2026-11-22'), event(7, '2026-11-23')])],
      });
      assert.equal(status.errorResult?.reason, 'invalid');
      assert.match(
        status.errorResult!.message,
        /^Some rows belong to different partitions rather than destination partition 20261122$/,
      );
      assert.deepEqual(
        fake.rows('loads', 'daily').map((r) => r.id),
        [1n, 4n, 5n],
      );
    });

    it('refuses a decorator that does not fit the partitioning, and a load into a table partitioned otherwise', async () => {
      const short = await loadFails({
        ...daily,
        destinationTable: destination('loads', 'daily$202611'),
        sourceUris: [await stage('p/x.jsonl', [event(8, '2026-11-22')])],
      });
      assert.match(short.errorResult!.message, /Invalid partition decorator 202611/);
      const monthly = await loadFails({
        schema: { fields: EVENTS },
        timePartitioning: { type: 'MONTH', field: 'day' },
        destinationTable: destination('loads', 'daily'),
        sourceUris: [await stage('p/y.jsonl', [event(9, '2026-11-22')])],
      });
      assert.match(
        monthly.errorResult!.message,
        /^Incompatible table partitioning specification\. Expects partitioning specification interval\(type:day,field:day\), but input partitioning specification is interval\(type:month,field:day\)$/,
      );
    });

    it('puts rows with a NULL partitioning column in __NULL__ and partitions by HOUR', async () => {
      await load({
        schema: { fields: EVENTS },
        timePartitioning: { type: 'HOUR', field: 'at' },
        destinationTable: destination('loads', 'hourly'),
        sourceUris: [
          await stage('p/h.jsonl', [
            event(1, '2026-11-22', { at: '2026-11-22T07:59:59Z' }),
            event(2, '2026-11-22', { at: null }),
          ]),
        ],
      });
      assert.deepEqual(
        fake.rows('loads', 'hourly', { partition: '2026112207' }).map((r) => r.id),
        [1n],
      );
      assert.deepEqual(
        fake.rows('loads', 'hourly', { partition: '__NULL__' }).map((r) => r.id),
        [2n],
      );
    });
  });

  describe('JSON value rules', () => {
    const ALL_TYPES = [
      { name: 's', type: 'STRING' },
      { name: 'i', type: 'INTEGER' },
      { name: 'f', type: 'FLOAT' },
      { name: 'n', type: 'NUMERIC' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'd', type: 'DATE' },
      { name: 'dt', type: 'DATETIME' },
      { name: 't', type: 'TIME' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'j', type: 'JSON' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'rec', type: 'RECORD', fields: [{ name: 'k', type: 'INTEGER', mode: 'REQUIRED' }] },
      { name: 'req', type: 'STRING', mode: 'REQUIRED' },
    ];
    const base = { destinationTable: destination('loads', 'typed'), schema: { fields: ALL_TYPES } };

    // [what, JSON line, stored column, stored value] — accepted as BigQuery accepts them
    const accepted: [string, string, string, unknown][] = [
      ['INTEGER from a JSON number', '{"req":"x","i":42}', 'i', 42n],
      ['INTEGER from a string of digits', '{"req":"x","i":"-17"}', 'i', -17n],
      [
        'INTEGER at the int64 maximum, exactly',
        '{"req":"x","i":9223372036854775807}',
        'i',
        9223372036854775807n,
      ],
      ['FLOAT from a number and from a string', '{"req":"x","f":"2.5e-3"}', 'f', 0.0025],
      ['NUMERIC rounded to 9 decimals', '{"req":"x","n":"1.0000000005"}', 'n', '1.000000001'],
      ['BOOLEAN from true', '{"req":"x","b":true}', 'b', true],
      ['BOOLEAN from "FALSE", case-insensitive', '{"req":"x","b":"FALSE"}', 'b', false],
      ['DATE YYYY-MM-DD', '{"req":"x","d":"2024-02-29"}', 'd', '2024-02-29'],
      [
        'DATETIME with T and fraction',
        '{"req":"x","dt":"2026-11-22T10:30:05.25"}',
        'dt',
        '2026-11-22T10:30:05.250000',
      ],
      [
        'DATETIME with a space and no seconds',
        '{"req":"x","dt":"2026-11-22 10:30"}',
        'dt',
        '2026-11-22T10:30:00',
      ],
      ['TIME', '{"req":"x","t":"23:59:59.999999"}', 't', '23:59:59.999999'],
      ['DATE on a leap day of a 400th year', '{"req":"x","d":"2000-02-29"}', 'd', '2000-02-29'],
      ['TIMESTAMP as negative epoch seconds', '{"req":"x","ts":-1.5}', 'ts', '1969-12-31T23:59:58.500000Z'],
      [
        'TIMESTAMP without zone (UTC)',
        '{"req":"x","ts":"2026-11-22 10:00:00"}',
        'ts',
        '2026-11-22T10:00:00Z',
      ],
      [
        'TIMESTAMP with Z',
        '{"req":"x","ts":"2026-11-22T10:00:00.123456Z"}',
        'ts',
        '2026-11-22T10:00:00.123456Z',
      ],
      [
        'TIMESTAMP with an offset',
        '{"req":"x","ts":"2026-11-22 12:00:00+02:00"}',
        'ts',
        '2026-11-22T10:00:00Z',
      ],
      [
        'TIMESTAMP with UTC and slashes',
        '{"req":"x","ts":"2026/11/22 10:00 UTC"}',
        'ts',
        '2026-11-22T10:00:00Z',
      ],
      [
        'TIMESTAMP with an IANA zone',
        '{"req":"x","ts":"2026-11-22 05:00:00 America/New_York"}',
        'ts',
        '2026-11-22T10:00:00Z',
      ],
      ['TIMESTAMP as epoch seconds', '{"req":"x","ts":1795341600.5}', 'ts', '2026-11-22T10:00:00.500000Z'],
      ['JSON keeps the value as text', '{"req":"x","j":{"a":[1,2.50]}}', 'j', '{"a":[1,2.50]}'],
      ['REPEATED from an array; absent is empty', '{"req":"x","tags":["a","b"]}', 'tags', ['a', 'b']],
      ['RECORD from an object', '{"req":"x","rec":{"k":"7"}}', 'rec', { k: 7n }],
      ['keys matched case-insensitively', '{"REQ":"x","I":5}', 'i', 5n],
    ];
    for (const [what, line, column, value] of accepted) {
      it(`accepts ${what}`, async () => {
        await load({
          ...base,
          writeDisposition: 'WRITE_TRUNCATE',
          sourceUris: [await stage('v/ok.jsonl', [line])],
        });
        const [row] = fake.rows('loads', 'typed');
        assert.deepEqual(row?.[column], value);
      });
    }

    // [what, JSON line, BigQuery's row error after "JSON parsing error in row starting at position 0: "]
    const rejected: [string, string, string][] = [
      [
        'a float for INTEGER',
        '{"req":"x","i":1.0}',
        `Could not convert value 'double_value: 1.0' to integer. Field: i; Value: 1.0`,
      ],
      [
        'a word for INTEGER',
        '{"req":"x","i":"12a"}',
        `Could not convert value 'string_value: "12a"' to integer. Field: i; Value: 12a`,
      ],
      [
        'an INTEGER beyond int64',
        '{"req":"x","i":9223372036854775808}',
        `Could not convert value 'double_value: 9223372036854775808' to integer. Field: i; Value: 9223372036854775808`,
      ],
      ['a number for STRING', '{"req":"x","s":3}', 'Could not convert value to string. Field: s; Value: 3'],
      [
        'a word for FLOAT',
        '{"req":"x","f":"abc"}',
        `Could not convert value 'string_value: "abc"' to double. Field: f; Value: abc`,
      ],
      [
        'NUMERIC with 30 integer digits',
        '{"req":"x","n":"100000000000000000000000000000"}',
        'Invalid NUMERIC value: 100000000000000000000000000000 Field: n; Value: 100000000000000000000000000000',
      ],
      [
        '1 for BOOLEAN',
        '{"req":"x","b":1}',
        `Could not convert value 'double_value: 1' to boolean. Field: b; Value: 1`,
      ],
      [
        '"yes" for BOOLEAN',
        '{"req":"x","b":"yes"}',
        `Could not convert value 'string_value: "yes"' to boolean. Field: b; Value: yes`,
      ],
      [
        'a DATE with slashes',
        '{"req":"x","d":"2026/11/22"}',
        `Invalid date: '2026/11/22' Field: d; Value: 2026/11/22`,
      ],
      [
        'an impossible DATE',
        '{"req":"x","d":"2026-02-29"}',
        `Invalid date: '2026-02-29' Field: d; Value: 2026-02-29`,
      ],
      [
        'a leap day of 1900',
        '{"req":"x","d":"1900-02-29"}',
        `Invalid date: '1900-02-29' Field: d; Value: 1900-02-29`,
      ],
      [
        'a DATETIME with a zone',
        '{"req":"x","dt":"2026-11-22T10:00:00Z"}',
        'Invalid datetime string "2026-11-22T10:00:00Z" Field: dt; Value: 2026-11-22T10:00:00Z',
      ],
      [
        'a DATETIME at hour 24',
        '{"req":"x","dt":"2026-11-22 24:00:00"}',
        'Invalid datetime string "2026-11-22 24:00:00" Field: dt; Value: 2026-11-22 24:00:00',
      ],
      [
        'a TIMESTAMP that is a word',
        '{"req":"x","ts":"AA"}',
        `Couldn't convert value to timestamp: Could not parse 'AA' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] or YYYY/MM/DD HH:MM[:SS[.SSSSSS]] Field: ts; Value: AA`,
      ],
      [
        'a TIMESTAMP without a time',
        '{"req":"x","ts":"2026-11-22"}',
        `Couldn't convert value to timestamp: Could not parse '2026-11-22' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] or YYYY/MM/DD HH:MM[:SS[.SSSSSS]] Field: ts; Value: 2026-11-22`,
      ],
      [
        'a REQUIRED field set to null',
        '{"req":null}',
        'Only optional fields can be set to NULL. Field: req; Value: NULL',
      ],
      [
        'a missing REQUIRED field',
        '{"s":"x"}',
        'Only optional fields can be set to NULL. Field: req; Value: NULL',
      ],
      [
        'a missing REQUIRED field in a RECORD',
        '{"req":"x","rec":{}}',
        'Only optional fields can be set to NULL. Field: rec.k; Value: NULL',
      ],
      ['an unknown field, even null', '{"req":"x","nope":null}', 'No such field: nope.'],
      ['an unknown field in a RECORD', '{"req":"x","rec":{"k":1,"z":2}}', 'No such field: rec.z.'],
      ['an object for STRING', '{"req":"x","s":{"a":1}}', 'JSON object specified for non-record field: s'],
      [
        'an array for a non-repeated field',
        '{"req":"x","s":["a"]}',
        'Array specified for non-repeated field: s.',
      ],
      [
        'a scalar for a REPEATED field',
        '{"req":"x","tags":"a"}',
        'Repeated field must be imported as a JSON array. Field: tags.',
      ],
      [
        'a null inside a REPEATED field',
        '{"req":"x","tags":["a",null]}',
        'Only optional fields can be set to NULL. Field: tags; Value: NULL',
      ],
      ['malformed JSON', '{"req":"x", "s":"unterminated}', 'Closing quote expected in string'],
      [
        'a line that is not an object',
        '[1,2]',
        'Only JSON objects are accepted as rows; found a non-object value.',
      ],
    ];

    it('rejects each bad value with BigQuery’s row error, and fails the job at the first one by default', async () => {
      const uri = await stage('v/one-bad.jsonl', ['{"req":"fine"}', '{"req":"x","i":"seven"}']);
      const status = await loadFails({ ...base, sourceUris: [uri] });
      const prefix = 'Error while reading data, error message: ';
      assert.deepEqual(status.errorResult, {
        reason: 'invalid',
        location: uri,
        message: `${prefix}JSON table encountered too many errors, giving up. Rows: 2; errors: 1. Please look into the errors[] collection for more details.`,
      });
      assert.deepEqual(status.errors, [
        status.errorResult,
        {
          reason: 'invalid',
          message: `${prefix}JSON processing encountered too many errors, giving up. Rows: 2; errors: 1; max bad: 0; error percent: 0`,
        },
        {
          reason: 'invalid',
          location: uri,
          message: `${prefix}JSON parsing error in row starting at position 15: Could not convert value 'string_value: "seven"' to integer. Field: i; Value: seven`,
        },
      ]);
    });

    for (const [what, line, message] of rejected) {
      it(`rejects ${what}`, async () => {
        const uri = await stage('v/bad.jsonl', [line]);
        const status = await loadFails({
          ...base,
          destinationTable: destination('loads', 'typed_bad'),
          sourceUris: [uri],
        });
        assert.equal(status.errorResult?.reason, 'invalid');
        assert.equal(
          status.errors?.at(-1)?.message,
          `Error while reading data, error message: JSON parsing error in row starting at position 0: ${message}`,
        );
        assert.equal((await bigquery.dataset('loads').table('typed_bad').exists())[0], false);
      });
    }
  });

  it('skips bad rows up to maxBadRecords, listing them in status.errors', async () => {
    const base = { destinationTable: destination('loads', 'lenient'), schema: { fields: EVENTS } };
    const uri = await stage('m/mixed.jsonl', [
      event(1, '2026-11-22'),
      event(2, '2026-11-22', { id: 'x' }),
      event(3, '2026-11-22'),
    ]);
    const { metadata } = await loadJob({ ...base, sourceUris: [uri], maxBadRecords: 1 });
    assert.equal(metadata.status?.errorResult, undefined);
    assert.equal(metadata.statistics?.load?.outputRows, '2');
    assert.equal(metadata.statistics?.load?.badRecords, '1');
    assert.equal(metadata.status?.errors?.length, 1);
    assert.match(
      metadata.status!.errors![0]!.message!,
      /Could not convert value 'string_value: "x"' to integer\. Field: id; Value: x$/,
    );
    const twoBad = await stage('m/two.jsonl', [
      event(4, '2026-11-22', { id: 'y' }),
      event(5, '2026-11-22', { day: 'z' }),
    ]);
    const status = await loadFails({ ...base, sourceUris: [twoBad], maxBadRecords: 1 });
    assert.match(status.errorResult!.message, /Rows: 2; errors: 2\./);
    assert.deepEqual(
      fake.rows('loads', 'lenient').map((r) => r.id),
      [1n, 3n],
    );
  });

  it('ignores unknown values only when told to', async () => {
    const base = { destinationTable: destination('loads', 'unknowns'), schema: { fields: EVENTS } };
    const uri = await stage('u/extra.jsonl', [event(1, '2026-11-22', { extra: 1, more: { a: 1 } })]);
    const status = await loadFails({ ...base, sourceUris: [uri] });
    assert.match(status.errors!.at(-1)!.message, /No such field: extra\.$/);
    await load({ ...base, sourceUris: [uri], ignoreUnknownValues: true });
    assert.deepEqual(fake.rows('loads', 'unknowns'), [
      { id: 1n, name: 'n1', day: '2026-11-22', at: '2026-11-22T10:00:00Z' },
    ]);
  });

  it('reads gzip-compressed sources, told apart by their magic bytes, and wildcard URIs', async () => {
    const base = { destinationTable: destination('loads', 'zipped'), schema: { fields: EVENTS } };
    await stage('z/part-1.json.gz', [event(1, '2026-11-22'), event(2, '2026-11-22')], true);
    await stage('z/part-2.bin', [event(3, '2026-11-22')], true);
    await stage('z/part-3.json', [event(4, '2026-11-22')]);
    const metadata = await load({ ...base, sourceUris: [`gs://${BUCKET}/z/part-*`] });
    assert.equal(metadata.statistics?.load?.inputFiles, '3');
    assert.equal(metadata.statistics?.load?.outputRows, '4');
    assert.deepEqual(
      fake.rows('loads', 'zipped').map((r) => r.id),
      [1n, 2n, 3n, 4n],
    );
    const none = await loadFails({ ...base, sourceUris: [`gs://${BUCKET}/z/nothing-*`] });
    assert.equal(none.errorResult?.reason, 'notFound');
  });

  it('is atomic: a bad row in a later file leaves the table as it was', async () => {
    const base = { destinationTable: destination('loads', 'atomic'), schema: { fields: EVENTS } };
    await load({ ...base, sourceUris: [await stage('at/0.jsonl', [event(1, '2026-11-22')])] });
    const good = await stage('at/1.jsonl', [event(2, '2026-11-22'), event(3, '2026-11-22')]);
    const bad = await stage('at/2.jsonl', [event(4, '2026-11-22', { at: 'never' })]);
    await loadFails({ ...base, writeDisposition: 'WRITE_TRUNCATE', sourceUris: [good, bad] });
    assert.deepEqual(
      fake.rows('loads', 'atomic').map((r) => r.id),
      [1n],
    );
  });

  it('adds a column or relaxes REQUIRED only with schemaUpdateOptions, as BigQuery allows them', async () => {
    const table = destination('loads', 'evolving');
    const daily = { timePartitioning: { type: 'DAY', field: 'day' } };
    await load({
      ...daily,
      destinationTable: table,
      schema: { fields: EVENTS },
      sourceUris: [await stage('e/0.jsonl', [event(1, '2026-11-21')])],
    });
    const wider = [...EVENTS, { name: 'extra', type: 'STRING' }];
    const next = await stage('e/1.jsonl', [event(2, '2026-11-22', { extra: 'e' })]);
    const refused = await loadFails({
      ...daily,
      destinationTable: { ...table, tableId: 'evolving$20261122' },
      writeDisposition: 'WRITE_TRUNCATE',
      schema: { fields: wider },
      sourceUris: [next],
    });
    assert.equal(
      refused.errorResult?.message,
      `Provided Schema does not match Table ${PROJECT}:loads.evolving. Cannot add fields (field: extra)`,
    );
    const wrongDisposition = await loadFails({
      ...daily,
      destinationTable: table,
      writeDisposition: 'WRITE_TRUNCATE',
      schema: { fields: wider },
      schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
      sourceUris: [next],
    });
    assert.match(
      wrongDisposition.errorResult!.message,
      /^Schema update options should only be specified with WRITE_APPEND disposition, or with WRITE_TRUNCATE disposition on a table partition\.$/,
    );
    await load({
      ...daily,
      destinationTable: { ...table, tableId: 'evolving$20261122' },
      writeDisposition: 'WRITE_TRUNCATE',
      schema: { fields: wider },
      schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
      sourceUris: [next],
    });
    const relaxed = wider.map((f) => (f.name === 'id' ? { ...f, mode: 'NULLABLE' } : f));
    const noId = await stage('e/2.jsonl', [{ day: '2026-11-23', name: 'anonymous' }]);
    const strict = await loadFails({
      ...daily,
      destinationTable: table,
      schema: { fields: relaxed },
      sourceUris: [noId],
    });
    assert.match(strict.errorResult!.message, /Field id has changed mode from REQUIRED to NULLABLE$/);
    await load({
      ...daily,
      destinationTable: table,
      schema: { fields: relaxed },
      schemaUpdateOptions: ['ALLOW_FIELD_RELAXATION'],
      sourceUris: [noId],
    });
    const [metadata] = await bigquery.dataset('loads').table('evolving').getMetadata();
    assert.deepEqual(
      metadata.schema.fields.map((f: { name: string; mode: string }) => `${f.name}:${f.mode}`),
      ['id:NULLABLE', 'name:NULLABLE', 'day:NULLABLE', 'at:NULLABLE', 'extra:NULLABLE'],
    );
    assert.deepEqual(
      fake.rows('loads', 'evolving').map((r) => [r.id, r.extra]),
      [
        [1n, null],
        [2n, 'e'],
        [null, null],
      ],
    );
  });

  it('fails the next load inside the job when told to (failNextLoad), changing nothing', async () => {
    const base = { destinationTable: destination('loads', 'injected'), schema: { fields: EVENTS } };
    fake.failNextLoad();
    const status = await loadFails({
      ...base,
      sourceUris: [await stage('f/1.jsonl', [event(1, '2026-11-22')])],
    });
    assert.deepEqual(status.errorResult, { reason: 'backendError', message: 'Backend error. Job aborted.' });
    assert.equal((await bigquery.dataset('loads').table('injected').exists())[0], false);
    await load({ ...base, sourceUris: [await stage('f/1.jsonl', [event(1, '2026-11-22')])] });
  });

  it('keeps a job RUNNING while stalled; cancelling it ends it DONE with stopped and changes nothing', async () => {
    fake.stallJobs(true);
    try {
      const [job] = await bigquery.createJob({
        configuration: {
          load: {
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            sourceUris: [await stage('s/1.jsonl', [event(1, '2026-11-22')])],
            destinationTable: destination('loads', 'stalled'),
            schema: { fields: EVENTS },
          },
        },
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal((await job.getMetadata())[0].status.state, 'RUNNING');
      await job.cancel();
      const [metadata] = await job.getMetadata();
      assert.equal(metadata.status.state, 'DONE');
      assert.equal(metadata.status.errorResult.reason, 'stopped');
    } finally {
      fake.stallJobs(false);
    }
    assert.equal((await bigquery.dataset('loads').table('stalled').exists())[0], false);
  });

  it('answers an injected fault with Google’s error body, and the client retries a 503 by itself', async () => {
    fake.faults.add({
      match: 'GET /bigquery/v2/projects/fake-project/datasets/loads',
      fault: { kind: 'status', status: 429, message: 'Quota exceeded' },
    });
    const res = await api('GET', '/datasets/loads');
    assert.equal(res.status, 429);
    assert.deepEqual(res.body.error.errors, [
      { message: 'Quota exceeded', domain: 'global', reason: 'rateLimitExceeded' },
    ]);
    fake.faults.add({ match: /POST .*\/jobs$/, fault: { kind: 'status', status: 503 } });
    await load({
      destinationTable: destination('loads', 'retried'),
      schema: { fields: EVENTS },
      sourceUris: [await stage('r/1.jsonl', [event(1, '2026-11-22')])],
    });
    assert.equal(fake.faults.pending, 0);
  });
});

describe('reading rows', () => {
  before(async () => {
    await bigquery.createDataset('reads', { location: 'US' });
    await load({
      destinationTable: destination('reads', 'r'),
      schema: {
        fields: [
          ...EVENTS,
          { name: 'score', type: 'FLOAT' },
          { name: 'tags', type: 'STRING', mode: 'REPEATED' },
          { name: 'owner', type: 'RECORD', fields: [{ name: 'email', type: 'STRING' }] },
        ],
      },
      sourceUris: [
        await stage('read/1.jsonl', [
          event(1, '2026-11-22', { score: 1, tags: ['a', 'b'], owner: { email: 'a@x' } }),
          event(2, '2026-11-22', { score: 2.5 }),
          event(3, '2026-11-23', { at: '2026-11-23 10:00:00.000001' }),
          event(4, '2026-11-24'),
          event(5, '2026-11-25'),
        ]),
      ],
    });
  });

  it('pages getRows with maxResults and pageToken, and decodes every type through the client', async () => {
    const table = bigquery.dataset('reads').table('r');
    const [first, next] = await table.getRows({ maxResults: 2, autoPaginate: false });
    assert.deepEqual(
      first.map((r) => r.id),
      [1, 2],
    );
    assert.ok(next?.pageToken);
    const [second] = await table.getRows({ maxResults: 2, pageToken: next.pageToken, autoPaginate: false });
    assert.deepEqual(
      second.map((r) => r.id),
      [3, 4],
    );
    const [all] = await table.getRows();
    assert.equal(all.length, 5);
    assert.equal(all[0]!.at.value, '2026-11-22T10:00:00.000Z');
    assert.equal(all[2]!.at.value, '2026-11-23T10:00:00.000001000Z');
    assert.equal(all[0]!.day.value, '2026-11-22');
    assert.deepEqual(all[0]!.tags, ['a', 'b']);
    assert.deepEqual(all[0]!.owner, { email: 'a@x' });
    assert.equal(all[1]!.score, 2.5);
    assert.equal(all[1]!.owner, null);
  });

  it('encodes tabledata as {f:[{v}]} strings: TIMESTAMP as float seconds, or micros with useInt64Timestamp', async () => {
    const plain = await api('GET', '/datasets/reads/tables/r/data?maxResults=1');
    assert.equal(plain.body.kind, 'bigquery#tableDataList');
    assert.equal(plain.body.totalRows, '5');
    assert.deepEqual(plain.body.rows, [
      {
        f: [
          { v: '1' },
          { v: 'n1' },
          { v: '2026-11-22' },
          { v: '1.7953416E9' },
          { v: '1.0' },
          { v: [{ v: 'a' }, { v: 'b' }] },
          { v: { f: [{ v: 'a@x' }] } },
        ],
      },
    ]);
    const micros = await api(
      'GET',
      '/datasets/reads/tables/r/data?startIndex=2&maxResults=1&formatOptions.useInt64Timestamp=true&selectedFields=id,at',
    );
    assert.deepEqual(micros.body.rows, [{ f: [{ v: '3' }, { v: '1795428000000001' }] }]);
  });
});

describe('queries', () => {
  before(async () => {
    await bigquery.createDataset('q', { location: 'US' });
    await load({
      destinationTable: destination('q', 'events'),
      schema: { fields: EVENTS },
      timePartitioning: { type: 'DAY', field: 'day' },
      sourceUris: [
        await stage('q/1.jsonl', [
          event(1, '2026-11-21'),
          event(2, '2026-11-22'),
          event(3, '2026-11-22'),
          event(4, '2026-11-23', { name: null }),
        ]),
      ],
    });
  });

  it('counts rows with COUNT(*) through bigquery.query, with any table name form', async () => {
    for (const name of ['q.events', '`q.events`', `\`${PROJECT}.q.events\``, `${PROJECT}.q.events`]) {
      const [[row]] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${name}` });
      assert.equal(row.n, 4, name);
    }
    const [[anonymous]] = await bigquery.query('SELECT COUNT(*) FROM q.events');
    assert.deepEqual(anonymous, { f0_: 4 });
  });

  it('filters with WHERE ... AND ..., orders, limits and groups', async () => {
    const [rows] = await bigquery.query({
      query:
        "SELECT id, name FROM q.events WHERE day >= '2026-11-22' AND name IS NOT NULL ORDER BY id DESC LIMIT 1",
    });
    assert.deepEqual(rows, [{ id: 3, name: 'n3' }]);
    const [groups] = await bigquery.query({
      query: 'SELECT day, COUNT(*) AS n FROM q.events GROUP BY day ORDER BY day',
    });
    assert.deepEqual(
      groups.map((g) => [g.day.value, g.n]),
      [
        ['2026-11-21', 1],
        ['2026-11-22', 2],
        ['2026-11-23', 1],
      ],
    );
    const [stars] = await bigquery.query({
      query: "SELECT * FROM q.events WHERE at = TIMESTAMP '2026-11-21 10:00:00 UTC'",
    });
    assert.deepEqual(
      stars.map((r) => r.id),
      [1],
    );
  });

  it('runs a query job inserted with jobs.insert and reads it with getQueryResults', async () => {
    const [job, inserted] = await bigquery.createQueryJob({
      query: 'SELECT name FROM q.events WHERE id = 2',
      jobId: 'query-job',
    });
    assert.equal(inserted.status?.state, 'PENDING');
    const [rows] = await job.getQueryResults();
    assert.deepEqual(rows, [{ name: 'n2' }]);
    const [metadata] = await job.getMetadata();
    assert.equal(metadata.statistics.query.statementType, 'SELECT');
  });

  it('refuses what BigQuery refuses, with invalidQuery', async () => {
    const cases: [string, RegExp][] = [
      // Outside the streaming subset the GoogleSQL engine judges, with the same message form.
      [
        'SELECT MAX(zzz) FROM q.events a JOIN q.events b ON a.id = b.id',
        /^Unrecognized name: zzz at \[1:12\]$/,
      ],
      ['SELECT nope FROM q.events', /^Unrecognized name: nope at \[1:8\]$/],
      [
        'SELECT id, COUNT(*) FROM q.events',
        /SELECT list expression references column id which is neither grouped nor aggregated/,
      ],
      [
        "SELECT id FROM q.events WHERE id = 'x'",
        /No matching signature for operator = for argument types: INT64, STRING/,
      ],
      ['SELECT id FROM events', /must be qualified with a dataset/],
    ];
    for (const [query, message] of cases) {
      await assert.rejects(
        bigquery.query({ query }),
        (e: { code?: number; errors?: { reason: string; message: string }[] }) => {
          assert.equal(e.code, 400, query);
          assert.equal(e.errors?.[0]?.reason, 'invalidQuery', query);
          assert.match(e.errors![0]!.message, message, query);
          return true;
        },
      );
    }
    await assert.rejects(
      bigquery.query({ query: 'SELECT id FROM q.missing' }),
      (e: { code?: number }) => e.code === 404,
    );
  });
});

describe('MERGE', () => {
  let serial = 0;

  /** A fresh target `m.t<n>` with `target` rows and a source `m.s<n>` with `source` rows (EVENTS schema). */
  async function tables(target: object[], source: object[]) {
    serial += 1;
    const [t, src] = [`t${serial}`, `s${serial}`];
    for (const [tableId, rows] of [
      [t, target],
      [src, source],
    ] as const)
      await load({
        destinationTable: destination('m', tableId),
        schema: { fields: EVENTS },
        timePartitioning: { type: 'DAY', field: 'day' },
        sourceUris: [await stage(`m/${tableId}.jsonl`, rows as object[])],
      });
    return { t: `m.${t}`, s: `m.${src}`, rows: () => fake.rows('m', t) };
  }

  /** Inserts a query job through the client and polls it until DONE. */
  async function queryJob(query: Record<string, unknown>): Promise<{ job: Job; metadata: JobMetadata }> {
    const [job] = await bigquery.createJob({ configuration: { query: { useLegacySql: false, ...query } } });
    for (;;) {
      const [metadata] = await job.getMetadata();
      if (metadata.status?.state === 'DONE') return { job, metadata };
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  const upsert = (t: string, s: string, on = 'T.id = S.id') =>
    `MERGE ${t} AS T USING ${s} AS S ON ${on}
     WHEN MATCHED THEN UPDATE SET name = S.name, day = S.day, at = S.at
     WHEN NOT MATCHED THEN INSERT (id, name, day, at) VALUES (S.id, S.name, S.day, S.at)`;

  const byId = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(rows.map((r) => [String(r.id), r.name])) as Record<string, unknown>;

  before(async () => {
    await bigquery.createDataset('m', { location: 'US' });
  });

  it('updates matched rows, inserts the others, keeps target rows the source lacks; dmlStats in the job and its results', async () => {
    const { t, s, rows } = await tables(
      [event(1, '2026-11-21'), event(2, '2026-11-22'), event(3, '2026-11-22')],
      [event(2, '2026-11-22', { name: 'renamed' }), event(4, '2026-11-23')],
    );
    const { job, metadata } = await queryJob({ query: upsert(t, s) });
    assert.equal(metadata.status?.errorResult, undefined, JSON.stringify(metadata.status));
    assert.equal(metadata.statistics?.query?.statementType, 'MERGE');
    assert.deepEqual(metadata.statistics?.query?.dmlStats, {
      insertedRowCount: '1',
      deletedRowCount: '0',
      updatedRowCount: '1',
    });
    assert.equal(metadata.statistics?.query?.numDmlAffectedRows, '2');
    assert.deepEqual(byId(rows()), { 1: 'n1', 2: 'renamed', 3: 'n3', 4: 'n4' });
    const [, , response] = await job.getQueryResults();
    assert.equal((response as { numDmlAffectedRows?: string }).numDmlAffectedRows, '2');
    assert.equal((response as { schema?: unknown }).schema, undefined);
    // The same merge again: every source row now matches, nothing is inserted twice.
    const again = await queryJob({ query: upsert(t, s) });
    assert.deepEqual(again.metadata.statistics?.query?.dmlStats, {
      insertedRowCount: '0',
      deletedRowCount: '0',
      updatedRowCount: '2',
    });
    assert.equal(rows().length, 4);
  });

  it('moves an updated row to the partition of its new date', async () => {
    const { t, s } = await tables([event(1, '2026-11-21')], [event(1, '2026-11-25')]);
    await queryJob({ query: upsert(t, s) });
    assert.deepEqual(fake.rows('m', t.slice(2), { partition: '20261121' }), []);
    assert.equal(fake.rows('m', t.slice(2), { partition: '20261125' }).length, 1);
  });

  it('matches only target rows inside a partition range given as @parameters or typed literals', async () => {
    const { t, s, rows } = await tables(
      [event(1, '2026-11-21'), event(2, '2026-11-22')],
      [event(1, '2026-11-22', { name: 'again' }), event(2, '2026-11-22', { name: 'changed' })],
    );
    const { metadata } = await queryJob({
      query: upsert(t, s, 'T.id = S.id AND T.day >= @start AND T.day < @end'),
      parameterMode: 'NAMED',
      queryParameters: [
        { name: 'start', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-11-22' } },
        { name: 'end', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-11-23' } },
      ],
    });
    assert.deepEqual(metadata.statistics?.query?.dmlStats, {
      insertedRowCount: '1',
      deletedRowCount: '0',
      updatedRowCount: '1',
    });
    // id 1 of 2026-11-21 is outside the range: untouched, and the source's id 1 is a new row.
    assert.deepEqual(
      rows()
        .map((r) => `${r.id}:${r.name}:${r.day}`)
        .sort(),
      ['1:again:2026-11-22', '1:n1:2026-11-21', '2:changed:2026-11-22'],
    );
    const literal = await queryJob({
      query: upsert(
        t,
        s,
        "T.id = S.id AND T.at >= TIMESTAMP '2026-11-22 00:00:00 UTC' AND T.day < DATE '2026-11-23' AND T.day >= '2026-11-22'",
      ),
    });
    assert.deepEqual(literal.metadata.statistics?.query?.dmlStats?.updatedRowCount, '2');
  });

  it('fails a target row matched by two source rows with BigQuery’s error, changing nothing', async () => {
    const { t, s, rows } = await tables(
      [event(1, '2026-11-21')],
      [event(1, '2026-11-21', { name: 'a' }), event(1, '2026-11-21', { name: 'b' }), event(5, '2026-11-21')],
    );
    const before = rows();
    const { metadata } = await queryJob({ query: upsert(t, s) });
    assert.deepEqual(metadata.status?.errorResult, {
      reason: 'invalidQuery',
      message: 'UPDATE/MERGE must match at most one source row for each target row',
      location: 'query',
    });
    assert.equal(metadata.statistics?.query, undefined);
    assert.deepEqual(rows(), before);
  });

  it('is atomic: NULL into a REQUIRED column in a later row leaves the table as it was', async () => {
    const { t, s, rows } = await tables(
      [event(1, '2026-11-21')],
      [event(1, '2026-11-21', { name: 'changed' }), { id: 7, name: null, day: '2026-11-21' }],
    );
    const before = rows();
    const { metadata } = await queryJob({
      query: `MERGE ${t} T USING ${s} S ON T.id = S.id
              WHEN MATCHED THEN UPDATE SET name = S.name
              WHEN NOT MATCHED THEN INSERT (id, name) VALUES (NULL, S.name)`,
    });
    assert.equal(metadata.status?.errorResult?.reason, 'invalidQuery');
    assert.match(String(metadata.status?.errorResult?.message), /REQUIRED column id/);
    assert.deepEqual(rows(), before);
  });

  it('tries WHEN clauses in order: conditions, DELETE, NOT MATCHED BY SOURCE, INSERT ROW', async () => {
    const { t, s, rows } = await tables(
      [event(1, '2026-11-21'), event(2, '2026-11-21'), event(3, '2026-11-21'), event(9, '2026-11-21')],
      [
        event(1, '2026-11-21', { name: 'drop' }),
        event(2, '2026-11-21', { name: 'keep' }),
        event(4, '2026-11-21'),
        event(5, '2026-11-21', { name: null }),
      ],
    );
    const { metadata } = await queryJob({
      query: `MERGE INTO ${t} USING ${s} ON ${t.slice(2)}.id = ${s.slice(2)}.id
              WHEN MATCHED AND ${s.slice(2)}.name = 'drop' THEN DELETE
              WHEN MATCHED THEN UPDATE SET name = 'kept'
              WHEN NOT MATCHED BY TARGET AND ${s.slice(2)}.name IS NULL THEN INSERT (id) VALUES (${s.slice(2)}.id)
              WHEN NOT MATCHED THEN INSERT ROW
              WHEN NOT MATCHED BY SOURCE AND id > 5 THEN DELETE
              WHEN NOT MATCHED BY SOURCE THEN UPDATE SET name = NULL;`,
    });
    assert.equal(metadata.status?.errorResult, undefined, JSON.stringify(metadata.status));
    assert.deepEqual(metadata.statistics?.query?.dmlStats, {
      insertedRowCount: '2',
      deletedRowCount: '2',
      updatedRowCount: '2',
    });
    assert.deepEqual(byId(rows()), { 2: 'kept', 3: null, 4: 'n4', 5: null });
  });

  it('refuses type errors and unknown names before touching any row, with GoogleSQL’s messages', async () => {
    const { t, s } = await tables([event(1, '2026-11-21')], [event(1, '2026-11-21')]);
    const cases: [string, RegExp][] = [
      [
        upsert(t, s, 'T.id = S.name'),
        /No matching signature for operator = for argument types: INT64, STRING/,
      ],
      [upsert(t, s, 'id = id'), /Column name id is ambiguous/],
      [upsert(t, s, 'T.id = S.nope'), /Name nope not found inside S/],
      [upsert(t, s, 'T.day >= @missing'), /Query parameter 'missing' not found/],
      [
        `MERGE ${t} T USING ${s} S ON T.id = S.id WHEN MATCHED THEN UPDATE SET id = S.name`,
        /Value of type STRING cannot be assigned to id, which has type INT64/,
      ],
      [
        `MERGE ${t} T USING ${s} S ON T.id = S.id WHEN NOT MATCHED THEN INSERT (id) VALUES (T.id)`,
        /Unrecognized name: T \(not visible in WHEN NOT MATCHED BY TARGET\)/,
      ],
      [`MERGE ${t} T USING (SELECT 1) S ON TRUE WHEN MATCHED THEN DELETE`, /subquery as the MERGE source/],
    ];
    for (const [query, message] of cases) {
      const { metadata } = await queryJob({ query });
      assert.equal(metadata.status?.errorResult?.reason, 'invalidQuery', query);
      assert.match(String(metadata.status?.errorResult?.message), message, query);
    }
  });

  it('runs through bigquery.query (jobs.query) with the client’s own parameters', async () => {
    const { t, s, rows } = await tables([event(1, '2026-11-21')], [event(1, '2026-11-21', { name: 'x' })]);
    const [result] = await bigquery.query({
      query: upsert(t, s, 'T.id = S.id AND T.day >= @start AND T.at < @before'),
      params: { start: bigquery.date('2026-11-21'), before: bigquery.timestamp('2026-11-22T00:00:00Z') },
    });
    assert.deepEqual(result, []);
    assert.deepEqual(byId(rows()), { 1: 'x' });
  });

  it('answers a dry run with the statement type and changes nothing', async () => {
    const { t, s, rows } = await tables([event(1, '2026-11-21')], [event(2, '2026-11-21')]);
    const { status, body } = await api('POST', '/jobs', {
      configuration: { dryRun: true, query: { query: upsert(t, s), useLegacySql: false } },
    });
    assert.equal(status, 200);
    assert.equal(body.statistics.query.statementType, 'MERGE');
    assert.equal(rows().length, 1);
  });

  it('finds repeated keys with GROUP BY on several columns and HAVING COUNT(*) > n', async () => {
    const { s } = await tables(
      [],
      [event(1, '2026-11-21'), event(1, '2026-11-21'), event(1, '2026-11-22'), event(2, '2026-11-21')],
    );
    const [rows] = await bigquery.query({
      query: `SELECT id, day, COUNT(*) AS copies FROM ${s} GROUP BY id, day HAVING COUNT(*) > 1`,
    });
    assert.deepEqual(
      rows.map((r) => [r.id, r.day.value, r.copies]),
      [[1, '2026-11-21', 2]],
    );
  });
});

/** The installed Cloud SDK's root, found as gcloud reports it; undefined when gcloud is missing. */
function cloudSdk(): string | undefined {
  try {
    return execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      timeout: 30_000,
    }).trim();
  } catch {
    return undefined;
  }
}

const SDK = cloudSdk();

describe('bq CLI', { skip: !SDK && 'the Cloud SDK (gcloud, bq) is not installed' }, () => {
  let config: string;

  /** Google's bq pointed at the fake, with a throw-away configuration; resolves to its stdout. */
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
        env: {
          ...process.env,
          CLOUDSDK_CONFIG: config,
          CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
          CLOUDSDK_WRAPPER: '1',
        },
      },
    );
    return stdout;
  }

  before(async () => {
    config = await mkdtemp(join(tmpdir(), 'bq-config-'));
    await bigquery.createDataset('cli', { location: 'US' });
    await load({
      destinationTable: destination('cli', 't'),
      schema: { fields: EVENTS },
      timePartitioning: { type: 'DAY', field: 'day' },
      sourceUris: [await stage('cli/1.jsonl', [event(1, '2026-11-21'), event(2, '2026-11-22')])],
    });
  });
  after(async () => {
    if (config) await rm(config, { recursive: true, force: true });
  });

  it('lists datasets and tables, shows a schema, heads a table, counts and loads from gs://', async () => {
    assert.match(await bq('ls'), /^\s+cli\s*$/m);
    assert.match(await bq('ls', 'cli'), /^\s+t\s+TABLE\s+DAY \(field: day\)/m);
    const schema = JSON.parse(await bq('show', '--schema', '--format=prettyjson', 'cli.t'));
    assert.deepEqual(schema, [
      { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
      { name: 'name', type: 'STRING', mode: 'NULLABLE' },
      { name: 'day', type: 'DATE', mode: 'NULLABLE' },
      { name: 'at', type: 'TIMESTAMP', mode: 'NULLABLE' },
    ]);
    const head = await bq('head', '-n', '5', 'cli.t');
    assert.match(head, /\|\s+1\s+\|\s+n1\s+\|\s+2026-11-21\s+\|\s+2026-11-21 10:00:00\s+\|/);
    assert.match(
      await bq('query', '--nouse_legacy_sql', 'SELECT COUNT(*) FROM cli.t'),
      /\|\s+f0_\s+\|[\s\S]*\|\s+2\s+\|/,
    );
    await bq(
      'load',
      '--source_format=NEWLINE_DELIMITED_JSON',
      'cli.t',
      await stage('cli/2.jsonl', [event(3, '2026-11-23')]),
    );
    assert.deepEqual(
      fake.rows('cli', 't').map((r) => r.id),
      [1n, 2n, 3n],
    );
    // bq prints BigQuery's error on stdout and exits non-zero.
    await assert.rejects(
      bq(
        'load',
        '--source_format=NEWLINE_DELIMITED_JSON',
        'cli.t',
        await stage('cli/3.jsonl', [{ id: 'x' }]),
      ),
      (e: { stdout?: string }) => {
        const said = (e.stdout ?? '').replace(/\s+/g, ' ');
        assert.match(said, /JSON table encountered too many errors, giving up\. Rows: 1; errors: 1\./);
        assert.match(said, /Could not convert value 'string_value: "x"' to integer\. Field: id; Value: x/);
        return true;
      },
    );
  });

  it('runs a MERGE through bq query and prints the affected rows', async () => {
    await load({
      destinationTable: destination('cli', 'changes'),
      schema: { fields: EVENTS },
      timePartitioning: { type: 'DAY', field: 'day' },
      sourceUris: [
        await stage('cli/changes.jsonl', [event(1, '2026-11-21', { name: 'new' }), event(9, '2026-11-25')]),
      ],
    });
    const said = await bq(
      'query',
      '--nouse_legacy_sql',
      `MERGE cli.t T USING cli.changes S ON T.id = S.id
       WHEN MATCHED THEN UPDATE SET name = S.name
       WHEN NOT MATCHED THEN INSERT ROW`,
    );
    assert.match(said, /Number of affected rows: 2/);
    const rows = fake.rows('cli', 't');
    assert.equal(rows.find((r) => r.id === 1n)?.name, 'new');
    assert.ok(rows.some((r) => r.id === 9n));
  });
});

describe('through the GCS fake', () => {
  it('loads an object uploaded with @google-cloud/storage, read back with openObject', async () => {
    const gcs = await startGcsFake();
    const wired = await startBigQueryFake({
      readObject: (bucket, name) => gcs.openObject(bucket, name),
      jobDelayMs: 10,
    });
    try {
      gcs.createBucket('bucket');
      const storage = new Storage({ apiEndpoint: gcs.url, projectId: PROJECT });
      await storage
        .bucket('bucket')
        .file('x/rows.jsonl.gz')
        .save(gzipSync(`${JSON.stringify(event(1, '2026-11-22'))}\n`), { resumable: false });
      const viaGcs = client(wired.url);
      await viaGcs.createDataset('ds');
      const [job] = await viaGcs.createJob({
        configuration: {
          load: {
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            sourceUris: ['gs://bucket/x/rows.jsonl.gz', 'gs://bucket/x/missing.jsonl'],
            destinationTable: destination('ds', 't'),
            schema: { fields: EVENTS },
          },
        },
      });
      await assert.rejects(job.promise(), /Not found: URI gs:\/\/bucket\/x\/missing\.jsonl/);
      const [ok] = await viaGcs.createJob({
        configuration: {
          load: {
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            sourceUris: ['gs://bucket/x/rows.jsonl.gz'],
            destinationTable: destination('ds', 't'),
            schema: { fields: EVENTS },
          },
        },
      });
      await ok.promise();
      assert.deepEqual(wired.rows('ds', 't'), [
        { id: 1n, name: 'n1', day: '2026-11-22', at: '2026-11-22T10:00:00Z' },
      ]);
    } finally {
      await wired.close();
      await gcs.close();
    }
  });
});
