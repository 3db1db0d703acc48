import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import { ExportError, IntegrityError, isTransient } from '../errors.js';
import { bigQuerySchema, type ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import type { LookerClient } from '../looker/client.js';
import type { BigQueryLoader } from '../sinks/bigquery.js';
import type { GcsStaging } from '../sinks/gcs.js';
import type { StateStore } from '../state/store.js';
import type { ExtractStats } from '../transform/jsonl.js';
import type { RunMetadata } from '../transform/row.js';
import { extractWindow, progressLogger } from './extract.js';
import { planBackfill, planScheduled, type ExtractWindow } from './windows.js';

/** What one call asks for, already validated. */
export interface RunRequest {
  explores: readonly ExploreDefinition[];
  /** Both set: a backfill of these days (inclusive), which never moves the daily watermark. */
  backfill?: { from: Date; to: Date };
  dryRun: boolean;
}

export type WindowStatus = 'loaded' | 'empty' | 'planned' | 'failed' | 'skipped';

export interface WindowSummary {
  window: string;
  kind: ExtractWindow['kind'];
  start: string;
  end: string;
  status: WindowStatus;
  rows?: number;
  bytes?: number;
  invalidValues?: Record<string, number>;
  gcsUri?: string;
  jobId?: string;
  durationMs?: number;
  /** How many pieces the window was read in, when Looker's row cap made it split. */
  pieces?: number;
  error?: string;
}

export interface ExploreSummary {
  explore: string;
  status: 'succeeded' | 'failed' | 'partial';
  rows: number;
  windows: WindowSummary[];
  watermark: string | null;
}

export interface RunSummary {
  runId: string;
  instance: string;
  mode: 'scheduled' | 'backfill';
  dryRun: boolean;
  /** `partial`: the time budget ran out; what is left is done by the next run. */
  status: 'succeeded' | 'failed' | 'partial';
  /** True when every failure may pass on its own (Cloud Scheduler should retry). */
  retryable: boolean;
  durationMs: number;
  explores: ExploreSummary[];
}

export interface RunDependencies {
  config: Config;
  logger: Logger;
  looker: LookerClient;
  staging: GcsStaging;
  loader: BigQueryLoader;
  state: StateStore;
  now?: () => Date;
  runId?: string;
}

/**
 * One export run: takes the lease, then for each explore extracts each planned window from
 * Looker into a staged JSONL object, loads it into the window's partition, verifies the row
 * count, and only then moves the explore's progress. The first failure stops that explore (its
 * later windows would leave a gap); other explores go on. The lease is released at the end.
 */
export async function runExport(
  request: RunRequest,
  deps: RunDependencies,
  signal?: AbortSignal,
): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const startedMs = Date.now();
  const runId = deps.runId ?? newRunId(startedAt);
  const logger = deps.logger.child({ runId, instance: deps.config.looker.instanceName });
  const mode = request.backfill ? 'backfill' : 'scheduled';
  const budget = AbortSignal.timeout(deps.config.runBudgetMs);
  const summary: RunSummary = {
    runId,
    instance: deps.config.looker.instanceName,
    mode,
    dryRun: request.dryRun,
    status: 'succeeded',
    retryable: true,
    durationMs: 0,
    explores: [],
  };

  if (!request.dryRun) {
    // The lease outlives the budget by a margin so a run finishing its last window keeps it.
    await deps.state.acquireLease(runId, deps.config.runBudgetMs + 10 * 60_000, startedAt);
  }
  logger.info(
    { mode, dryRun: request.dryRun, explores: request.explores.map((e) => e.name) },
    'export run started',
  );
  try {
    for (const explore of request.explores) {
      summary.explores.push(
        await exportExplore(explore, request, { ...deps, logger, runId, now }, budget, signal),
      );
    }
  } finally {
    if (!request.dryRun) {
      await deps.state
        .releaseLease(runId)
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'lease release failed; it expires on its own'),
        );
    }
    await deps.looker.logout();
  }

  const statuses = summary.explores.map((e) => e.status);
  summary.status = statuses.includes('failed')
    ? 'failed'
    : statuses.includes('partial')
      ? 'partial'
      : 'succeeded';
  summary.retryable = summary.explores
    .flatMap((e) => e.windows)
    .filter((w) => w.status === 'failed')
    .every((w) => w.error?.startsWith('[transient]') ?? true);
  summary.durationMs = Date.now() - startedMs;
  const rows = summary.explores.reduce((sum, e) => sum + e.rows, 0);
  (summary.status === 'failed' ? logger.error.bind(logger) : logger.info.bind(logger))(
    { status: summary.status, rows, durationMs: summary.durationMs, summary },
    `export run ${summary.status}`,
  );
  return summary;
}

type Context = RunDependencies & { logger: Logger; runId: string; now: () => Date };

async function exportExplore(
  explore: ExploreDefinition,
  request: RunRequest,
  ctx: Context,
  budget: AbortSignal,
  signal?: AbortSignal,
): Promise<ExploreSummary> {
  const logger = ctx.logger.child({ explore: explore.name });
  let progress = await ctx.state.readProgress(explore.name);
  const windows = request.backfill
    ? planBackfill(request.backfill.from, request.backfill.to)
    : planScheduled(progress, ctx.now(), ctx.config.settleDays);
  const result: ExploreSummary = {
    explore: explore.name,
    status: 'succeeded',
    rows: 0,
    windows: [],
    watermark: iso(progress.watermark),
  };

  for (const window of windows) {
    const base: WindowSummary = {
      window: window.label,
      kind: window.kind,
      start: window.start.toISOString(),
      end: window.end.toISOString(),
      status: 'planned',
    };
    if (request.dryRun) {
      result.windows.push(base);
      continue;
    }
    if (budget.aborted || signal?.aborted || result.status !== 'succeeded') {
      result.windows.push({ ...base, status: 'skipped' });
      if (result.status === 'succeeded') result.status = 'partial';
      continue;
    }
    const started = Date.now();
    try {
      const loaded = await exportWindow(explore, window, ctx, logger, anySignal(budget, signal));
      result.rows += loaded.rows ?? 0;
      if (!request.backfill) {
        // Settle windows end at or before the watermark: the store never moves it back.
        progress = await ctx.state.recordWindow(
          ctx.runId,
          explore.name,
          {
            initialLoadDone: window.kind === 'initial' ? true : undefined,
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
      const message = errorMessage(error);
      logger.error(
        { err: error, window: window.label, transient },
        `window ${window.label} failed; progress unchanged`,
      );
      result.windows.push({
        ...base,
        status: 'failed',
        durationMs: Date.now() - started,
        error: `[${transient ? 'transient' : 'terminal'}] ${message}`,
      });
      result.status = 'failed';
    }
  }
  return result;
}

async function exportWindow(
  explore: ExploreDefinition,
  window: ExtractWindow,
  ctx: Context,
  parentLogger: Logger,
  signal: AbortSignal,
): Promise<Omit<WindowSummary, 'window' | 'kind' | 'start' | 'end'>> {
  const logger = parentLogger.child({ window: window.label });
  const instance = ctx.config.looker.instanceName;
  const metadata: RunMetadata = {
    looker_instance: instance,
    export_run_id: ctx.runId,
    export_window_start: window.start.toISOString(),
    export_window_end: window.end.toISOString(),
    exported_at: ctx.now().toISOString(),
  };
  const base = [ctx.config.gcs.prefix, explore.name, window.label, safeName(instance)]
    .filter(Boolean)
    .join('/');
  const pieces: StagedPiece[] = [];
  const total: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
  const rowCap = ctx.config.looker.rowCap;

  /**
   * Extracts `[start, end)` into one staged object. Looker drops rows beyond its cap silently,
   * so a piece that comes back with exactly the cap may be truncated: it is read again as two
   * halves, recursively, until every piece is under the cap.
   */
  const extractRange = async (start: Date, end: Date): Promise<void> => {
    const name =
      pieces.length === 0 && start === window.start && end === window.end
        ? `${base}.jsonl`
        : `${base}.${start.toISOString().replace(/[-:.]/g, '')}.jsonl`;
    const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
    await extractWindow({
      looker: ctx.looker,
      explore,
      window: { start, end },
      metadata,
      stats,
      onProgress: progressLogger((fields) => logger.info({ ...fields, piece: name }, 'extract progress')),
      sink: () =>
        ctx.staging.openWrite(name, {
          runId: ctx.runId,
          explore: explore.name,
          window: window.label,
          instance,
        }),
      signal,
    });
    if (rowCap > 0 && stats.rows >= rowCap) {
      const spanSeconds = Math.floor((end.getTime() - start.getTime()) / 1000);
      if (spanSeconds < 2) {
        throw new IntegrityError(
          `Looker returned its row cap (${rowCap}) for the one second at ${start.toISOString()}: rows would be lost. Raise LOOKER_ROW_CAP to the instance's real limit, or give the API user the download_without_limit permission`,
        );
      }
      const middle = new Date(start.getTime() + Math.floor(spanSeconds / 2) * 1000);
      logger.info(
        { rows: stats.rows, rowCap, from: start.toISOString(), to: end.toISOString() },
        'piece reached the row cap; splitting it in two',
      );
      await extractRange(start, middle);
      await extractRange(middle, end);
      return;
    }
    const staged = await ctx.staging.describe(name);
    if (staged.size !== stats.bytes) {
      throw new IntegrityError(
        `staged object ${staged.uri} has ${staged.size} bytes, ${stats.bytes} were written`,
      );
    }
    pieces.push({ uri: staged.uri, rows: stats.rows });
    total.rows += stats.rows;
    total.bytes += stats.bytes;
    for (const [column, count] of Object.entries(stats.invalidValues))
      total.invalidValues[column] = (total.invalidValues[column] ?? 0) + count;
  };
  await extractRange(window.start, window.end);

  const invalidValues = Object.keys(total.invalidValues).length
    ? { invalidValues: { ...total.invalidValues } }
    : {};
  if (invalidValues.invalidValues)
    logger.warn({ invalidValues: total.invalidValues }, 'values BigQuery would reject were loaded as null');
  const gcsUri = pieces.length === 1 ? pieces[0]!.uri : `gs://${ctx.config.gcs.bucket}/${base}.*`;
  const split = pieces.length > 1 ? { pieces: pieces.length } : {};
  if (total.rows === 0) {
    // Nothing to load: an empty day is a success, and an empty re-read never wipes loaded rows
    // (Looker prunes old System Activity; the archive in BigQuery must outlive it).
    logger.info({ gcsUri }, 'window is empty; nothing loaded');
    return { status: 'empty', rows: 0, bytes: 0, gcsUri, ...split };
  }

  const jobId = `looker_export_${ctx.runId}_${explore.name}_${window.label}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const load = await ctx.loader.load(
    {
      jobId,
      sourceUris: pieces.filter((p) => p.rows > 0).map((p) => p.uri),
      tableId: explore.name,
      partition: window.partition,
      schema: bigQuerySchema(explore),
      partitionField: explore.partitionField,
      clusterBy: explore.clusterBy,
      labels: { app: 'looker-activity-export', explore: explore.name },
    },
    signal,
  );
  if (load.outputRows !== total.rows) {
    throw new IntegrityError(`load job ${jobId} wrote ${load.outputRows} rows, ${total.rows} were extracted`);
  }
  logger.info(
    { rows: total.rows, bytes: total.bytes, gcsUri, jobId, ...split },
    `window ${window.label} loaded`,
  );
  return {
    status: 'loaded',
    rows: total.rows,
    bytes: total.bytes,
    gcsUri,
    jobId,
    ...split,
    ...invalidValues,
  };
}

interface StagedPiece {
  uri: string;
  rows: number;
}

/** `20261124T031500-1a2b3c`: sortable, unique enough, valid in job ids and object metadata. */
export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** A readable message for anything thrown (some clients reject with plain objects). */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}
