/**
 * The subset of Looker's filter expressions the fake understands (per Looker's
 * "Looker filter expressions" docs and @looker/filter-expressions): enough for time windows and
 * simple equality. Anything else is refused, loudly, rather than silently matching everything.
 */
const DAY = 86_400_000;

export class FilterSyntaxError extends Error {}

export interface TimeRange {
  from: number;
  to: number;
  /** `NULL` / `-NULL` filters: match only null / only non-null values. */
  nulls?: 'only' | 'none';
}

const DATE_TIME = String.raw`(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?`;

function parseMoment(text: string): { ms: number; dateOnly: boolean } {
  const match = new RegExp(`^${DATE_TIME}$`).exec(text.trim());
  if (!match) throw new FilterSyntaxError(`not a date or time: "${text}"`);
  const [, y, mo, d, h, mi, s] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  if (Number.isNaN(ms)) throw new FilterSyntaxError(`not a date or time: "${text}"`);
  return { ms, dateOnly: h === undefined };
}

/** A time-field filter expression as a half-open range of epoch ms, relative to `now` for relative forms. */
export function parseTimeFilter(expression: string, now: number): TimeRange {
  const text = expression.trim().toLowerCase();
  const today = now - (now % DAY);
  if (text === 'null') return { from: -Infinity, to: Infinity, nulls: 'only' };
  if (text === '-null' || text === 'not null') return { from: -Infinity, to: Infinity, nulls: 'none' };
  if (text === 'today') return { from: today, to: today + DAY };
  if (text === 'yesterday') return { from: today - DAY, to: today };
  let match = /^(\d+) days? ago$/.exec(text);
  if (match) return { from: today - Number(match[1]) * DAY, to: today - Number(match[1]) * DAY + DAY };
  match = /^(?:last )?(\d+) days?$/.exec(text);
  if (match) return { from: today - (Number(match[1]) - 1) * DAY, to: today + DAY };
  match = /^after (.+)$/.exec(text);
  if (match) return { from: parseMoment(match[1]!).ms, to: Infinity };
  match = /^before (.+)$/.exec(text);
  if (match) return { from: -Infinity, to: parseMoment(match[1]!).ms };
  match = /^(.+?) to (.+)$/.exec(text);
  if (match) {
    const from = parseMoment(match[1]!).ms;
    const to = parseMoment(match[2]!).ms;
    if (to < from) throw new FilterSyntaxError(`range ends before it starts: "${expression}"`);
    return { from, to };
  }
  const single = parseMoment(text);
  return single.dateOnly
    ? { from: single.ms, to: single.ms + DAY }
    : { from: single.ms, to: single.ms + 1000 };
}

/** A string/number filter: `a`, `a,b`, `-a` (not a), `NULL`, `-NULL`. */
export function valueMatcher(expression: string): (value: unknown) => boolean {
  const terms = expression.split(',').map((t) => t.trim());
  const includes = terms.filter((t) => !t.startsWith('-'));
  const excludes = terms.filter((t) => t.startsWith('-')).map((t) => t.slice(1));
  const matches = (value: unknown, term: string) =>
    term.toUpperCase() === 'NULL' ? value === null : value !== null && String(value) === term;
  return (value) =>
    (includes.length === 0 || includes.some((t) => matches(value, t))) &&
    !excludes.some((t) => matches(value, t));
}
