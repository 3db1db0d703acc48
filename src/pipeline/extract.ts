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
import { countFields } from './count.js';
import { lookerTimeFilter } from './windows.js';

/**
 * Which rows one query reads: a cursor-time range `[start, end)` (and within it only keys after
 * `afterKey`, for paging inside one second), or a snapshot's keys after the last one read.
 */
export type QueryRange = { start: Date; end: Date; afterKey?: number } | { after?: number };

/** The `run_inline_query` body for one page of one explore. */
export function windowQuery(
  explore: ExploreDefinition,
  range: QueryRange,
  columns: readonly ColumnDefinition[] = explore.fields,
  limit?: number,
): IWriteQuery {
  const { time, key } = countFields(explore);
  const filters: Record<string, string> = { ...explore.filters };
  let sorts: string[];
  if ('start' in range) {
    filters[time!] = lookerTimeFilter(range);
    if (range.afterKey !== undefined) filters[key] = `>${range.afterKey}`;
    // Sorted by (cursor, key), a page's result is the same on every read and can be continued
    // strictly after its last row.
    sorts = range.afterKey !== undefined ? [key] : [time!, key];
  } else {
    if (range.after !== undefined) filters[key] = `>${range.after}`;
    sorts = [key];
  }
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    // The explore the table is read through; its fields may belong to a joined view.
    view: explore.explore,
    fields: columns.map((column) => lookerField(explore, column)),
    filters,
    sorts,
    // Never Looker's default of 5000, which truncates silently; a known cap is asked for
    // explicitly, so a full page is recognised.
    limit: limit === undefined ? '-1' : String(limit),
    query_timezone: 'UTC',
  };
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
