/**
 * `run_inline_query` semantics, independent of HTTP: a WriteQuery body and the query-string
 * parameters in, a lazily produced result out (or an error the server maps to Looker's bodies).
 *
 * A query reads the base view's rows in time order (a filter on an ordering group is an index
 * range), joins only the views its fields, filters and sorts name (many_to_one: one row or NULLs;
 * one_to_many: one row per child, or one row of NULLs), filters, then either groups (measures),
 * keeps distinct rows (dimensions only, as Looker's GROUP BY), sorts and limits. Rows stream
 * when the order is the base's time order (or a generated id order); other sorts, aggregates
 * and distinct sets buffer, bounded by `maxBufferedRows`.
 */
import { sortValue, type OutputColumn } from './encode.js';
import { FilterSyntaxError, numberMatcher, parseTimeFilter, stringMatcher, yesnoMatcher } from './filters.js';
import type { AliasModel, ExploreModel, ModelField } from './model.js';
import { addUnits, HOUR, truncate, type TimeUnit } from './time.js';
import type { Scalar } from './types.js';

export const MODEL_NAME = 'system__activity';
/** Looker's row limit when a query gives none. */
export const DEFAULT_LIMIT = 5000;

/** An error answered with an HTTP status and Looker's Error (or, with `errors`, ValidationError) body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: { field: string; code: string; message: string }[],
  ) {
    super(message);
  }
}

/** A query Looker accepts but cannot run: answered 200 with a `looker_error` element, as Looker does. */
export class QueryRunError extends Error {}

function invalid(field: string, message: string, code = 'invalid'): ApiError {
  return new ApiError(422, 'Validation Failed', [{ field, code, message }]);
}

export interface QueryContext {
  explore(name: string): ExploreModel | undefined;
  now: number;
  rowCap?: number;
  cacheStaleHours?: number;
  /** Most rows a query may buffer to sort, aggregate or keep distinct. */
  maxBufferedRows: number;
}

export interface QueryResult {
  explore: ExploreModel;
  columns: OutputColumn[];
  next(): Scalar[] | undefined;
}

/** A query as the planner takes it, from a WriteQuery or from `truth()`. */
export interface PlannedQuery {
  fields: string[];
  filters: Record<string, string>;
  sorts: string[] | undefined;
  limit: number;
  /** A half-open window on a time field, in ms (`truth()`'s window). */
  range?: { field: string; from: number; to: number };
  now: number;
  /** Rows newer than this are not served (System Activity's cache). */
  staleBefore?: number;
  /** Read forgotten rows too (`everHeld()`). */
  everHeld?: boolean;
  maxBufferedRows: number;
}

interface SortKey {
  field: ModelField;
  descending: boolean;
}

type Slots = (Scalar[] | null)[];
type RowTest = (slots: Slots) => boolean;

const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'zulu', 'universal']);

/** Validates a WriteQuery and plans it; throws ApiError or QueryRunError. */
export function runInlineQuery(body: unknown, params: URLSearchParams, context: QueryContext): QueryResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'The request body must be a JSON object (a WriteQuery)');
  const query = body as Record<string, unknown>;
  for (const name of ['model', 'view'] as const)
    if (typeof query[name] !== 'string' || query[name] === '')
      throw invalid(name, 'This field is required.', 'missing_field');
  const model = query.model === MODEL_NAME ? context.explore(query.view as string) : undefined;
  if (!model) throw new ApiError(404, 'Not found');

  unsupported(query, 'pivots', (v) => Array.isArray(v) && v.length > 0);
  unsupported(query, 'fill_fields', (v) => Array.isArray(v) && v.length > 0);
  unsupported(query, 'filter_expression', (v) => typeof v === 'string' && v.trim() !== '');
  unsupported(query, 'dynamic_fields', (v) => typeof v === 'string' && !/^\s*(\[\s*\])?\s*$/.test(v));
  const zone = query.query_timezone;
  if (zone !== undefined && zone !== null && zone !== '' && !UTC_ZONES.has(String(zone).toLowerCase()))
    throw invalid('query_timezone', `this fake serves UTC only, not "${String(zone)}"`, 'unsupported');
  if (query.fields !== undefined && query.fields !== null && !isStringArray(query.fields))
    throw invalid('fields', 'must be an array of field names');
  const filters = query.filters ?? {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters))
    throw invalid('filters', 'must be an object of field name to filter expression');
  const textFilters: Record<string, string> = {};
  for (const [name, expression] of Object.entries(filters as Record<string, unknown>)) {
    if (expression === null || expression === undefined || expression === '') continue;
    if (typeof expression !== 'string') throw invalid(`filters.${name}`, 'a filter expression is a string');
    textFilters[name] = expression;
  }
  if (query.sorts !== undefined && query.sorts !== null && !isStringArray(query.sorts))
    throw invalid('sorts', 'must be an array of strings');
  return planQuery(model, {
    fields: [...new Set((query.fields as string[] | null | undefined) ?? [])],
    filters: textFilters,
    sorts: (query.sorts as string[] | null | undefined) ?? undefined,
    limit: rowLimit(query.limit, params.get('limit'), context.rowCap),
    now: context.now,
    staleBefore: context.cacheStaleHours ? context.now - context.cacheStaleHours * HOUR : undefined,
    maxBufferedRows: context.maxBufferedRows,
  });
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function unsupported(query: Record<string, unknown>, name: string, used: (value: unknown) => boolean): void {
  if (used(query[name])) throw invalid(name, `${name} is not supported by this fake`, 'unsupported');
}

/** The query-string `limit` wins over the body's; -1 is "all rows"; the server cap applies silently. */
function rowLimit(bodyLimit: unknown, paramLimit: string | null, rowCap: number | undefined): number {
  const requested =
    paramLimit ?? (bodyLimit === null || bodyLimit === undefined ? undefined : String(bodyLimit));
  let limit = DEFAULT_LIMIT;
  if (requested !== undefined && requested !== '') {
    const n = Number(requested);
    if (!Number.isInteger(n) || (n < 1 && n !== -1))
      throw invalid(
        'limit',
        `"${requested}" is not a row limit (a positive whole number, or -1 for all rows)`,
      );
    limit = n === -1 ? Infinity : n;
  }
  return rowCap === undefined ? limit : Math.min(limit, rowCap);
}

/** Plans one query on an explore; throws ApiError (bad filters) or QueryRunError (what Looker reports in a 200). */
export function planQuery(model: ExploreModel, query: PlannedQuery): QueryResult {
  const fieldOf = (name: string, where: string): ModelField => {
    const field = model.fields.get(name);
    if (!field) throw new QueryRunError(`Unknown field "${name}" in ${where} of explore "${model.name}"`);
    return field;
  };
  if (query.fields.length === 0) throw new QueryRunError('Must query at least one dimension or measure');
  const selected = query.fields.map((name) => fieldOf(name, 'fields'));
  for (const field of selected)
    if (field.measure?.unknown)
      throw new QueryRunError(`This fake cannot compute ${field.key}: ${field.measure.unknown}`);
  const base = model.aliases[0]!;
  const baseTable = base.table;

  // Filters: an ordering group narrows the base index range; anything else is a per-row test.
  let from = -Infinity;
  let to = Infinity;
  let firstIndex = 0;
  const tests: { field: ModelField; test: (value: Scalar) => boolean }[] = [];
  const used: ModelField[] = [...selected];
  const timeRange = (field: ModelField, range: { from: number; to: number; onlyNulls?: boolean }) => {
    if (field.dimensionGroup !== undefined && model.orderingGroups.has(field.dimensionGroup)) {
      // Ordering times are never null.
      if (range.onlyNulls) to = from;
      from = Math.max(from, range.from);
      to = Math.min(to, range.to);
      return;
    }
    used.push(field);
    tests.push({
      field,
      test: (v) =>
        range.onlyNulls ? v === null : v !== null && (v as number) >= range.from && (v as number) < range.to,
    });
  };
  for (const [name, expression] of Object.entries(query.filters)) {
    const field = fieldOf(name, 'filters');
    if (field.category === 'measure')
      throw invalid(`filters.${name}`, 'filters on measures are not supported by this fake', 'unsupported');
    try {
      if (field.timeframe && field.kind !== 'hour_of_day' && field.kind !== 'day_of_week')
        timeRange(field, parseTimeFilter(expression, query.now));
      else {
        used.push(field);
        if (field.lookerType === 'number' || field.kind === 'hour_of_day') {
          const matches = numberMatcher(expression);
          const lower = /^\s*(>=?)\s*(\d+)\s*$/.exec(expression);
          // A keyset page (`id: ">1234"`) on generated ids (row + 1) starts past the rows it excludes.
          if (lower && field.aliasIndex === 0 && field.primaryKey)
            firstIndex = Math.max(firstIndex, +lower[2]! - (lower[1] === '>=' ? 1 : 0));
          tests.push({ field, test: (v) => matches(v as number | null) });
        } else {
          const matches = field.lookerType === 'yesno' ? yesnoMatcher(expression) : stringMatcher(expression);
          const derived = field.kind === 'day_of_week';
          tests.push({
            field,
            test: (v) =>
              matches(derived && v !== null ? (dayName(v as number) as string) : (v as string | null)),
          });
        }
      }
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw invalid(`filters.${name}`, error.message);
      throw error;
    }
  }
  if (query.range) timeRange(fieldOf(query.range.field, 'range'), query.range);
  if (query.staleBefore !== undefined && baseTable.hasTime) to = Math.min(to, query.staleBefore);

  const measures = selected.filter((f) => f.category === 'measure');
  const sorts = parseSorts(query.sorts, selected, measures, fieldOf);
  if (sorts !== 'unsorted') used.push(...sorts.map((s) => s.field));

  // The joins this query needs: those its fields name, and the joins their keys come through.
  const included = new Set<number>([0]);
  const include = (index: number) => {
    if (included.has(index)) return;
    included.add(index);
    const key = model.aliases[index]!.key;
    if (key.kind !== 'none') include(key.from);
  };
  for (const field of used) include(field.aliasIndex);
  const joins = model.aliases.filter((a) => a.index !== 0 && included.has(a.index));
  const fanOut = joins.some((a) => a.key.kind === 'many' && !a.key.single);

  // Columns to compute per alias: its fields and the keys later joins read from it.
  const columns = model.aliases.map(() => new Set<number>());
  for (const field of used) if (field.column >= 0) columns[field.aliasIndex]!.add(field.column);
  for (const field of measures) {
    if (field.measure?.source !== undefined) columns[field.aliasIndex]!.add(field.measure.source);
    // Symmetric aggregates tell rows of a view apart by its primary key.
    const id = model.aliases[field.aliasIndex]!.table.idColumn;
    if (id >= 0) columns[field.aliasIndex]!.add(id);
  }
  for (const join of joins) {
    if (join.key.kind === 'one') columns[join.key.from]!.add(join.key.column);
    if (join.key.kind === 'many') columns[join.key.from]!.add(join.key.fromColumn);
  }
  const columnLists = columns.map((set) => [...set]);

  const valueOf = (field: ModelField) => {
    const a = field.aliasIndex;
    const c = field.column;
    return (slots: Slots): Scalar => slots[a]?.[c] ?? null;
  };
  const compiledTests = tests.map(({ field, test }) => {
    const read = valueOf(field);
    return (slots: Slots) => test(read(slots));
  });
  const test: RowTest | undefined =
    compiledTests.length === 0
      ? undefined
      : compiledTests.length === 1
        ? compiledTests[0]
        : (slots) => compiledTests.every((t) => t(slots));

  const dimensions = selected.filter((f) => f.category === 'dimension');
  const everHeld = query.everHeld ?? false;

  const fast =
    measures.length > 0 && joins.length === 0 && tests.length === 0
      ? perPeriodCounts(model, dimensions, measures, selected, from, to, everHeld, firstIndex)
      : undefined;
  if (fast) {
    sortRows(fast, sorts, selected);
    return fromArray(model, outputColumns(selected), fast, query.limit);
  }

  const source = joinedRows(
    model,
    joins,
    columnLists,
    from,
    to,
    sortOrder(sorts, model, from, to),
    everHeld,
    firstIndex,
    test,
  );

  if (measures.length > 0) {
    const rows = aggregate(
      model,
      selected,
      dimensions,
      measures,
      fanOut,
      joins,
      source,
      query.maxBufferedRows,
    );
    sortRows(rows, sorts, selected);
    return fromArray(model, outputColumns(selected), rows, query.limit);
  }

  // Dimensions only: extra sort fields ride along past the selected ones.
  const extra = sorts === 'unsorted' ? [] : sorts.map((s) => s.field).filter((f) => !selected.includes(f));
  const projected = [...selected, ...extra].map(valueOf);
  const project = (slots: Slots) => projected.map((read) => read(slots));
  const unique =
    selected.some((f) => f.aliasIndex === 0 && f.primaryKey) &&
    joins.every(
      (j) =>
        j.key.kind !== 'many' ||
        j.key.single === true ||
        selected.some((f) => f.aliasIndex === j.index && f.primaryKey),
    );
  const seen = unique ? undefined : new Set<string>();
  const distinct = (row: Scalar[]): boolean => {
    if (!seen) return true;
    const key = JSON.stringify(selected.map((f, k) => sortValue(f.kind, row[k]!)));
    if (seen.has(key)) return false;
    if (seen.size >= query.maxBufferedRows)
      throw new QueryRunError(
        `This fake keeps at most ${query.maxBufferedRows} distinct rows; select the primary key`,
      );
    seen.add(key);
    return true;
  };
  const order = sortOrder(sorts, model, from, to);
  if (order !== undefined && joins.length === 0 && !seen) {
    // The hot path: the base row's buffer is the output row; columns read it in place.
    let emitted = 0;
    return {
      explore: model,
      columns: selected.map((field) => ({ field, index: field.column })),
      next() {
        if (emitted >= query.limit) return undefined;
        const slots = source();
        if (slots === undefined) return undefined;
        emitted++;
        return slots[0]!;
      },
    };
  }
  if (order !== undefined) {
    let emitted = 0;
    return {
      explore: model,
      columns: outputColumns(selected),
      next() {
        if (emitted >= query.limit) return undefined;
        for (let slots = source(); slots !== undefined; slots = source()) {
          const row = project(slots);
          if (!distinct(row)) continue;
          emitted++;
          return row;
        }
        return undefined;
      },
    };
  }
  const rows: Scalar[][] = [];
  for (let slots = source(); slots !== undefined; slots = source()) {
    const row = project(slots);
    if (!distinct(row)) continue;
    if (rows.length >= query.maxBufferedRows) {
      const by = sorts === 'unsorted' ? 'this order' : sorts.map((s) => s.field.key).join(', ');
      throw new QueryRunError(
        `This fake buffers at most ${query.maxBufferedRows} rows to sort by ${by}; sort by the cursor or narrow the filters`,
      );
    }
    rows.push(row);
  }
  sortRows(rows, sorts, [...selected, ...extra]);
  return fromArray(model, outputColumns(selected), rows, query.limit);
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
function dayName(ms: number): string {
  return WEEKDAYS[new Date(ms).getUTCDay()]!;
}

function outputColumns(selected: ModelField[]): OutputColumn[] {
  return selected.map((field, index) => ({ field, index }));
}

/**
 * The joined rows of the base rows in `[from, to)`, one slot array per row (a slot per alias:
 * its values, or null when the join found nothing). Returns arrays that the next call reuses.
 */
function joinedRows(
  model: ExploreModel,
  joins: AliasModel[],
  columns: number[][],
  from: number,
  to: number,
  order: 'ascending' | 'descending' | undefined,
  everHeld: boolean,
  firstIndex: number,
  test: RowTest | undefined,
): () => Slots | undefined {
  const base = model.aliases[0]!;
  const scan = base.table.scan(from, to, order === 'descending', everHeld, firstIndex);
  const buffers = model.aliases.map((a) => new Array<Scalar>(a.table.columns.length).fill(null));
  const slots: Slots = model.aliases.map(() => null);
  const baseColumns = columns[0]!;
  if (joins.length === 0)
    return () => {
      for (let row = scan(); row !== undefined; row = scan()) {
        slots[0] = base.table.fill(row, baseColumns, buffers[0]!);
        if (!test || test(slots)) return slots;
      }
      return undefined;
    };

  // With joins, each base row yields its combinations into a queue (copies: the buffers are reused).
  const queue: Slots[] = [];
  const expand = (k: number) => {
    if (k === joins.length) {
      if (!test || test(slots)) queue.push(slots.map((s) => (s === null ? null : s.slice())));
      return;
    }
    const join = joins[k]!;
    const key = join.key;
    const table = join.table;
    if (key.kind === 'one') {
      const id = slots[key.from]?.[key.column] ?? null;
      const row = table.rowById(id, everHeld);
      slots[join.index] =
        row === undefined ? null : table.fill(row, columns[join.index]!, buffers[join.index]!);
      expand(k + 1);
    } else if (key.kind === 'many') {
      const id = slots[key.from]?.[key.fromColumn] ?? null;
      const children = table.children(key.childColumn, id, everHeld);
      if (children.length === 0) {
        slots[join.index] = null;
        expand(k + 1);
      }
      for (const child of children) {
        slots[join.index] = table.fill(child, columns[join.index]!, buffers[join.index]!);
        expand(k + 1);
      }
    } else {
      slots[join.index] = null;
      expand(k + 1);
    }
    slots[join.index] = null;
  };
  let at = 0;
  return () => {
    while (at >= queue.length) {
      queue.length = 0;
      at = 0;
      const row = scan();
      if (row === undefined) return undefined;
      slots[0] = base.table.fill(row, baseColumns, buffers[0]!);
      expand(0);
    }
    return queue[at++];
  };
}

/**
 * `view.field`, `view.field desc`, `view.field asc`, with an optional pivot index (`desc 0`);
 * `["__UNSORTED__"]` disables sorting. Without sorts Looker sorts by the first time dimension
 * descending, else the first measure descending, else the first dimension ascending.
 */
function parseSorts(
  raw: string[] | undefined,
  selected: ModelField[],
  measures: ModelField[],
  fieldOf: (name: string, where: string) => ModelField,
): SortKey[] | 'unsorted' {
  const sorts = raw ?? [];
  if (sorts.length === 1 && sorts[0] === '__UNSORTED__') return 'unsorted';
  if (sorts.length === 0) {
    const time = selected.find((f) => f.timeframe !== undefined);
    if (time) return [{ field: time, descending: true }];
    if (measures[0]) return [{ field: measures[0], descending: true }];
    return [{ field: selected[0]!, descending: false }];
  }
  return sorts.map((sort) => {
    const match = /^\s*(\S+)(?:\s+(asc|desc))?(?:\s+\d+)?\s*$/i.exec(sort);
    if (!match) throw invalid('sorts', `"${sort}" is not "view.field [asc|desc]"`);
    const field = fieldOf(match[1]!, 'sorts');
    if (field.category === 'measure' && !measures.includes(field))
      throw new QueryRunError(`Sort field "${field.key}" is a measure that is not in the query`);
    return { field, descending: match[2]?.toLowerCase() === 'desc' };
  });
}

/** Whether the base rows' own order (or its reverse) is the requested order, so nothing is buffered. */
function sortOrder(
  sorts: SortKey[] | 'unsorted',
  model: ExploreModel,
  from: number,
  to: number,
): 'ascending' | 'descending' | undefined {
  if (sorts === 'unsorted') return 'ascending';
  if (sorts.length !== 1) return undefined;
  const [{ field, descending }] = sorts as [SortKey];
  const onOrdering =
    field.dimensionGroup !== undefined &&
    model.orderingGroups.has(field.dimensionGroup) &&
    field.kind !== 'hour_of_day' &&
    field.kind !== 'day_of_week';
  // Generated ids grow with the index; stored rows may break that order.
  const table = model.aliases[0]!.table;
  const onId =
    field.aliasIndex === 0 &&
    field.primaryKey &&
    !table.stored.some((row) => !table.hasTime || (row.time >= from && row.time < to));
  if (onOrdering || onId) return descending ? 'descending' : 'ascending';
  return undefined;
}

/** Nulls sort lowest (Looker's `null_sort_treatment: low`): first ascending, last descending. */
function sortRows(rows: Scalar[][], sorts: SortKey[] | 'unsorted', fields: ModelField[]): void {
  if (sorts === 'unsorted') return;
  const keys = sorts.map((s) => ({ ...s, index: fields.indexOf(s.field) }));
  if (keys.some((k) => k.index < 0)) throw new QueryRunError('Sorting by a field that is not in the query');
  rows.sort((a, b) => {
    for (const { field, descending, index } of keys) {
      const x = sortValue(field.kind, a[index]!);
      const y = sortValue(field.kind, b[index]!);
      if (x === y) continue;
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : x > y ? 1 : 0;
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

function fromArray(
  explore: ExploreModel,
  columns: OutputColumn[],
  rows: Scalar[][],
  limit: number,
): QueryResult {
  let i = 0;
  const end = Math.min(rows.length, limit);
  return { explore, columns, next: () => (i < end ? rows[i++] : undefined) };
}

const PERIODS: Record<string, TimeUnit> = { date: 'day', hour: 'hour', minute: 'minute' };

/**
 * The count first query, answered by index arithmetic: `{base}.{cursor}_date` (or `_hour`,
 * `_minute`) with the base view's `count`, no other filters or joins. Generated rows of a period
 * are an index range (one binary search per non-empty period), stored rows are counted one by one.
 */
function perPeriodCounts(
  model: ExploreModel,
  dimensions: ModelField[],
  measures: ModelField[],
  selected: ModelField[],
  from: number,
  to: number,
  everHeld: boolean,
  firstIndex: number,
): Scalar[][] | undefined {
  const base = model.aliases[0]!;
  const [period] = dimensions;
  if (dimensions.length !== 1 || !period || period.aliasIndex !== 0) return undefined;
  if (!model.cursor || period.dimensionGroup !== model.cursor.dimensionGroup) return undefined;
  const unit = PERIODS[period.timeframe ?? ''];
  if (!unit || measures.some((m) => m.aliasIndex !== 0 || m.lookerType !== 'count')) return undefined;
  const table = base.table;
  // Rows a test removed are not an index range any more: the general path counts them out.
  if (!everHeld && table.hasRemovals) return undefined;
  const counts = new Map<number, number>();
  const last = table.indexAt(to);
  let at = Math.max(table.indexAt(from), firstIndex, everHeld ? 0 : table.firstLive());
  while (at < last) {
    const start = truncate(table.timeOf(at), unit);
    const end = Math.min(last, table.indexAt(addUnits(start, unit, 1)));
    counts.set(start, end - at);
    at = end;
  }
  for (const row of table.stored)
    if (row.time >= from && row.time < to && (everHeld || table.isLive(row))) {
      const start = truncate(row.time, unit);
      counts.set(start, (counts.get(start) ?? 0) + 1);
    }
  return [...counts].map(([start, count]) => selected.map((f) => (f === period ? start : count)));
}

interface Accumulator {
  add(slots: Slots): void;
  result(): Scalar;
}

/** One accumulator per measure. Under fan-out, counts and sums go by distinct primary key (symmetric aggregates). */
function accumulator(field: ModelField, model: ExploreModel, symmetric: boolean): () => Accumulator {
  const measure = field.measure!;
  const alias = model.aliases[field.aliasIndex]!;
  const a = field.aliasIndex;
  const source = measure.source ?? -1;
  const read = measure.synthetic
    ? (slots: Slots) => (slots[a] ? syntheticValue(field.key, identityOf(alias, slots[a]!)) : null)
    : (slots: Slots) => slots[a]?.[source] ?? null;
  switch (measure.type) {
    case 'count':
      if (!symmetric)
        return () => {
          let n = 0;
          return { add: (slots) => void (slots[a] !== null && n++), result: () => n };
        };
      return () => {
        const ids = new Set<Scalar>();
        return {
          add: (slots) => {
            if (slots[a] !== null) ids.add(identityOf(alias, slots[a]!));
          },
          result: () => ids.size,
        };
      };
    case 'sum':
    case 'average':
      return () => {
        const values = new Map<Scalar, number>();
        let sum = 0;
        let n = 0;
        return {
          add: (slots) => {
            const v = read(slots);
            if (typeof v !== 'number') return;
            if (symmetric) values.set(identityOf(alias, slots[a]!), v);
            else {
              sum += v;
              n++;
            }
          },
          result: () => {
            if (symmetric) {
              n = values.size;
              sum = [...values.values()].reduce((x, y) => x + y, 0);
            }
            if (n === 0) return null;
            return measure.type === 'sum' ? sum : sum / n;
          },
        };
      };
    case 'max':
    case 'min':
      return () => {
        let best: number | null = null;
        return {
          add: (slots) => {
            const v = read(slots);
            if (typeof v === 'number' && (best === null || (measure.type === 'max' ? v > best : v < best)))
              best = v;
          },
          result: () => best,
        };
      };
    default: {
      // count_distinct
      return () => {
        const values = new Set<Scalar>();
        return {
          add: (slots) => {
            const v = read(slots);
            if (v !== null) values.add(v);
          },
          result: () => values.size,
        };
      };
    }
  }
}

/** A joined row's identity in its view: the primary key (every generated view with one has `id`). */
/** A measure's invented per-row value (see MeasureModel.synthetic): 0-99, stable per (measure, row key). */
function syntheticValue(measure: string, id: Scalar): number {
  let hash = 2166136261;
  for (const char of `${measure}|${String(id)}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % 100;
}

function identityOf(alias: AliasModel, values: Scalar[]): Scalar {
  const id = alias.table.idColumn;
  return id >= 0 ? values[id]! : JSON.stringify(values);
}

function aggregate(
  model: ExploreModel,
  selected: ModelField[],
  dimensions: ModelField[],
  measures: ModelField[],
  fanOut: boolean,
  joins: AliasModel[],
  source: () => Slots | undefined,
  max: number,
): Scalar[][] {
  void joins;
  const makers = measures.map((m) => accumulator(m, model, fanOut || m.aliasIndex !== 0));
  // Symmetric sums need the identity column of their view.
  const groups = new Map<string, { dims: Scalar[]; accs: Accumulator[] }>();
  const reads = dimensions.map((f) => (slots: Slots) => slots[f.aliasIndex]?.[f.column] ?? null);
  for (let slots = source(); slots !== undefined; slots = source()) {
    const dims = reads.map((read) => read(slots));
    const id = JSON.stringify(dimensions.map((f, k) => sortValue(f.kind, dims[k]!)));
    let group = groups.get(id);
    if (!group) {
      if (groups.size >= max) throw new QueryRunError(`This fake aggregates at most ${max} groups`);
      group = { dims, accs: makers.map((make) => make()) };
      groups.set(id, group);
    }
    for (const acc of group.accs) acc.add(slots);
  }
  if (groups.size === 0 && dimensions.length === 0)
    groups.set('', { dims: [], accs: makers.map((make) => make()) });
  return [...groups.values()].map(({ dims, accs }) =>
    selected.map((f) =>
      f.category === 'measure' ? accs[measures.indexOf(f)]!.result() : dims[dimensions.indexOf(f)]!,
    ),
  );
}
