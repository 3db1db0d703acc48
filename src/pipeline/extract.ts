import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IWriteQuery } from '@looker/sdk';
import { SYSTEM_ACTIVITY_MODEL, type ExploreDefinition } from '../explores/index.js';
import type { LookerClient } from '../looker/client.js';
import { encodeJsonl, parseJsonArray, type ExtractStats } from '../transform/jsonl.js';
import { compileRowMapper, type RunMetadata } from '../transform/row.js';
import { lookerTimeFilter, type ExtractWindow } from './windows.js';

/** The `run_inline_query` body for one window of one explore. */
export function windowQuery(
  explore: ExploreDefinition,
  window: Pick<ExtractWindow, 'start' | 'end'>,
): IWriteQuery {
  const cursor = `${explore.view}.${explore.cursorField ?? explore.partitionField}`;
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    view: explore.view,
    fields: explore.fields.map((field) => `${explore.view}.${field.name}`),
    filters: { [cursor]: lookerTimeFilter(window) },
    // Sorted by the cursor, a window's result is the same on every read.
    sorts: [cursor],
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
  explore: ExploreDefinition;
  window: Pick<ExtractWindow, 'start' | 'end'>;
  metadata: RunMetadata;
  sink: () => Writable;
  stats: ExtractStats;
  onProgress: (stats: ExtractStats) => void;
  signal?: AbortSignal;
}): Promise<ExtractStats> {
  const mapRow = compileRowMapper(options.explore);
  await options.looker.streamQuery(
    'json',
    windowQuery(options.explore, options.window),
    (body) =>
      pipeline(
        body,
        parseJsonArray,
        encodeJsonl(mapRow, options.metadata, options.stats, options.onProgress),
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
