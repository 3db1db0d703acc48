/**
 * What one Cloud Task asks the task function to do, and the task's name. The name is derived
 * from the work alone (instance, explore, plan day, scope, part), so a Scheduler call delivered
 * twice, a planner retried after a partial failure, or a task that runs twice and enqueues its
 * continuation again all create a name Cloud Tasks already holds: it refuses the duplicate.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError } from '../errors.js';

export const TASK_PAYLOAD_VERSION = 1;

/** Parts one plan may chain: a guard against a continuation loop, far above any real load. */
export const MAX_PARTS = 10_000;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

const payloadSchema = z
  .object({
    v: z.literal(
      TASK_PAYLOAD_VERSION,
      `must be ${TASK_PAYLOAD_VERSION} (a task from another version of the exporter)`,
    ),
    instance: z.string().min(1).max(100),
    explore: z.string().min(1).max(100),
    /** The UTC day the plan was made: part of the name, so each day's plan is its own. */
    planDay: isoDay,
    part: z.number().int().min(1).max(MAX_PARTS),
    /**
     * A backfill's days, and where its recorded progress stood when the task was planned
     * (`resume`, the day after the last window that landed): part of the name, so a later
     * identical request continues a backfill whose chain stopped instead of being refused as a
     * duplicate, while a repeated delivery of the same plan still is.
     */
    backfill: z.object({ from: isoDay, to: isoDay, resume: isoDay.optional() }).strict().optional(),
  })
  .strict();

export type TaskPayload = z.infer<typeof payloadSchema>;

/** Validates a task call's body; throws BadRequestError naming every problem. */
export function parseTaskPayload(input: unknown): TaskPayload {
  const parsed = payloadSchema.safeParse(input);
  if (!parsed.success)
    throw new BadRequestError(
      parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `task: unknown field(s) ${issue.keys.join(', ')}`
          : `task${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
      ),
    );
  return parsed.data;
}

/**
 * `a1b2c3d4-history-20261124-daily-p1`. Cloud Tasks advises against ids that share a long
 * sequential prefix (they crowd one key range), so a short hash of the whole id leads.
 */
export function taskId(payload: TaskPayload): string {
  const day = (iso: string) => iso.replace(/-/g, '');
  const scope = payload.backfill
    ? `bf${day(payload.backfill.from)}-${day(payload.backfill.to)}${payload.backfill.resume ? `-r${day(payload.backfill.resume)}` : ''}`
    : 'daily';
  const readable = `${payload.explore}-${payload.planDay.replace(/-/g, '')}-${scope}-p${payload.part}`;
  const hash = createHash('sha256').update(`${payload.instance}\n${readable}`).digest('hex').slice(0, 8);
  return `${hash}-${readable}`;
}

/** The task that carries on where `payload` ran out of time. */
export function continuationOf(payload: TaskPayload): TaskPayload {
  return { ...payload, part: payload.part + 1 };
}
