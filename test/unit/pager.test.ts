/**
 * The pager's specification, against a model Looker: a small in-memory table that answers a
 * `PageRequest` as Looker would (equality on the fixed levels, a range or an exclusion on the
 * paged level, the sort, then the limit, cut down silently to the user's row cap). The read
 * loop below is the exporter's: every row Looker sends goes through a `PageObserver`, the fresh
 * ones are staged, and `nextPage` decides the next query, until the read is done or a terminal
 * `IntegrityError` stops it.
 *
 * The model's SQL semantics: a range (`from`) is never true of NULL; a string exclusion keeps
 * NULL (Looker renders `-a` as `(x <> 'a' OR x IS NULL)`) unless NULL itself is excluded
 * (`-NULL`: `x IS NOT NULL`); equality on a time is that second.
 * NULLs sort first or last (the database decides; the pager must not care), and ties (only rows
 * whose key is NULL tie) keep the table's order.
 *
 * "The same row" is the same `t.payload` (every row has its own): staging is checked without
 * trusting `rowKey`. Properties run a few hundred cases each; a failure prints its seed and
 * shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IntegrityError } from '../../src/errors.js';
import {
  MAX_EXCLUDED_VALUES,
  PageObserver,
  levelValue,
  nextPage,
  pageRequest,
  rowKey,
  startPager,
  type OrderLevel,
  type PageRequest,
  type PagerState,
} from '../../src/pipeline/pager.js';

type Row = Record<string, unknown>;
type Nulls = 'first' | 'last';

const PAYLOAD = 't.payload';
/** A read that has not finished after this many pages does not terminate. */
const MAX_PAGES = 10_000;

// -------------------------------------------------------------------------------------------
// The model Looker
// -------------------------------------------------------------------------------------------

const isNull = (cell: unknown) => cell === null || cell === undefined;

/** Two cells as the database orders them: numbers by value, strings (seconds too) by code unit. */
function compareCells(a: unknown, b: unknown, nulls: Nulls): number {
  if (isNull(a) || isNull(b)) {
    if (isNull(a) && isNull(b)) return 0;
    return (isNull(a) ? -1 : 1) * (nulls === 'first' ? 1 : -1);
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A cell as a filter or a sort on the level sees it: a time by its second. */
function cellAt(level: OrderLevel, cell: unknown): unknown {
  if (isNull(cell)) return null;
  return level.kind === 'time' ? String(cell).replace('T', ' ').slice(0, 19) : cell;
}

class ModelLooker {
  private rows: Row[];
  private readonly order = new Map<Row, number>();
  private inserted = 0;

  constructor(
    rows: readonly Row[],
    private readonly levels: readonly OrderLevel[],
    /** Looker cuts every result to this many rows, whatever the limit asks; undefined: no cap. */
    private readonly silentCap?: number,
    private readonly nulls: Nulls = 'first',
  ) {
    this.rows = [];
    this.insert(rows);
  }

  get table(): readonly Row[] {
    return this.rows;
  }

  insert(rows: readonly Row[]) {
    for (const row of rows) {
      this.order.set(row, this.inserted++);
      this.rows.push(row);
    }
  }

  remove(rows: ReadonlySet<Row>) {
    this.rows = this.rows.filter((row) => !rows.has(row));
  }

  /** The rows matching the request's filters, sorted by its sorts, cut to min(limit, cap). */
  answer(request: PageRequest): Row[] {
    const { level, from } = request;
    const excluded = new Set(request.excluded);
    const matches = this.rows.filter((row) => {
      for (const { level: fixed, value } of request.fixed) {
        const cell = cellAt(fixed, row[fixed.field]);
        if (isNull(value) ? !isNull(cell) : isNull(cell) || compareCells(cell, value, this.nulls) !== 0)
          return false;
      }
      const cell = cellAt(level, row[level.field]);
      if (from) {
        if (isNull(cell)) return false; // `x > v`, `x >= v`: never true of NULL
        const order = compareCells(cell, from.value, this.nulls);
        if (order < 0 || (order === 0 && !from.inclusive)) return false;
      }
      // NULL survives a negation of values (`-a`), not a negation of NULL (`-NULL`).
      return isNull(cell) ? !excluded.has(null) : !excluded.has(cell as string | number);
    });
    const sorts = request.sorts.map((field) => {
      const sortLevel = this.levels.find((l) => l.field === field);
      assert.ok(sortLevel, `a sort on ${field}, which is not a level`);
      return sortLevel;
    });
    const keyed = matches.map((row) => ({ row, cells: sorts.map((l) => cellAt(l, row[l.field])) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < sorts.length; i++) {
        const order = compareCells(a.cells[i], b.cells[i], this.nulls);
        if (order !== 0) return order;
      }
      return this.order.get(a.row)! - this.order.get(b.row)!;
    });
    const n = Math.min(request.limit ?? Infinity, this.silentCap ?? Infinity);
    return keyed.slice(0, n).map(({ row }) => row);
  }
}

interface ReadOptions {
  levels: readonly OrderLevel[];
  keyFields: readonly string[];
  counted: number | null;
  declaredCap?: number;
  /** Runs after each page (given the pages read so far and the page's rows): the table may change. */
  between?: (pages: number, looker: ModelLooker, page: readonly Row[]) => void;
}

interface ReadOutcome {
  state: PagerState;
  /** Times each payload was staged. */
  staged: Map<unknown, number>;
  requests: PageRequest[];
  /** Rows Looker sent, staged or skipped. */
  sent: number;
  /** The terminal IntegrityError that stopped the read. */
  error?: IntegrityError;
}

/** The exporter's read loop, against the model. */
function read(looker: ModelLooker, options: ReadOptions): ReadOutcome {
  const { levels, keyFields } = options;
  let state = startPager({ levels, counted: options.counted, declaredCap: options.declaredCap });
  const staged = new Map<unknown, number>();
  const requests: PageRequest[] = [];
  const keyOf = (row: Row) => rowKey(row, keyFields);
  let sent = 0;
  while (!state.done) {
    assert.ok(requests.length < MAX_PAGES, `the read did not finish in ${MAX_PAGES} pages`);
    const request = pageRequest(state);
    requests.push(request);
    const observer = new PageObserver(request, levels, keyOf);
    const rows = looker.answer(request);
    for (const row of rows) {
      sent += 1;
      if (!observer.observe(row)) staged.set(row[PAYLOAD], (staged.get(row[PAYLOAD]) ?? 0) + 1);
    }
    try {
      state = nextPage(state, observer.summary());
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      assert.equal(error.transient, false, 'the pager gives up only for good');
      return { state, staged, requests, sent, error };
    }
    assert.equal(state.pages, requests.length);
    options.between?.(state.pages, looker, rows);
  }
  return { state, staged, requests, sent };
}

/** What makes two requests the same query (the skip set stays in the exporter). */
function requestId(request: PageRequest): string {
  return JSON.stringify({
    depth: request.depth,
    level: request.level.field,
    fixed: request.fixed.map(({ level, value }) => [level.field, value]),
    from: request.from ?? null,
    excluded: request.excluded.map((v) => JSON.stringify(v)).sort(),
    limit: request.limit ?? null,
  });
}

/**
 * The pages that read a group's NULLs at a range level (that level fixed to NULL), left out
 * where an example counts pages. A range never returns NULL, and NULLs may sort after every
 * value: a read that pages inside a group by a range reaches them only by such a page, one
 * more unless a page showed the group's NULLs first (see the NULL specs).
 */
const besidesNullPages = (requests: readonly PageRequest[]) =>
  requests.filter((r) => r.fixed.every(({ value }) => value !== null));

/** The read finished, every row staged exactly once, nothing else staged. */
function assertReadOnce(outcome: ReadOutcome, rows: readonly Row[]) {
  assert.equal(outcome.error, undefined, outcome.error?.message);
  assert.ok(outcome.state.done, 'the read is done');
  assert.ok(outcome.state.proof, 'the read says how it was proven complete');
  for (const row of rows)
    assert.equal(outcome.staged.get(row[PAYLOAD]) ?? 0, 1, `row ${String(row[PAYLOAD])} is staged once`);
  assert.equal(outcome.staged.size, rows.length, 'only rows of the table are staged');
  assert.equal(outcome.state.read, rows.length, 'the pager counts each row read once');
}

/** No page repeats the query of the page before it; over a read of a still table, no query repeats. */
function assertNoWastedPage(requests: readonly PageRequest[], still = true) {
  const ids = requests.map(requestId);
  for (let i = 1; i < ids.length; i++) assert.notEqual(ids[i], ids[i - 1], `page ${i + 1} repeats page ${i}`);
  if (still) assert.equal(new Set(ids).size, ids.length, 'a query is sent twice');
}

// -------------------------------------------------------------------------------------------
// Tables
// -------------------------------------------------------------------------------------------

const TIME: OrderLevel = { field: 't.created_time', kind: 'time' };
const ID: OrderLevel = { field: 't.id', kind: 'number' };
const TID: OrderLevel = { field: 't.tid', kind: 'string' };
const FIELD_USAGE: OrderLevel[] = ['model', 'explore', 'view', 'field'].map((name) => ({
  field: `f.${name}`,
  kind: 'string',
}));

interface Table {
  name: string;
  levels: OrderLevel[];
  keyFields: string[];
  rows: Row[];
  /**
   * A new row: payload `i` (>= 400), a key no other row has, a place in the table chosen by
   * `pick`; or, given `like`, in the group of `like` (its values but the last level's), first.
   */
  make: (i: number, pick: number, like?: Row) => Row;
}

const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);
/** The n-th second after T0 as Looker sends a time ('YYYY-MM-DD HH:MM:SS'). */
const second = (n: number) => new Date(T0 + n * 1000).toISOString().replace('T', ' ').slice(0, 19);
/** A bijection of the 32-bit integers: distinct ids in no particular order. */
const scramble = (i: number, seed: number) => Math.imul((i + seed) | 0, 0x9e3779b1) >>> 0;

/** Rows per second: mostly a few, sometimes dozens, now and then over a hundred (a burst). */
const groupSizes = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 3, arbitrary: fc.integer({ min: 5, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 41, max: 150 }) },
  ),
  { maxLength: 60, size: 'medium' },
);
const gapsArb = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 5 });

/** The seconds of an incremental table (gaps between them), 400 rows at most. */
function burstTimes(sizes: readonly number[], gaps: readonly number[]): string[] {
  const times: string[] = [];
  let t = 0;
  sizes.forEach((size, g) => {
    t += gaps.length ? gaps[g % gaps.length]! : 1;
    for (let k = 0; k < size && times.length < 400; k++) times.push(second(t));
  });
  return times;
}
const lastSecond = (times: readonly string[]) =>
  times.length ? (Date.parse(`${times.at(-1)}Z`) - T0) / 1000 : 0;

const incrementalById: fc.Arbitrary<Table> = fc
  .record({ sizes: groupSizes, gaps: gapsArb, ascending: fc.boolean(), seed: fc.integer() })
  .map(({ sizes, gaps, ascending, seed }) => {
    const times = burstTimes(sizes, gaps);
    const span = lastSecond(times) + 3;
    const make = (i: number, time: string, first = false) => ({
      [TIME.field]: time,
      [ID.field]: first ? -i : ascending ? i + 1 : scramble(i, seed),
      [PAYLOAD]: i,
    });
    return {
      name: `incremental by [time, id] (${ascending ? 'ascending' : 'scrambled'} ids)`,
      levels: [TIME, ID],
      keyFields: [ID.field],
      rows: times.map((time, i) => make(i, time)),
      make: (i: number, pick: number, like?: Row) =>
        like ? make(i, like[TIME.field] as string, true) : make(i, second(pick % span)),
    };
  });

const incrementalByTid: fc.Arbitrary<Table> = fc
  .record({ sizes: groupSizes, gaps: gapsArb, seed: fc.integer() })
  .map(({ sizes, gaps, seed }) => {
    const times = burstTimes(sizes, gaps);
    const span = lastSecond(times) + 3;
    const make = (i: number, time: string, first = false) => ({
      [TIME.field]: time,
      [TID.field]: first ? `!${i}` : scramble(i, seed).toString(16),
      [PAYLOAD]: i,
    });
    return {
      name: 'incremental by [time, string tid]',
      levels: [TIME, TID],
      keyFields: [TID.field],
      rows: times.map((time, i) => make(i, time)),
      make: (i: number, pick: number, like?: Row) =>
        like ? make(i, like[TIME.field] as string, true) : make(i, second(pick % span)),
    };
  });

const snapshotById: fc.Arbitrary<Table> = fc
  .record({ n: fc.integer({ min: 0, max: 400 }), seed: fc.integer() })
  .map(({ n, seed }) => {
    const make = (i: number, _pick = 0, like?: Row) => ({
      [ID.field]: like ? -i : scramble(i, seed),
      [PAYLOAD]: i,
    });
    return {
      name: 'snapshot by [id]',
      levels: [ID],
      keyFields: [ID.field],
      rows: Array.from({ length: n }, (_, i) => make(i)),
      make,
    };
  });

const snapshotByTid: fc.Arbitrary<Table> = fc
  .record({ n: fc.integer({ min: 0, max: 400 }), seed: fc.integer() })
  .map(({ n, seed }) => {
    const make = (i: number, _pick = 0, like?: Row) => ({
      [TID.field]: like ? `!${i}` : `pdt-${scramble(i, seed).toString(36)}`,
      [PAYLOAD]: i,
    });
    return {
      name: 'snapshot by [string tid]',
      levels: [TID],
      keyFields: [TID.field],
      rows: Array.from({ length: n }, (_, i) => make(i)),
      make,
    };
  });

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const MODELS = names('model_', 3);
const EXPLORES = names('explore_', 4);
const VIEWS = names('view_', 5);
const FIELDS = names('field_', 20);
/** field_usage: a composite string key over few models, explores and views (groups at every level). */
const fieldUsage: fc.Arbitrary<Table> = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom(...MODELS),
      fc.constantFrom(...EXPLORES),
      fc.constantFrom(...VIEWS),
      fc.constantFrom(...FIELDS),
    ),
    { selector: (tuple) => tuple.join('.'), maxLength: 400, size: 'medium' },
  )
  .map((tuples) => {
    const row = (tuple: readonly unknown[], i: number) => ({
      ...Object.fromEntries(FIELD_USAGE.map((l, k) => [l.field, tuple[k]])),
      [PAYLOAD]: i,
    });
    return {
      name: 'field_usage by [model, explore, view, field]',
      levels: FIELD_USAGE,
      keyFields: FIELD_USAGE.map((l) => l.field),
      rows: tuples.map(row),
      make: (i: number, pick: number, like?: Row) => {
        const random = [
          MODELS[pick % 3],
          EXPLORES[(pick >> 2) % 4],
          VIEWS[(pick >> 4) % 5],
          `field_new_${i}`,
        ];
        if (!like) return row(random, i);
        // In like's group down to level `at`, ahead of it there: a new explore, view or field.
        const at = 1 + (pick % 3);
        const ahead = at === 3 ? `!${i}` : `!${pick % 2}`;
        return row(
          FIELD_USAGE.map((l, k) => (k < at ? like[l.field] : k === at ? ahead : random[k])),
          i,
        );
      },
    };
  });

const anyTable = fc.oneof(incrementalById, incrementalByTid, snapshotById, snapshotByTid, fieldUsage);

/** Silent caps: none, or 1..50 rows. */
const silentCapArb = fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined });

/**
 * Groups the pager may have to descend into: for each value of the levels before the last
 * (a second; a model, a model's explore, ...), its rows. `all`: those holding at least a page;
 * `byRange`: those of them paged inside by a range (the next level is a time or a number).
 */
function groupsAtLeast(table: Table, rows: number): { all: number; byRange: number } {
  const counts = new Map<string, { n: number; range: boolean }>();
  for (const row of table.rows)
    for (let depth = 1; depth < table.levels.length; depth++) {
      const prefix = JSON.stringify(table.levels.slice(0, depth).map((l) => row[l.field]));
      const group = counts.get(prefix) ?? { n: 0, range: table.levels[depth]!.kind !== 'string' };
      group.n += 1;
      counts.set(prefix, group);
    }
  const large = [...counts.values()].filter((g) => g.n >= rows);
  return { all: large.length, byRange: large.filter((g) => g.range).length };
}

/** Rows per second (tables whose first level is a time). */
function seconds(table: Table): number[] {
  const counts = new Map<unknown, number>();
  for (const row of table.rows) counts.set(row[TIME.field], (counts.get(row[TIME.field]) ?? 0) + 1);
  return [...counts.values()];
}

// -------------------------------------------------------------------------------------------
// Unit specs: levelValue, rowKey
// -------------------------------------------------------------------------------------------

describe('levelValue', () => {
  it('cuts a time to its second, whether Looker sends it with a space or a T, and never rounds', () => {
    assert.equal(levelValue(TIME, '2026-11-24 03:00:01'), '2026-11-24 03:00:01');
    assert.equal(levelValue(TIME, '2026-11-24T03:00:01'), '2026-11-24 03:00:01');
    assert.equal(levelValue(TIME, '2026-11-24 03:00:01.999'), '2026-11-24 03:00:01');
    assert.equal(levelValue(TIME, '2026-11-24T03:00:01.999999Z'), '2026-11-24 03:00:01');
  });

  it('reads a number, or a number Looker sent as a string, as a number', () => {
    assert.equal(levelValue(ID, 42), 42);
    assert.equal(levelValue(ID, -3.5), -3.5);
    assert.equal(levelValue(ID, '42'), 42);
    assert.equal(levelValue(ID, '1e3'), 1000);
  });

  it('reads a string level as a string', () => {
    assert.equal(levelValue(TID, 'abc'), 'abc');
    assert.equal(levelValue(TID, ''), '');
    assert.equal(levelValue(TID, 7), '7');
  });

  it('reads NULL (or a missing field) as null at every kind of level', () => {
    for (const level of [TIME, ID, TID]) {
      assert.equal(levelValue(level, null), null);
      assert.equal(levelValue(level, undefined), null);
    }
  });

  it('throws an IntegrityError naming the field for a time that is not one', () => {
    for (const bad of ['2026-11-24', '03:00:01', 'yesterday', '', 1_764_000_000_000, new Date(T0), {}]) {
      assert.throws(
        () => levelValue(TIME, bad),
        (error: unknown) => error instanceof IntegrityError && error.message.includes(TIME.field),
        `${String(bad)} is not a time`,
      );
    }
  });

  it('throws an IntegrityError naming the field for a number that is not one', () => {
    for (const bad of ['abc', '12abc', NaN, Infinity, -Infinity, {}, '', '  ', true, []]) {
      assert.throws(
        () => levelValue(ID, bad),
        (error: unknown) => error instanceof IntegrityError && error.message.includes(ID.field),
        `${JSON.stringify(bad)} is not a number`,
      );
    }
  });
});

describe('rowKey', () => {
  it("is the key's values, in the key's order, whatever else the row holds", () => {
    assert.equal(rowKey({ 't.id': 5, 't.other': 'x' }, ['t.id']), '[5]');
    assert.equal(rowKey({ 't.id': 5, 't.other': 'y' }, ['t.id']), '[5]');
    const row = { 'f.field': 'f', 'f.view': 'v', 'f.model': 'm', 'f.explore': 'e' };
    assert.equal(rowKey(row, ['f.model', 'f.explore', 'f.view', 'f.field']), '["m","e","v","f"]');
    assert.notEqual(rowKey({ 't.id': 5 }, ['t.id']), rowKey({ 't.id': '5' }, ['t.id']));
  });

  it('is, when a key value is NULL or missing, a hash of the whole row, independent of field order', () => {
    const a = rowKey({ 't.id': null, 't.created_time': '2026-11-24 03:00:01', 't.user': 'u1' }, ['t.id']);
    const b = rowKey({ 't.user': 'u1', 't.created_time': '2026-11-24 03:00:01', 't.id': null }, ['t.id']);
    assert.match(a, /^#[0-9a-f]{32}$/);
    assert.equal(a, b);
    assert.match(rowKey({ 't.x': 1 }, ['t.id']), /^#[0-9a-f]{32}$/, 'a missing key value is NULL');
  });

  it('tells NULL-key rows apart when any value differs, and never equals a non-NULL key', () => {
    const cell = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', '1'));
    const row = fc.record({ 't.id': cell, 't.tid': cell, 't.user': cell });
    fc.assert(
      fc.property(row, row, (a, b) => {
        const keyFields = ['t.id', 't.tid'];
        const sameRow = JSON.stringify(a) === JSON.stringify(b);
        const hashed = a['t.id'] === null || a['t.tid'] === null;
        if (hashed) assert.match(rowKey(a, keyFields), /^#/);
        else assert.equal(rowKey(a, keyFields), JSON.stringify([a['t.id'], a['t.tid']]));
        if (sameRow) assert.equal(rowKey(a, keyFields), rowKey(b, keyFields));
        else if (hashed) assert.notEqual(rowKey(a, keyFields), rowKey(b, keyFields));
      }),
      { numRuns: 500 },
    );
  });
});

// -------------------------------------------------------------------------------------------
// The model itself
// -------------------------------------------------------------------------------------------

describe('the model Looker', () => {
  const rows = [
    { [TIME.field]: second(1), [TID.field]: 'b', [PAYLOAD]: 0 },
    { [TIME.field]: second(1), [TID.field]: null, [PAYLOAD]: 1 },
    { [TIME.field]: second(2), [TID.field]: 'a', [PAYLOAD]: 2 },
    { [TIME.field]: second(0), [TID.field]: 'c', [PAYLOAD]: 3 },
  ];
  const request = (over: Partial<PageRequest>): PageRequest => ({
    depth: 0,
    fixed: [],
    level: TIME,
    excluded: [],
    sorts: [TIME.field, TID.field],
    skip: new Set(),
    ...over,
  });
  const payloads = (out: Row[]) => out.map((row) => row[PAYLOAD]);

  it('sorts, puts NULLs first or last as told, and cuts the result to the cap silently', () => {
    assert.deepEqual(payloads(new ModelLooker(rows, [TIME, TID]).answer(request({}))), [3, 1, 0, 2]);
    assert.deepEqual(payloads(new ModelLooker(rows, [TIME, TID], 2, 'last').answer(request({}))), [3, 0]);
    assert.deepEqual(
      payloads(new ModelLooker(rows, [TIME, TID], 3, 'last').answer(request({ limit: 9 }))),
      [3, 0, 1],
    );
  });

  it('never matches NULL with a range, and keeps NULL through a string exclusion unless it excludes NULL', () => {
    const looker = new ModelLooker(rows, [TIME, TID]);
    const inSecond1 = {
      fixed: [{ level: TIME, value: second(1) }],
      level: TID,
      depth: 1,
      sorts: [TID.field],
    };
    assert.deepEqual(payloads(looker.answer(request({ ...inSecond1, excluded: ['b'] }))), [1]);
    assert.deepEqual(payloads(looker.answer(request({ ...inSecond1, excluded: [null] }))), [0]);
    assert.deepEqual(payloads(looker.answer(request({ from: { value: second(1), inclusive: false } }))), [2]);
    const byId = new ModelLooker([{ [ID.field]: null, [PAYLOAD]: 0 }], [ID]);
    assert.deepEqual(
      payloads(byId.answer(request({ level: ID, sorts: [ID.field], from: { value: -1, inclusive: true } }))),
      [],
    );
  });
});

// -------------------------------------------------------------------------------------------
// The pager, example by example
// -------------------------------------------------------------------------------------------

/** Rows of [time, id]: `perSecond[s]` rows at second s, ids 1.. in time order. */
function timeIdRows(perSecond: readonly number[]): Row[] {
  const out: Row[] = [];
  perSecond.forEach((n, s) => {
    for (let k = 0; k < n; k++)
      out.push({ [TIME.field]: second(s), [ID.field]: out.length + 1, [PAYLOAD]: out.length });
  });
  return out;
}
const snapshotRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ [ID.field]: i + 1, [PAYLOAD]: i }));

describe('the pager, example by example', () => {
  it('continues a page that holds exactly the declared cap with one more query, which proves the end', () => {
    const rows = snapshotRows(3);
    const out = read(new ModelLooker(rows, [ID], 3), {
      levels: [ID],
      keyFields: [ID.field],
      counted: 3,
      declaredCap: 3,
    });
    assertReadOnce(out, rows);
    assert.equal(out.requests.length, 2);
    assert.deepEqual(out.requests[1]!.from, { value: 3, inclusive: false });
    assert.equal(out.requests[1]!.limit, 3);
    assert.equal(out.state.proof, 'short-page');

    // The same on [time, id]: the next page starts at the last second, skipping its staged row.
    const timed = timeIdRows([1, 1, 1]);
    const again = read(new ModelLooker(timed, [TIME, ID], 3), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: 3,
      declaredCap: 3,
    });
    assertReadOnce(again, timed);
    assert.equal(again.requests.length, 2);
    assert.deepEqual(again.requests[1]!.from, { value: second(2), inclusive: true });
    assert.deepEqual([...again.requests[1]!.skip], ['[3]']);
  });

  it('learns a silent cap from the first short page of a counted read, and trusts it from then on', () => {
    const rows = snapshotRows(10);
    const looker = new ModelLooker(rows, [ID], 4);
    let state = startPager({ levels: [ID], counted: 10 });
    assert.equal(
      pageRequest(state).limit,
      undefined,
      'without a declared cap the first page asks for every row',
    );
    const observer = new PageObserver(pageRequest(state), [ID], (row) => rowKey(row, [ID.field]));
    for (const row of looker.answer(pageRequest(state))) observer.observe(row);
    state = nextPage(state, observer.summary());
    assert.equal(state.limit, 4);
    assert.equal(state.limitTrusted, 'seen');
    assert.match(state.reason ?? '', /4 of 10 counted rows arrived/);
    assert.deepEqual(pageRequest(state).from, { value: 4, inclusive: false });

    const out = read(new ModelLooker(rows, [ID], 4), { levels: [ID], keyFields: [ID.field], counted: 10 });
    assertReadOnce(out, rows);
    assert.deepEqual(
      out.requests.map((r) => r.limit),
      [undefined, 4, 4],
      'pages of 4, 4 and a short 2',
    );
  });

  it('reads a table without a cap or a count in one page, plus one page that confirms it', () => {
    const rows = timeIdRows([2, 3, 1]);
    const out = read(new ModelLooker(rows, [TIME, ID]), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: null,
    });
    assertReadOnce(out, rows);
    assert.equal(out.requests.length, 2);
    assert.equal(out.state.proof, 'short-page');
    assert.equal(out.requests[1]!.limit, 6, 'the confirming page asks for as many rows as arrived');
    assert.equal(out.sent, 7, 'the confirming page sends back the last second only');

    const snapshot = snapshotRows(5);
    const flat = read(new ModelLooker(snapshot, [ID]), {
      levels: [ID],
      keyFields: [ID.field],
      counted: null,
    });
    assertReadOnce(flat, snapshot);
    assert.equal(flat.requests.length, 2);
    assert.equal(flat.sent, 5, 'the confirming page is empty');

    // One second only: one page inside the second (after its last id), one after the second
    // (and one for the second's NULL ids: besidesNullPages).
    const oneSecond = timeIdRows([4]);
    const inside = read(new ModelLooker(oneSecond, [TIME, ID]), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: null,
    });
    assertReadOnce(inside, oneSecond);
    assert.equal(besidesNullPages(inside.requests).length, 3);
    assert.ok(inside.requests.length <= 4);
    assert.equal(inside.sent, 4);
  });

  it('reads a counted table without a cap in exactly one page, proven by the count', () => {
    const rows = timeIdRows([2, 3, 1]);
    const out = read(new ModelLooker(rows, [TIME, ID]), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: 6,
    });
    assertReadOnce(out, rows);
    assert.equal(out.requests.length, 1);
    assert.equal(out.state.proof, 'count');
  });

  it('finishes a snapshot that shrank after its count (503 counted, 495 read) in 2 pages, without an error', () => {
    const rows = snapshotRows(495);
    for (const cap of [undefined, 5000]) {
      const out = read(new ModelLooker(rows, [ID], cap), {
        levels: [ID],
        keyFields: [ID.field],
        counted: 503,
      });
      assertReadOnce(out, rows);
      assert.equal(out.requests.length, 2);
      assert.equal(out.state.proof, 'short-page');
      assert.equal(out.sent, 495, 'the second page is empty');
    }
  });

  it('reads a second holding 3x the cap inside it, never re-sending the page just read', () => {
    // 1 row at second 0, 15 at second 1, 1 at second 2; a cap of 5.
    const rows = timeIdRows([1, 15, 1]);
    const out = read(new ModelLooker(rows, [TIME, ID], 5), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: 17,
      declaredCap: 5,
    });
    assertReadOnce(out, rows);
    assertNoWastedPage(out.requests);
    const shown = besidesNullPages(out.requests).map((r) => ({
      fixed: r.fixed.map((f) => f.value),
      from: r.from,
    }));
    assert.deepEqual(shown, [
      { fixed: [], from: undefined }, // ids 1-5
      { fixed: [], from: { value: second(1), inclusive: true } }, // ids 2-6: the second is a page
      { fixed: [second(1)], from: { value: 6, inclusive: false } }, // ids 7-11, inside the second
      { fixed: [second(1)], from: { value: 11, inclusive: false } }, // ids 12-16
      { fixed: [second(1)], from: { value: 16, inclusive: false } }, // nothing: the second is read
      { fixed: [], from: { value: second(1), inclusive: false } }, // id 17
    ]);
    assert.equal(out.sent, 17 + 4, 'only the 4 rows of the boundary second are sent twice');
  });

  it('catches a declared cap above the real one on a counted read, and reads every row', () => {
    const rows = snapshotRows(23);
    const out = read(new ModelLooker(rows, [ID], 4), {
      levels: [ID],
      keyFields: [ID.field],
      counted: 23,
      declaredCap: 10,
    });
    assertReadOnce(out, rows);
    assert.deepEqual(
      out.requests.map((r) => r.limit),
      [10, 4, 4, 4, 4, 4],
    );
  });

  it('pays up to one page in two for seconds of half a page: the honest bound is 2 * ceil(rows / cap)', () => {
    // Seconds of 2 rows, a cap of 4: each page holds one new second and re-reads the one before.
    const rows = timeIdRows(Array.from({ length: 10 }, () => 2));
    const out = read(new ModelLooker(rows, [TIME, ID], 4), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: 20,
      declaredCap: 4,
    });
    assertReadOnce(out, rows);
    assertNoWastedPage(out.requests);
    assert.equal(out.requests.length, 10);
    assert.equal(out.requests.length, 2 * Math.ceil(20 / 4));
  });

  it('reads the NULL-id rows of a second larger than a page whether NULLs sort first or last', () => {
    // Ids 1-4 and a NULL id in one second, a cap of 2: the pager pages inside the second by id
    // ranges, which never return NULL. NULLS FIRST: the NULL row is on the first page. NULLS
    // LAST: it comes after id 4, where no range reaches.
    const rows = [1, 2, 3, null, 4].map((id, i) => ({
      [TIME.field]: second(1),
      [ID.field]: id,
      [PAYLOAD]: i,
    }));
    for (const nulls of ['first', 'last'] as const) {
      const out = read(new ModelLooker(rows, [TIME, ID], 2, nulls), {
        levels: [TIME, ID],
        keyFields: [ID.field],
        counted: 5,
        declaredCap: 2,
      });
      if (out.error) assert.match(out.error.message, /t\.id/, `NULLS ${nulls}`);
      else assertReadOnce(out, rows);
    }
  });

  it('never stages a row twice when rows added ahead of a page boundary push the staged rows on', () => {
    // Second 1 holds ids 2-5; a cap of 3. Page 1 ends inside second 1 (ids 2, 3 staged); then
    // ids -3, -2, -1 appear in second 1, ahead of them. Page 2 (second 1 from its start) is
    // those 3 new rows: one group, so the pager pages inside the second after id -1, where ids
    // 2 and 3 come back. They were staged by page 1: they must still be skipped.
    const rows = timeIdRows([1, 4]);
    const ahead = [-3, -2, -1].map((id, k) => ({
      [TIME.field]: second(1),
      [ID.field]: id,
      [PAYLOAD]: 100 + k,
    }));
    const out = read(new ModelLooker(rows, [TIME, ID], 3), {
      levels: [TIME, ID],
      keyFields: [ID.field],
      counted: 5,
      declaredCap: 3,
      between: (pages, looker) => {
        if (pages === 1) looker.insert(ahead);
      },
    });
    assertReadOnce(out, [...rows, ...ahead]);
  });

  it('gives up, naming the field, when one second holds more string keys than it can exclude', () => {
    const burst = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        [TIME.field]: second(1),
        [TID.field]: `tid-${i}`,
        [PAYLOAD]: i,
      }));
    const options = { levels: [TIME, TID], keyFields: [TID.field], counted: null, declaredCap: 50 };
    // 20 full pages of 50 exclude 1000 values: the most allowed.
    const most = burst(MAX_EXCLUDED_VALUES);
    assertReadOnce(read(new ModelLooker(most, [TIME, TID], 50), options), most);
    const over = burst(MAX_EXCLUDED_VALUES + 50);
    const out = read(new ModelLooker(over, [TIME, TID], 50), options);
    assert.ok(out.error, 'the read gives up');
    assert.match(out.error.message, /t\.tid/);
    assert.match(out.error.message, new RegExp(`${MAX_EXCLUDED_VALUES}`));
  });
});

// -------------------------------------------------------------------------------------------
// The pager, property by property
// -------------------------------------------------------------------------------------------

describe('the pager, property by property', () => {
  it('stages every row of any table exactly once and finishes, whatever the cap and the count', () => {
    fc.assert(
      fc.property(
        anyTable,
        silentCapArb,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<Nulls>('first', 'last'),
        (table, cap, declare, count, nulls) => {
          const out = read(new ModelLooker(table.rows, table.levels, cap, nulls), {
            levels: table.levels,
            keyFields: table.keyFields,
            counted: count ? table.rows.length : null,
            declaredCap: declare ? cap : undefined,
          });
          assertReadOnce(out, table.rows);
          assertNoWastedPage(out.requests);
          if (cap === undefined && count) {
            assert.equal(out.requests.length, 1, 'no cap and a count: one page');
            assert.equal(out.state.proof, table.rows.length ? 'count' : 'short-page');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('needs at most 2 * ceil(rows / page) + 2 * (groups holding a page) + 1 pages', () => {
    // The page is the cap the pager trusts: the declared one, or the first page's size. A page
    // ending inside a group re-reads it on the next page: two pages of the same rows stage at
    // least a page, so 2 * ceil(rows / page); each group holding a page costs a page inside it
    // that fills up and an empty or short one; and 1 for the last page. For [time, key] also
    // ceil(rows / (page - g)) + 2 * bursts + 1, where g is the largest second below a page (a
    // page re-reads at most g rows). Pages of a group's NULLs (besidesNullPages): at most one
    // per group paged inside by a range.
    const aroundTheCap = fc.integer({ min: 1, max: 30 }).chain((cap) =>
      fc.record({
        cap: fc.constant(cap),
        sizes: fc.array(
          fc.oneof(
            fc.constantFrom(Math.max(1, cap >> 1), Math.max(1, cap - 1), cap, cap + 1),
            fc.integer({ min: 1, max: 3 * cap }),
          ),
          { maxLength: 40 },
        ),
        string: fc.boolean(),
      }),
    );
    const fromSizes = aroundTheCap.map(({ cap, sizes, string }) => {
      const key = string ? TID : ID;
      const rows = sizes.flatMap((n, s) => Array.from({ length: n }, () => second(s)));
      return {
        cap: cap as number | undefined,
        table: {
          name: 'seconds around the cap',
          levels: [TIME, key],
          keyFields: [key.field],
          rows: rows.map((time, i) => ({
            [TIME.field]: time,
            [key.field]: string ? `k${i}` : i,
            [PAYLOAD]: i,
          })),
          make: () => ({}),
        } satisfies Table,
      };
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ table: anyTable, cap: silentCapArb }),
          fc.record({ table: anyTable, cap: fc.integer({ min: 1, max: 50 }) }),
          fromSizes,
        ),
        fc.boolean(),
        fc.boolean(),
        ({ table, cap }, declare, count) => {
          const n = table.rows.length;
          const out = read(new ModelLooker(table.rows, table.levels, cap), {
            levels: table.levels,
            keyFields: table.keyFields,
            counted: count ? n : null,
            declaredCap: declare ? cap : undefined,
          });
          assertReadOnce(out, table.rows);
          const pages = besidesNullPages(out.requests).length;
          if (!declare && count && (cap === undefined || n <= cap)) {
            assert.equal(out.requests.length, 1, 'a count proves a read Looker did not cut in one page');
            return;
          }
          const page = Math.max(1, declare && cap !== undefined ? cap : Math.min(cap ?? Infinity, n));
          const groups = groupsAtLeast(table, page);
          const bursts = groups.all;
          assert.ok(out.requests.length - pages <= groups.byRange, 'a NULL page per group paged by a range');
          assert.ok(
            pages <= 2 * Math.ceil(n / page) + 2 * bursts + 1,
            `${pages} pages for ${n} rows in pages of ${page}, ${bursts} groups of a page or more`,
          );
          if (table.levels.length === 1) assert.ok(pages <= Math.floor(n / page) + 1 + (declare ? 0 : 1));
          if (table.levels.length === 2 && table.levels[0] === TIME) {
            const g = Math.max(0, ...seconds(table).filter((s) => s < page));
            assert.ok(pages <= Math.ceil(n / (page - g)) + 2 * bursts + 1, `${pages} pages, g = ${g}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finishes a table that lost rows after its count, every remaining row once, in at most 2 more pages a level', () => {
    // The first page is short of the count: Looker may have cut it, so its size becomes the
    // limit and the pager reads on after its last row. A page after the last group re-sends
    // that group; when the group is the whole page, the pager descends. A single level costs
    // one (empty) page more; each level after the first up to 2 (inside the group, after it),
    // besides a page of the group's NULLs at a range level (besidesNullPages).
    // The [time, id] tables: 2; field_usage: up to 6 (every row under one model, explore, view).
    fc.assert(
      fc.property(
        anyTable.filter((t) => t.rows.length > 0),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        silentCapArb,
        fc.boolean(),
        (table, removals, cap, declare) => {
          const gone = new Set(removals.map((i) => table.rows[i % table.rows.length]));
          const rows = table.rows.filter((row) => !gone.has(row));
          const options = {
            levels: table.levels,
            keyFields: table.keyFields,
            declaredCap: declare ? cap : undefined,
          };
          const out = read(new ModelLooker(rows, table.levels, cap), {
            ...options,
            counted: table.rows.length,
          });
          assertReadOnce(out, rows);
          assert.equal(out.state.proof, 'short-page');
          const exact = read(new ModelLooker(rows, table.levels, cap), { ...options, counted: rows.length });
          const levels = table.levels.length;
          const [pages, exactPages] = [out, exact].map((o) => besidesNullPages(o.requests).length);
          assert.ok(
            pages! <= exactPages! + (levels === 1 ? 1 : 2 * (levels - 1)),
            `${pages} pages, ${exactPages} with an exact count`,
          );
          const nullPages = out.requests.length - pages!;
          assert.ok(nullPages <= exact.requests.length - exactPages! + levels - 1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stages every row present throughout a read once, and no row twice, when rows come and go between pages', () => {
    // Rows inserted anywhere, rows inserted just ahead of the page's last row (in its group,
    // sorting before it: they push the rows the next page must skip further on), rows removed.
    const mutation = fc.record({
      after: fc.integer({ min: 1, max: 25 }),
      insert: fc.array(fc.nat(), { maxLength: 15 }),
      ahead: fc.array(fc.nat(), { maxLength: 12 }),
      remove: fc.array(fc.nat(), { maxLength: 15 }),
    });
    fc.assert(
      fc.property(
        anyTable,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        silentCapArb,
        fc.boolean(),
        fc.boolean(),
        (table, mutations, cap, declare, count) => {
          const removed = new Set<unknown>();
          const everPresent = new Set<unknown>(table.rows.map((row) => row[PAYLOAD]));
          let next = 400;
          const out = read(new ModelLooker(table.rows, table.levels, cap), {
            levels: table.levels,
            keyFields: table.keyFields,
            counted: count ? table.rows.length : null,
            declaredCap: declare ? cap : undefined,
            between: (pages, looker, page) => {
              for (const m of mutations.filter((m) => m.after === pages)) {
                const current = looker.table;
                const gone = new Set(current.length ? m.remove.map((i) => current[i % current.length]!) : []);
                for (const row of gone) removed.add(row[PAYLOAD]);
                looker.remove(gone);
                const like = page.at(-1);
                const added = [
                  ...m.insert.map((pick) => table.make(next++, pick)),
                  ...(like ? m.ahead.map((pick) => table.make(next++, pick, like)) : []),
                ];
                for (const row of added) everPresent.add(row[PAYLOAD]);
                looker.insert(added);
              }
            },
          });
          assert.equal(out.error, undefined, out.error?.message);
          assert.ok(out.state.done);
          for (const row of table.rows)
            if (!removed.has(row[PAYLOAD]))
              assert.equal(out.staged.get(row[PAYLOAD]), 1, `row ${String(row[PAYLOAD])} staged once`);
          for (const [payload, times] of out.staged) {
            assert.equal(times, 1, `row ${String(payload)} staged ${times} times`);
            assert.ok(everPresent.has(payload));
          }
          assertNoWastedPage(out.requests, false);
        },
      ),
      { numRuns: 150 },
    );
  });

  describe('NULL keys in a level after the first', () => {
    /** Seconds of [time, key], some keys NULL (`nulls` of each second's rows). */
    const withNulls = (key: OrderLevel) =>
      fc
        .array(
          fc.record({
            size: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 40 })),
            nulls: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 })),
          }),
          { maxLength: 25 },
        )
        .map((spec) => {
          const rows: Row[] = [];
          spec.forEach(({ size, nulls }, s) => {
            for (let k = 0; k < size; k++) {
              const i = rows.length;
              const value = k < nulls ? null : key.kind === 'string' ? `k${i}` : i;
              rows.push({ [TIME.field]: second(s), [key.field]: value, [PAYLOAD]: i });
            }
          });
          return rows;
        });

    /** Per second: its rows, its NULL keys, its other keys. */
    const perSecond = (rows: readonly Row[], key: OrderLevel) => {
      const out = new Map<unknown, { size: number; n: number; r: number }>();
      for (const row of rows) {
        const s = out.get(row[TIME.field]) ?? { size: 0, n: 0, r: 0 };
        s.size += 1;
        if (row[key.field] === null) s.n += 1;
        else s.r += 1;
        out.set(row[TIME.field], s);
      }
      return [...out.values()];
    };

    interface NullsConfig {
      cap: number;
      declare: boolean;
      count: boolean;
      nulls: Nulls;
    }
    const config: fc.Arbitrary<NullsConfig> = fc.record({
      cap: fc.integer({ min: 1, max: 30 }),
      declare: fc.boolean(),
      count: fc.boolean(),
      nulls: fc.constantFrom<Nulls>('first', 'last'),
    });

    function readWithNulls(rows: Row[], key: OrderLevel, c: NullsConfig) {
      const levels = [TIME, key];
      return read(new ModelLooker(rows, levels, c.cap, c.nulls), {
        levels,
        keyFields: [key.field],
        counted: c.count ? rows.length : null,
        declaredCap: c.declare ? c.cap : undefined,
      });
    }

    it('a NULL id: each row once, or a terminal error naming t.id; which one, by where NULLs sort', () => {
      // With the cap known: NULLS FIRST gives up exactly when a second holds a page of NULL ids
      // (the page inside the second would start after a NULL). Either way a read in which no
      // second with a NULL id holds a page of rows never needs to page inside one: it finishes.
      fc.assert(
        fc.property(withNulls(ID), config, (rows, c) => {
          const out = readWithNulls(rows, ID, c);
          const stats = perSecond(rows, ID);
          if (out.error) assert.match(out.error.message, /t\.id/);
          else {
            assertReadOnce(out, rows);
            for (const row of rows) if (row[ID.field] === null) assert.ok(out.staged.has(row[PAYLOAD]));
          }
          if (c.declare && stats.every((s) => s.n === 0 || s.size < c.cap))
            assert.equal(out.error, undefined, 'no second with a NULL id fills a page');
          if (c.declare && c.nulls === 'first')
            assert.equal(
              !!out.error,
              stats.some((s) => s.n >= c.cap),
              'gives up iff a page of NULL ids',
            );
        }),
        { numRuns: 300 },
      );
    });

    it('a NULL string tid: each row once, or a terminal error naming t.tid; which one, by where NULLs sort', () => {
      // Inside a second that fills a page, the tids read are excluded page by page (NULL too,
      // as `-NULL`), but no page can start after a NULL. NULLS FIRST: gives up iff the first page
      // of the second is all NULL (a page of NULL tids). NULLS LAST: the NULLs come back at the
      // end of every page inside the second (a negation of values keeps NULL); the read gives
      // up iff they do not fit in the last page: (other tids mod cap) + NULLs >= cap.
      fc.assert(
        fc.property(withNulls(TID), config, (rows, c) => {
          const out = readWithNulls(rows, TID, c);
          if (out.error) assert.match(out.error.message, /t\.tid/);
          else assertReadOnce(out, rows);
          if (!c.declare) return;
          const stats = perSecond(rows, TID).filter((s) => s.n > 0 && s.size >= c.cap);
          const givesUp =
            c.nulls === 'first'
              ? stats.some((s) => s.n >= c.cap)
              : stats.some((s) => (s.r % c.cap) + s.n >= c.cap);
          assert.equal(!!out.error, givesUp, out.error?.message ?? 'finished');
        }),
        { numRuns: 300 },
      );
    });

    it('NULLs in field_usage (explore, view or field): each row once, or a terminal error naming that field', () => {
      const cell = (values: string[]) =>
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...values) },
          { weight: 1, arbitrary: fc.constant(null) },
        );
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(...MODELS), cell(EXPLORES), cell(VIEWS), cell(FIELDS)), {
            maxLength: 200,
            size: 'medium',
          }),
          config,
          (tuples, c) => {
            // A key without NULLs names one row; rows whose key holds a NULL may repeat it.
            const keys = new Set<string>();
            const unique = tuples.filter(
              (t) => t.includes(null) || (!keys.has(t.join()) && keys.add(t.join())),
            );
            const rows: Row[] = unique.map((tuple, i) => ({
              ...Object.fromEntries(FIELD_USAGE.map((l, k) => [l.field, tuple[k]])),
              [PAYLOAD]: i,
            }));
            const out = read(new ModelLooker(rows, FIELD_USAGE, c.cap, c.nulls), {
              levels: FIELD_USAGE,
              keyFields: FIELD_USAGE.map((l) => l.field),
              counted: c.count ? rows.length : null,
              declaredCap: c.declare ? c.cap : undefined,
            });
            if (out.error) {
              const named = FIELD_USAGE.filter((l) => out.error!.message.includes(l.field));
              assert.ok(
                named.some((l) => rows.some((row) => row[l.field] === null)),
                `names a field holding NULL: ${out.error.message}`,
              );
            } else assertReadOnce(out, rows);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  it('reads a second of string keys larger than a page by exclusions, and gives up past MAX_EXCLUDED_VALUES', () => {
    // Each full page inside the second excludes a page of tids; the read gives up when the
    // exclusions after a full page exceed the most (floor(rows / cap) * cap > the most).
    fc.assert(
      fc.property(
        fc.integer({ min: 25, max: 50 }),
        fc.integer({ min: 1, max: 1100 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (cap, burst, before, after) => {
          const rows = timeIdRows([before, burst, after]).map((row, i) => ({
            [TIME.field]: row[TIME.field],
            [TID.field]: `tid-${(i * 7919) % 100_003}`,
            [PAYLOAD]: i,
          }));
          const out = read(new ModelLooker(rows, [TIME, TID], cap), {
            levels: [TIME, TID],
            keyFields: [TID.field],
            counted: rows.length,
            declaredCap: cap,
          });
          const givesUp = burst >= cap && Math.floor(burst / cap) * cap > MAX_EXCLUDED_VALUES;
          if (givesUp) {
            assert.ok(out.error, `${burst} rows in a second, pages of ${cap}`);
            assert.match(out.error.message, /t\.tid/);
          } else {
            assertReadOnce(out, rows);
            assertNoWastedPage(out.requests);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
