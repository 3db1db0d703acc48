/**
 * Fan-out mode's Scheduler call: plan, do not work. One task per instance and explore goes to
 * the instance's own queue; the task function exports it. Planning asks Looker nothing (each
 * query belongs to the instance's queue, whose concurrency limit protects Looker), only the
 * state store for the month's query budget.
 */
import pLimit from 'p-limit';
import { summarizeError, type ErrorSummary } from '../errors.js';
import type { Config, LookerInstance } from '../config/index.js';
import type { ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import { backfillRange, backfillRemaining } from '../pipeline/explore.js';
import { isoDay } from '../pipeline/windows.js';
import { allowanceOf, MIN_EXPLORE_QUERIES, type QueryAllowance } from '../pipeline/query-budget.js';
import { exploresToRun, newRunId } from '../pipeline/run.js';
import type { StateStore } from '../state/store.js';
import { TASK_PAYLOAD_VERSION, taskId, type TaskPayload } from './payload.js';
import type { TaskQueue } from './queue.js';
import type { RunRequest } from '../pipeline/types.js';

export interface PlannedTask {
  instance: string;
  explore: string;
  /** The task id in the instance's queue. */
  task: string;
  /**
   * `duplicate`: a task of that name exists or ran recently (a repeated Scheduler delivery).
   * `deferred`: the monthly query budget leaves no room today. `skipped`: nothing to do
   * (a snapshot cannot be backfilled). `planned`: a dry run.
   */
  status: 'enqueued' | 'duplicate' | 'deferred' | 'skipped' | 'planned' | 'failed';
  note?: string;
  error?: ErrorSummary;
}

export interface PlanSummary {
  runId: string;
  mode: 'fan-out';
  request: 'scheduled' | 'backfill';
  planDay: string;
  dryRun: boolean;
  status: 'succeeded' | 'failed';
  /** True when every failure may pass on its own (Cloud Scheduler should retry). */
  retryable: boolean;
  /** The planner asks Looker nothing. */
  lookerQueries: 0;
  tasks: PlannedTask[];
  queryBudgets: ({ instance: string } & Omit<QueryAllowance, 'leftToday' | 'allowanceToday'> & {
      allowanceToday: number | null;
      leftToday: number | null;
    })[];
  durationMs: number;
}

export interface PlanDependencies {
  config: Config;
  logger: Logger;
  queue: TaskQueue;
  instances: readonly { instance: LookerInstance; state: StateStore }[];
  now?: () => Date;
}

export async function planFanOut(request: RunRequest, deps: PlanDependencies): Promise<PlanSummary> {
  const now = deps.now ?? (() => new Date());
  const started = Date.now();
  const runAt = now();
  const runId = newRunId(runAt);
  const logger = deps.logger.child({ runId });
  const plan: InstancePlan = {
    request,
    selected: exploresToRun(request, deps.config),
    planDay: runAt.toISOString().slice(0, 10),
    runAt,
    queue: deps.queue,
    enqueueLimit: pLimit(8),
    logger,
  };
  const planned = await Promise.all(deps.instances.map((instance) => planInstance(instance, plan)));
  const tasks = planned.flatMap((p) => p.tasks);
  const failed = tasks.filter((t) => t.status === 'failed');
  const summary: PlanSummary = {
    runId,
    mode: 'fan-out',
    request: request.backfill ? 'backfill' : 'scheduled',
    planDay: plan.planDay,
    dryRun: request.dryRun,
    status: failed.length ? 'failed' : 'succeeded',
    retryable: failed.every((t) => t.error?.transient ?? true),
    lookerQueries: 0,
    tasks,
    queryBudgets: planned.flatMap((p) => (p.queryBudget ? [p.queryBudget] : [])),
    durationMs: Date.now() - started,
  };
  const counts = Object.fromEntries(
    ['enqueued', 'duplicate', 'deferred', 'skipped', 'planned', 'failed'].map((s) => [
      s,
      tasks.filter((t) => t.status === s).length,
    ]),
  );
  (failed.length ? logger.error.bind(logger) : logger.info.bind(logger))(
    { status: summary.status, tasks: counts, planDay: plan.planDay, summary },
    `fan-out plan ${summary.status}: ${counts.enqueued} enqueued, ${counts.duplicate} already queued, ${counts.deferred} deferred`,
  );
  return summary;
}

/** What planning one instance needs of the call. */
interface InstancePlan {
  request: RunRequest;
  selected: readonly ExploreDefinition[];
  planDay: string;
  runAt: Date;
  queue: TaskQueue;
  enqueueLimit: ReturnType<typeof pLimit>;
  logger: Logger;
}

/**
 * One instance's tasks, in run order: a backfill's resume point read first (a finished one is
 * skipped), then the month's query allowance spent explore by explore (what it cannot cover is
 * deferred), then each task enqueued.
 */
async function planInstance(
  { instance, state }: PlanDependencies['instances'][number],
  plan: InstancePlan,
): Promise<{ tasks: PlannedTask[]; queryBudget?: PlanSummary['queryBudgets'][number] }> {
  const { request } = plan;
  const backfill = request.backfill && backfillRange(request.backfill);
  const entries = plan.selected.map((explore) => {
    const payload: TaskPayload = {
      v: TASK_PAYLOAD_VERSION,
      instance: instance.name,
      explore: explore.name,
      planDay: plan.planDay,
      part: 1,
      ...(backfill && { backfill: { ...backfill } }),
    };
    const task: PlannedTask = {
      instance: instance.name,
      explore: explore.name,
      task: taskId(payload),
      status: 'planned',
    };
    return { explore, payload, task };
  });
  const tasks = entries.map((e) => e.task);
  let allowance: QueryAllowance;
  try {
    allowance = allowanceOf(instance.monthlyQueryBudget, await state.readQueryUsage(), plan.runAt);
    await Promise.all(
      entries.map(async ({ explore, payload, task }) => {
        const skip = skipReason(explore, request);
        if (skip) return Object.assign(task, { status: 'skipped', note: skip });
        if (!payload.backfill || !request.backfill) return;
        // A backfill resumes after what of it landed; a finished one needs no task.
        const progress = await state.readProgress(explore.name, backfill);
        const left = backfillRemaining(request.backfill, progress);
        if (left.start! >= left.end)
          return Object.assign(task, {
            status: 'skipped',
            note: 'this backfill is complete: every window of it landed',
          });
        if (progress.watermark) payload.backfill.resume = isoDay(left.start!);
        task.task = taskId(payload);
      }),
    );
  } catch (error) {
    for (const task of tasks) Object.assign(task, { status: 'failed', error: summarizeError(error) });
    return { tasks };
  }
  let left = allowance.leftToday;
  const enqueued: Promise<unknown>[] = [];
  for (const { payload, task } of entries) {
    if (task.status !== 'planned') continue;
    if (left < MIN_EXPLORE_QUERIES) {
      Object.assign(task, {
        status: 'deferred',
        note: `the monthly Looker query budget leaves ${left} call(s) today (an explore takes at least ${MIN_EXPLORE_QUERIES})`,
      });
      continue;
    }
    left -= MIN_EXPLORE_QUERIES;
    if (request.dryRun) continue;
    enqueued.push(
      plan.enqueueLimit(async () => {
        try {
          task.status = await plan.queue.enqueue(instance.queue!, payload);
        } catch (error) {
          task.status = 'failed';
          task.error = summarizeError(error);
          plan.logger.error(
            { err: error, task: task.task, instance: instance.name },
            'enqueuing a task failed',
          );
        }
      }),
    );
  }
  await Promise.all(enqueued);
  return {
    tasks,
    queryBudget: {
      instance: instance.name,
      ...allowance,
      allowanceToday: finite(allowance.allowanceToday),
      leftToday: finite(allowance.leftToday),
    },
  };
}

/** 200 when every task is queued (or need not be), 503 to have Scheduler retry, 500 otherwise. */
export function planStatusCode(summary: PlanSummary): number {
  if (summary.status === 'failed') return summary.retryable ? 503 : 500;
  return 200;
}

function skipReason(explore: ExploreDefinition, request: RunRequest): string | undefined {
  if (request.backfill && explore.mode === 'snapshot')
    return 'a snapshot explore holds current state only: past days cannot be backfilled';
  return undefined;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}
