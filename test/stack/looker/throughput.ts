/**
 * Measures how fast the Looker fake generates and streams a result: `rows` rows of an explore
 * (every base field) over loopback HTTP to a client, in a worker thread on the other core, that
 * counts and discards the bytes.
 *
 *   node --import tsx test/stack/looker/throughput.ts [rows=1000000] [explore=content_usage] [format=json]
 */
import { Worker } from 'node:worker_threads';
import { startLookerFake } from './index.js';

interface Job {
  url: string;
  explore: string;
  format: string;
  fields: string[];
  sort: string;
}

/** The client, as plain JavaScript for a worker thread: logs in, streams the result, counts the bytes. */
const CLIENT = `
const { request } = require('node:http');
const { parentPort, workerData: job } = require('node:worker_threads');
(async () => {
  const login = await fetch(job.url + '/api/4.0/login', {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'bench', client_secret: 'bench-secret' }),
  });
  const { access_token } = await login.json();
  const body = JSON.stringify({
    model: 'system__activity', view: job.explore, fields: job.fields,
    sorts: [job.sort], limit: '-1', query_timezone: 'UTC',
  });
  const started = performance.now();
  const bytes = await new Promise((resolve, reject) => {
    const req = request(job.url + '/api/4.0/queries/run/' + job.format, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + access_token, 'content-type': 'application/json' },
    }, (res) => {
      let total = 0;
      res.on('data', (chunk) => (total += chunk.length));
      res.on('end', () => resolve(total));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  parentPort.postMessage({ bytes, ms: performance.now() - started });
})();
`;

const rows = Number(process.argv[2] ?? 1_000_000);
const explore = process.argv[3] ?? 'content_usage';
const format = process.argv[4] ?? 'json';
const now = new Date('2026-11-24T03:00:00Z');
const looker = await startLookerFake({
  clientId: 'bench',
  clientSecret: 'bench-secret',
  now,
  datasets: {
    [explore]: {
      rows,
      start: new Date(now.getTime() - 30 * 86_400_000),
      end: now,
    },
  },
});
try {
  const login = await fetch(`${looker.url}/api/4.0/login`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: 'bench',
      client_secret: 'bench-secret',
    }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const metadata = await fetch(
    `${looker.url}/api/4.0/lookml_models/system__activity/explores/${explore}?fields=fields`,
    {
      headers: { authorization: `Bearer ${access_token}` },
    },
  );
  const { fields: all } = (await metadata.json()) as {
    fields: {
      dimensions: { name: string; view: string; field_group_variant: string | null }[];
    };
  };
  // The base view's fields, one per dimension (groups as their `_time`), as truth() gives them.
  const fields = all.dimensions
    .filter((d) => d.view === explore && (d.field_group_variant === null || d.field_group_variant === 'Time'))
    .map((d) => d.name);
  const rssBefore = process.memoryUsage().rss;
  // The cursor order streams; `created` is the cursor of most event views.
  const sort =
    fields.find((f) => f === `${explore}.created_time`) ??
    fields.find((f) => f.endsWith('_time')) ??
    fields[0]!;
  const job: Job = { url: looker.url, explore, format, fields, sort };
  const worker = new Worker(CLIENT, { eval: true, workerData: job });
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const { bytes, ms } = await new Promise<{ bytes: number; ms: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  clearInterval(sampler);
  await worker.terminate();
  const seconds = ms / 1000;
  console.log(
    JSON.stringify({
      explore,
      format,
      rows,
      fields: fields.length,
      seconds: +seconds.toFixed(2),
      rowsPerSecond: Math.round(rows / seconds),
      megabytesPerSecond: +(bytes / 1e6 / seconds).toFixed(1),
      megabytes: +(bytes / 1e6).toFixed(1),
      bytesPerRow: Math.round(bytes / Math.max(1, rows)),
      serverRssGrowthMegabytes: Math.round((peakRss - rssBefore) / 1e6),
    }),
  );
} finally {
  await looker.close();
}
