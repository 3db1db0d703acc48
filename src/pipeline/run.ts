import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { Config } from '../config/index.js';
import { ConflictError, summarizeError } from '../errors.js';
import { resolveExploreName } from '../explores/discovered.js';
import type { ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import { memoizeAsync } from '../memo.js';
import { anySignal, timeoutSignal } from '../signals.js';
import { graceMs } from './budget.js';
import { allowanceOf, type QueryAllowance } from './query-budget.js';
import { emptyExplore, exportExplore } from './explore.js';
import { callStatus, exploreOutcome, instanceOutcomes } from './outcome.js';
import type { ExploreProgress } from './windows.js';

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
 * One export run over every configured Looker instance. Each instance takes its own lease; one
 * failing instance does not stop the others and each is reported. The run is fair to every
 * instance: first the snapshots of every instance (a snapshot can only be taken today), then
 * each instance's incremental explores within its share of what is left of the budget, so one
 * instance's long initial load never starves another's daily windows. A call that finds every
 * instance busy (another run holds each lease) is a conflict (409).
 *
 * `deadline` bounds everything the call does (the exporter gives the same signal to the Looker
 * clients, so counts, metadata and pages stop with it); without one the run makes its own.
 */
export async function runExport(
  request: RunRequest,
  deps: RunDependencies,
  deadline: AbortSignal = runDeadline(deps.config),
): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const startedMs = Date.now();
  const runId = deps.runId ?? newRunId(now());
  const logger = deps.logger.child({ runId });
  const mode = request.backfill ? 'backfill' : 'scheduled';
  const runAt = now();
  // The budget stops new explores and windows; a running window may finish until the deadline,
  // then it is aborted cleanly (nothing recorded; its write job is atomic) and the next call
  // repeats it.
  const budgetEndsAt = startedMs + deps.config.runBudgetMs;
  const budget = anySignal(timeoutSignal(deps.config.runBudgetMs), deadline);
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

  const runs: InstanceRun[] = [];
  const failures: unknown[] = [];
  const instances: InstanceSummary[] = [];
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
      runs.push(await openInstance(request, ctx, instanceLogger));
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
        error: summarizeError(error),
        explores: [],
      });
      await instance.looker.logout();
    }
  }
  try {
    await exportPhases(runs, selected, budget, budgetEndsAt, deadline);
  } finally {
    for (const run of runs) instances.push(await run.close());
  }
  // Nothing ran anywhere: answer with the reason itself (409 busy, 503 Firestore down, ...).
  if (failures.length === deps.instances.length && failures.length > 0) throw failures[0];
  const order = new Map(deps.instances.map((i, index) => [i.instance.name, index]));
  instances.sort((a, b) => order.get(a.instance)! - order.get(b.instance)!);
  return summarize({ runId, mode, dryRun: request.dryRun }, instances, startedMs, logger);
}

/**
 * Snapshots of every instance first, on the whole budget: they can only be taken today. Then
 * the daily windows of every instance, then initial loads, so one instance's long first load
 * never starves another's days; each instance works on its share of what is left.
 */
async function exportPhases(
  runs: readonly InstanceRun[],
  selected: readonly ExploreDefinition[],
  budget: AbortSignal,
  budgetEndsAt: number,
  deadline: AbortSignal,
): Promise<void> {
  const snapshots = selected.filter((e) => e.mode === 'snapshot');
  for (const run of runs) await run.export(snapshots, budget, deadline);
  const incremental = selected.filter((e) => e.mode === 'incremental');
  const phases = await Promise.all(runs.map((run) => run.phases(incremental)));
  for (const phase of ['daily', 'initial'] as const)
    for (const [index, run] of runs.entries()) {
      const share = Math.max(0, Math.floor((budgetEndsAt - Date.now()) / (runs.length - index)));
      const explores = phases[index]![phase];
      if (explores.length) await run.export(explores, anySignal(budget, timeoutSignal(share)), deadline);
    }
}

/** The call's summary from its instances', logged: an ERROR when anything failed for good. */
function summarize(
  run: Pick<RunSummary, 'runId' | 'mode' | 'dryRun'>,
  instances: InstanceSummary[],
  startedMs: number,
  logger: Logger,
): RunSummary {
  const explores = instances.flatMap((i) => i.explores);
  const call = callStatus(instances.flatMap(instanceOutcomes));
  const summary: RunSummary = {
    ...run,
    status: call.status,
    httpStatus: call.httpStatus,
    retryable: call.retryable,
    lookerQueries: explores.reduce((sum, e) => sum + e.lookerQueries, 0),
    durationMs: Date.now() - startedMs,
    instances,
  };
  const rows = explores.reduce((sum, e) => sum + e.rows, 0);
  const terminal = explores.some((e) => exploreOutcome(e) === 'terminal');
  // A terminal failure is an ERROR (and alerted) whatever the call answers.
  (summary.status === 'failed' || terminal ? logger.error.bind(logger) : logger.info.bind(logger))(
    {
      status: summary.status,
      httpStatus: summary.httpStatus,
      rows,
      lookerQueries: summary.lookerQueries,
      durationMs: summary.durationMs,
      summary,
    },
    `export run ${summary.status}`,
  );
  return summary;
}

/** The signal that ends a call: its budget plus the grace a running window may use. */
export function runDeadline(config: Config, signal?: AbortSignal): AbortSignal {
  return anySignal(timeoutSignal(config.runBudgetMs + graceMs(config.runBudgetMs)), signal);
}

/** One instance in one run: opened (lease, query allowance), exported phase by phase, closed. */
interface InstanceRun {
  /** Incremental explores whose initial load is done (daily windows) apart from those still loading. */
  phases(explores: readonly ExploreDefinition[]): Promise<Record<'daily' | 'initial', ExploreDefinition[]>>;
  export(explores: readonly ExploreDefinition[], budget: AbortSignal, deadline: AbortSignal): Promise<void>;
  close(): Promise<InstanceSummary>;
}

async function openInstance(request: RunRequest, ctx: RunContext, logger: Logger): Promise<InstanceRun> {
  const { instance, state, looker } = ctx.deps;
  const perExplore = state.leasePerExplore;
  const leased = !request.dryRun && !perExplore;
  if (leased) await state.acquireLease(ctx.runId, leaseTtlMs(ctx.config), ctx.now());
  let allowance: QueryAllowance;
  try {
    allowance = allowanceOf(instance.monthlyQueryBudget, await state.readQueryUsage(), ctx.now());
  } catch (error) {
    if (leased) await releaseLease(ctx, logger);
    throw error;
  }
  ctx.queriesLeft = () => allowance.leftToday - looker.usage.queries;
  const explores: ExploreSummary[] = [];
  /** Progress the phases read, handed to each explore so it is not read twice. */
  const known = new Map<string, ExploreProgress>();
  return {
    async phases(selected) {
      // Only under the instance's lease does progress read now stay true until the explore runs
      // (fan-out tasks run one explore each, under its own lease; a dry run orders nothing).
      if (request.backfill || !leased) return { daily: [...selected], initial: [] };
      const loading = await Promise.all(
        selected.map((explore) =>
          state.readProgress(explore.name).then(
            (progress) => {
              known.set(explore.name, progress);
              return !progress.initialLoadDone;
            },
            // Unreadable now: the explore reads it again and reports the failure itself.
            () => false,
          ),
        ),
      );
      return {
        daily: selected.filter((_, i) => !loading[i]),
        initial: selected.filter((_, i) => loading[i]),
      };
    },
    async export(selected, budget, deadline) {
      const limit = pLimit(ctx.config.exploreConcurrency);
      const done = await Promise.all(
        selected.map((explore) =>
          limit(() =>
            exportLeased(
              explore,
              request,
              ctx,
              logger.child({ explore: explore.name }),
              budget,
              deadline,
              known.get(explore.name),
            ).catch(
              // Only state calls can throw here; the lease must outlive every explore, so no
              // rejection may end the instance while others still run.
              (error: unknown): ExploreSummary => {
                logger.error({ err: error, explore: explore.name }, 'explore not exported');
                return {
                  ...emptyExplore(explore),
                  status: error instanceof ConflictError ? 'busy' : 'failed',
                  error: summarizeError(error),
                };
              },
            ),
          ),
        ),
      );
      for (const e of done)
        (e.status === 'failed' ? logger.error.bind(logger) : logger.info.bind(logger))(
          {
            explore: e.explore,
            instance: instance.name,
            status: e.status,
            rows: e.rows,
            lookerQueries: e.lookerQueries,
            watermark: e.watermark,
            ...(e.error && { error: e.error }),
          },
          'explore finished',
        );
      explores.push(...done);
    },
    async close() {
      let queryBudget: QueryBudgetReport | undefined;
      try {
        queryBudget = await recordQueryUsage(ctx, allowance, logger);
      } finally {
        if (leased) await releaseLease(ctx, logger);
        await looker.logout();
      }
      return {
        instance: instance.name,
        dataset: instance.dataset,
        status: callStatus(explores.map(exploreOutcome)).status,
        ...(queryBudget && { queryBudget }),
        explores,
      };
    },
  };
}

async function releaseLease(ctx: RunContext, logger: Logger): Promise<void> {
  await ctx.deps.state
    .releaseLease(ctx.runId)
    .catch((error: unknown) => logger.warn({ err: error }, 'lease release failed; it expires on its own'));
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
  const resolved = resolveExploreName(name);
  // The configuration was validated with the same resolver: a problem here is a bug.
  if ('problem' in resolved) throw new Error(resolved.problem);
  return resolved.explore;
}
