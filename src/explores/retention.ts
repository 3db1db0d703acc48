/**
 * What Looker keeps of the rows each table is read from, and so how often the export must
 * succeed before Looker forgets rows the archive does not hold yet. The one source for the
 * README's "How often a run must succeed" table, the preflight's `firestore.last_success`
 * warning and Terraform's `retention_alert_days` (specs hold both to it).
 *
 * Documented (Looker's "usage reports with System Activity Explores" page): History rows are
 * deleted after 90 days, and after 7 days when `history.source` is `scheduled_task`; the Event
 * table is pruned to its newest 1,000,000 rows. Nothing is documented for the other tables, so
 * they are held to the shortest documented age: the strict case.
 */
import type { ExploreDefinition } from './types.js';

export type Retention =
  /** Looker deletes rows older than `days` (the rows it forgets soonest). */
  | { kind: 'age'; days: number; keeps: string }
  /** Looker keeps only its newest `rows`: how many days that is depends on the instance. */
  | { kind: 'count'; rows: number; keeps: string }
  /** Nothing documented: held to SHORTEST_RETENTION_DAYS. */
  | { kind: 'undocumented'; keeps: string }
  /** A snapshot table: Looker serves the current state only, so a day not read is never read. */
  | { kind: 'current_state'; keeps: string };

const SCHEDULED_TASK_HISTORY_DAYS = 7;
const EVENT_ROWS = 1_000_000;

/** Tables whose source's retention Looker documents; every other one follows its mode. */
const DOCUMENTED: Readonly<Record<string, Retention>> = {
  history: {
    kind: 'age',
    days: SCHEDULED_TASK_HISTORY_DAYS,
    keeps: `runs of scheduled tasks (source scheduled_task) ${SCHEDULED_TASK_HISTORY_DAYS} days, every other run 90 days`,
  },
  event: {
    kind: 'count',
    rows: EVENT_ROWS,
    keeps: 'the newest 1,000,000 events',
  },
  // An attribute whose event was pruned has no event time and falls in no window.
  event_attribute: {
    kind: 'count',
    rows: EVENT_ROWS,
    keeps: 'the attributes of the newest 1,000,000 events (the others lose their event time)',
  },
};

/** The shortest age Looker documents for any table's rows: scheduled-task history. */
export const SHORTEST_RETENTION_DAYS = Math.min(
  ...Object.values(DOCUMENTED).flatMap((r) => (r.kind === 'age' ? [r.days] : [])),
);

export function retentionOf(explore: Pick<ExploreDefinition, 'name' | 'mode'>): Retention {
  const documented = DOCUMENTED[explore.name];
  if (documented) return documented;
  return explore.mode === 'snapshot'
    ? { kind: 'current_state', keeps: 'the current state only' }
    : {
        kind: 'undocumented',
        keeps: `what it does not document (held to ${SHORTEST_RETENTION_DAYS} days, the shortest documented)`,
      };
}

/**
 * Days Looker keeps a table's rows as far as the export can count on: the documented age, or
 * the shortest documented age where Looker prunes by count or documents nothing (an instance
 * with more than 1,000,000 / 7 events a day keeps fewer than 7 days of them: export daily).
 * A snapshot table's state is kept for the day it is read on only.
 */
export function retainedDays(retention: Retention): number {
  if (retention.kind === 'age') return retention.days;
  if (retention.kind === 'current_state') return 1;
  return SHORTEST_RETENTION_DAYS;
}

/**
 * The longest gap between two successful runs that loses no row: a run reads up to the start
 * of its UTC day, so the rows it leaves for the next run are up to a day old already. For a
 * snapshot table, every day (a day without a run has no snapshot).
 */
export function mustSucceedWithinDays(retention: Retention): number {
  return Math.max(1, retainedDays(retention) - 1);
}

/** The same for the table Looker forgets soonest: scheduled-task history. */
export const SHORTEST_MUST_SUCCEED_DAYS = SHORTEST_RETENTION_DAYS - 1;

/**
 * After how many days without a successful run the alert fires and the preflight warns: half of
 * what the shortest retention allows, so as long is left to fix the cause as went by unnoticed.
 * Terraform's `retention_alert_days` defaults to it.
 */
export const RETENTION_ALERT_DAYS = Math.floor((SHORTEST_RETENTION_DAYS - 1) / 2);
