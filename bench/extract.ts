/**
 * One measured extract, in its own process so its peak RSS is the function's alone. The Looker
 * and GCS fakes run in the parent (bench/run.ts). Methods:
 * - ours:  the product's path: LookerClient stream -> parse -> map -> JSONL -> GCS resumable upload.
 * - naive: the reference pipeline's way: buffer the whole response, JSON.parse, map, stringify, upload.
 * - floor: the same bytes copied from Looker to GCS with no parsing at all.
 * Prints one JSON line: {seconds, peakRssMb, rows, bytes, object}.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { explores } from '../src/explores/index.js';
import { createLogger } from '../src/log.js';
import { CredentialCache } from '../src/looker/credentials.js';
import { LookerClient } from '../src/looker/client.js';
import { extractWindow, QUERY_PARAMS, windowQuery } from '../src/pipeline/extract.js';
import { GcsStaging } from '../src/sinks/gcs.js';
import { compileRowMapper, type RunMetadata } from '../src/transform/row.js';
import type { ExtractStats } from '../src/transform/jsonl.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const METHOD = env('METHOD');
const EXPLORE = env('EXPLORE');
const LOOKER_URL = env('LOOKER_URL');
const GCS_URL = env('GCS_URL');
const BUCKET = env('BUCKET');
const OBJECT = env('OBJECT');
const secrets = new Map([
  ['id', env('CLIENT_ID')],
  ['secret', env('CLIENT_SECRET')],
]);
const explore = explores.get(EXPLORE)!;
const window = { start: new Date('2000-01-01T00:00:00Z'), end: new Date('2100-01-01T00:00:00Z') };
// A snapshot explore is read whole, in key order; an incremental one over all of time.
const range = explore.mode === 'snapshot' ? {} : window;
const metadata: RunMetadata = {
  looker_instance: 'bench',
  export_run_id: 'bench',
  export_window_start: window.start.toISOString(),
  export_window_end: window.end.toISOString(),
  exported_at: '2026-11-24T03:00:00.000Z',
};
const looker = new LookerClient({
  baseUrl: LOOKER_URL,
  timeoutMs: 600_000,
  verifySsl: true,
  credentials: new CredentialCache({ read: async (name) => secrets.get(name)! }, 'id', 'secret'),
  logger: createLogger(undefined, 'error'),
});
const storage = new Storage({ apiEndpoint: GCS_URL, projectId: 'bench' });
const staging = new GcsStaging(storage, BUCKET);

const started = process.hrtime.bigint();
const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
if (METHOD === 'ours') {
  await extractWindow({
    looker,
    query: windowQuery(explore, range),
    mapRow: compileRowMapper(explore),
    metadata,
    stats,
    onProgress: () => {},
    sink: () => staging.openWrite(OBJECT, {}),
  });
} else if (METHOD === 'naive') {
  await looker.streamQuery(
    'json',
    windowQuery(explore, range),
    async (body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const rows = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
      const mapRow = compileRowMapper(explore);
      const text =
        rows.map((row) => JSON.stringify(mapRow(row, metadata, stats.invalidValues))).join('\n') + '\n';
      stats.rows = rows.length;
      stats.bytes = Buffer.byteLength(text);
      await storage
        .bucket(BUCKET)
        .file(OBJECT)
        .save(text, { resumable: true, contentType: 'application/x-ndjson' });
    },
    QUERY_PARAMS,
  );
} else {
  await looker.streamQuery(
    'json',
    windowQuery(explore, range),
    (body) =>
      pipeline(
        Readable.from(
          (async function* () {
            for await (const chunk of body) {
              stats.bytes += chunk.length;
              yield chunk;
            }
          })(),
        ),
        staging.openWrite(OBJECT, {}),
      ),
    QUERY_PARAMS,
  );
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await looker.logout();
process.stdout.write(
  JSON.stringify({
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rows: stats.rows,
    bytes: stats.bytes,
  }) + '\n',
);
