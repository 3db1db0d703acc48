/**
 * Shows that the BigQuery fake's memory does not grow with table size (not a spec: run by hand).
 *
 *   node --import tsx test/stack/bigquery/scale-probe.ts [rows=5000000] [windowRows=1000000]
 *
 * Loads `rows` rows of the history explore's schema through the product's own write path
 * (src/sinks/bigquery.ts `BigQueryLoader.merge`: a JSONL object in the GCS fake, a load job into
 * a staging table, the staged-key check, a MERGE by key constrained to the window's day), one
 * window of `windowRows` rows per day, then counts the table. Prints per window the rows/s and
 * the process's RSS, and at the end the peak RSS (fakes, clients and probe are one process).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { bigQuerySchema, partitionColumn, type BigQueryField } from '../../../src/explores/index.js';
import { history } from '../../../src/explores/history.js';
import { BigQueryLoader } from '../../../src/sinks/bigquery.js';
import { startGcsFake } from '../gcs/index.js';
import { startBigQueryFake } from './index.js';

const projectId = 'scale-probe';
const bucketName = 'probe-staging';
const datasetId = 'probe';
const DAY_MS = 86_400_000;

const total = Number(process.argv[2] ?? 5_000_000);
const windowRows = Number(process.argv[3] ?? 1_000_000);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** One row of `schema` for history id `id` at `at`: every column filled, as Looker would send it. */
function row(schema: readonly BigQueryField[], id: number, at: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const datetime = (d: Date) => d.toISOString().slice(0, 23).replace('T', ' ');
  for (const field of schema) {
    if (field.name === 'id') out.id = id;
    else if (field.name === 'created_time') out.created_time = datetime(at);
    else if (field.type === 'DATETIME') out[field.name] = datetime(new Date(at.getTime() + (id % 90_000)));
    else if (field.type === 'TIMESTAMP') out[field.name] = at.toISOString();
    else if (field.type === 'DATE') out[field.name] = at.toISOString().slice(0, 10);
    else if (field.type === 'INTEGER') out[field.name] = (id * 7919) % 100_003;
    else if (field.type === 'FLOAT') out[field.name] = (id % 10_000) / 100;
    else if (field.type === 'BOOLEAN') out[field.name] = id % 3 === 0;
    else if (field.type === 'STRING') out[field.name] = `${field.name}-${id % 997}`;
  }
  return out;
}

async function main(): Promise<void> {
  const gcs = await startGcsFake();
  const fake = await startBigQueryFake({
    readObject: (bucket, name) => gcs.openObject(bucket, name),
    jobDelayMs: 10,
  });
  gcs.createBucket(bucketName);
  const authClient = new PassThroughClient();
  const storage = new Storage({ projectId, apiEndpoint: gcs.url });
  const bigquery = new BigQuery({ projectId, apiEndpoint: fake.url, authClient });
  await bigquery.createDataset(datasetId, { location: 'US' });
  const loader = new BigQueryLoader(bigquery, datasetId, 'US');
  const schema = bigQuerySchema(history);
  const partitionField = partitionColumn(history);

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const started = Date.now();
  const day0 = Date.UTC(2026, 0, 1);
  console.log(`probe: ${total} rows, windows of ${windowRows}, ${schema.length} columns`);
  for (let first = 0, window = 0; first < total; first += windowRows, window += 1) {
    const count = Math.min(windowRows, total - first);
    const start = new Date(day0 + window * DAY_MS);
    const windowStarted = Date.now();
    const name = `history/window-${window}.jsonl`;
    // One line at a time: the probe itself holds no window in memory.
    async function* lines() {
      for (let i = 0; i < count; i++) {
        const at = new Date(start.getTime() + Math.floor((i * DAY_MS) / count));
        yield `${JSON.stringify(row(schema, first + i + 1, at))}\n`;
      }
    }
    const upload = storage.bucket(bucketName).file(name).createWriteStream({ resumable: false });
    await pipeline(Readable.from(lines()), upload);
    const result = await loader.merge({
      jobId: `probe_${window}`,
      sourceUris: [`gs://${bucketName}/${name}`],
      tableId: history.name,
      schema,
      partitionField,
      range: { start, end: new Date(start.getTime() + DAY_MS) },
      primaryKey: history.primaryKey!,
      clusterBy: history.clusterBy,
    });
    await storage.bucket(bucketName).file(name).delete();
    // Where the window's time went: each job's running time (start to end) in the fake.
    const phases = fake.jobs
      .filter((job) => job.jobReference.jobId.startsWith(`probe_${window}`))
      .map((job) => {
        const ms = Number(job.statistics.endTime ?? 0) - Number(job.statistics.startTime ?? 0);
        return `${job.jobReference.jobId.replace(`probe_${window}`, '') || '_merge'} ${(ms / 1000).toFixed(1)}s`;
      })
      .join(', ');
    const seconds = (Date.now() - windowStarted) / 1000;
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    console.log(
      `window ${window}: staged ${result.stagedRows}, inserted ${result.inserted}, updated ${result.updated}; ` +
        `${(count / seconds).toFixed(0)} rows/s (${seconds.toFixed(1)} s: ${phases}); rss ${mib(rss)}, peak ${mib(peakRss)}`,
    );
  }
  const [[counted]] = (await bigquery.query({
    query: `SELECT COUNT(*) AS n FROM \`${projectId}.${datasetId}.${history.name}\``,
  })) as unknown as [[{ n: number }]];
  const seconds = (Date.now() - started) / 1000;
  const storageInfo = fake.storage(datasetId, history.name)!;
  clearInterval(sampler);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    `done: ${counted.n} rows in the table (${storageInfo.partitions.length} partitions, ` +
      `${storageInfo.residentRows} resident), ${(total / seconds).toFixed(0)} rows/s overall, ` +
      `${seconds.toFixed(0)} s; peak RSS ${mib(Math.max(peakRss, maxRss))}`,
  );
  await fake.close();
  await gcs.close();
}

process.on('unhandledRejection', (error) => {
  console.error(error);
  process.exit(1);
});
await main();
