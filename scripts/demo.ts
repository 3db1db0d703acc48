/**
 * The quick-start demo: starts the local stack, calls the real HTTP function for the initial
 * load, lets a day pass in the Looker fake, calls it again for the daily run, and prints what
 * landed in BigQuery and the progress in Firestore. Nothing leaves this machine.
 */
import { explores } from '../src/explores/index.js';
import { startHarness } from '../test/support/harness.js';
import { tableRows } from '../test/support/oracle.js';

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

    section('Run 3, same day again: a rerun replaces, never duplicates');
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
  } finally {
    await h.stop();
  }
  console.log('\nStack stopped. Run `npm test` for the full specification.');
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
