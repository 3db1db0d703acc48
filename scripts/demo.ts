/**
 * The quick-start demo: starts the local stack, calls the real HTTP function for the initial
 * load, lets a day pass in the Looker fake, calls it again for the daily run, and prints what
 * landed in BigQuery and the progress in Firestore. Nothing leaves this machine.
 *
 * `npm run demo -- --keep` leaves the stack running afterwards and prints paste-ready `bq` and
 * `gcloud storage` commands that read what landed; Ctrl-C (or SIGTERM) then stops everything.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { explores } from '../src/explores/index.js';
import { cloudSdkRoot } from '../test/stack/firestore/index.js';
import type { Stack } from '../test/stack/index.js';
import { startHarness } from '../test/support/harness.js';
import { tableRows } from '../test/support/oracle.js';

const { keep } = parseArgs({ options: { keep: { type: 'boolean', default: false } } }).values;

const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
const firstRun = new Date(today.getTime() + 3 * 3_600_000);
const nextDay = new Date(firstRun.getTime() + 86_400_000);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

function section(title: string) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m`);
}

async function main() {
  section(
    'Starting the local stack (Looker fake, GCS fake, BigQuery fake, Secret Manager fake, Firestore emulator)',
  );
  const started = Date.now();
  const h = await startHarness({ now: firstRun, env: { EXPORT_EXPLORES: [...explores.keys()].join(',') } });
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [name, value] of Object.entries(h.stack.env)) console.log(`  ${name}=${value}`);
  console.log(
    `\nThe demo runs on a simulated clock, shared by the function and the Looker fake: run 1 at ` +
      `${firstRun.toISOString()} (today), then the clock moves one day forward to ${nextDay.toISOString()} ` +
      `("tomorrow") so that today becomes a complete day for the daily run. So the dates below run one ` +
      `or two days ahead of the wall clock: run 2's exported_at and snapshot_date are tomorrow, and a ` +
      `snapshot explore's watermark is the end of its snapshot day (the day after tomorrow), while an ` +
      `incremental explore's watermark is the start of the simulated day (the last complete day loaded).`,
  );

  try {
    section(`Run 1, ${firstRun.toISOString()}: initial load (everything Looker has before today)`);
    printSummary(await h.call({}));

    const day = isoDay(today);
    const appended = 40;
    h.stack.looker.append(
      'history',
      Array.from({ length: appended }, (_, i) => ({
        'history.id': 900_000_000 + i,
        'history.created_time': `${day} ${String(8 + (i % 12)).padStart(2, '0')}:30:00`,
        'history.runtime': 0.5 + i / 10,
        'history.status': i % 8 ? 'complete' : 'error',
        'history.source': i % 2 ? 'dashboard' : 'explore',
        'history.query_id': 70_000 + i,
        'history.user_id': 1 + (i % 9),
      })),
    );
    h.clock.set(nextDay);
    section(
      `Run 2, ${nextDay.toISOString()}: daily run (${appended} new query runs on ${day}, plus the settle day)`,
    );
    printSummary(await h.call({}));

    section('Run 3, same day again: a rerun merges by key, never duplicates');
    printSummary(await h.call({}));

    section('BigQuery: rows per day partition of history');
    const rows = await tableRows(h.clients.bigquery, h.config.bigquery.dataset);
    const perDay = new Map<string, number>();
    for (const row of rows) {
      const key = String(row.created_time).slice(0, 10);
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
    }
    for (const [partition, count] of [...perDay].sort().slice(-8))
      console.log(`  ${partition}  ${String(count).padStart(6)}`);
    if (perDay.size > 8) console.log(`  ... ${perDay.size - 8} earlier partitions`);
    const ids = new Set(rows.map((r) => r.id));
    console.log(
      `  total ${rows.length} rows, ${ids.size} distinct ids (duplicates: ${rows.length - ids.size})`,
    );

    section('BigQuery: every table (events by day; snapshots once a day)');
    for (const explore of explores.values()) {
      const all = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, explore, ['snapshot_date']);
      const key = (r: Record<string, unknown>) =>
        `${String(r.snapshot_date ?? '')}|${explore.primaryKey.map((k) => String(r[k])).join('|')}`;
      const snapshots = new Set(all.map((r) => r.snapshot_date).filter(Boolean));
      console.log(
        `  ${explore.name.padEnd(16)} ${explore.mode.padEnd(11)} ${String(all.length).padStart(6)} rows${
          snapshots.size ? ` in ${snapshots.size} snapshots` : ''
        }, duplicates: ${all.length - new Set(all.map(key)).size}`,
      );
    }

    section('BigQuery: a few rows');
    console.table(
      [...rows]
        .sort((a, b) => String(a.created_time).localeCompare(String(b.created_time)))
        .slice(-3)
        .map(({ id, created_time, source, status, runtime, user_id }) => ({
          id,
          created_time,
          source,
          status,
          runtime,
          user_id,
        })),
    );

    section('Firestore: export progress');
    const collection = h.clients.firestore.collection(h.config.firestore.collection);
    for (const instance of await collection.listDocuments()) {
      for (const explore of await instance.collection('explores').listDocuments()) {
        const data = (await explore.get()).data() ?? {};
        console.log(
          `  ${instance.id}/${explore.id}: initialLoadDone=${data.initialLoadDone} watermark=${data.watermark?.toDate().toISOString()} lastRunId=${data.lastRunId}`,
        );
      }
    }
  } catch (error) {
    await h.stop();
    throw error;
  }
  if (!keep) {
    await h.stop();
    console.log('\nStack stopped. Run `npm test` for the full specification.');
    return;
  }
  printCommands(h.stack, h.config.bigquery.dataset, h.config.gcs.bucket);
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n# ${reason}: stopping the local stack`);
    void h.stop().then(
      () => {
        console.log('# local stack stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // As for `npm run stack`: killing npm alone orphans this process, which then stops the stack.
  process.stdout.on('error', () => undefined);
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop('parent process gone'), 250);
}

/**
 * Google's own CLIs pointed at the kept stack, one self-contained line each: a throw-away
 * gcloud configuration and token file (the fakes take any token), the endpoint overrides, and
 * for bq the Cloud SDK's bundled Python and discovery document.
 */
function printCommands(stack: Stack, dataset: string, bucket: string) {
  const sdk = cloudSdkRoot();
  const config = mkdtempSync(join(tmpdir(), 'demo-gcloud-'));
  const token = join(config, 'token');
  writeFileSync(token, 'local-stack-token');
  // Without a .bigqueryrc, bq runs its set-up wizard first (and writes one in $HOME).
  const bigqueryrc = join(config, 'bigqueryrc');
  writeFileSync(bigqueryrc, `project_id = ${stack.projectId}\n`);
  const q = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  const gcloud = (...args: string[]) =>
    [
      `CLOUDSDK_CONFIG=${q(config)}`,
      `CLOUDSDK_CORE_PROJECT=${stack.projectId}`,
      'CLOUDSDK_CORE_DISABLE_PROMPTS=1',
      `CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=${stack.gcs.url}/`,
      'gcloud storage',
      ...args.map(q),
      `--access-token-file=${q(token)}`,
    ].join(' ');
  const bq = (...args: string[]) =>
    [
      `CLOUDSDK_CONFIG=${q(config)}`,
      'CLOUDSDK_WRAPPER=1',
      q(join(sdk, 'platform/bundledpythonunix/bin/python3')),
      q(join(sdk, 'platform/bq/bq.py')),
      `--bigqueryrc=${q(bigqueryrc)}`,
      `--api=${stack.bigquery.url}`,
      `--discovery_file=${q(join(sdk, 'platform/bq/discovery_next/bigquery.json'))}`,
      `--project_id=${stack.projectId}`,
      '--oauth_access_token=local-stack-token',
      '--nouse_google_auth',
      ...args.map(q),
    ].join(' ');
  section('The stack stays up (--keep): paste these to look with Google’s own CLIs; Ctrl-C here stops it');
  console.log('# --- paste-ready commands ---');
  console.log(gcloud('ls', '--recursive', `gs://${bucket}`));
  console.log(bq('ls', dataset));
  console.log(bq('head', '-n', '5', `${dataset}.history`));
  console.log(bq('query', '--nouse_legacy_sql', `SELECT COUNT(*) AS history_rows FROM ${dataset}.history`));
  console.log('# --- end ---');
}

interface Summary {
  runId?: string;
  status?: string;
  error?: string;
  instances?: {
    instance: string;
    explores: {
      explore: string;
      watermark: string | null;
      note?: string;
      windows: { window: string; kind: string; status: string; rows?: number; pieces?: number }[];
    }[];
  }[];
}

function printSummary(res: { status: number; body: Summary }) {
  const body = res.body;
  console.log(`  HTTP ${res.status}  run ${body.runId ?? '-'}  status ${body.status ?? body.error}`);
  for (const instance of body.instances ?? []) {
    for (const explore of instance.explores) {
      for (const w of explore.windows) {
        console.log(
          `  ${instance.instance} ${explore.explore.padEnd(16)} ${w.window.padEnd(20)} ${w.kind.padEnd(8)} ${w.status.padEnd(7)} rows=${String(w.rows ?? 0).padStart(6)}${w.pieces ? ` pieces=${w.pieces}` : ''}`,
        );
      }
      if (explore.note) console.log(`  ${instance.instance} ${explore.explore.padEnd(16)} ${explore.note}`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
