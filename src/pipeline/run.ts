import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { Config } from '../config/index.js';
import { ConflictError } from '../errors.js';
import { explores as exploreRegistry, type ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import { memoizeAsync } from '../memo.js';
import { graceMs } from './budget.js';
import { allowanceOf, type QueryAllowance } from './query-budget.js';
import { describeError, emptyExplore, exportExplore } from './explore.js';

export { graceMs } from './budget.js';
import type {
  ExploreSummary,
  InstanceSummary,
  QueryBudgetReport,
  RunContext,
  RunDependencies,
  RunRequest,
  RunSummary,
} from './types.js';

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
  const runAt = now();
  // The budget stops new windows; a running window may finish until the deadline, then it is
  // aborted cleanly (nothing recorded; its write job is atomic) and the next call repeats it.
  const budget = AbortSignal.timeout(deps.config.runBudgetMs);
  const deadline = anySignal(
    AbortSignal.timeout(deps.config.runBudgetMs + graceMs(deps.config.runBudgetMs)),
    signal,
  );
  const selected = exploresToRun(request, deps.config);
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
      runAt,
      ownUserId: memoizeAsync(() => instance.looker.myUserId()),
      queriesLeft: () => Infinity,
    };
    const instanceLogger = logger.child({ instance: instance.instance.name });
    try {
      instances.push(await exportInstance(selected, request, ctx, instanceLogger, budget, deadline));
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
  const explores = instances.flatMap((i) => i.explores);
  const summary: RunSummary = {
    runId,
    mode,
    dryRun: request.dryRun,
    status: statuses.includes('failed')
      ? 'failed'
      : statuses.includes('busy')
        ? 'busy'
        : statuses.includes('partial')
          ? 'partial'
          : 'succeeded',
    retryable: instances.every(
      (i) =>
        (i.status !== 'failed' || i.error === undefined || i.error.startsWith('[transient]')) &&
        i.explores
          .flatMap((e) => [
            ...e.windows.filter((w) => w.status === 'failed').map((w) => w.error),
            ...(e.status === 'failed' && e.windows.length === 0 ? [e.error] : []),
          ])
          .every((error) => error?.startsWith('[transient]') ?? true),
    ),
    skippedSnapshots: explores.some(
      (e) => e.mode === 'snapshot' && e.windows.some((w) => w.status === 'skipped'),
    ),
    lookerQueries: explores.reduce((sum, e) => sum + e.lookerQueries, 0),
    durationMs: Date.now() - startedMs,
    instances,
  };
  const rows = explores.reduce((sum, e) => sum + e.rows, 0);
  (summary.status === 'failed' ? logger.error.bind(logger) : logger.info.bind(logger))(
    {
      status: summary.status,
      rows,
      lookerQueries: summary.lookerQueries,
      durationMs: summary.durationMs,
      summary,
    },
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
  deadline: AbortSignal,
): Promise<InstanceSummary> {
  const { instance, state, looker } = ctx.deps;
  const perExplore = state.leasePerExplore;
  if (!request.dryRun && !perExplore) await state.acquireLease(ctx.runId, leaseTtlMs(ctx.config), ctx.now());
  let queryBudget: QueryBudgetReport | undefined;
  try {
    const allowance = allowanceOf(instance.monthlyQueryBudget, await state.readQueryUsage(), ctx.now());
    ctx.queriesLeft = () => allowance.leftToday - looker.usage.queries;
    const limit = pLimit(ctx.config.exploreConcurrency);
    const explores = await Promise.all(
      selected.map((explore) =>
        limit(() =>
          exportLeased(
            explore,
            request,
            ctx,
            logger.child({ explore: explore.name }),
            budget,
            deadline,
          ).catch(
            // Only reading progress can throw here; the lease must outlive every explore, so
            // no rejection may end the instance while others still run.
            (error: unknown): ExploreSummary => {
              logger.error({ err: error, explore: explore.name }, 'explore not exported');
              return {
                ...emptyExplore(explore),
                status: error instanceof ConflictError ? 'busy' : 'failed',
                error: describeError(error),
              };
            },
          ),
        ),
      ),
    );
    for (const e of explores)
      (e.status === 'failed' ? logger.error.bind(logger) : logger.info.bind(logger))(
        {
          explore: e.explore,
          instance: instance.name,
          status: e.status,
          rows: e.rows,
          lookerQueries: e.lookerQueries,
          watermark: e.watermark,
        },
        'explore finished',
      );
    queryBudget = await recordQueryUsage(ctx, allowance, logger);
    const statuses = explores.map((e) => e.status);
    return {
      instance: instance.name,
      dataset: instance.dataset,
      status: statuses.includes('failed')
        ? 'failed'
        : statuses.includes('busy')
          ? 'busy'
          : statuses.some((s) => s === 'partial' || s === 'deferred')
            ? 'partial'
            : 'succeeded',
      ...(queryBudget && { queryBudget }),
      explores,
    };
  } finally {
    if (!request.dryRun && !perExplore) {
      await state
        .releaseLease(ctx.runId)
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'lease release failed; it expires on its own'),
        );
    }
    await looker.logout();
  }
}

/**
 * One explore under the lease that covers it: the instance's (taken by exportInstance), or in
 * fan-out mode its own, taken here and given back when it ends.
 */
async function exportLeased(...args: Parameters<typeof exportExplore>): Promise<ExploreSummary> {
  const [explore, request, ctx, logger] = args;
  const { state } = ctx.deps;
  if (request.dryRun || !state.leasePerExplore) return exportExplore(...args);
  await state.acquireLease(ctx.runId, leaseTtlMs(ctx.config), ctx.now(), explore.name);
  try {
    return await exportExplore(...args);
  } finally {
    await state
      .releaseLease(ctx.runId, explore.name)
      .catch((error: unknown) => logger.warn({ err: error }, 'lease release failed; it expires on its own'));
  }
}

/** The lease outlives the budget by a margin so a run finishing its last window keeps it. */
function leaseTtlMs(config: Config): number {
  return config.runBudgetMs + 10 * 60_000;
}

/**
 * Adds what the run spent to the month's count. Failing to record is logged, not fatal: the
 * rows are loaded, and the budget undercounts by one run at most.
 */
async function recordQueryUsage(
  ctx: RunContext,
  allowance: QueryAllowance,
  logger: Logger,
): Promise<QueryBudgetReport> {
  const spent = ctx.deps.looker.usage.queries;
  let usage = { calls: allowance.usedThisMonth, dayCalls: allowance.usedToday, month: allowance.month };
  if (spent > 0) {
    try {
      usage = await ctx.deps.state.addQueryUsage(spent, ctx.now());
    } catch (error) {
      logger.warn(
        { err: error, spent },
        'recording the query usage failed; the monthly budget misses this run',
      );
      usage = { ...usage, calls: usage.calls + spent, dayCalls: usage.dayCalls + spent };
    }
  }
  return {
    month: usage.month,
    limit: allowance.limit > 0 ? allowance.limit : null,
    usedThisMonth: usage.calls,
    usedToday: usage.dayCalls,
    allowanceToday: Number.isFinite(allowance.allowanceToday) ? allowance.allowanceToday : null,
    spent,
  };
}

/** `20261124T031500-1a2b3c`: sortable, unique enough, valid in job ids and object metadata. */
export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The explores a request runs, in the order a run takes them (and fan-out enqueues them):
 * snapshots first, since a snapshot can only be taken today and an incremental day can wait.
 */
export function exploresToRun(request: RunRequest, config: Config): ExploreDefinition[] {
  return [...(request.explores ?? config.explores.map(registryEntry))].sort(
    (a, b) => Number(a.mode === 'incremental') - Number(b.mode === 'incremental'),
  );
}

function registryEntry(name: string): ExploreDefinition {
  const explore = exploreRegistry.get(name);
  if (!explore) throw new Error(`explore ${name} is not registered`);
  return explore;
}

/**
 * The HTTP status a summary maps to, so Cloud Scheduler retries exactly what can pass: 409 when
 * an instance was busy (retry later), 503 for transient failures and for skipped snapshots
 * (they can only be taken today), 500 for failures no retry fixes, 200 otherwise (skipped
 * incremental days are read by the next call).
 */
export function summaryStatusCode(summary: RunSummary): number {
  if (summary.status === 'failed') return summary.retryable ? 503 : 500;
  if (summary.status === 'busy') return 409;
  if (summary.skippedSnapshots) return 503;
  return 200;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/** `[transient] message` or `[terminal] message`, for summaries (some clients reject with plain objects). */
