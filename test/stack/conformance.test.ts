/**
 * The fakes judged by clients we did not write: Google's Node client libraries and Google's
 * own CLIs (gcloud storage, gcloud secrets, bq) must work against them as against the cloud.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Storage } from '@google-cloud/storage';
import { credentials } from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';
import { googleCli } from '../support/google-cli.js';
import { BUCKET, DATASET, startStack, type Stack } from './index.js';

let stack: Stack;
let cli: ReturnType<typeof googleCli>;
let storage: Storage;
let bigquery: BigQuery;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

before(async () => {
  stack = await startStack();
  cli = googleCli(stack);
  storage = new Storage({ apiEndpoint: stack.gcs.url, projectId: stack.projectId });
  bigquery = new BigQuery({
    projectId: stack.projectId,
    apiEndpoint: stack.bigquery.url,
    authClient: new PassThroughClient(),
  });
});
after(async () => {
  await stack?.stop();
});

describe('GCS fake', () => {
  const data = randomBytes(6 * 1024 * 1024);

  it('takes a streamed resumable upload and a chunked one from the Node client, CRC32C-validated', async () => {
    await pipeline(
      Readable.from([data]),
      storage.bucket(BUCKET).file('c/stream.bin').createWriteStream({ resumable: true }),
    );
    await pipeline(
      Readable.from([data]),
      storage
        .bucket(BUCKET)
        .file('c/chunked.bin')
        .createWriteStream({ resumable: true, chunkSize: 2 * 1024 * 1024 }),
    );
    await storage.bucket(BUCKET).file('c/small.txt').save('hello', { resumable: false });
    for (const name of ['c/stream.bin', 'c/chunked.bin']) {
      const [downloaded] = await storage.bucket(BUCKET).file(name).download({ validation: 'crc32c' });
      assert.equal(sha(downloaded), sha(data));
      const [metadata] = await storage.bucket(BUCKET).file(name).getMetadata();
      assert.equal(Number(metadata.size), data.length);
    }
  });

  it('lists with a prefix and pages, honours generation preconditions, deletes', async () => {
    for (const name of ['l/a.txt', 'l/b.txt', 'l/c.txt', 'other/d.txt'])
      await storage.bucket(BUCKET).file(name).save(name, { resumable: false });
    const [files] = await storage.bucket(BUCKET).getFiles({ prefix: 'l/' });
    assert.deepEqual(
      files.map((f) => f.name),
      ['l/a.txt', 'l/b.txt', 'l/c.txt'],
    );
    const [page, next] = await storage
      .bucket(BUCKET)
      .getFiles({ prefix: 'l/', maxResults: 2, autoPaginate: false });
    assert.equal(page.length, 2);
    const [rest] = await storage.bucket(BUCKET).getFiles({ ...(next as object), autoPaginate: false });
    assert.deepEqual(
      rest.map((f) => f.name),
      ['l/c.txt'],
    );
    await assert.rejects(
      storage
        .bucket(BUCKET)
        .file('l/a.txt')
        .save('again', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      (e: { code?: number }) => e.code === 412,
    );
    await storage.bucket(BUCKET).file('l/a.txt').delete();
    assert.equal((await storage.bucket(BUCKET).file('l/a.txt').exists())[0], false);
  });

  it('surfaces an injected 503 on an upload as an error', async () => {
    stack.gcs.faults.add({ match: 'POST /upload', times: 10, fault: { kind: 'status', status: 503 } });
    const impatient = new Storage({
      apiEndpoint: stack.gcs.url,
      projectId: stack.projectId,
      retryOptions: { maxRetries: 1, retryDelayMultiplier: 1, totalTimeout: 5 },
    });
    await assert.rejects(
      impatient.bucket(BUCKET).file('c/fail.txt').save('x', { resumable: false }),
      (e: { code?: number }) => e.code === 503,
    );
    stack.gcs.faults.clear();
  });

  it('works with gcloud storage cp, ls, cat and rm on a multi-megabyte object', async () => {
    const local = join(tmpdir(), `gcs-${process.pid}.bin`);
    await writeFile(local, data);
    await cli.gcloud('storage', 'cp', local, `gs://${BUCKET}/cli/big.bin`);
    const [viaNode] = await storage.bucket(BUCKET).file('cli/big.bin').download();
    assert.equal(sha(viaNode), sha(data));
    assert.match(
      (await cli.gcloud('storage', 'ls', `gs://${BUCKET}/cli/`)).toString(),
      /gs:\/\/looker-export-staging\/cli\/big\.bin/,
    );
    assert.equal(sha(await cli.gcloud('storage', 'cat', `gs://${BUCKET}/c/stream.bin`)), sha(data));
    await cli.gcloud('storage', 'cp', `gs://${BUCKET}/c/chunked.bin`, `${local}.down`);
    assert.equal(sha(await readFile(`${local}.down`)), sha(data));
    await cli.gcloud('storage', 'rm', `gs://${BUCKET}/cli/big.bin`);
    assert.equal((await storage.bucket(BUCKET).file('cli/big.bin').exists())[0], false);
  });
});

describe('BigQuery fake', () => {
  const schema = [
    { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
    { name: 'name', type: 'STRING' },
    { name: 'at', type: 'DATETIME' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'd', type: 'DATE' },
    { name: 'x', type: 'FLOAT' },
  ];
  const line = (id: number, day: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      name: `n${id}`,
      at: `${day} 10:00:00`,
      ok: true,
      ts: `${day} 10:00:00 UTC`,
      d: day,
      x: 1.5,
      ...extra,
    });

  async function stage(name: string, lines: string[], gzip = false) {
    const body = Buffer.from(lines.join('\n') + '\n');
    await storage
      .bucket(BUCKET)
      .file(name)
      .save(gzip ? gzipSync(body) : body, { resumable: false });
    return `gs://${BUCKET}/${name}`;
  }

  async function load(uri: string, tableId: string, extra: Record<string, unknown> = {}) {
    const [job] = await bigquery.createJob({
      configuration: {
        load: {
          sourceUris: [uri],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          destinationTable: { projectId: stack.projectId, datasetId: DATASET, tableId },
          schema: { fields: schema },
          timePartitioning: { type: 'DAY', field: 'at' },
          writeDisposition: 'WRITE_TRUNCATE',
          ...extra,
        },
      },
    });
    return job.promise().then(() => job.getMetadata().then(([m]) => m));
  }

  const count = async (table: string) => (await bigquery.dataset(DATASET).table(table).getRows())[0].length;

  it('runs a load job to DONE, with statistics, creating a day-partitioned table', async () => {
    const meta = await load(await stage('bq/a.jsonl', [line(1, '2026-11-21'), line(2, '2026-11-22')]), 't');
    assert.equal(meta.status.state, 'DONE');
    assert.equal(meta.statistics.load.outputRows, '2');
    const [table] = await bigquery.dataset(DATASET).table('t').getMetadata();
    assert.deepEqual(table.timePartitioning, { type: 'DAY', field: 'at' });
  });

  it('replaces one partition through a decorator and leaves the others', async () => {
    await load(
      await stage('bq/b.jsonl', [line(3, '2026-11-22'), line(4, '2026-11-22'), line(5, '2026-11-22')]),
      't$20261122',
    );
    const [rows] = await bigquery.dataset(DATASET).table('t').getRows();
    assert.deepEqual(rows.map((r) => r.id).sort(), [1, 3, 4, 5]);
  });

  it('fails a decorator load with a row of another partition, changing nothing', async () => {
    await assert.rejects(
      load(await stage('bq/c.jsonl', [line(6, '2026-11-22'), line(7, '2026-11-23')]), 't$20261122'),
      /different partitions/,
    );
    assert.equal(await count('t'), 4);
  });

  const rejected: [string, Record<string, unknown>][] = [
    ['a float for INTEGER', { id: 1.5 }],
    ['an impossible DATETIME', { at: '2026-02-30 10:00:00' }],
    ['a word for BOOLEAN', { ok: 'maybe' }],
    ['a bad DATE', { d: '22/11/2026' }],
    ['an unknown field', { nope: 1 }],
    ['a missing REQUIRED field', { id: null }],
    ['an object for STRING', { name: { a: 1 } }],
  ];
  for (const [what, extra] of rejected) {
    it(`rejects ${what}, as BigQuery does`, async () => {
      await assert.rejects(
        load(await stage('bq/bad.jsonl', [line(9, '2026-11-24', extra)]), 'bad'),
        /too many errors/,
      );
    });
  }

  it('skips bad rows up to maxBadRecords and ignores unknown values when told', async () => {
    const uri = await stage('bq/mixed.jsonl', [
      line(10, '2026-11-24'),
      line(11, '2026-11-24', { id: 'x' }),
      line(12, '2026-11-24', { extra: 1 }),
    ]);
    const meta = await load(uri, 'mixed', { maxBadRecords: 1, ignoreUnknownValues: true });
    assert.equal(meta.statistics.load.outputRows, '2');
    assert.equal(meta.statistics.load.badRecords, '1');
  });

  it('reads gzip-compressed JSONL', async () => {
    const meta = await load(
      await stage('bq/z.jsonl.gz', [line(20, '2026-11-24'), line(21, '2026-11-24')], true),
      'gz',
    );
    assert.equal(meta.statistics.load.outputRows, '2');
  });

  it('refuses a duplicate job id with 409', async () => {
    const config = {
      configuration: { query: { query: `SELECT COUNT(*) FROM ${DATASET}.t`, useLegacySql: false } },
    };
    await bigquery.createJob({ ...config, jobId: 'fixed-id' });
    await assert.rejects(
      bigquery.createJob({ ...config, jobId: 'fixed-id' }),
      (e: { code?: number }) => e.code === 409,
    );
  });

  it('answers COUNT(*) and filtered queries through the client', async () => {
    const [[row]] = await bigquery.query({
      query: `SELECT COUNT(*) AS n FROM \`${stack.projectId}.${DATASET}.t\` WHERE name != 'n1'`,
    });
    assert.equal(Number(row.n), 3);
  });

  it('works with bq ls, show --schema, head, query and load', async () => {
    assert.match(await cli.bq('ls'), new RegExp(DATASET));
    const shown = JSON.parse(await cli.bq('show', '--schema', '--format=prettyjson', `${DATASET}.t`)) as {
      name: string;
      type: string;
    }[];
    assert.deepEqual(
      shown.map((f) => `${f.name}:${f.type}`),
      schema.map((f) => `${f.name}:${f.type}`),
    );
    assert.match(await cli.bq('head', '-n', '5', `${DATASET}.t`), /2026-11-22T10:00:00/);
    assert.match(
      await cli.bq('query', '--nouse_legacy_sql', `SELECT COUNT(*) FROM ${DATASET}.t`),
      /\|\s+4\s+\|/,
    );
    await cli.bq(
      'load',
      '--source_format=NEWLINE_DELIMITED_JSON',
      `${DATASET}.t`,
      `gs://${BUCKET}/bq/a.jsonl`,
    );
    assert.equal(await count('t'), 6);
  });
});

describe('Secret Manager fake', () => {
  const client = () => {
    const [host, port] = stack.secrets.address.split(':');
    return new SecretManagerServiceClient({
      apiEndpoint: host,
      port: Number(port),
      sslCreds: credentials.createInsecure(),
    });
  };

  it('serves latest and numbered versions over gRPC with a correct CRC32C', async () => {
    const sm = client();
    stack.secrets.setSecret('rotating', 'v1');
    stack.secrets.setSecret('rotating', 'v2');
    const [latest] = await sm.accessSecretVersion({
      name: `projects/${stack.projectId}/secrets/rotating/versions/latest`,
    });
    const [first] = await sm.accessSecretVersion({
      name: `projects/${stack.projectId}/secrets/rotating/versions/1`,
    });
    assert.equal(latest.payload?.data?.toString(), 'v2');
    assert.equal(latest.name, `projects/${stack.projectId}/secrets/rotating/versions/2`);
    assert.equal(first.payload?.data?.toString(), 'v1');
    const { CRC32C } = await import('@google-cloud/storage');
    const crc = new CRC32C();
    crc.update(Buffer.from('v2'));
    assert.equal(String(latest.payload?.dataCrc32c), String(crc.valueOf() >>> 0));
    await sm.close();
  });

  it('answers NOT_FOUND, FAILED_PRECONDITION for a disabled version, and injected faults with gRPC codes', async () => {
    const sm = client();
    await assert.rejects(
      sm.accessSecretVersion({ name: `projects/${stack.projectId}/secrets/missing/versions/latest` }),
      (e: { code?: number }) => e.code === 5,
    );
    stack.secrets.setSecret('off', 'x');
    stack.secrets.disableLatest('off');
    await assert.rejects(
      sm.accessSecretVersion({ name: `projects/${stack.projectId}/secrets/off/versions/latest` }),
      (e: { code?: number }) => e.code === 9,
    );
    stack.secrets.faults.add({ fault: { kind: 'status', status: 403 } });
    await assert.rejects(
      sm.accessSecretVersion({ name: `projects/${stack.projectId}/secrets/rotating/versions/latest` }),
      (e: { code?: number }) => e.code === 7,
    );
    await sm.close();
  });

  it('works with gcloud secrets versions access', async () => {
    stack.secrets.setSecret('cli-secret', 'from-the-fake');
    assert.equal(
      (await cli.gcloud('secrets', 'versions', 'access', 'latest', '--secret=cli-secret')).toString(),
      'from-the-fake',
    );
  });
});
