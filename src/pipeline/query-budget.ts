/**
 * A monthly budget of Looker query calls per instance (Looker (Google Cloud core) Standard allows
 * 1,000 a month), spread evenly over the days left: each day may spend its share of what the
 * month has left, so an early day cannot starve the rest of the month. Pure: the state store
 * keeps the counts, the planner and the runs ask these functions.
 */

/** What an instance spent: this month (UTC) and, of that, today. */
export interface QueryUsage {
  /** `YYYY-MM`. */
  month: string;
  calls: number;
  /** `YYYY-MM-DD`. */
  day: string;
  dayCalls: number;
}

export interface QueryAllowance {
  /** 0: no limit. */
  limit: number;
  month: string;
  usedThisMonth: number;
  usedToday: number;
  /** Today's share of what the month had left when the day began. */
  allowanceToday: number;
  /** What today may still spend (Infinity without a limit). */
  leftToday: number;
}

/** The fewest calls an explore can take: one count and one page. */
export const MIN_EXPLORE_QUERIES = 2;

/** Usage as of `now`: counts of an earlier month or day are rolled over to zero. */
export function currentUsage(stored: QueryUsage | undefined, now: Date): QueryUsage {
  const month = now.toISOString().slice(0, 7);
  const day = now.toISOString().slice(0, 10);
  if (!stored || stored.month !== month) return { month, calls: 0, day, dayCalls: 0 };
  if (stored.day !== day) return { ...stored, day, dayCalls: 0 };
  return stored;
}

export function allowanceOf(limit: number, stored: QueryUsage | undefined, now: Date): QueryAllowance {
  const usage = currentUsage(stored, now);
  if (limit <= 0)
    return {
      limit: 0,
      month: usage.month,
      usedThisMonth: usage.calls,
      usedToday: usage.dayCalls,
      allowanceToday: Infinity,
      leftToday: Infinity,
    };
  const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const daysLeft = daysInMonth - now.getUTCDate() + 1;
  const leftAtDayStart = Math.max(0, limit - (usage.calls - usage.dayCalls));
  const allowanceToday = Math.floor(leftAtDayStart / daysLeft);
  return {
    limit,
    month: usage.month,
    usedThisMonth: usage.calls,
    usedToday: usage.dayCalls,
    allowanceToday,
    leftToday: Math.max(0, allowanceToday - usage.dayCalls),
  };
}

/** The usage after spending `calls` more at `now`. */
export function addUsage(stored: QueryUsage | undefined, calls: number, now: Date): QueryUsage {
  const usage = currentUsage(stored, now);
  return { ...usage, calls: usage.calls + calls, dayCalls: usage.dayCalls + calls };
}
