/**
 * Fan-out mode's task call: one explore of one instance, through the same run path as a
 * single call (plan, read, stage, write, verify, record), within the run budget. When the
 * budget runs out first, the task enqueues its continuation (the next part of the same plan)
 * before it answers, so the work goes on in a fresh call; the continuation starts from the
 * recorded watermark, whatever this task managed.
 */
import { BadRequestError } from '../errors.js';
import { resolveExploreName } from '../explores/discovered.js';
import type { Logger } from '../log.js';
import { instanceOutcomes } from '../pipeline/outcome.js';
import { continuationOf, MAX_PARTS, taskId, type TaskPayload } from './payload.js';
import type { EnqueueOutcome, TaskQueue } from './queue.js';
import type { RunRequest, RunSummary } from '../pipeline/types.js';

export interface TaskResult {
  task: string;
  /**
   * `done`: nothing left for this plan. `continued`: the budget ran out and the next part is
   * queued. `busy`: another task of this explore holds its lease (the queue retries later).
   * `retry`: a transient failure (the queue retries). `failed`: a failure no retry fixes; the
   * queue must not retry it (each retry would spend Looker queries), tomorrow's plan repeats it.
   */
  status: 'done' | 'continued' | 'busy' | 'retry' | 'failed';
  continuation?: { task: string; status: EnqueueOutcome };
  summary: RunSummary;
}

export interface WorkerDependencies {
  /** Runs the export of one instance (the same path single-call mode runs). */
  run: (request: RunRequest, instance: string) => Promise<RunSummary>;
  queue: TaskQueue;
  queueOf: (instance: string) => string | undefined;
  logger: Logger;
}

export async function runTask(payload: TaskPayload, deps: WorkerDependencies): Promise<TaskResult> {
  const id = taskId(payload);
  const queue = deps.queueOf(payload.instance);
  const resolved = resolveExploreName(payload.explore);
  const explore = 'explore' in resolved ? resolved.explore : undefined;
  const problems = [
    ...(queue ? [] : [`task.instance: "${payload.instance}" is not an instance this deployment exports`]),
    ...('problem' in resolved ? [`task.explore: ${resolved.problem}`] : []),
  ];
  if (problems.length) throw new BadRequestError(problems);
  const backfill = payload.backfill && {
    from: new Date(`${payload.backfill.from}T00:00:00Z`),
    to: new Date(`${payload.backfill.to}T00:00:00Z`),
  };
  const summary = await deps.run({ explores: [explore!], backfill, dryRun: false }, payload.instance);
  const result: TaskResult = { task: id, status: statusOf(summary), summary };
  if (result.status === 'retry' && summary.instances[0]?.explores[0]?.outOfTime)
    deps.logger.warn(
      { task: id },
      `task ${id}: its first window outlived the run budget and its grace; if this repeats, lower WINDOW_MAX_ROWS or raise RUN_BUDGET_SECONDS (and the dispatch deadline)`,
    );
  if (result.status === 'continued') {
    if (payload.part >= MAX_PARTS) {
      deps.logger.error(
        { task: id },
        `task ${id} is part ${payload.part} of its plan, the most one plan may chain; tomorrow's plan goes on`,
      );
      result.status = 'done';
      return result;
    }
    const next = continuationOf(payload);
    // A failure here throws: the call answers 503 and the queue runs this part again, which
    // picks up from the recorded watermark and enqueues the continuation then.
    result.continuation = { task: taskId(next), status: await deps.queue.enqueue(queue!, next) };
    deps.logger.info(
      { task: id, continuation: result.continuation },
      `task ${id} ran out of budget; part ${next.part} carries on`,
    );
  }
  return result;
}

function statusOf(summary: RunSummary): TaskResult['status'] {
  const explore = summary.instances[0]?.explores[0];
  // Out of time with windows landed: the next part goes on from them (a retry of this part
  // would do the same, but spend one of the task's limited attempts on every long load).
  if (explore?.outOfTime)
    return explore.windows.some((w) => w.status === 'loaded' || w.status === 'empty') ? 'continued' : 'retry';
  const outcomes = summary.instances.flatMap(instanceOutcomes);
  if (outcomes.includes('transient') || outcomes.includes('snapshot-missed')) return 'retry';
  if (outcomes.includes('busy')) return 'busy';
  if (outcomes.includes('terminal')) return 'failed';
  // `partial` or `skipped` by time: the next part goes on; `deferred` waits for tomorrow.
  if (explore?.status === 'partial' || explore?.status === 'skipped') return 'continued';
  return 'done';
}

/**
 * The status a task call answers: Cloud Tasks retries every answer outside 2xx, so only what
 * may pass later gets one (409 busy, 503 transient); terminal failures answer 200 and are
 * reported by an ERROR log (and the failed-run alert).
 */
export function taskStatusCode(result: TaskResult): number {
  switch (result.status) {
    case 'busy':
      return 409;
    case 'retry':
      return 503;
    default:
      return 200;
  }
}
