import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { Config, LookerInstance } from '../config/index.js';
import { ConflictError, ExportError, isTransient } from '../errors.js';
import { explores as exploreRegistry, type ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import { memoizeAsync } from '../memo.js';
import type { LookerClient } from '../looker/client.js';
import type { BigQueryLoader } from '../sinks/bigquery.js';
import type { GcsStaging } from '../sinks/gcs.js';
import type { StateStore } from '../state/store.js';
import { exportWindow, prepareExplore, type WindowResult } from './window.js';
import { planBackfill, planScheduled, planSnapshot, type ExtractWindow } from './windows.js';

/** What one call asks for, already validated. */
export interface RunRequest {
  /** Explores to export; the configured default set when absent. */
  explores?: readonly ExploreDefinition[];
  /** Both set: a backfill of these days (inclusive), which never moves the daily watermark. */
  backfill?: { from: Date; to: Date };
  dryRun: boolean;
}

export type WindowStatus = 'loaded' | 'empty' | 'planned' | 'failed' | 'skipped';

export interface WindowSummary extends WindowResult {
  window: string;
  kind: ExtractWindow['kind'];
  start: string;
  end: string;
  status: WindowStatus;
  durationMs?: number;
  error?: string;
}

export interface ExploreSummary {
  explore: string;
  mode: ExploreDefinition['mode'];
  status: 'succeeded' | 'failed' | 'partial';
  rows: number;
  windows: WindowSummary[];
  watermark: string | null;
  /** Where the columns came from, and how Looker's fields differ from the committed schema. */
  schema?: { source: 'looker' | 'committed'; added: string[]; removed: string[] };
  /** Why nothing was planned, when nothing was. */
  note?: string;
}

export interface InstanceSummary {
  instance: string;
  dataset: string;
  status: 'succeeded' | 'failed' | 'partial' | 'busy';
  /** Set when the instance failed before any explore ran (lease, state, session). */
  error?: string;
  explores: ExploreSummary[];
}

export interface RunSummary {
  runId: string;
  mode: 'scheduled' | 'backfill';
  dryRun: boolean;
  /** `partial`: the time budget ran out; what is left is done by the next run. */
  status: 'succeeded' | 'failed' | 'partial';
  /** True when every failure may pass on its own (Cloud Scheduler should retry). */
  retryable: boolean;
  durationMs: number;
  instances: InstanceSummary[];
}

/** What one Looker instance's export works with. */
export interface InstanceDependencies {
  instance: LookerInstance;
  looker: LookerClient;
  loader: BigQueryLoader;
  state: StateStore;
  /** The HMAC key of hashed columns (read once, when a selected explore hashes). */
  maskingKey: () => Promise<string>;
}

export interface RunDependencies {
  config: Config;
  logger: Logger;
  staging: GcsStaging;
  instances: readonly InstanceDependencies[];
  now?: () => Date;
  runId?: string;
}

/** Context shared by the explores of one instance in one run. */
export interface RunContext {
  config: Config;
  staging: GcsStaging;
  deps: InstanceDependencies;
  runId: string;
  now: () => Date;
  /** The exporter's own Looker user id, asked once per run and instance. */
  ownUserId: () => Promise<string>;
}

/**
 * One export run over every configured Looker instance, one after the other. Each instance
 * takes its own lease; one failing instance does not stop the others and each is reported.
 * A call that finds every instance busy (another run holds each lease) is a conflict (409).
 */
export async function runExport(
  request: RunRequest,
  deps: RunDependencies,
  signal?: AbortSignal,
): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const startedMs = Date.now();
  const runId = deps.runId ?? newRunId(now());
  const logger = deps.logger.child({ runId });
  const mode = request.backfill ? 'backfill' : 'scheduled';
  const budget = AbortSignal.timeout(deps.config.runBudgetMs);
  const selected = request.explores ?? deps.config.explores.map(registryEntry);
  logger.info(
    {
      mode,
      dryRun: request.dryRun,
      explores: selected.map((e) => e.name),
      instances: deps.instances.map((i) => i.instance.name),
    },
    'export run started',
  );

  const instances: InstanceSummary[] = [];
  const failures: unknown[] = [];
  for (const instance of deps.instances) {
    const ctx: RunContext = {
      config: deps.config,
      staging: deps.staging,
      deps: instance,
      runId,
      now,
      ownUserId: memoizeAsync(() => instance.looker.myUserId()),
    };
    const instanceLogger = logger.child({ instance: instance.instance.name });
    try {
      instances.push(await exportInstance(selected, request, ctx, instanceLogger, budget, signal));
    } catch (error) {
      failures.push(error);
      const busy = error instanceof ConflictError;
      instanceLogger[busy ? 'warn' : 'error'](
        { err: error },
        `instance ${instance.instance.name} not exported`,
      );
      instances.push({
        instance: instance.instance.name,
        dataset: instance.instance.dataset,
        status: busy ? 'busy' : 'failed',
        error: describeError(error),
        explores: [],
      });
    }
  }
  // Nothing ran anywhere: answer with the reason itself (409 busy, 503 Firestore down, ...).
  if (failures.length === deps.instances.length && failures.length > 0) throw failures[0];

  const statuses = instances.map((i) => i.status);
  const summary: RunSummary = {
    runId,
    mode,
    dryRun: request.dryRun,
    status: statuses.includes('failed') ? 'failed' : statuses.includes('partial') ? 'partial' : 'succeeded',
    retryable: instances.every(
      (i) =>
        (i.status !== 'failed' || i.error === undefined || i.error.startsWith('[transient]')) &&
        i.explores
          .flatMap((e) => [
            ...e.windows.filter((w) => w.status === 'failed').map((w) => w.error),
            ...(e.status === 'failed' && e.windows.length === 0 ? [e.note] : []),
          ])
          .every((error) => error?.startsWith('[transient]') ?? true),
    ),
    durationMs: Date.now() - startedMs,
    instances,
  };
  const rows = instances.flatMap((i) => i.explores).reduce((sum, e) => sum + e.rows, 0);
  (summary.status === 'failed' ? logger.error.bind(logger) : logger.info.bind(logger))(
    { status: summary.status, rows, durationMs: summary.durationMs, summary },
    `export run ${summary.status}`,
  );
  return summary;
}

async function exportInstance(
  selected: readonly ExploreDefinition[],
  request: RunRequest,
  ctx: RunContext,
  logger: Logger,
  budget: AbortSignal,
  signal?: AbortSignal,
): Promise<InstanceSummary> {
  const { instance, state, looker } = ctx.deps;
  if (!request.dryRun) {
    // The lease outlives the budget by a margin so a run finishing its last window keeps it.
    await state.acquireLease(ctx.runId, ctx.config.runBudgetMs + 10 * 60_000, ctx.now());
  }
  try {
    const limit = pLimit(ctx.config.exploreConcurrency);
    const explores = await Promise.all(
      selected.map((explore) =>
        limit(() =>
          exportExplore(explore, request, ctx, logger.child({ explore: explore.name }), budget, signal).catch(
            // Only reading progress can throw here; the lease must outlive every explore, so
            // no rejection may end the instance while others still run.
            (error: unknown): ExploreSummary => {
              logger.error({ err: error, explore: explore.name }, 'explore not exported');
              return {
                explore: explore.name,
                mode: explore.mode,
                status: 'failed',
                rows: 0,
                windows: [],
                watermark: null,
                note: describeError(error),
              };
            },
          ),
        ),
      ),
    );
    const statuses = explores.map((e) => e.status);
    return {
      instance: instance.name,
      dataset: instance.dataset,
      status: statuses.includes('failed') ? 'failed' : statuses.includes('partial') ? 'partial' : 'succeeded',
      explores,
    };
  } finally {
    if (!request.dryRun) {
      await state
        .releaseLease(ctx.runId)
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'lease release failed; it expires on its own'),
        );
    }
    await looker.logout();
  }
}

async function exportExplore(
  explore: ExploreDefinition,
  request: RunRequest,
  ctx: RunContext,
  logger: Logger,
  budget: AbortSignal,
  signal?: AbortSignal,
): Promise<ExploreSummary> {
  const state = ctx.deps.state;
  let progress = await state.readProgress(explore.name);
  const snapshot = explore.mode === 'snapshot';
  const windows = request.backfill
    ? snapshot
      ? []
      : planBackfill(request.backfill.from, request.backfill.to)
    : snapshot
      ? planSnapshot(progress, ctx.now())
      : planScheduled(progress, ctx.now(), ctx.config.settleDays);
  const result: ExploreSummary = {
    explore: explore.name,
    mode: explore.mode,
    status: 'succeeded',
    rows: 0,
    windows: [],
    watermark: iso(progress.watermark),
  };
  if (windows.length === 0) {
    result.note =
      snapshot && request.backfill
        ? 'a snapshot explore holds current state only: past days cannot be backfilled'
        : "today's snapshot is already loaded";
    return result;
  }
  if (request.dryRun) {
    result.windows = windows.map((window) => ({ ...windowBase(window), status: 'planned' as const }));
    return result;
  }

  let prepared: Awaited<ReturnType<typeof prepareExplore>> | undefined;
  for (const window of windows) {
    const base = windowBase(window);
    if (budget.aborted || signal?.aborted || result.status !== 'succeeded') {
      result.windows.push({ ...base, status: 'skipped' });
      if (result.status === 'succeeded') result.status = 'partial';
      continue;
    }
    const started = Date.now();
    try {
      prepared ??= await prepareExplore(explore, ctx, logger);
      result.schema = prepared.schemaReport;
      const loaded = await exportWindow(prepared, window, ctx, logger, anySignal(budget, signal));
      result.rows += loaded.rows ?? 0;
      if (!request.backfill) {
        // Settle windows end at or before the watermark: the store never moves it back.
        progress = await state.recordWindow(
          ctx.runId,
          explore.name,
          {
            initialLoadDone: window.kind === 'initial' || window.kind === 'snapshot' ? true : undefined,
            watermark: window.end,
            window: window.label,
          },
          ctx.now(),
        );
        result.watermark = iso(progress.watermark);
      }
      result.windows.push({ ...base, ...loaded, durationMs: Date.now() - started });
    } catch (error) {
      const transient = isTransient(error) || !(error instanceof ExportError);
      logger.error(
        { err: error, window: window.label, transient },
        `window ${window.label} failed; progress unchanged`,
      );
      result.windows.push({
        ...base,
        status: 'failed',
        durationMs: Date.now() - started,
        error: describeError(error),
      });
      result.status = 'failed';
    }
  }
  return result;
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
export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

function registryEntry(name: string): ExploreDefinition {
  const explore = exploreRegistry.get(name);
  if (!explore) throw new Error(`explore ${name} is not registered`);
  return explore;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** `[transient] message` or `[terminal] message`, for summaries (some clients reject with plain objects). */
function describeError(error: unknown): string {
  const transient = isTransient(error) || !(error instanceof ExportError);
  const message =
    error instanceof Error
      ? error.message
      : error && typeof error === 'object' && 'message' in error
        ? String((error as { message: unknown }).message)
        : String(error);
  return `[${transient ? 'transient' : 'terminal'}] ${message}`;
}
