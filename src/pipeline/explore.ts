/**
 * One explore of one instance in one run: plan (count, then pack), then for each window the
 * window path (read, write, verify) and, only after it verified, record.
 */
import { summarizeError, UnreadableExploreError } from '../errors.js';
import type { ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import type { LookerUsage } from '../looker/client.js';
import { countAll, countByDay } from './count.js';
import { MIN_EXPLORE_QUERIES } from './query-budget.js';
import { packWindows, scheduledRange, type PlannedWindow, type ScheduledRange } from './plan.js';
import { exportWindow, prepareExplore } from './window.js';
import type { BackfillRange } from '../state/store.js';
import {
  addDays,
  isoDay,
  planSnapshot,
  startOfUtcDay,
  type ExploreProgress,
  type ExtractWindow,
} from './windows.js';
import type { ExploreSummary, PreparedExplore, RunContext, RunRequest } from './types.js';

/** Where counting starts when nothing is recorded: earlier than anything System Activity holds. */
const EARLIEST = new Date('2000-01-01T00:00:00Z');

export async function exportExplore(
  explore: ExploreDefinition,
  request: RunRequest,
  ctx: RunContext,
  logger: Logger,
  budget: AbortSignal,
  deadline: AbortSignal,
  /** The explore's progress when the caller read it under the lease that covers this run. */
  known?: ExploreProgress,
): Promise<ExploreSummary> {
  // Explores of one instance share its client and run side by side: each has its own meter.
  const run: ExploreRun = {
    explore,
    request,
    ctx,
    logger,
    budget,
    deadline,
    known,
    usage: { queries: 0, bytesRead: 0 },
    result: emptyExplore(explore),
  };
  await planAndLand(run);
  run.result.lookerQueries = run.usage.queries;
  run.result.lookerBytes = run.usage.bytesRead;
  return run.result;
}

/** One explore's run: what it was asked, what it may spend, and the summary it fills. */
interface ExploreRun {
  explore: ExploreDefinition;
  request: RunRequest;
  ctx: RunContext;
  logger: Logger;
  budget: AbortSignal;
  deadline: AbortSignal;
  known?: ExploreProgress;
  usage: LookerUsage;
  result: ExploreSummary;
  prepared?: Promise<PreparedExplore>;
}

async function planAndLand(run: ExploreRun): Promise<void> {
  const { explore, request, ctx, logger, result } = run;
  if (run.budget.aborted) {
    // The budget is spent: nothing is asked of Looker (not even a count), nothing is planned.
    result.status = 'skipped';
    result.note = 'the run budget was spent before this explore started';
    if (explore.mode === 'snapshot' && !request.backfill) result.takeableToday = true;
    return;
  }
  const backfill = request.backfill && backfillRange(request.backfill);
  const progress = (!backfill && run.known) || (await ctx.deps.state.readProgress(explore.name, backfill));
  result.watermark = iso(progress.watermark);
  if (ctx.queriesLeft() < MIN_EXPLORE_QUERIES) {
    result.status = 'deferred';
    result.note = deferralNote(ctx.queriesLeft());
    logger.warn({ queriesLeft: ctx.queriesLeft() }, `${explore.name} deferred: ${result.note}`);
    return;
  }
  let plan: ExplorePlan;
  try {
    plan = await planExplore(explore, request, progress, ctx, [run.usage], () => prepared(run));
  } catch (error) {
    if (error instanceof UnreadableExploreError) {
      // Looker hides or lacks what the table is read by: a retry would fail the same way, and
      // nothing is lost by skipping (the check reports it too).
      logger.warn({ err: error }, error.message);
      result.status = 'skipped';
      result.note = error.message;
      return;
    }
    logger.error({ err: error }, `planning ${explore.name} failed; progress unchanged`);
    result.status = 'failed';
    result.error = summarizeError(error);
    return;
  }
  if (plan.note) result.note = plan.note;
  if (request.dryRun) {
    result.windows = plan.windows.map((window) => ({
      ...windowBase(window),
      counted: window.counted,
      status: 'planned' as const,
    }));
    return;
  }
  if (plan.windows.length === 0 && plan.finishesInitialLoad) {
    // Looker holds nothing yet: the initial load is done, and tomorrow's run reads tomorrow.
    const recorded = await ctx.deps.state.recordWindow(
      ctx.runId,
      explore.name,
      { initialLoadDone: true, watermark: plan.finishesInitialLoad, window: 'initial' },
      ctx.now(),
    );
    result.watermark = iso(recorded.watermark);
  }
  await landWindows(run, plan, backfill);
}

/**
 * Each planned window in order: read, write and verify it, and only then record it. The budget,
 * the monthly query allowance or a failure stops the windows after it: progress stays in order.
 */
async function landWindows(run: ExploreRun, plan: ExplorePlan, backfill?: BackfillRange): Promise<void> {
  const { explore, ctx, logger, result } = run;
  for (const window of plan.windows) {
    const base = windowBase(window);
    if (result.status === 'succeeded' && ctx.queriesLeft() <= 0) {
      result.status = 'deferred';
      result.note = deferralNote(ctx.queriesLeft());
    }
    if (run.budget.aborted || run.deadline.aborted || result.status !== 'succeeded') {
      result.windows.push({ ...base, counted: window.counted, status: 'skipped' });
      if (result.status === 'succeeded') result.status = 'partial';
      if (explore.mode === 'snapshot' && result.status === 'partial') result.takeableToday = true;
      continue;
    }
    const started = Date.now();
    try {
      const ready = await prepared(run);
      result.schema = ready.schemaReport;
      const loaded = await exportWindow(ready, window, ctx, logger, run.deadline, [run.usage]);
      result.rows += loaded.rows ?? 0;
      // Record: only now, after the write verified. Settle windows end at or before the
      // watermark; the store never moves it back. A backfill records its own progress.
      const recorded = await ctx.deps.state.recordWindow(
        ctx.runId,
        explore.name,
        {
          initialLoadDone: window === plan.windows.at(-1) && plan.completesInitialLoad ? true : undefined,
          watermark: window.end,
          window: window.label,
        },
        ctx.now(),
        backfill,
      );
      result.watermark = iso(recorded.watermark);
      result.windows.push({ ...base, ...loaded, durationMs: Date.now() - started });
    } catch (error) {
      const summary = summarizeError(error);
      logger.error(
        { err: error, window: window.label, transient: summary.transient },
        `window ${window.label} failed; progress unchanged`,
      );
      result.windows.push({
        ...base,
        counted: window.counted,
        status: 'failed',
        durationMs: Date.now() - started,
        error: summary,
      });
      result.status = 'failed';
      // The window in flight outlived the budget's grace and was aborted: nothing of it landed.
      if (run.deadline.aborted) result.outOfTime = true;
    }
  }
}

/**
 * The explore prepared for reading (Looker's fields, masking, the exporter's own user), once per
 * run and only when Looker is asked anything: before the first count, or the first window.
 */
function prepared(run: ExploreRun): Promise<PreparedExplore> {
  run.prepared ??= prepareExplore(run.explore, run.ctx, run.logger);
  return run.prepared;
}

/** A summary of an explore that has done nothing yet. */
export function emptyExplore(explore: ExploreDefinition): ExploreSummary {
  return {
    explore: explore.name,
    mode: explore.mode,
    status: 'succeeded',
    rows: 0,
    lookerQueries: 0,
    lookerBytes: 0,
    windows: [],
    watermark: null,
  };
}

export interface ExplorePlan {
  windows: PlannedWindow[];
  /** The last window's landing completes the initial load. */
  completesInitialLoad: boolean;
  /** Nothing to read and the initial load is done: record this watermark. */
  finishesInitialLoad?: Date;
  note?: string;
}

/**
 * Plan: count first, then pack. One Looker query per explore: rows per day of the range (an
 * incremental explore) or all rows (a snapshot), so every window knows what it must deliver.
 */
export async function planExplore(
  explore: ExploreDefinition,
  request: RunRequest,
  progress: ExploreProgress,
  ctx: RunContext,
  meters: readonly LookerUsage[] = [],
  /** Called before Looker is first asked: the entry to count by (a discovered explore's is read then). */
  prepare?: () => Promise<{ explore: ExploreDefinition }>,
): Promise<ExplorePlan> {
  const { looker } = ctx.deps;
  const readable = async () => (prepare ? (await prepare()).explore : explore);
  if (explore.mode === 'snapshot') {
    if (request.backfill)
      return {
        windows: [],
        completesInitialLoad: false,
        note: 'a snapshot explore holds current state only: past days cannot be backfilled',
      };
    const windows = planSnapshot(progress, ctx.runAt);
    if (windows.length === 0)
      return { windows: [], completesInitialLoad: false, note: "today's snapshot is already loaded" };
    const counted = await countAll(looker, await readable(), meters);
    return {
      windows: windows.map((w) => ({ ...w, counted: counted ?? null })),
      completesInitialLoad: true,
    };
  }
  const range: ScheduledRange = request.backfill
    ? backfillRemaining(request.backfill, progress)
    : scheduledRange(progress, ctx.runAt, ctx.config.settleDays);
  const kind = request.backfill ? 'backfill' : range.kind === 'initial' ? 'initial' : 'new';
  if (range.start && range.start >= range.end)
    return {
      windows: [],
      completesInitialLoad: false,
      note: request.backfill
        ? 'this backfill is complete: every window of it landed'
        : 'up to date: every complete day is loaded',
    };
  const counts = await countByDay(
    looker,
    await readable(),
    { start: range.start ?? EARLIEST, end: range.end },
    meters,
  );
  const windows = packWindows(counts, range, ctx.config.windowMaxRows, kind).map((window) =>
    kind === 'new' && progress.watermark && window.end <= progress.watermark
      ? { ...window, kind: 'settle' as const }
      : window,
  );
  const initial = !request.backfill && range.kind === 'initial';
  if (windows.length === 0 && initial)
    return {
      windows,
      completesInitialLoad: false,
      finishesInitialLoad: range.end,
      note: 'Looker holds no rows yet',
    };
  return { windows, completesInitialLoad: initial };
}

function deferralNote(left: number): string {
  return `the monthly Looker query budget leaves ${Math.max(0, left)} call(s) today; the rest waits for tomorrow's share`;
}

function windowBase(window: ExtractWindow) {
  return {
    window: window.label,
    kind: window.kind,
    start: window.start.toISOString(),
    end: window.end.toISOString(),
  };
}

/** `20261124T031500-1a2b3c`: sortable, unique enough, valid in job ids and object metadata. */
function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** What is left of a backfill: its days after the last window of it that landed. */
export function backfillRemaining(
  backfill: { from: Date; to: Date },
  progress: ExploreProgress,
): ScheduledRange {
  const from = startOfUtcDay(backfill.from);
  const resume = progress.watermark && progress.watermark > from ? progress.watermark : from;
  return { start: resume, end: addDays(startOfUtcDay(backfill.to), 1), kind: 'daily' };
}

/** A backfill's range as its progress is keyed: inclusive UTC days. */
export function backfillRange(backfill: { from: Date; to: Date }): BackfillRange {
  return { from: isoDay(backfill.from), to: isoDay(backfill.to) };
}
