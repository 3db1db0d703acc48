/**
 * `run_inline_query` semantics, independent of HTTP: a WriteQuery body and the query-string
 * parameters in, a lazily produced result out (or an error the server maps to Looker's bodies).
 * Rows are produced one at a time from the dataset; only sorts that are not the cursor order
 * and aggregates buffer, and both are bounded.
 */
import type { Scalar } from './explores/index.js';
import type { ExploreData } from './dataset.js';
import { sortValue, type OutputColumn } from './encode.js';
import { FilterSyntaxError, numberMatcher, parseTimeFilter, stringMatcher, yesnoMatcher } from './filters.js';
import type { ExploreModel, ModelField } from './model.js';
import { HOUR } from './time.js';

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
  explore(name: string): { model: ExploreModel; data: ExploreData } | undefined;
  now: number;
  rowCap?: number;
  cacheStaleHours?: number;
  /** Most rows a query may buffer to sort by something other than the cursor, or to aggregate. */
  maxBufferedRows: number;
}

export interface QueryResult {
  explore: ExploreModel;
  columns: OutputColumn[];
  next(): Scalar[] | undefined;
}

interface SortKey {
  field: ModelField;
  descending: boolean;
}

type RowTest = (values: Scalar[]) => boolean;

const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'zulu', 'universal']);

/** Validates and plans one inline query; throws ApiError or QueryRunError. */
export function runInlineQuery(body: unknown, params: URLSearchParams, context: QueryContext): QueryResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'The request body must be a JSON object (a WriteQuery)');
  const query = body as Record<string, unknown>;
  for (const name of ['model', 'view'] as const)
    if (typeof query[name] !== 'string' || query[name] === '')
      throw invalid(name, 'This field is required.', 'missing_field');
  const found = query.model === MODEL_NAME ? context.explore(query.view as string) : undefined;
  if (!found) throw new ApiError(404, 'Not found');
  const { model, data } = found;

  unsupported(query, 'pivots', (v) => Array.isArray(v) && v.length > 0);
  unsupported(query, 'fill_fields', (v) => Array.isArray(v) && v.length > 0);
  unsupported(query, 'filter_expression', (v) => typeof v === 'string' && v.trim() !== '');
  unsupported(query, 'dynamic_fields', (v) => typeof v === 'string' && !/^\s*(\[\s*\])?\s*$/.test(v));
  const zone = query.query_timezone;
  if (zone !== undefined && zone !== null && zone !== '' && !UTC_ZONES.has(String(zone).toLowerCase()))
    throw invalid('query_timezone', `this fake serves UTC only, not "${String(zone)}"`, 'unsupported');

  const fieldOf = (name: string, where: string): ModelField => {
    const field = model.fields.get(name);
    if (!field) throw new QueryRunError(`Unknown field "${name}" in ${where} of explore "${model.name}"`);
    return field;
  };
  if (query.fields !== undefined && query.fields !== null && !isStringArray(query.fields))
    throw invalid('fields', 'must be an array of field names');
  const names = [...new Set((query.fields as string[] | null | undefined) ?? [])];
  if (names.length === 0) throw new QueryRunError('Must query at least one dimension or measure');
  const selected = names.map((name) => fieldOf(name, 'fields'));

  // Filters: the cursor's own group narrows the index range; anything else is a per-row test.
  let from = -Infinity;
  let to = Infinity;
  // Keyset pages (`view.id: ">1234"`) start past the generated rows they exclude instead of testing them.
  let firstIndex = 0;
  const tests: RowTest[] = [];
  const filters = query.filters ?? {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters))
    throw invalid('filters', 'must be an object of field name to filter expression');
  for (const [name, expression] of Object.entries(filters as Record<string, unknown>)) {
    if (expression === null || expression === undefined || expression === '') continue;
    if (typeof expression !== 'string') throw invalid(`filters.${name}`, 'a filter expression is a string');
    const field = fieldOf(name, 'filters');
    if (field.category === 'measure')
      throw invalid(`filters.${name}`, 'filters on measures are not supported by this fake', 'unsupported');
    try {
      const onCursor = model.cursor !== undefined && field.dimensionGroup === model.cursor.dimensionGroup;
      if (field.timeframe) {
        const range = parseTimeFilter(expression, context.now);
        if (onCursor) {
          // Generated cursor times are never null.
          if (range.onlyNulls) to = from;
          from = Math.max(from, range.from);
          to = Math.min(to, range.to);
        } else {
          const column = field.column;
          tests.push((values) => {
            const value = values[column] as number | null;
            return range.onlyNulls
              ? value === null
              : value !== null && value >= range.from && value < range.to;
          });
        }
      } else {
        const column = field.column;
        if (field.lookerType === 'number') {
          const matches = numberMatcher(expression);
          const lower = /^\s*(>=?)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
          if (lower && field.increasing)
            firstIndex = Math.max(firstIndex, data.firstIndexAbove(column, +lower[2]!, lower[1] === '>='));
          tests.push((values) => matches(values[column] as number | null));
        } else {
          const matches = field.lookerType === 'yesno' ? yesnoMatcher(expression) : stringMatcher(expression);
          tests.push((values) => matches(values[column] as string | null));
        }
      }
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw invalid(`filters.${name}`, error.message);
      throw error;
    }
  }
  // System Activity answers from a cache: rows newer than the staleness do not exist yet for it.
  if (context.cacheStaleHours && model.cursor)
    to = Math.min(to, context.now - context.cacheStaleHours * HOUR);

  const limit = rowLimit(query.limit, params.get('limit'), context.rowCap);
  const measures = selected.filter((f) => f.category === 'measure');
  const sorts = parseSorts(query.sorts, selected, measures, fieldOf);
  const test: RowTest | undefined =
    tests.length === 0 ? undefined : tests.length === 1 ? tests[0] : (v) => tests.every((t) => t(v));

  if (measures.length > 0) return aggregate(model, data, selected, from, to, test, sorts, limit, context);

  const columns = selected.map((field) => ({ field, index: field.column }));
  const order = indexOrder(sorts, data, from, to);
  if (order !== undefined) {
    const scan = data.scan(from, to, order === 'descending', firstIndex);
    let emitted = 0;
    return {
      explore: model,
      columns,
      next() {
        if (emitted >= limit) return undefined;
        for (let values = scan(); values !== undefined; values = scan()) {
          if (test && !test(values)) continue;
          emitted++;
          return values;
        }
        return undefined;
      },
    };
  }
  const rows = collect(data, from, to, test, context.maxBufferedRows, sorts, firstIndex);
  rows.sort(comparator((sorts as SortKey[]).map((s) => ({ ...s, index: s.field.column }))));
  return fromArray(model, columns, rows, limit);
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

/**
 * `view.field`, `view.field desc`, `view.field asc`, with an optional pivot index (`desc 0`);
 * `["__UNSORTED__"]` disables sorting. Without sorts Looker sorts by the first time dimension
 * descending, else the first measure descending, else the first dimension ascending.
 */
function parseSorts(
  raw: unknown,
  selected: ModelField[],
  measures: ModelField[],
  fieldOf: (name: string, where: string) => ModelField,
): SortKey[] | 'unsorted' {
  if (raw !== undefined && raw !== null && !isStringArray(raw))
    throw invalid('sorts', 'must be an array of strings');
  const sorts = (raw as string[] | null | undefined) ?? [];
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

/** Whether the dataset's own order (or its reverse) is the requested order, so nothing is buffered. */
function indexOrder(
  sorts: SortKey[] | 'unsorted',
  data: ExploreData,
  from: number,
  to: number,
): 'ascending' | 'descending' | undefined {
  if (sorts === 'unsorted') return 'ascending';
  if (sorts.length !== 1) return undefined;
  const [{ field, descending }] = sorts as [SortKey];
  const cursorGroup = data.model.cursor?.dimensionGroup;
  const onCursor = cursorGroup !== undefined && field.dimensionGroup === cursorGroup;
  // Other increasing fields hold for generated rows only: appended rows may break their order.
  if (onCursor || (field.increasing && !data.hasAppended(from, to)))
    return descending ? 'descending' : 'ascending';
  return undefined;
}

function collect(
  data: ExploreData,
  from: number,
  to: number,
  test: RowTest | undefined,
  max: number,
  sorts: SortKey[] | 'unsorted',
  firstIndex: number,
): Scalar[][] {
  const rows: Scalar[][] = [];
  const scan = data.scan(from, to, false, firstIndex);
  for (let values = scan(); values !== undefined; values = scan()) {
    if (test && !test(values)) continue;
    if (rows.length >= max) {
      const by = sorts === 'unsorted' ? 'this order' : sorts.map((s) => s.field.key).join(', ');
      throw new QueryRunError(
        `This fake buffers at most ${max} rows to sort by ${by}; sort by the cursor or narrow the filters`,
      );
    }
    rows.push(values.slice());
  }
  return rows;
}

/** Nulls sort lowest (Looker's `null_sort_treatment: low`): first ascending, last descending. */
function comparator(keys: { field: ModelField; descending: boolean; index: number }[]) {
  return (a: Scalar[], b: Scalar[]): number => {
    for (const { field, descending, index } of keys) {
      const x = sortValue(field.kind, a[index]!);
      const y = sortValue(field.kind, b[index]!);
      if (x === y) continue;
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : x > y ? 1 : 0;
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
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

/** Measures (only `count`): group the filtered rows by the selected dimensions and count them. */
function aggregate(
  model: ExploreModel,
  data: ExploreData,
  selected: ModelField[],
  from: number,
  to: number,
  test: RowTest | undefined,
  sorts: SortKey[] | 'unsorted',
  limit: number,
  context: QueryContext,
): QueryResult {
  const dimensions = selected.filter((f) => f.category === 'dimension');
  const groups = new Map<string, Scalar[]>();
  const scan = data.scan(from, to);
  for (let values = scan(); values !== undefined; values = scan()) {
    if (test && !test(values)) continue;
    const id = JSON.stringify(dimensions.map((f) => sortValue(f.kind, values[f.column]!)));
    let group = groups.get(id);
    if (!group) {
      if (groups.size >= context.maxBufferedRows)
        throw new QueryRunError(`This fake aggregates at most ${context.maxBufferedRows} groups`);
      group = [...dimensions.map((f) => values[f.column]!), 0];
      groups.set(id, group);
    }
    (group[dimensions.length] as number)++;
  }
  // Output rows hold the selected dimensions in order, then the count every measure reads.
  const position = (field: ModelField) =>
    field.category === 'measure' ? dimensions.length : dimensions.indexOf(field);
  const rows = [...groups.values()];
  if (rows.length === 0 && dimensions.length === 0) rows.push([0]);
  if (sorts !== 'unsorted') {
    const keys = sorts.map((s) => ({ ...s, index: position(s.field) }));
    if (keys.some((k) => k.index < 0)) throw new QueryRunError('Sorting by a field that is not in the query');
    rows.sort(comparator(keys));
  }
  const columns = selected.map((field) => ({ field, index: position(field) }));
  return fromArray(model, columns, rows, limit);
}
