/**
 * UTC calendar arithmetic and Looker's time formats (`YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`,
 * `YYYY-MM`), written for speed: the generator formats one time per row, millions of times.
 */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type TimeUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

const PAD2 = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

let cachedDay = NaN;
let cachedDayText = '';

/** `YYYY-MM-DD` of the UTC day holding `ms`; the last day is cached since rows arrive in time order. */
export function formatDate(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * DAY).toISOString().slice(0, 10);
  }
  return cachedDayText;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the form Looker's json results and filters use. */
export function formatTime(ms: number): string {
  const date = formatDate(ms);
  let rest = Math.floor((ms - cachedDay * DAY) / SECOND);
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  return `${date} ${PAD2[(rest - minutes) / 60]}:${PAD2[minutes]}:${PAD2[seconds]}`;
}

/** Parses `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`, UTC) to epoch ms; NaN when it is not one. */
export function parseLookerTime(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s] = match;
  return Date.UTC(+y!, +mo! - 1, +d!, +(h ?? 0), +(mi ?? 0), +(s ?? 0));
}

/** Start of the `unit` holding `ms` (weeks start on Monday, Looker's default `week_start_day`). */
export function truncate(ms: number, unit: TimeUnit): number {
  const date = new Date(ms);
  switch (unit) {
    case 'second':
      return Math.floor(ms / SECOND) * SECOND;
    case 'minute':
      return Math.floor(ms / MINUTE) * MINUTE;
    case 'hour':
      return Math.floor(ms / HOUR) * HOUR;
    case 'day':
      return Math.floor(ms / DAY) * DAY;
    case 'week': {
      const day = Math.floor(ms / DAY) * DAY;
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    }
    case 'month':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    case 'quarter':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - (date.getUTCMonth() % 3), 1);
    case 'year':
      return Date.UTC(date.getUTCFullYear(), 0, 1);
  }
}

/** `ms` moved by `count` units (calendar months and years, not fixed lengths). */
export function addUnits(ms: number, unit: TimeUnit, count: number): number {
  const fixed = {
    second: SECOND,
    minute: MINUTE,
    hour: HOUR,
    day: DAY,
    week: 7 * DAY,
  } as const;
  if (unit in fixed) return ms + count * fixed[unit as keyof typeof fixed];
  const date = new Date(ms);
  const months = unit === 'year' ? 12 * count : unit === 'quarter' ? 3 * count : count;
  return Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth() + months,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
}
