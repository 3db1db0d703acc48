import type { CloudTasksClient } from '@google-cloud/tasks';
import type { Config, LookerInstance } from '../config/index.js';
import { messageOf } from './looker.js';
import { ok, type CheckResult } from './report.js';

/** gRPC codes that a later try may pass. */
const TRANSIENT = new Set([4, 8, 10, 13, 14]);

/**
 * Fan-out mode: the instance's queue exists, runs, and lets through no more concurrent task
 * calls than Looker can serve: one at a time outside Elite System Activity.
 */
export async function checkQueue(
  tasks: CloudTasksClient,
  config: Config,
  instance: LookerInstance,
  timeoutMs: number,
): Promise<CheckResult> {
  const name = instance.queue!;
  const base = { instance: instance.name, check: 'tasks.queue' };
  let queue;
  try {
    [queue] = await tasks.getQueue({ name }, { timeout: timeoutMs });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ...base,
      status: 'failed',
      detail: `reading the Cloud Tasks queue ${name} failed: ${messageOf(error)}`,
      fix:
        code === 5
          ? `Create the queue (Terraform's fan_out = true creates one per instance), or correct TASKS_QUEUE_PREFIX / TASKS_LOCATION.`
          : code === 7
            ? `Grant the function's service account roles/cloudtasks.viewer (or enqueuer) on ${name}.`
            : 'Cloud Tasks did not answer; a transient failure passes on retry.',
      retryable: typeof code !== 'number' || TRANSIENT.has(code),
    };
  }
  const concurrent = queue.rateLimits?.maxConcurrentDispatches ?? 1000;
  const state = String(queue.state ?? 'RUNNING');
  if (state !== 'RUNNING')
    return {
      ...base,
      status: 'warning',
      detail: `queue ${name} is ${state}: its tasks wait until it runs again`,
      fix: `gcloud tasks queues resume ${name.split('/').at(-1)} --location=${name.split('/')[3]}`,
    };
  if (concurrent > 1 && !config.looker.eliteSystemActivity)
    return {
      ...base,
      status: 'failed',
      detail: `queue ${name} dispatches up to ${concurrent} tasks at once; outside Elite System Activity Looker runs one System Activity query at a time and refuses the others`,
      fix: "Set the queue's max_concurrent_dispatches to 1 (Terraform's looker_max_concurrent_queries), or ELITE_SYSTEM_ACTIVITY=true if the instance has it.",
    };
  return ok(
    'tasks.queue',
    `queue ${name} is running, at most ${concurrent} task call(s) (System Activity queries) at once`,
  );
}
