/**
 * The pager: which page of a window (or snapshot) to ask Looker for next, from what the pages so
 * far showed, and when the read is proven complete. Pure: no I/O, no clock, no Looker syntax
 * (`extract.ts` renders a request as Looker filters).
 *
 * A read is sorted by its *levels*: the cursor time (incremental tables), then the primary key's
 * columns. A page Looker may have cut short (it returned as many rows as the limit allowed, or
 * fewer than Looker counted) is continued after its last row without re-reading what came
 * before it: on a range level (a time or a number) the next page starts at the last row's value;
 * on a string level, which Looker cannot filter by range, the values already read are excluded.
 * Rows of the last row's group (same value) that a page already staged come back once more and
 * are skipped by key. When a whole page is one group (one second holding more rows than a page),
 * the pager descends: it fixes that value and pages by the next level inside it, then goes on
 * after the group. Each row is staged once; each continued page is a query not sent before.
 *
 * Looker's cap is silent (a user without `download_without_limit` gets at most N rows, whatever
 * the limit asks). A page shorter than its limit proves its range complete only when the limit
 * is known to be within the cap: Looker once returned that many rows, or the operator declared
 * the cap (`LOOKER_ROW_CAP`). Otherwise a short page is continued with its own size as the limit
 * (that many rows did arrive, so the cap is at least that), and the next short or empty page
 * proves it. A read without an explicit limit is proven by Looker's count instead: exactly the
 * rows counted arrived (more means rows came after the count, and a cap may have cut them). Rows that vanish between the count and the read (deleted users, ended sessions) are
 * therefore never taken for a cap: the empty page after the last row shows the read complete.
 */
import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';

/** One column of the read's sort order, and how Looker can filter it. */
export interface OrderLevel {
  /** The Looker field (`view.field`). */
  field: string;
  /**
   * `time`: a cursor time, by the second; `date`: a day (`YYYY-MM-DD`); `number`: range filters;
   * `string`: equality and exclusion only.
   */
  kind: 'time' | 'date' | 'number' | 'string';
  /**
   * False when Looker never sends NULL here (a primary key the model declares): a group paged by
   * range at this level then needs no extra page for NULLs, which no range returns.
   */
  nullable?: boolean;
}

/** A level's value in a row: a second (`YYYY-MM-DD HH:MM:SS`), a day, a number, a string; null when Looker has none. */
export type LevelValue = string | number | null;

/** Strings excluded at one level before the read gives up (a filter Looker is sent grows with it). */
export const MAX_EXCLUDED_VALUES = 1000;

/** One level of the read being paged: earlier levels are fixed to one value each. */
interface Frame {
  depth: number;
  /** Values of `levels[0..depth)`, fixed for every page of this frame. */
  fixed: readonly LevelValue[];
  /** Range levels: the page starts at this value (`inclusive`) or after it. */
  from?: { value: LevelValue; inclusive: boolean };
  /** String levels: values whose rows are all read. */
  excluded: readonly LevelValue[];
  /** Keys of rows the next page may send again (the boundary group, staged already). */
  skip: readonly string[];
  /**
   * A range level inside a group: its NULLs, which no range returns, may sort after the
   * values paged (no page showed them first). Read them (`IS NULL`) when the frame is done.
   */
  nullsLeft?: boolean;
}

export interface PagerState {
  readonly levels: readonly OrderLevel[];
  readonly frames: readonly Frame[];
  /** The page size asked for; undefined: every row (`limit: -1`). */
  readonly limit?: number;
  /**
   * Why the limit is within Looker's cap: Looker returned that many rows once (`seen`), or the
   * operator declared the cap (`declared`, trusted while the rows read agree with the count).
   */
  readonly limitTrusted: 'seen' | 'declared' | false;
  /** Rows Looker counted at the table's grain; null: no count (pages prove the read). */
  readonly counted: number | null;
  /** Rows read for the first time (staged, or left out as the exporter's own). */
  readonly read: number;
  readonly pages: number;
  /** How the read was proven complete, once it is. */
  readonly proof?: 'count' | 'short-page';
  readonly done: boolean;
  /** Why the last page was continued (for the log). */
  readonly reason?: string;
}

export interface PagerOptions {
  levels: readonly OrderLevel[];
  counted: number | null;
  /** `LOOKER_ROW_CAP`: Looker's declared cap; 0 or undefined: unknown. */
  declaredCap?: number;
}

export function startPager(options: PagerOptions): PagerState {
  if (options.levels.length === 0) throw new Error('a read needs at least one level to sort and page by');
  const declared = options.declaredCap && options.declaredCap > 0 ? options.declaredCap : undefined;
  return {
    levels: options.levels,
    frames: [{ depth: 0, fixed: [], excluded: [], skip: [] }],
    // Without a count only a page shorter than an explicit limit can prove the read.
    limit: declared,
    limitTrusted: declared === undefined ? false : 'declared',
    counted: options.counted,
    read: 0,
    pages: 0,
    done: false,
  };
}

/** The next page to ask for: fixed levels, the constraint at the paged level, the limit, the keys to skip. */
export interface PageRequest {
  depth: number;
  /** Equality on `levels[i]` for each fixed value. */
  fixed: readonly { level: OrderLevel; value: LevelValue }[];
  /** The paged level and its constraint. */
  level: OrderLevel;
  from?: { value: LevelValue; inclusive: boolean };
  excluded: readonly LevelValue[];
  /** Sort order: the paged level and the levels after it. */
  sorts: readonly string[];
  limit?: number;
  /** Row keys already staged: rows with these keys are not staged again. */
  skip: ReadonlySet<string>;
}

export function pageRequest(state: PagerState): PageRequest {
  if (state.done) throw new Error('the read is complete: there is no next page');
  const frame = state.frames.at(-1)!;
  return {
    depth: frame.depth,
    fixed: frame.fixed.map((value, i) => ({ level: state.levels[i]!, value })),
    level: state.levels[frame.depth]!,
    from: frame.from,
    excluded: frame.excluded,
    sorts: state.levels.slice(frame.depth).map((level) => level.field),
    limit: state.limit,
    skip: new Set(frame.skip),
  };
}

/** What a page showed, gathered row by row by a `PageObserver`. */
export interface PageSummary {
  /** Rows Looker sent, the skipped ones included. */
  sent: number;
  /** Rows not skipped: read for the first time. */
  fresh: number;
  /** The last row's level values. */
  last?: readonly LevelValue[];
  /** Every row had the last row's value at the paged level. */
  oneGroup: boolean;
  /** Keys of the rows sharing the last row's values up to the paged level (its group). */
  groupKeys: readonly string[];
  /** Keys of the rows sharing the last row's values up to the level after it (its subgroup). */
  subgroupKeys: readonly string[];
  /** Distinct values at the paged level other than the last row's (string levels; a range level's NULL only). */
  passedValues: readonly LevelValue[];
  /** Distinct values at the next level inside the last group, other than the last row's (likewise). */
  passedSubValues: readonly LevelValue[];
  /** Keys of the request's skip set the page did not send: staged rows that rows added ahead pushed on. */
  unsent: readonly string[];
}

/**
 * Watches one page's rows as they stream (every row Looker sent, in order), answers whether each
 * was staged by an earlier page, and sums the page up for `nextPage`. Memory: the keys of the
 * last group and the distinct values of string levels, never the rows.
 */
export class PageObserver {
  private sent = 0;
  private fresh = 0;
  private last?: LevelValue[];
  private oneGroup = true;
  private groupKeys: string[] = [];
  private subgroupKeys: string[] = [];
  private readonly passed = new Set<string>();
  private readonly passedValues: LevelValue[] = [];
  private subPassed = new Set<string>();
  private subPassedValues: LevelValue[] = [];
  private readonly skipped = new Set<string>();

  constructor(
    private readonly request: PageRequest,
    private readonly levels: readonly OrderLevel[],
    private readonly keyOf: (row: Record<string, unknown>) => string,
  ) {}

  /** Records a row; true when an earlier page already staged it. */
  observe(row: Record<string, unknown>): boolean {
    const values = this.levels.map((level) => levelValue(level, row[level.field]));
    const key = this.keyOf(row);
    const depth = this.request.depth;
    const sameGroup = this.last !== undefined && this.last[depth] === values[depth];
    const sameSub = sameGroup && (depth + 1 >= values.length || this.last![depth + 1] === values[depth + 1]);
    if (this.last !== undefined && !sameGroup) {
      this.oneGroup = false;
      this.remember(this.passed, this.passedValues, this.last[depth], this.levels[depth]);
      this.groupKeys = [];
      this.subPassed = new Set();
      this.subPassedValues = [];
    }
    if (this.last !== undefined && !sameSub) {
      if (sameGroup && depth + 1 < values.length)
        this.remember(this.subPassed, this.subPassedValues, this.last[depth + 1], this.levels[depth + 1]);
      this.subgroupKeys = [];
    }
    this.groupKeys.push(key);
    this.subgroupKeys.push(key);
    this.last = values;
    this.sent += 1;
    const staged = this.request.skip.has(key);
    if (!staged) this.fresh += 1;
    else this.skipped.add(key);
    return staged;
  }

  summary(): PageSummary {
    return {
      sent: this.sent,
      fresh: this.fresh,
      last: this.last,
      oneGroup: this.oneGroup,
      groupKeys: this.groupKeys,
      subgroupKeys: this.subgroupKeys,
      passedValues: this.passedValues,
      passedSubValues: this.subPassedValues,
      unsent: [...this.request.skip].filter((key) => !this.skipped.has(key)),
    };
  }

  /**
   * Keeps a passed value where the pager can use it: every one of a string level (they are
   * excluded next), only a NULL of a range level (NULLs are read apart). A page of a million
   * rows in distinct seconds so holds no million values.
   */
  private remember(seen: Set<string>, list: LevelValue[], value: LevelValue | undefined, level?: OrderLevel) {
    if (level?.kind !== 'string' && value !== null) return;
    const id = JSON.stringify(value ?? null);
    if (!seen.has(id)) {
      seen.add(id);
      list.push(value ?? null);
    }
  }
}

/**
 * The state after a page: continued after its last row while Looker may have cut it short,
 * complete once a page proves its range read.
 */
export function nextPage(state: PagerState, page: PageSummary, what = 'the read'): PagerState {
  const read = state.read + page.fresh;
  const pages = state.pages + 1;
  let { limit, limitTrusted } = state;
  let capped: boolean;
  let reason: string | undefined;
  let proof: PagerState['proof'] = 'short-page';
  if (page.sent === 0) {
    capped = false; // no cap cuts a page to nothing
  } else if (limit !== undefined && page.sent >= limit) {
    capped = true; // as many rows as the limit allowed: maybe more
    limitTrusted = 'seen';
    reason = `the page holds the limit of ${limit} rows`;
  } else if (limit === undefined && state.counted !== null && read === state.counted) {
    // Exactly the rows Looker counted. More than counted proves nothing: rows arrived after the
    // count, and a silent cap may have cut the page among them.
    capped = false;
    proof = 'count';
  } else if (
    limit !== undefined &&
    (limitTrusted === 'seen' ||
      // A declared cap is checked against the count where the read ends: fewer rows than
      // counted may mean the declaration is above the real cap, so the read goes on.
      (limitTrusted === 'declared' &&
        (state.frames.length > 1 || state.counted === null || read >= state.counted)))
  ) {
    capped = false;
  } else {
    // Every row was asked for (or a limit not known to be within Looker's cap) and the page
    // ended short: Looker may have capped it. Read on after its last row, in pages of what
    // it did send; a shorter or empty page then shows where the rows end.
    capped = true;
    reason =
      state.counted === null
        ? 'no count proves the page complete'
        : read < state.counted
          ? `${read} of ${state.counted} counted rows arrived`
          : `${read} rows arrived where ${state.counted} were counted: rows came after the count`;
    limit = page.sent;
    limitTrusted = 'seen';
  }
  const base = { ...state, read, pages, limit, limitTrusted, reason };
  if (!capped) return finishFrame(base, proof);
  return { ...base, frames: continueAfter(state, page, what), proof: undefined };
}

/** The frame is read to its end: go on after its group in the frame above, or finish. */
function finishFrame(state: PagerState, proof: PagerState['proof']): PagerState {
  const frames = state.frames.slice(0, -1);
  const done = state.frames.at(-1)!;
  if (frames.length === 0) return { ...state, frames: [], done: true, proof, reason: undefined };
  if (done.nullsLeft)
    // The group's rows with a NULL at this level: the value fixed to NULL, paged by nothing more.
    return {
      ...state,
      frames: [...frames, { depth: done.depth, fixed: [...done.fixed, null], excluded: [], skip: done.skip }],
      reason: undefined,
    };
  const parent = frames.at(-1)!;
  const value = done.fixed[parent.depth]!;
  const level = state.levels[parent.depth]!;
  const after: Frame =
    level.kind === 'string'
      ? { ...parent, excluded: [...parent.excluded, value] }
      : { ...parent, from: { value, inclusive: false } };
  return { ...state, frames: [...frames.slice(0, -1), after], reason: undefined };
}

function continueAfter(state: PagerState, page: PageSummary, what: string): Frame[] {
  const frames = state.frames.slice(0, -1);
  const frame = state.frames.at(-1)!;
  const last = page.last!;
  const depth = frame.depth;
  const level = state.levels[depth]!;
  const value = last[depth]!;
  if (value === null)
    throw new IntegrityError(
      `${what} cannot be continued after a row whose ${level.field} is NULL: Looker cannot filter after it`,
      { terminal: true },
    );
  const lastLevel = depth === state.levels.length - 1;
  if (!lastLevel && page.oneGroup) {
    // The page is one group: it holds more rows than a page. Page inside it by the next level,
    // starting at the last row, so no query repeats the one just sent.
    const next = state.levels[depth + 1]!;
    const inner = last[depth + 1]!;
    if (inner === null)
      throw new IntegrityError(
        `${what} has more rows at ${level.field} = ${String(value)} than a page, and cannot be paged inside it after a NULL ${next.field}`,
        { terminal: true },
      );
    const innerLast = depth + 1 === state.levels.length - 1;
    const child: Frame =
      next.kind === 'string'
        ? {
            depth: depth + 1,
            fixed: [...frame.fixed, value],
            excluded: checkedExclusions(
              innerLast ? [...page.passedSubValues, inner] : page.passedSubValues,
              next,
              value,
              what,
            ),
            skip: [...(innerLast ? [] : page.subgroupKeys), ...page.unsent],
          }
        : {
            depth: depth + 1,
            fixed: [...frame.fixed, value],
            from: { value: inner, inclusive: !innerLast },
            excluded: [],
            nullsLeft: next.nullable !== false && !page.passedSubValues.includes(null),
            skip: [...(innerLast ? [] : page.subgroupKeys), ...page.unsent],
          };
    return [...frames, { ...frame, skip: page.unsent }, child];
  }
  if (level.kind === 'string') {
    const excluded = lastLevel
      ? [...frame.excluded, ...page.passedValues, value]
      : [...frame.excluded, ...page.passedValues];
    const group = frame.fixed.length ? String(frame.fixed.at(-1)) : undefined;
    return [
      ...frames,
      {
        ...frame,
        excluded: checkedExclusions(excluded, level, group, what),
        skip: [...(lastLevel ? [] : page.groupKeys), ...page.unsent],
      },
    ];
  }
  // A range level: start at the last row's value (its group's staged rows are skipped), or
  // strictly after it on the key's own level (a key names one row).
  return [
    ...frames,
    {
      ...frame,
      from: { value, inclusive: !lastLevel },
      skip: [...(lastLevel ? [] : page.groupKeys), ...page.unsent],
    },
  ];
}

function checkedExclusions(
  values: readonly LevelValue[],
  level: OrderLevel,
  group: LevelValue | undefined,
  what: string,
): LevelValue[] {
  if (values.length > MAX_EXCLUDED_VALUES)
    throw new IntegrityError(
      `${what} holds more rows${group === undefined ? '' : ` at ${String(group)}`} than ${MAX_EXCLUDED_VALUES} pages of ${level.field} values can exclude: ${level.field} is a string, which Looker cannot filter by range`,
      { terminal: true },
    );
  return [...values];
}

/** A row's value at a level: times cut to the second (Looker's json times), numbers as numbers. */
export function levelValue(level: OrderLevel, raw: unknown): LevelValue {
  if (raw === null || raw === undefined) return null;
  if (level.kind === 'time') {
    const match = typeof raw === 'string' ? /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(raw) : null;
    if (!match) throw new IntegrityError(`Looker sent ${level.field} = ${JSON.stringify(raw)}, not a time`);
    return `${match[1]} ${match[2]}`;
  }
  if (level.kind === 'date') {
    const match = typeof raw === 'string' ? /^\d{4}-\d{2}-\d{2}/.exec(raw) : null;
    if (!match) throw new IntegrityError(`Looker sent ${level.field} = ${JSON.stringify(raw)}, not a date`);
    return match[0];
  }
  if (level.kind === 'number') {
    // Number('') and Number(true) are 0 and 1: only a number, or a string that spells one.
    const number =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(number))
      throw new IntegrityError(`Looker sent ${level.field} = ${JSON.stringify(raw)}, not a number`);
    return number;
  }
  return String(raw);
}

/**
 * A row's identity: its primary key's values, or, when one of them is NULL (Looker does not
 * guarantee keys it does not declare), a hash of all the row's values, so the same row read
 * twice is recognised and rows differing in anything are told apart.
 */
export function rowKey(row: Record<string, unknown>, keyFields: readonly string[]): string {
  const values = keyFields.map((field) => row[field]);
  if (values.every((value) => value !== null && value !== undefined)) return JSON.stringify(values);
  return `#${rowHash(row)}`;
}

/** A deterministic hash of a row's values (fields in name order). */
export function rowHash(row: Record<string, unknown>, fields = Object.keys(row).sort()): string {
  const hash = createHash('sha256');
  for (const field of fields) hash.update(`${field}\u0000${JSON.stringify(row[field] ?? null)}\u0001`);
  return hash.digest('hex').slice(0, 32);
}
