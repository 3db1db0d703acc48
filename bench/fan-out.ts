/**
 * Fan-out mode on the local stack (Cloud Tasks fake dispatching to the task function over
 * HTTP, every Google client real), in two parts:
 * - scale (BENCH_PARTS=fanout): one instance against five, each Looker answering every query
 *   after a simulated query time (BENCH_LOOKER_LATENCY_MS) and refusing a second concurrent
 *   System Activity query, in fan-out mode and in single-call mode. Target: five instances take
 *   at most 1.5x one instance in fan-out mode; no task call reaches its dispatch deadline.
 * - initial (BENCH_PARTS=initial): a first load of BENCH_INITIAL_ROWS synthetic history rows
 *   (generated on the fly by the Looker fake) through continuations under a short run budget
 *   (BENCH_INITIAL_BUDGET seconds): calls, Looker queries, wall time, the longest call against
 *   its budget, and whether BigQuery holds every row once.
 * Queues are configured as terraform/tasks.tf makes them (K = 1, one dispatch a second).
 * This process hosts every fake beside the function, and a 2M-row initial load ran it out of
 * Node's default 4 GB heap: `npm run bench` raises the limit. The function's own memory is
 * measured apart, in a process of its own, by the extract part.
 */
import { explores, lookerField } from '../src/explores/index.js';
import { addDays, startOfUtcDay } from '../src/pipeline/windows.js';
import { startLookerFake, type LookerFake } from '../test/stack/looker/index.js';
import { instancesEnv, lookerFakeFor, lookerSecrets, startFanOut } from '../test/support/fan-out.js';
import { startHarness } from '../test/support/harness.js';
import { tableRows, truthRows, assertSameRows } from '../test/support/oracle.js';

export interface ScaleResult {
  mode: 'fan-out' | 'single-call';
  instances: number;
  explores: number;
  seconds: number;
  /** Task calls (fan-out) or function calls (single-call). */
  calls: number;
  longestCallSeconds: number;
  deadlineSeconds: number;
  /** run_inline_query calls every Looker served. */
  lookerQueries: number;
  /** The most queries one Looker ran at once, over all instances. */
  maxConcurrentQueries: number;
  refusedQueries: number;
  exact: boolean;
}

export interface InitialLoadResult {
  rows: number;
  tableRows: number;
  duplicates: number;
  windowMaxRows: number;
  budgetSeconds: number;
  graceSeconds: number;
  deadlineSeconds: number;
  calls: number;
  parts: number;
  retries: number;
  lookerQueries: number;
  seconds: number;
  rowsPerSecond: number;
  longestCallSeconds: number;
  exact: boolean;
}

const NOW = new Date('2026-11-24T03:00:00Z');
const TODAY = startOfUtcDay(NOW);
const LATENCY_MS = Number(process.env.BENCH_LOOKER_LATENCY_MS ?? 1000);
const SCALE_EXPLORES = (process.env.BENCH_FANOUT_EXPLORES ?? 'history,event,query,user,dashboard,look').split(
  ',',
);
const EXTRA = ['emea', 'apac', 'latam', 'anz'];
const TERRAFORM_QUEUE = { maxConcurrentDispatches: 1, maxDispatchesPerSecond: 1, maxAttempts: 10 };

function lookerOptions(seed: number) {
  return {
    now: NOW,
    queryLatencyMs: LATENCY_MS,
    // Outside Elite System Activity, Looker refuses a second concurrent query.
    concurrentQueryLimit: 1,
    recordApiActivity: false,
    datasets: { history: { seed, rows: 3000 }, event: { seed, rows: 2000 } },
  };
}

const queriesOf = (looker: LookerFake) =>
  looker.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/4.0/queries/run/')).length;

export async function runScale(): Promise<ScaleResult[]> {
  const h = await startHarness({
    now: NOW,
    stack: {
      looker: lookerOptions(1),
      secrets: {
        secrets: lookerSecrets(EXTRA),
      },
    },
  });
  const others = new Map<string, LookerFake>();
  for (const [i, name] of EXTRA.entries()) others.set(name, await lookerFakeFor(name, lookerOptions(10 + i)));
  const lookers = () => [h.stack.looker, ...others.values()];
  const env = async (instances: number) => ({
    EXPORT_EXPLORES: SCALE_EXPLORES.join(','),
    // One query at a time per Looker in both modes: what K = 1 gives fan-out.
    EXPLORE_CONCURRENCY: '1',
    ...(instances === 5 ? await instancesEnv(h, others) : {}),
  });
  const results: ScaleResult[] = [];
  try {
    for (const [mode, instances] of [
      ['fan-out', 1],
      ['fan-out', 5],
      ['single-call', 1],
      ['single-call', 5],
    ] as const) {
      await h.reset();
      for (const looker of others.values()) await looker.reset();
      process.stderr.write(`fan-out bench: ${mode}, ${instances} instance(s)\n`);
      const started = Date.now();
      let calls = 1;
      let longest = 0;
      let deadline = 1800;
      let datasets: { dataset: string; looker: LookerFake }[];
      if (mode === 'fan-out') {
        const fanOut = await startFanOut(h, await env(instances), TERRAFORM_QUEUE);
        try {
          const planned = await fanOut.plan();
          if (planned.status !== 200) throw new Error(`plan answered ${planned.status}: ${planned.text}`);
          await h.stack.tasks.idle(1_800_000);
          const dispatches = h.stack.tasks.dispatches;
          calls = dispatches.length;
          longest = Math.max(...dispatches.map((d) => (d.endedMs ?? Infinity) - d.startedMs)) / 1000;
          deadline = Math.min(...dispatches.map((d) => d.deadlineMs)) / 1000;
          datasets = fanOut.config.instances.map((i) => ({
            dataset: i.dataset,
            looker: i.name === 'us' || i.name === 'local' ? h.stack.looker : others.get(i.name)!,
          }));
        } finally {
          await fanOut.close();
        }
      } else {
        const call = h.instance(await env(instances));
        const response = await call({});
        if (response.status !== 200)
          throw new Error(`single call answered ${response.status}: ${response.text}`);
        longest = (Date.now() - started) / 1000;
        datasets = (instances === 5 ? ['us', ...EXTRA] : ['local']).map((name) => ({
          dataset: name === 'us' || name === 'local' ? h.config.bigquery.dataset : `activity_${name}`,
          looker: name === 'us' || name === 'local' ? h.stack.looker : others.get(name)!,
        }));
      }
      const seconds = (Date.now() - started) / 1000;
      let exact = true;
      const history = explores.get('history')!;
      for (const { dataset, looker } of datasets) {
        try {
          assertSameRows(
            history,
            await tableRows(h.clients.bigquery, dataset, history),
            truthRows(h, new Date('2000-01-01T00:00:00Z'), TODAY, history, { looker }),
          );
        } catch {
          exact = false;
        }
      }
      const used = lookers().slice(0, instances);
      results.push({
        mode,
        instances,
        explores: SCALE_EXPLORES.length,
        seconds: round(seconds),
        calls,
        longestCallSeconds: round(longest),
        deadlineSeconds: deadline,
        lookerQueries: used.reduce((sum, l) => sum + queriesOf(l), 0),
        maxConcurrentQueries: Math.max(...used.map((l) => l.maxConcurrentQueries)),
        refusedQueries: used.reduce((sum, l) => sum + l.refusedQueries, 0),
        exact,
      });
      process.stderr.write(`  ${JSON.stringify(results.at(-1))}\n`);
    }
  } finally {
    for (const looker of others.values()) await looker.close();
    await h.stop();
  }
  return results;
}

const INITIAL_ROWS = Number(process.env.BENCH_INITIAL_ROWS ?? 2_000_000);
const INITIAL_BUDGET = Number(process.env.BENCH_INITIAL_BUDGET ?? 120);
// The Looker fake buffers a (time, key) sort of at most 250k rows: windows of that size fit it.
const INITIAL_WINDOW = Number(process.env.BENCH_INITIAL_WINDOW ?? 250_000);

export async function runInitialLoad(): Promise<InitialLoadResult> {
  const graceSeconds = Math.min(Math.max(Math.round(INITIAL_BUDGET / 10), 10), 300);
  const deadlineSeconds = Math.max(15, Math.min(1800, INITIAL_BUDGET + graceSeconds + 60));
  const h = await startHarness({
    now: NOW,
    stack: {
      looker: {
        now: NOW,
        recordApiActivity: false,
        queryLatencyMs: LATENCY_MS,
        concurrentQueryLimit: 1,
        datasets: { history: { rows: INITIAL_ROWS, start: addDays(TODAY, -90), end: TODAY } },
      },
    },
  });
  // The staging bucket's lifecycle rule (terraform/storage.tf) deletes staged objects; here a
  // sweep every minute deletes those older than ten minutes, long loaded, so the disk holds a
  // few windows, not the whole load twice.
  const bucket = h.clients.storage.bucket(h.config.gcs.bucket);
  const sweep = setInterval(() => {
    void bucket
      .getFiles()
      .then(([files]) =>
        Promise.all(
          files
            .filter((f) => Date.now() - Date.parse(String(f.metadata.timeCreated)) > 600_000)
            .map((f) => f.delete().catch(() => undefined)),
        ),
      );
  }, 60_000);
  try {
    const fanOut = await startFanOut(
      h,
      {
        EXPORT_EXPLORES: 'history',
        RUN_BUDGET_SECONDS: String(INITIAL_BUDGET),
        TASK_DISPATCH_DEADLINE_SECONDS: String(deadlineSeconds),
        WINDOW_MAX_ROWS: String(INITIAL_WINDOW),
      },
      TERRAFORM_QUEUE,
    );
    const started = Date.now();
    try {
      const planned = await fanOut.plan();
      if (planned.status !== 200) throw new Error(`plan answered ${planned.status}: ${planned.text}`);
      const progress = setInterval(() => {
        const done = h.stack.tasks.dispatches.filter((d) => d.status === 200).length;
        process.stderr.write(
          `initial load: ${done} call(s) done, ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
      }, 60_000);
      try {
        await h.stack.tasks.idle(24 * 3_600_000);
      } finally {
        clearInterval(progress);
      }
    } finally {
      await fanOut.close();
    }
    const seconds = (Date.now() - started) / 1000;
    const dispatches = h.stack.tasks.dispatches;
    const parts = new Set(dispatches.map((d) => d.taskId)).size;
    const table = `\`${h.config.projectId}.${h.config.bigquery.dataset}.history\``;
    const [[count]] = await h.clients.bigquery.query(`SELECT COUNT(*) AS n FROM ${table}`);
    const [duplicates] = await h.clients.bigquery.query(
      `SELECT id FROM ${table} GROUP BY id HAVING COUNT(*) > 1 LIMIT 10`,
    );
    const expected = expectedHistoryRows(h.stack.looker);
    const tableCount = Number((count as { n: unknown }).n);
    const result: InitialLoadResult = {
      rows: expected,
      tableRows: tableCount,
      duplicates: duplicates.length,
      windowMaxRows: INITIAL_WINDOW,
      budgetSeconds: INITIAL_BUDGET,
      graceSeconds,
      deadlineSeconds,
      calls: dispatches.length,
      parts,
      retries: dispatches.length - parts,
      lookerQueries: queriesOf(h.stack.looker),
      seconds: round(seconds),
      rowsPerSecond: Math.round(tableCount / seconds),
      longestCallSeconds: round(
        Math.max(...dispatches.map((d) => (d.endedMs ?? Infinity) - d.startedMs)) / 1000,
      ),
      exact: tableCount === expected && duplicates.length === 0,
    };
    process.stderr.write(`initial load: ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    clearInterval(sweep);
    // Staged objects are loaded and verified by now: the harness's leak check reads every object
    // left, which for millions of rows is more text than one string can hold.
    const [files] = await bucket.getFiles();
    await Promise.all(files.map((f) => f.delete().catch(() => undefined)));
    await h.stop();
  }
}

/**
 * History rows Looker holds before today, less those of the exporter's own API user, which the
 * exporter leaves out (EXCLUDE_OWN_ACTIVITY): two fields only, so millions of rows fit.
 */
function expectedHistoryRows(looker: LookerFake): number {
  const history = explores.get('history')!;
  const actor = lookerField(
    history,
    history.fields.find((f) => f.name === history.actorField)!,
  );
  const own = String(looker.apiUserId);
  return looker
    .truth('history', new Date('2000-01-01T00:00:00Z'), TODAY, { fields: ['history.id', actor] })
    .filter((row) => row[actor] === null || String(row[actor]) !== own).length;
}

export function scaleTable(results: ScaleResult[]): string {
  const lines = [
    '| mode | instances | explores | s | calls | longest call s | deadline s | Looker queries | max concurrent per Looker | refused | exact |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.mode} | ${r.instances} | ${r.explores} | ${r.seconds} | ${r.calls} | ${r.longestCallSeconds} | ${r.deadlineSeconds} | ${r.lookerQueries} | ${r.maxConcurrentQueries} | ${r.refusedQueries} | ${r.exact ? 'yes' : 'NO'} |`,
    ),
  ];
  const wall = (mode: string, n: number) =>
    results.find((r) => r.mode === mode && r.instances === n)?.seconds;
  for (const mode of ['fan-out', 'single-call']) {
    const [one, five] = [wall(mode, 1), wall(mode, 5)];
    if (one && five) lines.push('', `${mode}: five instances take ${round(five / one)}x one instance`);
  }
  return lines.join('\n');
}

export function initialLoadTable(r: InitialLoadResult): string {
  return [
    '| rows | window | budget s (+grace) | calls | parts | retries | Looker queries | s | rows/s | longest call s | deadline s | every row once |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${r.rows} | ${r.windowMaxRows} | ${r.budgetSeconds} (+${r.graceSeconds}) | ${r.calls} | ${r.parts} | ${r.retries} | ${r.lookerQueries} | ${r.seconds} | ${r.rowsPerSecond} | ${r.longestCallSeconds} | ${r.deadlineSeconds} | ${r.exact ? 'yes' : `NO (${r.tableRows} in BigQuery, ${r.duplicates} duplicated ids)`} |`,
  ].join('\n');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

// `node --import tsx bench/fan-out.ts expected ROWS`: the oracle alone, for a run already made.
if (process.argv[2] === 'expected') {
  const looker = await startLookerFake({
    clientId: 'x',
    clientSecret: 'y',
    now: NOW,
    recordApiActivity: false,
    datasets: { history: { rows: Number(process.argv[3]), start: addDays(TODAY, -90), end: TODAY } },
  });
  process.stdout.write(`${expectedHistoryRows(looker)}\n`);
  await looker.close();
}
