/**
 * The part of Looker's filter expression language the fake understands (per Looker's "Looker
 * filter expressions" reference and `@looker/filter-expressions`). Anything outside it throws
 * `FilterSyntaxError`, which the server answers with 422, rather than silently matching
 * everything. Time expressions are read in UTC.
 */
import { addUnits, DAY, SECOND, truncate, type TimeUnit } from './time.js';

export class FilterSyntaxError extends Error {}

/** A time filter: values in `[from, to)`, or only nulls. */
export interface TimeRange {
  from: number;
  to: number;
  onlyNulls?: boolean;
}

const UNITS: Record<string, TimeUnit> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};
const UNIT = String.raw`(second|minute|hour|day|week|month|quarter|year)s?`;

function unitOf(word: string): TimeUnit {
  return UNITS[word.replace(/s$/, '')]!;
}

/** An absolute moment with the granularity it was written in: `2026`, `2026-11`, `2026/11/20 13:05`... */
function absolutePeriod(text: string): TimeRange | undefined {
  const match =
    /^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2})(?:[ t](\d{1,2})(?::(\d{2})(?::(\d{2}))?)?)?)?)?$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const parts = [+y!, mo ? +mo - 1 : 0, d ? +d : 1, h ? +h : 0, mi ? +mi : 0, s ? +s : 0] as const;
  const from = Date.UTC(...parts);
  const check = new Date(from);
  if (
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1] ||
    check.getUTCDate() !== parts[2] ||
    parts[3] > 23
  )
    throw new FilterSyntaxError(`"${text}" is not a valid date or time`);
  const unit: TimeUnit = s ? 'second' : mi ? 'minute' : h ? 'hour' : d ? 'day' : mo ? 'month' : 'year';
  return { from, to: addUnits(from, unit, 1) };
}

/** A period relative to `now`: `today`, `3 days ago`, `last week`, `7 days`, `2 complete weeks`... */
function relativePeriod(text: string, now: number): TimeRange | undefined {
  if (text === 'now') return { from: now - (now % SECOND), to: now - (now % SECOND) + SECOND };
  const today = truncate(now, 'day');
  if (text === 'today') return { from: today, to: today + DAY };
  if (text === 'yesterday') return { from: today - DAY, to: today };
  if (text === 'tomorrow') return { from: today + DAY, to: today + 2 * DAY };
  let match = new RegExp(`^(this|last|next) ${UNIT}$`).exec(text);
  if (match) {
    const unit = unitOf(match[2]!);
    const start = addUnits(truncate(now, unit), unit, { this: 0, last: -1, next: 1 }[match[1]!]!);
    return { from: start, to: addUnits(start, unit, 1) };
  }
  match = new RegExp(`^(\\d+) ${UNIT} (ago|from now)$`).exec(text);
  if (match) {
    const unit = unitOf(match[2]!);
    const start = addUnits(truncate(now, unit), unit, (match[3] === 'ago' ? -1 : 1) * +match[1]!);
    return { from: start, to: addUnits(start, unit, 1) };
  }
  match = new RegExp(`^(?:last )?(\\d+) (complete )?${UNIT}$`).exec(text);
  if (match) {
    const unit = unitOf(match[3]!);
    const current = truncate(now, unit);
    const count = +match[1]!;
    if (match[2]) return { from: addUnits(current, unit, -count), to: current };
    return {
      from: addUnits(current, unit, 1 - count),
      to: addUnits(current, unit, 1),
    };
  }
  return undefined;
}

function period(text: string, now: number): TimeRange {
  const range = absolutePeriod(text) ?? relativePeriod(text, now);
  if (!range) throw new FilterSyntaxError(`unrecognised time expression "${text}"`);
  return range;
}

/**
 * A time filter expression as a half-open range of epoch ms. `A to B` starts at the start of A
 * and ends before the start of B; `after A` includes A; `before A` excludes it; a lone period
 * (`2026-11-20`, `yesterday`, `3 days ago`) is that whole period.
 */
export function parseTimeFilter(expression: string, now: number): TimeRange {
  const text = expression.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return { from: -Infinity, to: Infinity };
  if (text === 'null') return { from: -Infinity, to: Infinity, onlyNulls: true };
  if (text === '-null' || text === 'not null') return { from: -Infinity, to: Infinity };
  if (text.includes(','))
    throw new FilterSyntaxError(`lists of time expressions are not supported: "${expression}"`);
  let match = /^after (.+)$/.exec(text);
  if (match) return { from: period(match[1]!, now).from, to: Infinity };
  match = /^before (.+)$/.exec(text);
  if (match) return { from: -Infinity, to: period(match[1]!, now).from };
  match = /^(.+?) to (.+)$/.exec(text);
  if (match) {
    const from = period(match[1]!, now).from;
    const to = period(match[2]!, now).from;
    if (to < from) throw new FilterSyntaxError(`"${expression}" ends before it starts`);
    return { from, to };
  }
  match = new RegExp(`^(.+) for (\\d+) ${UNIT}$`).exec(text);
  if (match) {
    const from = period(match[1]!, now).from;
    return { from, to: addUnits(from, unitOf(match[3]!), +match[2]!) };
  }
  return period(text, now);
}

/**
 * Splits on commas that are not escaped with `^` and, for numbers, not inside brackets (intervals
 * such as `[5,10)`); brackets in a string are plain characters (`-Sales (EMEA,-x` is two terms).
 */
function splitTerms(expression: string, brackets = true): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i]!;
    if (char === '^' && i + 1 < expression.length) {
      current += char + expression[++i];
      continue;
    }
    if (brackets && (char === '[' || char === '(')) depth++;
    if (brackets && (char === ']' || char === ')')) depth--;
    if (char === ',' && depth <= 0) {
      terms.push(current.trim());
      current = '';
    } else current += char;
  }
  terms.push(current.trim());
  return terms.filter((term) => term !== '');
}

/** Included terms are ORed, excluded ones ANDed, as Looker combines them. */
function combine<T>(include: ((v: T) => boolean)[], exclude: ((v: T) => boolean)[]): (v: T) => boolean {
  return (value) =>
    (include.length === 0 || include.some((test) => test(value))) && !exclude.some((test) => test(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A string filter: `foo`, `foo,bar`, `-foo`, `foo%` / `%foo%` / `f_o` (LIKE wildcards), `EMPTY`,
 * `NULL`, `-NULL`, `^` escapes (`^,` `^%` `^_` `^-` `^^`). Matching is case-sensitive (LookML's
 * `case_sensitive: yes` default on most dialects).
 *
 * Included terms are ORed, negated ones ANDed. A negated term keeps NULLs, as Looker writes
 * `-foo` as `(x <> 'foo' OR x IS NULL)` and `-%foo%` as `(x NOT LIKE '%foo%' OR x IS NULL)`:
 * only `-NULL` and `-EMPTY` (empty or null) drop them.
 */
export function stringMatcher(expression: string): (value: string | null) => boolean {
  const include: ((v: string | null) => boolean)[] = [];
  const exclude: ((v: string | null) => boolean)[] = [];
  for (let term of splitTerms(expression, false)) {
    const negated = term.startsWith('-');
    if (negated) term = term.slice(1);
    let test: (v: string | null) => boolean;
    if (term.toUpperCase() === 'NULL') test = (v) => v === null;
    else if (term.toUpperCase() === 'EMPTY') test = (v) => v === null || v === '';
    else {
      let pattern = '';
      let wildcard = false;
      for (let i = 0; i < term.length; i++) {
        const char = term[i]!;
        if (char === '^' && i + 1 < term.length) pattern += escapeRegExp(term[++i]!);
        else if (char === '%' || char === '_') {
          pattern += char === '%' ? '[\\s\\S]*' : '[\\s\\S]';
          wildcard = true;
        } else pattern += escapeRegExp(char);
      }
      if (wildcard) {
        const regex = new RegExp(`^${pattern}$`);
        test = (v) => v !== null && regex.test(v);
      } else {
        const literal = term.replace(/\^(.)/g, '$1');
        test = (v) => v === literal;
      }
    }
    (negated ? exclude : include).push(test);
  }
  return combine(include, exclude);
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?)`;
/** An interval end: a number, `inf` / `-inf`, or nothing (unbounded). */
const BOUND = String.raw`(-?\d+(?:\.\d+)?|-?inf)?`;

function bound(text: string | undefined, unbounded: number): number {
  if (text === undefined || /^-?inf$/i.test(text)) return unbounded;
  return +text;
}

function numberTerm(term: string): ((v: number | null) => boolean) | undefined {
  // `>10 AND <=20 OR 90`: OR of ANDs, as the docs combine them.
  const alternatives = term.split(/\s+or\s+/i);
  if (alternatives.length > 1) {
    const tests = alternatives.map((part) => numberTerm(part.trim()));
    return tests.every(Boolean) ? (v) => tests.some((test) => test!(v)) : undefined;
  }
  const parts = term.split(/\s+and\s+/i);
  if (parts.length > 1) {
    const tests = parts.map((part) => numberTerm(part.trim()));
    return tests.every(Boolean) ? (v) => tests.every((test) => test!(v)) : undefined;
  }
  let match = new RegExp(`^(>=|<=|>|<|=)?\\s*${NUMBER}$`).exec(term);
  if (match) {
    const n = +match[2]!;
    const op = match[1] ?? '=';
    return (v) =>
      v !== null &&
      (op === '>' ? v > n : op === '>=' ? v >= n : op === '<' ? v < n : op === '<=' ? v <= n : v === n);
  }
  // `5 to 10`, `1 to` (1 or more), `to 10` (10 or less): inclusive.
  match = new RegExp(`^${NUMBER}?\\s*\\bto\\b\\s*${NUMBER}?$`, 'i').exec(term);
  if (match && (match[1] !== undefined || match[2] !== undefined)) {
    const [low, high] = [bound(match[1], -Infinity), bound(match[2], Infinity)];
    return (v) => v !== null && v >= low && v <= high;
  }
  // `[5,10)`, `(500, inf)`, `(500,)`, `(,10]`: infinity is always open.
  match = new RegExp(`^([[(])\\s*${BOUND}\\s*,\\s*${BOUND}\\s*([\\])])$`, 'i').exec(term);
  if (match) {
    const [open, low, high, close] = [
      match[1],
      bound(match[2], -Infinity),
      bound(match[3], Infinity),
      match[4],
    ];
    return (v) =>
      v !== null &&
      (open === '[' && low !== -Infinity ? v >= low : v > low) &&
      (close === ']' && high !== Infinity ? v <= high : v < high);
  }
  return undefined;
}

/**
 * A number filter: `5`, `5,7`, `>5`, `>=5 AND <10`, `>10 AND <=20 OR 90`, `5 to 10` / `1 to` /
 * `to 10` (inclusive), `[5,10)` / `(500,inf)` intervals, `NOT 5` / `<>5` / `!=5`, `NULL`,
 * `NOT NULL`. `-5` is the number minus five, never a negation (that is the string syntax).
 *
 * Negation follows Looker's documented rule: when only the first term is negated, the whole list
 * is (`NOT 66, 99, 4` is none of the three); otherwise each `NOT` term is excluded on its own
 * (`5, NOT 6, NOT 7`). Excluded terms never exclude NULL (only `NOT NULL` does): Looker writes a
 * negation as `NOT (...) OR x IS NULL`, which is why the docs say `NOT >1, 2, <100` becomes `IS NULL`.
 */
export function numberMatcher(expression: string): (value: number | null) => boolean {
  const terms = splitTerms(expression).map((raw) => {
    const not = /^(?:not\s+|<>\s*|!=\s*)(.+)$/i.exec(raw);
    return { raw, negated: not !== null, term: not ? not[1]!.trim() : raw };
  });
  const negateAll = terms.length > 1 && terms[0]!.negated && terms.slice(1).every((t) => !t.negated);
  const include: ((v: number | null) => boolean)[] = [];
  const exclude: ((v: number | null) => boolean)[] = [];
  for (const { raw, negated, term } of terms) {
    let test: ((v: number | null) => boolean) | undefined;
    if (term.toUpperCase() === 'NULL') test = (v) => v === null;
    else test = numberTerm(term);
    if (!test) throw new FilterSyntaxError(`"${raw}" is not a number filter`);
    (negated || negateAll ? exclude : include).push(test);
  }
  return combine(include, exclude);
}

/** A yesno filter: `Yes` or `No` (any case). */
export function yesnoMatcher(expression: string): (value: string | null) => boolean {
  const text = expression.trim().toLowerCase();
  if (text !== 'yes' && text !== 'no') throw new FilterSyntaxError(`"${expression}" is not Yes or No`);
  const wanted = text === 'yes' ? 'Yes' : 'No';
  return (value) => value === wanted;
}
