/**
 * The whole window path, through the exporter as the function wires it (createExporter over the
 * real client libraries) on the local stack (test/stack): count, plan, read in pages into GCS,
 * MERGE (history) or replace the snapshot_date partition (content_usage), verify, record in
 * Firestore. Per case (no row cap; a Looker row cap known as LOOKER_ROW_CAP), an initial load and
 * then the next day's run. Reported per run: Looker queries (the exporter's meters, and the
 * fake's own request log), Looker result bytes read per byte staged, rows, seconds, and whether
 * BigQuery holds exactly the source rows.
 *
 * Sizes: the BigQuery fake keeps tables in memory and fails near 2.3M rows, so history is 200k
 * rows by default (BENCH_WINDOW_ROWS), content_usage 50k (BENCH_WINDOW_SNAPSHOT_ROWS).
 */
import { createHash } from 'node:crypto';
import { createClients } from '../src/clients.js';
import { parseConfig } from '../src/config/index.js';
import { createExporter } from '../src/exporter.js';
import { explores, lookerField, type ExploreDefinition } from '../src/explores/index.js';
import { createLogger } from '../src/log.js';
import type { RunSummary } from '../src/pipeline/types.js';
import { addDays, isoDay, startOfUtcDay } from '../src/pipeline/windows.js';
import { startStack, type Stack } from '../test/stack/index.js';
import { markdownTable } from './markdown.js';

export interface WindowPathResult {
  case: 'uncapped' | 'capped';
  rowCap: number | null;
  run: 'initial' | 'daily';
  explore: string;
  rows: number;
  windows: number;
  pieces: number;
  lookerQueries: number;
  /** run_inline_query calls the Looker fake answered in the run (all explores). */
  fakeQueries: number;
  lookerMb: number;
  stagedMb: number;
  readPerStaged: number;
  seconds: number;
  status: string;
  /** BigQuery holds exactly the source rows: each once, none missing, none extra, same values. */
  exact: boolean;
  tableRows: number;
  sourceRows: number;
}

const HISTORY_ROWS = Number(process.env.BENCH_WINDOW_ROWS ?? 200_000);
const SNAPSHOT_ROWS = Number(process.env.BENCH_WINDOW_SNAPSHOT_ROWS ?? 50_000);
const ROW_CAP = Number(process.env.BENCH_ROW_CAP ?? 5000);
const CASES = (process.env.BENCH_WINDOW_CASES ?? 'uncapped,capped').split(',') as WindowPathResult['case'][];
const EXPLORES = ['history', 'content_usage'];
// History spans 31 days and ends at the daily run's midnight: the initial load (a day earlier)
// reads 30 of them, the daily run the settle day again and the new day.
const DAILY_AT = new Date('2026-11-24T03:00:00Z');
const INITIAL_AT = addDays(DAILY_AT, -1);
const DATA_END = startOfUtcDay(DAILY_AT);
const DATA_START = addDays(DATA_END, -31);

export async function runWindowPath(): Promise<WindowPathResult[]> {
  const results: WindowPathResult[] = [];
  for (const name of CASES) {
    const rowCap = name === 'capped' ? ROW_CAP : null;
    process.stderr.write(`window path, ${name}: starting the stack\n`);
    const stack = await startStack({
      looker: {
        now: INITIAL_AT,
        datasets: {
          history: { rows: HISTORY_ROWS, start: DATA_START, end: DATA_END },
          content_usage: { rows: SNAPSHOT_ROWS },
        },
        ...(rowCap === null ? {} : { rowCap }),
      },
    });
    // The Firestore client reads the emulator host from the process environment.
    process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const config = parseConfig({
      ...stack.env,
      EXPORT_EXPLORES: EXPLORES.join(','),
      LOOKER_ROW_CAP: rowCap === null ? '0' : String(rowCap),
    });
    const clients = createClients(config);
    const clock = { now: INITIAL_AT };
    const exporter = createExporter(config, clients, createLogger(undefined, 'warn'), {
      now: () => clock.now,
    });
    try {
      for (const [run, at] of [
        ['initial', INITIAL_AT],
        ['daily', DAILY_AT],
      ] as const) {
        clock.now = at;
        stack.looker.setNow(at);
        const queriesBefore = fakeQueries(stack);
        const started = process.hrtime.bigint();
        const summary = await exporter.run({ dryRun: false });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const fake = fakeQueries(stack) - queriesBefore;
        for (const explore of EXPLORES) {
          const result = measure(summary, explore);
          const check = compare(stack, config.bigquery.dataset, explores.get(explore)!, at);
          results.push({
            case: name,
            rowCap,
            run,
            explore,
            ...result,
            fakeQueries: fake,
            seconds: Math.round(seconds * 10) / 10,
            ...check,
          });
          process.stderr.write(`window path ${name} ${run} ${explore}: ${JSON.stringify(results.at(-1))}\n`);
        }
      }
    } finally {
      await Promise.allSettled([clients.firestore.terminate(), clients.secrets.close()]);
      await stack.stop();
    }
  }
  return results;
}

function fakeQueries(stack: Stack): number {
  return stack.looker.requests.filter(
    (r) => r.method === 'POST' && r.path.startsWith('/api/4.0/queries/run/'),
  ).length;
}

function measure(summary: RunSummary, name: string) {
  const explore = summary.instances[0]?.explores.find((e) => e.explore === name);
  if (!explore) throw new Error(`the run reported no ${name}: ${JSON.stringify(summary).slice(0, 500)}`);
  const staged = explore.windows.reduce((sum, w) => sum + (w.bytes ?? 0), 0);
  return {
    rows: explore.rows,
    windows: explore.windows.length,
    pieces: explore.windows.reduce((sum, w) => sum + (w.status === 'loaded' ? (w.pieces ?? 1) : 0), 0),
    lookerQueries: explore.lookerQueries,
    lookerMb: Math.round(explore.lookerBytes / 1e4) / 100,
    stagedMb: Math.round(staged / 1e4) / 100,
    readPerStaged: staged ? Math.round((explore.lookerBytes / staged) * 1000) / 1000 : 0,
    status: explore.status + (explore.windows.some((w) => w.status === 'failed') ? ' (a window failed)' : ''),
  };
}

/**
 * The table against the fake's truth, by primary key: incremental explores over every complete
 * day before `at` (the exporter's own API activity left out, as EXCLUDE_OWN_ACTIVITY does); a
 * snapshot's partition of `at`'s day against the state Looker serves at `at`.
 */
function compare(stack: Stack, dataset: string, explore: ExploreDefinition, at: Date) {
  let table = stack.bigquery.rows(dataset, explore.name);
  let source = stack.looker.truth(
    explore.name,
    ...(explore.mode === 'incremental' ? [new Date('2000-01-01T00:00:00Z'), startOfUtcDay(at)] : []),
  );
  if (explore.mode === 'snapshot') table = table.filter((row) => String(row.snapshot_date) === isoDay(at));
  const actor = explore.actorField && explore.fields.find((f) => f.name === explore.actorField);
  if (actor) {
    const field = lookerField(explore, actor);
    const own = String(stack.looker.apiUserId);
    source = source.filter((row) => row[field] === null || String(row[field]) !== own);
  }
  const fromTable = digestByKey(explore, table, (row, column) => row[column.name]);
  const fromSource = digestByKey(explore, source, (row, column) => row[lookerField(explore, column)]);
  let exact = fromTable.size === table.length && fromTable.size === fromSource.size;
  if (exact)
    for (const [key, digest] of fromSource)
      if (fromTable.get(key) !== digest) {
        exact = false;
        break;
      }
  return { exact, tableRows: table.length, sourceRows: source.length };
}

type Column = ExploreDefinition['fields'][number];

/** Primary key -> a hash of the row's values in one canonical form, whichever side they come from. */
function digestByKey(
  explore: ExploreDefinition,
  rows: readonly Record<string, unknown>[],
  value: (row: Record<string, unknown>, column: Column) => unknown,
): Map<string, string> {
  const keyColumns = explore.primaryKey.map((name) => explore.fields.find((f) => f.name === name)!);
  const digests = new Map<string, string>();
  for (const row of rows) {
    const key = keyColumns.map((c) => canonical(c, value(row, c))).join('|');
    const hash = createHash('sha1');
    for (const column of explore.fields) hash.update(`${canonical(column, value(row, column))}\u0000`);
    digests.set(key, hash.digest('base64'));
  }
  return digests;
}

/** Looker's json and BigQuery's stored values in one form: numbers, booleans, times as digits. */
function canonical(column: Column, value: unknown): string {
  if (value === null || value === undefined || value === '') return '\u2400';
  switch (column.type) {
    case 'INTEGER':
    case 'FLOAT':
      return String(Number(value));
    case 'BOOLEAN':
      return String(value === true || value === 'Yes' || value === 'yes' || value === 'true');
    case 'TIMESTAMP':
    case 'DATETIME':
    case 'DATE':
      // `2026-11-22 13:45:10` (Looker) and `2026-11-22T13:45:10Z` / `.000000` (BigQuery).
      return String(value)
        .replace(/\.0*(?=Z?$)/, '')
        .replace(/[^0-9.]/g, '');
    default:
      return String(value);
  }
}

/** The window-path table, markdown. */
export function windowPathTable(results: readonly WindowPathResult[]): string {
  const header = [
    'case',
    'run',
    'explore',
    'rows',
    'windows',
    'pieces',
    'Looker queries',
    'Looker MB',
    'staged MB',
    'read/staged',
    's (run)',
    'BigQuery = source',
  ];
  const lines = [header];
  for (const r of results)
    lines.push([
      r.rowCap === null ? 'no cap' : `cap ${r.rowCap.toLocaleString('en')}`,
      r.run,
      r.explore,
      r.rows.toLocaleString('en'),
      String(r.windows),
      String(r.pieces),
      String(r.lookerQueries),
      r.lookerMb.toFixed(1),
      r.stagedMb.toFixed(1),
      r.readPerStaged.toFixed(3),
      r.seconds.toFixed(1),
      r.exact
        ? `yes (${r.tableRows.toLocaleString('en')})`
        : `NO: ${r.tableRows.toLocaleString('en')} vs ${r.sourceRows.toLocaleString('en')}${r.status === 'succeeded' ? '' : `, ${r.status}`}`,
    ]);
  return markdownTable(header, lines.slice(1));
}
