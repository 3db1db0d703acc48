import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IWriteQuery } from '@looker/sdk';
import {
  lookerField,
  SYSTEM_ACTIVITY_MODEL,
  type ColumnDefinition,
  type ExploreDefinition,
} from '../explores/index.js';
import type { LookerClient, LookerUsage } from '../looker/client.js';
import { encodeJsonl, parseJsonArray, type ExtractStats, type RowFilter } from '../transform/jsonl.js';
import type { compileRowMapper, RunMetadata } from '../transform/row.js';
import { countFields, orderLevels } from './fields.js';
import { pageRequest, startPager, type LevelValue, type OrderLevel, type PageRequest } from './pager.js';
import { addDays, isoDay, lookerTimeFilter } from './windows.js';

/** The `run_inline_query` body for one page of one window (`[start, end)` of an incremental explore). */
export function windowQuery(
  explore: ExploreDefinition,
  page: PageRequest,
  window: { start: Date; end: Date },
  columns: readonly ColumnDefinition[] = explore.fields,
): IWriteQuery {
  const { time } = countFields(explore);
  const filters: Record<string, string> = { ...explore.filters };
  if (time) filters[time] = lookerTimeFilter(window);
  for (const { level, value } of page.fixed) filters[level.field] = equals(level, value);
  const constraint = pageConstraint(page, window);
  if (constraint !== undefined) {
    if (page.level.kind === 'string' && explore.filters?.[page.level.field])
      throw new Error(
        `${explore.name} filters its string key ${page.level.field}: it cannot also be paged by it`,
      );
    filters[page.level.field] = constraint;
  }
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    // The explore the table is read through; its fields may belong to a joined view.
    view: explore.explore,
    fields: columns.map((column) => lookerField(explore, column)),
    filters,
    // Sorted by the levels, a page's result is the same on every read and can be continued
    // after its last row.
    sorts: [...page.sorts],
    // Never Looker's default of 5000, which truncates silently; a page size is asked for
    // explicitly, so a full page is recognised.
    limit: page.limit === undefined ? '-1' : String(page.limit),
    query_timezone: 'UTC',
  };
}

/** The query for all of `window` in one result, as a read's first page asks it when Looker has no cap. */
export function wholeWindowQuery(
  explore: ExploreDefinition,
  window: { start: Date; end: Date },
  columns: readonly ColumnDefinition[] = explore.fields,
): IWriteQuery {
  const first = pageRequest(startPager({ levels: orderLevels(explore), counted: null }));
  return windowQuery(explore, first, window, columns);
}

/** The Looker filter on the paged level: where the page starts, or which values it leaves out. */
function pageConstraint(page: PageRequest, window: { start: Date; end: Date }): string | undefined {
  const { level, from } = page;
  if (level.kind === 'string')
    return page.excluded.length
      ? // NULLs sort together, so a NULL among the values read has all its rows read: `-NULL`.
        page.excluded
          .map((value) => (value === null ? '-NULL' : `-${escapeString(value as string)}`))
          .join(',')
      : undefined;
  if (!from) return undefined;
  if (level.kind === 'time') {
    const second = secondAt(from.value);
    const start = from.inclusive ? second : new Date(second.getTime() + SECOND_MS);
    return lookerTimeFilter({ start, end: window.end });
  }
  // Looker's `after` a day includes that day.
  if (level.kind === 'date') return `after ${from.inclusive ? from.value : nextDay(from.value)}`;
  return `${from.inclusive ? '>=' : '>'}${from.value}`;
}

/** The Looker filter matching exactly `value` at `level`. */
function equals(level: OrderLevel, value: LevelValue): string {
  // The rows of a group whose next key is NULL (read after its other keys): Looker's NULL.
  if (value === null) return 'NULL';
  if (level.kind === 'time') {
    const second = secondAt(value);
    return lookerTimeFilter({ start: second, end: new Date(second.getTime() + SECOND_MS) });
  }
  if (level.kind === 'number') return String(value);
  // A lone day is that whole day.
  if (level.kind === 'date') return String(value);
  return escapeString(String(value));
}

/**
 * A string as one literal term of a Looker string filter: `^` escapes the characters the filter
 * language gives meaning to (`,` between terms, `%` and `_` wildcards, a leading `-` negation).
 */
export function escapeString(value: string): string {
  return value.replace(/[\^,%_]/g, '^$&').replace(/^-/, '^-');
}

const SECOND_MS = 1000;

/** The day after a date level's value (`YYYY-MM-DD`). */
function nextDay(value: LevelValue): string {
  return isoDay(addDays(new Date(`${String(value)}T00:00:00Z`), 1));
}

/** The UTC second a time level's value (`YYYY-MM-DD HH:MM:SS`) names. */
function secondAt(value: LevelValue): Date {
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}

/** Ask Looker for fresh, unformatted values. (System Activity may still serve its own cache.) */
export const QUERY_PARAMS = {
  cache: false,
  apply_formatting: false,
  apply_vis: false,
  server_table_calcs: false,
};

/**
 * Streams one window from Looker through the row transform into `sink` (a GCS upload or a
 * file), with back-pressure end to end: memory does not grow with the row count.
 */
export async function extractWindow(options: {
  looker: LookerClient;
  query: IWriteQuery;
  mapRow: ReturnType<typeof compileRowMapper>;
  metadata: RunMetadata;
  sink: () => Writable;
  stats: ExtractStats;
  onProgress: (stats: ExtractStats) => void;
  filter?: RowFilter;
  signal?: AbortSignal;
  /** Counters the query is charged to, besides the client's own. */
  meters?: readonly LookerUsage[];
}): Promise<ExtractStats> {
  await options.looker.streamQuery(
    'json',
    options.query,
    (body) =>
      pipeline(
        body,
        parseJsonArray,
        encodeJsonl(options.mapRow, options.metadata, options.stats, options.onProgress, options.filter),
        options.sink(),
        {
          signal: options.signal,
        },
      ),
    QUERY_PARAMS,
    options.meters,
  );
  return options.stats;
}

/** A progress reporter that logs rows, megabytes and rows/s since `started`. */
export function progressLogger(log: (fields: Record<string, number>) => void, started = Date.now()) {
  return (stats: ExtractStats) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    log({
      rows: stats.rows,
      megabytes: Math.round(stats.bytes / 1e5) / 10,
      rowsPerSecond: Math.round(stats.rows / seconds),
    });
  };
}
