/**
 * `npm run bench`, in five parts (BENCH_PARTS=extract,window,fanout,initial,deadline):
 * - extract: the function's read path (count first, plan, readWindow into GCS) at 100k and 1M
 *   rows of content_usage and of the wider history (BENCH_SIZES), against the naive method and
 *   the copy floor. The Looker and GCS fakes run here; each extract runs in a child process
 *   (compiled JS, as deployed) so its peak RSS is the function's own.
 * - window: the whole window path through the exporter on the local stack (bench/window-path.ts).
 * - fanout, initial: fan-out mode on Cloud Tasks, five instances against one, and a first load
 *   through continuations (bench/fan-out.ts).
 * - deadline: one deadline for everything a call does: a slow Looker against a 1 s budget, every
 *   explore selected; the call's seconds against budget + grace + one Looker call's timeout, and
 *   the Looker queries it spent (bench/deadline.ts).
 * Prints tables, writes bench/results.json and bench/results.svg.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { startGcsFake } from '../test/stack/gcs/index.js';
import { startLookerFake } from '../test/stack/looker/index.js';
import { explores } from '../src/explores/index.js';
import { startOfUtcDay } from '../src/pipeline/windows.js';
import { runWindowPath, windowPathTable, type WindowPathResult } from './window-path.js';
import { deadlineTable, runDeadline, type DeadlineResult } from './deadline.js';
import {
  initialLoadTable,
  runInitialLoad,
  runScale,
  scaleTable,
  type InitialLoadResult,
  type ScaleResult,
} from './fan-out.js';
import { markdownTable } from './markdown.js';

type Method = 'ours' | 'naive' | 'floor';
interface Measure {
  seconds: number;
  peakRssMb: number;
  rows: number;
  bytes: number;
  objects: string[];
  lookerQueries: number;
  lookerBytes: number;
}
interface Result {
  explore: string;
  rows: number;
  method: Method;
  runs: number;
  seconds: number | null;
  megabytes: number | null;
  rowsPerSecond: number | null;
  mbPerSecond: number | null;
  peakRssMb: number | null;
  /** Looker queries of one run (counts and pages), and result bytes read per byte staged. */
  lookerQueries?: number;
  readPerStaged?: number;
  note?: string;
  verified?: boolean;
}

const PARTS = (process.env.BENCH_PARTS ?? 'extract,window,fanout,initial,deadline').split(',');
const SIZES = (process.env.BENCH_SIZES ?? '100000,500000,1000000').split(',').map(Number);
const EXPLORES = (process.env.BENCH_EXPLORES ?? 'content_usage,history').split(',');
/**
 * Runs per (size, method, explore), to fit the whole bench in about 12 minutes on 2 shared
 * cores: medians of 2 at 100k; 500k only for content_usage, the largest size whose response the
 * naive method can still hold (history's 45 columns pass V8's longest string before 500k);
 * one run each at 1M and above, the floor at 5M (BENCH_SIZES only) once, on the first explore.
 */
function runsFor(size: number, method: Method, explore: string): number {
  if (size <= 100_000) return 2;
  if (size < 1_000_000) return explore === 'content_usage' ? 1 : 0;
  if (size <= 1_000_000) return 1;
  if (method === 'naive') return 0;
  return method === 'floor' && explore !== EXPLORES[0] ? 0 : 1;
}
/** V8 cannot hold a string longer than 2^29 - 24 characters: the naive method's ceiling. */
const V8_MAX_STRING = 2 ** 29 - 24;

const now = new Date('2026-11-24T03:00:00Z');
// The data ends at midnight: an initial load reads every complete day, so it reads every row.
const dataEnd = startOfUtcDay(now);
const dataStart = new Date('2026-10-25T00:00:00Z');
const datasets = Object.fromEntries(
  EXPLORES.map((name) => [name, { rows: 0, start: dataStart, end: dataEnd }]),
);
const results: Result[] = [];
let windowPath: WindowPathResult[] = [];
const started = Date.now();
const load = () => (process.platform === 'linux' ? loadAverage() : []);
const loadAtStart = load();

for (const size of PARTS.includes('extract') ? SIZES : []) {
  for (const name of EXPLORES) {
    if ((['ours', 'naive', 'floor'] as Method[]).every((m) => runsFor(size, m, name) === 0)) continue;
    const looker = await startLookerFake({
      clientId: 'bench',
      clientSecret: 'bench-secret',
      now,
      datasets: { ...datasets, [name]: { rows: size, start: dataStart, end: dataEnd } },
      // The bench's own logins and queries would become history rows, and the source it checks
      // the staged object against would grow while it runs.
      recordApiActivity: false,
    });
    const gcs = await startGcsFake();
    gcs.createBucket('bench');
    try {
      // Looker's result size, as `ours` read it (it runs first): whether the naive method can hold it.
      let sourceBytes = 0;
      for (const method of ['ours', 'naive', 'floor'] as Method[]) {
        const runs = runsFor(size, method, name);
        if (method === 'naive' && sourceBytes > V8_MAX_STRING) {
          results.push(
            row(
              name,
              size,
              method,
              [],
              `not run: the ${Math.round(sourceBytes / 1e6)} MB response exceeds V8's largest string`,
            ),
          );
          continue;
        }
        if (runs === 0) {
          results.push(
            row(
              name,
              size,
              method,
              [],
              'not run: the floor is measured once at this size, on the first explore',
            ),
          );
          continue;
        }
        const measures: Measure[] = [];
        for (let i = 0; i < runs; i++)
          measures.push(
            await extract(method, name, looker.url, gcs.url, `${name}-${size}-${method}-${i}.jsonl`),
          );
        const result = row(name, size, method, measures);
        // truth() materialises every source row: 1M rows of history's 47 columns exhaust the parent's heap.
        if (
          method === 'ours' &&
          (size <= 500_000 || (size <= 1_000_000 && name === 'content_usage')) &&
          measures.length
        ) {
          result.verified = await verify(name, looker, gcs, measures[0]!.objects, size);
        }
        if (method === 'ours') sourceBytes = measures[0]!.lookerBytes;
        results.push(result);
        process.stderr.write(`${name} ${size} ${method}: ${JSON.stringify(result)}\n`);
      }
    } finally {
      await looker.close();
      await gcs.close();
    }
  }
}

const extractSeconds = Math.round((Date.now() - started) / 1000);
if (PARTS.includes('window')) windowPath = await runWindowPath();
const fanOut: ScaleResult[] = PARTS.includes('fanout') ? await runScale() : [];
const initialLoad: InitialLoadResult | undefined = PARTS.includes('initial')
  ? await runInitialLoad()
  : undefined;
const deadline: DeadlineResult[] = PARTS.includes('deadline') ? await runDeadline() : [];

if (results.length) printTable();
if (windowPath.length) process.stdout.write('\n' + windowPathTable(windowPath) + '\n');
if (fanOut.length) process.stdout.write('\n' + scaleTable(fanOut) + '\n');
if (initialLoad) process.stdout.write('\n' + initialLoadTable(initialLoad) + '\n');
if (deadline.length) process.stdout.write('\n' + deadlineTable(deadline) + '\n');
const seconds = Math.round((Date.now() - started) / 1000);
const loadAtEnd = load();
// Each part run replaces its own figures; the others keep those of their last run.
const resultsFile = new URL('./results.json', import.meta.url);
const previous = JSON.parse(await readFile(resultsFile, 'utf8').catch(() => '{}')) as Record<string, unknown>;
const ran = {
  ...(PARTS.includes('extract') && { results }),
  ...(PARTS.includes('window') && { windowPath }),
  ...(PARTS.includes('fanout') && { fanOut }),
  ...(PARTS.includes('initial') && { initialLoad }),
  ...(PARTS.includes('deadline') && { deadline }),
};
await writeFile(
  resultsFile,
  JSON.stringify(
    {
      ...previous,
      ...ran,
      node: process.version,
      cpus: 2,
      runs: {
        ...(previous.runs as Record<string, unknown> | undefined),
        [PARTS.join(',')]: {
          date: new Date().toISOString(),
          seconds,
          extractSeconds,
          loadAverage: { start: loadAtStart, end: loadAtEnd },
        },
      },
    },
    null,
    2,
  ) + '\n',
);
if (results.length) await writeFile(new URL('./results.svg', import.meta.url), chart());
process.stderr.write(
  `bench finished in ${seconds} s; load average (1, 5, 15 min) at start ${loadAtStart.join(', ')}, at end ${loadAtEnd.join(', ')}\n`,
);

function loadAverage(): number[] {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

function extract(
  method: Method,
  explore: string,
  lookerUrl: string,
  gcsUrl: string,
  object: string,
): Promise<Measure> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [new URL('../dist/bench/extract.js', import.meta.url).pathname],
      {
        env: {
          ...process.env,
          METHOD: method,
          NOW: now.toISOString(),
          // The function's pages sort by (cursor time, key); the Looker fake streams only a
          // one-field sort and buffers this one, at most 250k rows (a 1M-row window of history's
          // 47 columns runs the fake out of its 4 GB heap). Windows of 250k rows fit it.
          WINDOW_MAX_ROWS: process.env.WINDOW_MAX_ROWS ?? '250000',
          EXPLORE: explore,
          LOOKER_URL: lookerUrl,
          GCS_URL: gcsUrl,
          CLIENT_ID: 'bench',
          CLIENT_SECRET: 'bench-secret',
          BUCKET: 'bench',
          OBJECT: object,
        },
        maxBuffer: 1024 * 1024,
        timeout: 600_000,
      },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${method} failed: ${stderr || error.message}`))
          : resolve(JSON.parse(stdout) as Measure),
    );
  });
}

/** Row count and a hash of the canonical Looker columns of the staged objects, in order, equal the source's. */
async function verify(
  explore: string,
  looker: Awaited<ReturnType<typeof startLookerFake>>,
  gcs: Awaited<ReturnType<typeof startGcsFake>>,
  objects: string[],
  size: number,
): Promise<boolean> {
  const definition = explores.get(explore)!;
  const canonical = (row: Record<string, unknown>) =>
    JSON.stringify(definition.fields.map((f) => row[f.name] ?? null));
  const staged = createHash('sha256');
  let stagedRows = 0;
  for (const object of objects)
    for await (const line of createInterface({ input: await gcs.openObject('bench', object) })) {
      if (!line) continue;
      staged.update(canonical(JSON.parse(line) as Record<string, unknown>) + '\n');
      stagedRows += 1;
    }
  const source = createHash('sha256');
  let sourceRows = 0;
  // The function leaves its own API user's rows out (EXCLUDE_OWN_ACTIVITY, on by default); the
  // generated data holds some of them.
  const actor = definition.actorField && definition.fields.find((f) => f.name === definition.actorField);
  const actorKey = actor ? `${definition.view}.${actor.name}` : undefined;
  const own = String(looker.apiUserId);
  for (const row of looker.truth(
    explore,
    new Date('2000-01-01T00:00:00Z'),
    new Date('2100-01-01T00:00:00Z'),
  )) {
    if (actorKey && row[actorKey] !== null && String(row[actorKey]) === own) continue;
    const mapped = Object.fromEntries(
      definition.fields.map((f) => [f.name, normalise(f.type, row[`${definition.view}.${f.name}`])]),
    );
    source.update(canonical(mapped) + '\n');
    sourceRows += 1;
  }
  const ok = stagedRows === sourceRows && staged.digest('hex') === source.digest('hex');
  if (!ok)
    process.stderr.write(
      `verify ${explore}: staged ${stagedRows} rows, the source ${sourceRows} of ${size}\n`,
    );
  return ok;
}

function normalise(type: string, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (type === 'BOOLEAN') return String(value).toLowerCase() === 'yes' || value === true;
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function row(explore: string, rows: number, method: Method, measures: Measure[], note?: string): Result {
  if (!measures.length)
    return {
      explore,
      rows,
      method,
      runs: 0,
      seconds: null,
      megabytes: null,
      rowsPerSecond: null,
      mbPerSecond: null,
      peakRssMb: null,
      note,
    };
  const seconds = median(measures.map((m) => m.seconds));
  const megabytes = measures[0]!.bytes / 1e6;
  const first = measures[0]!;
  return {
    explore,
    rows,
    method,
    runs: measures.length,
    seconds: round(seconds),
    megabytes: round(megabytes),
    rowsPerSecond: Math.round(rows / seconds),
    mbPerSecond: round(megabytes / seconds),
    peakRssMb: round(Math.max(...measures.map((m) => m.peakRssMb))),
    lookerQueries: first.lookerQueries,
    readPerStaged: Math.round((first.lookerBytes / first.bytes) * 1000) / 1000,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function printTable() {
  const header = [
    'explore',
    'rows',
    'method',
    'runs',
    's',
    'MB',
    'rows/s',
    'MB/s',
    'peak RSS MB',
    'Looker queries',
    'read/staged',
    'ours/naive',
    'ours/floor',
    'check',
  ];
  const lines = [header];
  for (const r of results) {
    const same = (m: Method) =>
      results.find((x) => x.explore === r.explore && x.rows === r.rows && x.method === m);
    const ratio = (m: Method) =>
      r.method === 'ours' && r.rowsPerSecond && same(m)?.rowsPerSecond
        ? `${(r.rowsPerSecond / same(m)!.rowsPerSecond!).toFixed(2)}x`
        : '';
    lines.push([
      r.explore,
      r.rows.toLocaleString('en'),
      r.method,
      String(r.runs),
      r.seconds?.toFixed(1) ?? '-',
      r.megabytes?.toFixed(0) ?? '-',
      r.rowsPerSecond?.toLocaleString('en') ?? '-',
      r.mbPerSecond?.toFixed(1) ?? '-',
      r.peakRssMb?.toFixed(0) ?? '-',
      r.lookerQueries === undefined ? '-' : String(r.lookerQueries),
      r.readPerStaged === undefined ? '-' : r.readPerStaged.toFixed(2),
      ratio('naive'),
      ratio('floor'),
      r.verified === undefined ? (r.note ?? '') : r.verified ? 'rows+hash ok' : 'MISMATCH',
    ]);
  }
  process.stdout.write(markdownTable(header, lines.slice(1)) + '\n');
}

function chart(): string {
  const width = 760;
  const height = 300;
  const panel = (x0: number, title: string, value: (r: Result) => number | null, max: number) => {
    const sizes = SIZES;
    const xs = (i: number) => x0 + 50 + (i * 250) / Math.max(1, sizes.length - 1);
    const ys = (v: number) => 250 - (v / max) * 200;
    const colors: Record<string, string> = {
      'content_usage/ours': '#1a73e8',
      'content_usage/naive': '#d93025',
      'content_usage/floor': '#9aa0a6',
      'history/ours': '#188038',
      'history/naive': '#f29900',
      'history/floor': '#5f6368',
    };
    let svg = `<text x="${x0 + 50}" y="30" font-size="14" font-family="sans-serif">${title}</text>`;
    svg += `<line x1="${x0 + 50}" y1="250" x2="${x0 + 310}" y2="250" stroke="#000"/><line x1="${x0 + 50}" y1="50" x2="${x0 + 50}" y2="250" stroke="#000"/>`;
    svg += `<text x="${x0 + 5}" y="55" font-size="10" font-family="sans-serif">${Math.round(max).toLocaleString('en')}</text>`;
    sizes.forEach(
      (s, i) =>
        (svg += `<text x="${xs(i) - 15}" y="265" font-size="10" font-family="sans-serif">${s >= 1e6 ? `${s / 1e6}M` : `${s / 1e3}k`}</text>`),
    );
    for (const key of Object.keys(colors)) {
      const [explore, method] = key.split('/');
      const points = sizes
        .map(
          (s, i) =>
            [i, results.find((r) => r.explore === explore && r.method === method && r.rows === s)] as const,
        )
        .filter(([, r]) => r && value(r) !== null)
        .map(([i, r]) => `${xs(i)},${ys(value(r!)!)}`);
      if (points.length)
        svg += `<polyline fill="none" stroke="${colors[key]}" stroke-width="2" points="${points.join(' ')}"/>`;
    }
    return svg;
  };
  const maxRate = Math.max(1, ...results.map((r) => r.rowsPerSecond ?? 0));
  const maxRss = Math.max(1, ...results.map((r) => r.peakRssMb ?? 0));
  const legend = [
    'content_usage/ours #1a73e8',
    'content_usage/naive #d93025',
    'content_usage/floor #9aa0a6',
    'history/ours #188038',
    'history/naive #f29900',
    'history/floor #5f6368',
  ]
    .map((entry, i) => {
      const [label, color] = entry.split(' ');
      return `<rect x="${20 + (i % 3) * 240}" y="${275 + Math.floor(i / 3) * 12}" width="10" height="4" fill="${color}"/><text x="${34 + (i % 3) * 240}" y="${281 + Math.floor(i / 3) * 12}" font-size="10" font-family="sans-serif">${label}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 10}" viewBox="0 0 ${width} ${height + 10}"><rect width="100%" height="100%" fill="#fff"/>${panel(0, 'rows/s by row count', (r) => r.rowsPerSecond, maxRate)}${panel(380, 'peak RSS (MB) by row count', (r) => r.peakRssMb, maxRss)}${legend}</svg>\n`;
}
