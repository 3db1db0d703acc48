/**
 * One deadline for everything a call does: a slow Looker against a tiny budget. Through the
 * exporter as the function wires it (createExporter over the real client libraries) on the local
 * stack (test/stack), every registered explore is selected (one at a time, EXPLORE_CONCURRENCY=1)
 * with RUN_BUDGET_SECONDS=1 (grace 10 s), and every run_inline_query is delayed by the Looker
 * fake. Per case: the call's wall-clock seconds against the bound budget + grace + one Looker
 * call's timeout (LOOKER_TIMEOUT_SECONDS), the Looker queries spent (the exporter's meters, and
 * the fake's own request log, also after the call returned), explores planned and skipped, and
 * the call's HTTP status. The call is measured on a warm exporter (a call of no explore first),
 * as a function instance past its first call.
 *
 * Cases: the (2 s per query, the default 600 s timeout); a query slower than its
 * timeout (20 s, LOOKER_TIMEOUT_SECONDS=5), each attempt ended by its timeout; and a query
 * slower than the whole deadline (30 s, the default timeout), ended by the deadline itself; and
 * the case with one full garbage collection 0.2 s into the call (the budget is an
 * AbortSignal.any over an AbortSignal.timeout, which Node 20 may collect before it fires:
 * nodejs/node#57736).
 * The slowest run first: the fake's delayed answers to abandoned queries (timers that keep the
 * process alive) end while the next cases run.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createClients } from '../src/clients.js';
import { parseConfig } from '../src/config/index.js';
import { createExporter } from '../src/exporter.js';
import { explores } from '../src/explores/index.js';
import { createLogger } from '../src/log.js';
import { graceMs } from '../src/pipeline/budget.js';
import type { ExploreSummary, RunSummary } from '../src/pipeline/types.js';
import { startStack, type Stack } from '../test/stack/index.js';
import { markdownTable } from './markdown.js';

export interface DeadlineResult {
  case: string;
  /** How long the Looker fake waits before answering each run_inline_query. */
  delayMs: number;
  explores: number;
  exploreConcurrency: number;
  budgetSeconds: number;
  graceSeconds: number;
  /** LOOKER_TIMEOUT_SECONDS: one Looker request's time limit. */
  lookerTimeoutSeconds: number;
  /** budget + grace + one call's timeout. */
  boundSeconds: number;
  /** The call's wall-clock duration, exporter.run() in to out. */
  seconds: number;
  withinBound: boolean;
  /** How far the call ran past budget + grace (the deadline), when it did. */
  pastDeadlineSeconds: number;
  /** Looker query calls the summary reports (counts and pages, retried attempts included). */
  lookerQueries: number;
  /** run_inline_query requests the Looker fake received during the call. */
  fakeQueries: number;
  /** Requests of any kind the fake received in the 3 s after the call returned. */
  requestsAfterReturn: number;
  /** When a full garbage collection was forced into the call, ms after it started. */
  gcAtMs?: number;
  /** Explores that asked anything of Looker (not skipped), and those skipped for the budget. */
  planned: number;
  skipped: number;
  /** Looker queries the skipped explores spent (0 expected). */
  skippedQueries: number;
  /** Explore statuses, counted. */
  statuses: Record<string, number>;
  /** Each explore that was planned: its status, queries, windows by status, and why it ended. */
  plannedExplores: {
    explore: string;
    status: string;
    lookerQueries: number;
    windows: Record<string, number>;
    error?: string;
    note?: string;
  }[];
  status: string;
  httpStatus: number | null;
}

interface Case {
  name: string;
  delayMs: number;
  /** LOOKER_TIMEOUT_SECONDS, when not the default. */
  lookerTimeoutSeconds?: number;
  /** A full garbage collection this long into the call (before the budget's timer fires). */
  gcAtMs?: number;
}

const CASES: Case[] = [
  { name: 'slow Looker (the issue)', delayMs: 2000 },
  { name: 'query slower than its timeout', delayMs: 20_000, lookerTimeoutSeconds: 5 },
  { name: 'query slower than the deadline', delayMs: 30_000 },
  { name: 'slow Looker, a GC at 0.2 s', delayMs: 2000, gcAtMs: 200 },
];
const BUDGET_SECONDS = 1;
const AFTER_RETURN_MS = 3000;
const AT = new Date('2026-11-24T03:00:00Z');

export async function runDeadline(): Promise<DeadlineResult[]> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const names = [...explores.keys()];
  const results = new Map<Case, DeadlineResult>();
  for (const c of [...CASES].sort((a, b) => b.delayMs - a.delayMs)) {
    process.stderr.write(`deadline, ${c.name}: starting the stack\n`);
    const stack = await startStack({ looker: { now: AT } });
    // The Firestore client reads the emulator host from the process environment.
    process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const config = parseConfig({
      ...stack.env,
      EXPORT_EXPLORES: names.join(','),
      EXPLORE_CONCURRENCY: '1',
      RUN_BUDGET_SECONDS: String(BUDGET_SECONDS),
      ...(c.lookerTimeoutSeconds !== undefined && { LOOKER_TIMEOUT_SECONDS: String(c.lookerTimeoutSeconds) }),
    });
    const clients = createClients(config);
    // The production retry policy (no lookerRetry option): retries are part of what the deadline bounds.
    const exporter = createExporter(config, clients, createLogger(undefined, 'silent'), { now: () => AT });
    try {
      // A warm function instance: the first call's Firestore channel and lease transaction,
      // secrets and login (seconds against the emulator) would spend a 1 s budget before any
      // explore started. A call of no explore takes and releases the lease and asks Looker nothing.
      await exporter.run({ dryRun: false, explores: [] });
      stack.looker.faults.add({
        match: 'POST /api/4.0/queries/run',
        times: 100_000,
        fault: { kind: 'delay', ms: c.delayMs },
      });
      const requestsBefore = stack.looker.requests.length;
      const started = process.hrtime.bigint();
      const gcTimer = c.gcAtMs === undefined ? undefined : setTimeout(gc, c.gcAtMs);
      const summary = await exporter.run({ dryRun: false });
      clearTimeout(gcTimer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const during = stack.looker.requests.slice(requestsBefore);
      const fake = during.filter(isQuery).length;
      const returnedAt = stack.looker.requests.length;
      await new Promise((resolve) => setTimeout(resolve, AFTER_RETURN_MS));
      const requestsAfterReturn = stack.looker.requests.length - returnedAt;

      const graceSeconds = graceMs(config.runBudgetMs) / 1000;
      const lookerTimeoutSeconds = config.looker.timeoutMs / 1000;
      const boundSeconds = BUDGET_SECONDS + graceSeconds + lookerTimeoutSeconds;
      const result: DeadlineResult = {
        case: c.name,
        delayMs: c.delayMs,
        ...(c.gcAtMs !== undefined && { gcAtMs: c.gcAtMs }),
        explores: names.length,
        exploreConcurrency: config.exploreConcurrency,
        budgetSeconds: BUDGET_SECONDS,
        graceSeconds,
        lookerTimeoutSeconds,
        boundSeconds,
        seconds: Math.round(seconds * 10) / 10,
        withinBound: seconds <= boundSeconds,
        pastDeadlineSeconds: Math.max(0, Math.round((seconds - BUDGET_SECONDS - graceSeconds) * 10) / 10),
        lookerQueries: summary.lookerQueries,
        fakeQueries: fake,
        requestsAfterReturn,
        ...explored(summary),
        status: summary.status,
        httpStatus: (summary as { httpStatus?: number }).httpStatus ?? null,
      };
      results.set(c, result);
      process.stderr.write(`deadline ${c.name}: ${JSON.stringify(result)}\n`);
    } finally {
      await Promise.allSettled([clients.firestore.terminate(), clients.secrets.close()]);
      await stack.stop();
    }
  }
  return CASES.map((c) => results.get(c)!);
}

function isQuery(r: Stack['looker']['requests'][number]): boolean {
  return r.method === 'POST' && r.path.startsWith('/api/4.0/queries/run/');
}

function explored(summary: RunSummary) {
  const all = summary.instances[0]?.explores ?? [];
  const skipped = all.filter((e) => e.status === 'skipped');
  const statuses = count(all.map((e) => e.status));
  return {
    planned: all.length - skipped.length,
    skipped: skipped.length,
    skippedQueries: skipped.reduce((sum, e) => sum + e.lookerQueries, 0),
    statuses,
    plannedExplores: all
      .filter((e) => e.status !== 'skipped')
      .map((e) => ({
        explore: e.explore,
        status: e.status,
        lookerQueries: e.lookerQueries,
        windows: count(e.windows.map((w) => w.status)),
        ...(failure(e) && { error: failure(e) }),
        ...(e.note && { note: e.note }),
      })),
  };
}

/** Why the explore failed: its own error, else its first failed window's. */
function failure(e: ExploreSummary): string | undefined {
  return (e.error ?? e.windows.find((w) => w.error)?.error)?.message;
}

function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** The deadline table, markdown. */
export function deadlineTable(results: readonly DeadlineResult[]): string {
  const header = [
    'case',
    'query delay',
    'budget + grace + Looker timeout',
    'bound',
    's (call)',
    'within bound',
    'past budget + grace',
    'Looker queries (summary / fake)',
    'explores planned / skipped',
    'explore statuses',
    'queries of skipped',
    'requests after return',
    'HTTP',
  ];
  const lines = [header];
  for (const r of results)
    lines.push([
      r.case,
      `${r.delayMs / 1000} s`,
      `${r.budgetSeconds} + ${r.graceSeconds} + ${r.lookerTimeoutSeconds} s`,
      `${r.boundSeconds} s`,
      r.seconds.toFixed(1),
      r.withinBound ? 'yes' : 'NO',
      `${r.pastDeadlineSeconds.toFixed(1)} s`,
      `${r.lookerQueries} / ${r.fakeQueries}`,
      `${r.planned} / ${r.skipped} of ${r.explores}`,
      Object.entries(r.statuses)
        .map(([status, n]) => `${status} ${n}`)
        .join(', '),
      String(r.skippedQueries),
      String(r.requestsAfterReturn),
      `${r.httpStatus ?? '-'} (${r.status})`,
    ]);
  return markdownTable(header, lines.slice(1));
}
