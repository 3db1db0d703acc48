/**
 * Value generators chosen from a field's facts (name, type) and its view's profile, never written
 * per explore. The conventions, in order:
 *
 * - `id`: the row number (1-based); the parent key of a child view: its parent's id.
 * - `*_id` naming a view (`referencedView`): an id of an existing row of that view; when both
 *   views have times, one at or before this row's time (shortly before for an event) (so `query_metrics.history_id`,
 *   `event_attribute.event_id`, `scheduled_job.scheduled_plan_id` always find their row).
 * - a profile hint: a value from its pool.
 * - `days_since_*`: whole days from the row's time to the clock (they grow as it moves); `*_tiers`: Looker's
 *   integer tier of the number field it names (`runtime_tiers` of `runtime`).
 * - otherwise by type: numbers (timings as seconds with decimals), yesno `Yes`/`No`, strings by
 *   name (titles and names from the tricky pools, emails, slugs and hashes, links, colours),
 *   times a little after the row's own time. Non-key values are sometimes null.
 */
import { DAY_MS, hexToken, integerTier, personName, TITLES } from './pools.js';
import type { RowContext, Scalar } from './types.js';

/** What a generator may ask of other tables (for references). */
export interface TableLookup {
  rows: number;
  hasTime: boolean;
  indexAt(time: number): number;
}

export type Generate = (row: RowContext) => Scalar;

const TIER_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90];

function sometimesNull(row: RowContext, p: number, value: Scalar): Scalar {
  return row.random.next() < p ? null : value;
}

/** A reference to a row of `target` that exists (or null when the target has no rows). */
export function referenceGenerator(
  target: TableLookup,
  ownTime: boolean,
  nullable: number,
  recent: boolean,
): Generate {
  return (row) => {
    if (target.rows === 0) return null;
    if (nullable > 0 && row.random.next() < nullable) return null;
    if (target.hasTime && ownTime) {
      const before = Math.min(target.rows, target.indexAt(row.time + 1));
      if (before === 0) return 1 + row.random.int(Math.min(target.rows, 50));
      // An event refers to a recent event (a query's metrics, a job's plan run); state rows of any age.
      return before - row.random.int(recent ? Math.min(before, 50) : before);
    }
    return 1 + row.random.int(target.rows);
  };
}

/**
 * A usage count that grows with the clock: the base value plus, per whole day from the table's end
 * to the clock, a per-row rate of 0-3 (drawn after the base, so the base never changes).
 */
export function growing(base: Generate): Generate {
  return (row) => {
    const value = base(row);
    const rate = row.random.int(4);
    const days = Math.max(0, Math.floor((row.now - row.asOf) / DAY_MS));
    return typeof value === 'number' ? value + rate * days : value;
  };
}

export function valueGenerator(
  view: string,
  field: string,
  type: string | null,
  hints: readonly Scalar[] | undefined,
  numberFields: readonly string[],
): Generate {
  if (hints && hints.length > 0) return (row) => row.random.pick(hints);
  if (type === 'time') {
    const optional = /^(deleted|expires|next_run|last_|finalized|end|completed|updated|trigger)/.test(field);
    return (row) => {
      if (optional && row.random.chance(0.2)) return null;
      const offset = row.random.int(6 * 3600) * 1000;
      return row.time + offset;
    };
  }
  if (type === 'number') {
    // Ages are as of the clock: a state row's age grows as the clock moves.
    if (/^days_since/.test(field)) return (row) => Math.max(0, Math.floor((row.now - row.time) / DAY_MS));
    if (/runtime|seconds|elapsed|minutes|_time$|average|duration|^(acquire|execute|load|prepare)/.test(field))
      return (row) => sometimesNull(row, 0.03, Math.round(row.random.next() * 30_000) / 1000);
    return (row) => sometimesNull(row, 0.03, row.random.int(1000));
  }
  if (type === 'yesno') return (row) => (row.random.chance(0.3) ? 'Yes' : 'No');
  if (type === 'tier') {
    const stem = field.replace(/_tiers?(_\d+)?$/, '');
    const source = numberFields.find((name) => name === stem || name.startsWith(stem));
    return (row) => {
      const value = source === undefined ? row.random.int(100) : row.get(source);
      return typeof value === 'number' ? integerTier(value, TIER_EDGES) : null;
    };
  }
  if (/email/.test(field))
    return (row) => {
      const { first, last } = personName(row.index);
      return `${first}.${last}.${row.index + 1}@example.com`.toLowerCase();
    };
  if (/^first_name$/.test(field)) return (row) => personName(row.index).first;
  if (/^last_name$/.test(field)) return (row) => personName(row.index).last;
  if (/title|name|description|text|message/.test(field))
    return (row) => sometimesNull(row, 0.05, row.random.pick(TITLES));
  if (/slug|hash|key|tid|token|session/.test(field)) return (row) => hexToken(row.random, 16);
  if (/link|url/.test(field)) return (row) => `/${view}/${row.index + 1}`;
  if (/color/.test(field)) return (row) => `#${hexToken(row.random, 6)}`;
  return (row) => sometimesNull(row, 0.03, `${field} ${row.random.int(20)}`);
}
