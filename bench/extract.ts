/**
 * One measured extract, in its own process so its peak RSS is the function's alone. The Looker
 * and GCS fakes run in the parent (bench/run.ts). Methods:
 * - ours:  what the function runs for one explore, minus the write: count first and pack
 *          (`planExplore`), `prepareExplore`, then `readWindow` per planned window (pages
 *          continued after their last row, each a `pipeline()` into a GCS object, checked against
 *          Looker's count). Nothing here re-implements src/pipeline.
 * - naive: the reference pipeline's way: buffer the whole response, JSON.parse, map, stringify, upload.
 * - floor: the same queries as ours (count, then one per planned window), bytes copied to GCS unparsed.
 * Prints one JSON line: {seconds, peakRssMb, rows, bytes, objects, lookerQueries, lookerBytes}.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { parseConfig } from '../src/config/index.js';
import { explores } from '../src/explores/index.js';
import { createLogger } from '../src/log.js';
import { CredentialCache } from '../src/looker/credentials.js';
import { LookerClient, type LookerUsage } from '../src/looker/client.js';
import { memoizeAsync } from '../src/memo.js';
import { planExplore } from '../src/pipeline/explore.js';
import { QUERY_PARAMS, wholeWindowQuery } from '../src/pipeline/extract.js';
import { readWindow } from '../src/pipeline/read.js';
import type { RunContext } from '../src/pipeline/types.js';
import { prepareExplore, windowMetadata } from '../src/pipeline/window.js';
import { GcsStaging } from '../src/sinks/gcs.js';
import type { StateStore } from '../src/state/store.js';
import { type RunMetadata } from '../src/transform/row.js';
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
const NOW = new Date(env('NOW'));
const secrets = new Map([
  ['looker-client-id', env('CLIENT_ID')],
  ['looker-client-secret', env('CLIENT_SECRET')],
]);
const explore = explores.get(EXPLORE)!;
const window = { start: new Date('2000-01-01T00:00:00Z'), end: new Date('2100-01-01T00:00:00Z') };
// The references read what the function's initial load reads: a snapshot whole in key order,
// an incremental explore over all of time (the bench's data ends at midnight before NOW).
const metadata: RunMetadata = {
  looker_instance: 'bench',
  export_run_id: 'bench',
  export_window_start: window.start.toISOString(),
  export_window_end: window.end.toISOString(),
  exported_at: NOW.toISOString(),
};
// The function's own configuration, parsed as it parses it (defaults: WINDOW_MAX_ROWS,
// EXCLUDE_OWN_ACTIVITY, no known row cap unless LOOKER_ROW_CAP is passed through).
const config = parseConfig({
  LOOKER_BASE_URL: LOOKER_URL,
  LOOKER_INSTANCE_NAME: 'bench',
  LOOKER_CLIENT_ID_SECRET: 'looker-client-id',
  LOOKER_CLIENT_SECRET_SECRET: 'looker-client-secret',
  GOOGLE_CLOUD_PROJECT: 'bench-project',
  GCS_BUCKET: BUCKET,
  GCS_API_ENDPOINT: GCS_URL,
  BQ_DATASET: 'bench',
  EXPORT_EXPLORES: EXPLORE,
  LOOKER_ROW_CAP: process.env.LOOKER_ROW_CAP,
  WINDOW_MAX_ROWS: process.env.WINDOW_MAX_ROWS,
});
const logger = createLogger(undefined, 'error');
const looker = new LookerClient({
  baseUrl: LOOKER_URL,
  timeoutMs: config.looker.timeoutMs,
  verifySsl: true,
  credentials: new CredentialCache(
    { read: async (name) => secrets.get(name)! },
    'looker-client-id',
    'looker-client-secret',
  ),
  logger,
});
const storage = new Storage({ apiEndpoint: GCS_URL, projectId: 'bench' });
const staging = new GcsStaging(storage, BUCKET);

const started = process.hrtime.bigint();
const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
const usage: LookerUsage = { queries: 0, bytesRead: 0 };
const objects: string[] = [];
const ctx: RunContext = {
  config,
  staging,
  runId: 'bench',
  now: () => NOW,
  runAt: NOW,
  ownUserId: memoizeAsync(() => looker.myUserId()),
  queriesLeft: () => Infinity,
  deps: {
    instance: config.instances[0]!,
    looker,
    maskingKey: () => Promise.reject(new Error('the bench configures no masking key')),
    // Planning and reading never write: the write path is measured in bench/window-path.ts.
    loader: { merge: notWritten, load: notWritten },
    // Progress is passed to planExplore (nothing recorded: an initial load), never read here.
    state: undefined as unknown as StateStore,
  },
};
// Every method reads the columns Looker serves today, as the function does (the live schema
// may hold fields the committed one lacks), so all three move the same bytes.
const prepared = await prepareExplore(explore, ctx, logger);
const query = wholeWindowQuery(explore, window, prepared.columns);
// Ours and the floor spend the same count and read the same planned windows.
const plan =
  METHOD === 'naive'
    ? undefined
    : await planExplore(explore, { dryRun: false }, { initialLoadDone: false, watermark: null }, ctx, [
        usage,
      ]);
if (plan && METHOD === 'ours') {
  for (const planned of plan.windows) {
    if (planned.counted === 0 && explore.mode === 'incremental') continue;
    const read = await readWindow(
      prepared,
      planned,
      windowMetadata(explore, planned, ctx),
      `${OBJECT}/${planned.label}`,
      ctx,
      logger,
      new AbortController().signal,
      [usage],
    );
    stats.rows += read.rows;
    stats.bytes += read.bytes;
    for (const piece of read.pieces) objects.push(piece.uri.replace(`gs://${BUCKET}/`, ''));
  }
} else if (METHOD === 'naive') {
  await looker.streamQuery(
    'json',
    query,
    async (body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const rows = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
      const mapRow = prepared.mapRow;
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
    [usage],
  );
  objects.push(OBJECT);
} else if (plan) {
  // The same queries as ours (one per planned window, after the same count), bytes copied as is.
  for (const [index, planned] of plan.windows.entries()) {
    if (planned.counted === 0 && explore.mode === 'incremental') continue;
    const name = `${OBJECT}.${index}`;
    await looker.streamQuery(
      'json',
      wholeWindowQuery(explore, planned, prepared.columns),
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
          staging.openWrite(name, {}),
        ),
      QUERY_PARAMS,
      [usage],
    );
    objects.push(name);
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await looker.logout();
process.stdout.write(
  JSON.stringify({
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rows: stats.rows,
    bytes: stats.bytes,
    objects,
    lookerQueries: usage.queries,
    lookerBytes: usage.bytesRead,
  }) + '\n',
);

function notWritten(): never {
  throw new Error('the extract bench does not write');
}
