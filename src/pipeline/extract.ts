import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IWriteQuery } from '@looker/sdk';
import {
  lookerField,
  SYSTEM_ACTIVITY_MODEL,
  type ColumnDefinition,
  type ExploreDefinition,
} from '../explores/index.js';
import type { LookerClient } from '../looker/client.js';
import { encodeJsonl, parseJsonArray, type ExtractStats, type RowFilter } from '../transform/jsonl.js';
import type { compileRowMapper, RunMetadata } from '../transform/row.js';
import { lookerTimeFilter } from './windows.js';

/** Which rows one query reads: a cursor-time range, or snapshot keys after the last one read. */
export type QueryRange = { start: Date; end: Date } | { after?: unknown };

/** The `run_inline_query` body for one piece of one explore. */
export function windowQuery(
  explore: ExploreDefinition,
  range: QueryRange,
  columns: readonly ColumnDefinition[] = explore.fields,
): IWriteQuery {
  const filters: Record<string, string> = { ...explore.filters };
  let sort: string;
  if ('start' in range) {
    sort = lookerField(
      explore,
      explore.fields.find((c) => c.name === explore.cursorField)!,
    );
    filters[sort] = lookerTimeFilter(range);
  } else {
    // Snapshots are read in key order, so a capped page is continued after its last key.
    sort = lookerField(
      explore,
      explore.fields.find((c) => c.name === explore.primaryKey[0])!,
    );
    if (range.after !== undefined && range.after !== null) filters[sort] = `>${String(range.after)}`;
  }
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    // The explore the table is read through; its fields may belong to a joined view.
    view: explore.explore,
    fields: columns.map((column) => lookerField(explore, column)),
    filters,
    // Sorted by the cursor (or key), a piece's result is the same on every read.
    sorts: [sort],
    // Never Looker's default of 5000, which truncates silently.
    limit: '-1',
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
