import { DependencyError } from '../errors.js';
import type { InvalidValueCounts, RunMetadata, compileRowMapper } from './row.js';

/** Running totals of one window's extract, updated as rows flow. */
export interface ExtractStats {
  /** Rows written. */
  rows: number;
  bytes: number;
  invalidValues: InvalidValueCounts;
  /** Rows Looker sent that were left out (the exporter's own activity). */
  excluded?: number;
  /** Rows Looker sent again that an earlier page already staged (a continued page's overlap). */
  reread?: number;
  /** Rows whose undeclared key was NULL, staged with a stand-in key. */
  nullKeys?: number;
  /** Rows whose undeclared key repeated an earlier row's, staged with a stand-in key. */
  repeatedKeys?: number;
}

/** Per-row choices of one extract beyond the mapping itself. */
export interface RowFilter {
  /** True for a Looker row that is not to be written. */
  skip?: (source: Record<string, unknown>) => boolean;
  /**
   * Sees every row Looker sent, in order (the pager's observer); true for a row an earlier page
   * already staged: neither written nor counted as excluded.
   */
  alreadyRead?: (source: Record<string, unknown>) => boolean;
  /**
   * Fields every row must have: the ones the query asked for. Looker may answer a query for a
   * field it no longer has by leaving it out of the rows; that must fail, not load NULLs.
   */
  requiredFields?: readonly string[];
}

export { parseJsonArray } from './json-array.js';

/** Lines are written in batches of about this many characters: fewer, larger writes to the upload. */
const BATCH_CHARS = 64 * 1024;

/**
 * Stream stage: parsed rows in, JSONL text out, counting rows, bytes and invalid values in
 * `stats` and calling `onProgress` every `progressEvery` rows.
 */
export function encodeJsonl(
  mapRow: ReturnType<typeof compileRowMapper>,
  metadata: RunMetadata,
  stats: ExtractStats,
  onProgress: (stats: ExtractStats) => void,
  filter: RowFilter = {},
  progressEvery = 100_000,
) {
  return async function* (items: AsyncIterable<{ value: unknown }>): AsyncGenerator<string> {
    let batch = '';
    // Looker's json rows all have the same keys: checking the first row is checking them all.
    let checked = false;
    for await (const item of items) {
      if (typeof item.value !== 'object' || item.value === null || Array.isArray(item.value)) {
        throw new TypeError(`Looker result element ${stats.rows} is not a row object`);
      }
      if ('looker_error' in item.value) {
        // Looker reports query errors inside a 200 json result, as an element of the array.
        throw new LookerQueryError(String((item.value as { looker_error: unknown }).looker_error));
      }
      const source = item.value as Record<string, unknown>;
      if (filter.requiredFields && !checked) {
        const missing = filter.requiredFields.filter((field) => !(field in source));
        if (missing.length) throw new MissingFieldsError(missing);
        checked = true;
      }
      if (filter.alreadyRead?.(source)) {
        stats.reread = (stats.reread ?? 0) + 1;
        continue;
      }
      if (filter.skip?.(source)) {
        stats.excluded = (stats.excluded ?? 0) + 1;
        continue;
      }
      batch += JSON.stringify(mapRow(source, metadata, stats.invalidValues, stats)) + '\n';
      stats.rows += 1;
      if (stats.rows % progressEvery === 0) onProgress(stats);
      if (batch.length >= BATCH_CHARS) {
        stats.bytes += Buffer.byteLength(batch);
        yield batch;
        batch = '';
      }
    }
    if (batch) {
      stats.bytes += Buffer.byteLength(batch);
      yield batch;
    }
  };
}

/** A query error Looker reported in the result body (an unknown field, a SQL error). */
export class LookerQueryError extends DependencyError {
  constructor(message: string) {
    super('looker', `Looker query failed: ${message}`, false);
  }
}

/** Looker's rows lack fields the query asked for: the explore no longer has them (terminal). */
export class MissingFieldsError extends DependencyError {
  constructor(readonly fields: readonly string[]) {
    super(
      'looker',
      `Looker's result has no ${fields.join(', ')}, which the query asked for: the explore no longer has ${fields.length === 1 ? 'this field' : 'these fields'} (the window fails rather than load NULL columns)`,
      false,
    );
  }
}
