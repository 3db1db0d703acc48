import { createHash } from 'node:crypto';
import {
  lookerField,
  type ColumnDefinition,
  type ColumnType,
  type ExploreDefinition,
} from '../explores/index.js';
import { NO_MASKING, type ExploreMasking } from './mask.js';

/** Values added to every row of one window, so each row can be traced to its run. */
export interface RunMetadata {
  looker_instance: string;
  export_run_id: string;
  export_window_start: string;
  export_window_end: string;
  exported_at: string;
}

export type JsonValue = string | number | boolean | null;
export type BigQueryRow = Record<string, JsonValue>;

/** Counts of values BigQuery would reject, replaced by null, per column. */
export type InvalidValueCounts = Record<string, number>;

/** Rows whose undeclared key was NULL, or repeated an earlier row's, and was given a stand-in (`nullKeyFrom`). */
export interface KeyCounts {
  nullKeys?: number;
  repeatedKeys?: number;
}

/** BigQuery's limit on one STRING value in a load (10 MB); longer values are cut, not rejected. */
export const MAX_STRING_BYTES = 10 * 1024 * 1024;

const INTEGER = /^-?\d{1,19}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2}| UTC)?$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Metadata of a snapshot explore's row: the day of its snapshot. */
export interface SnapshotMetadata extends RunMetadata {
  snapshot_date: string;
}

/**
 * Compiles the mapping from a Looker JSON result row (`view.field` keys) to a BigQuery row
 * (column names, values in the forms BigQuery's JSON loader accepts). A value BigQuery would
 * reject becomes null and is counted, so one bad value never fails a whole load. Hashed columns
 * are hashed after coercion, so a value hashes the same whatever form Looker sent it in.
 */
export function compileRowMapper(
  explore: ExploreDefinition,
  read: readonly ColumnDefinition[] = explore.fields,
  masking: ExploreMasking = NO_MASKING,
) {
  const columns = read.map((field) => {
    const coerce = COERCERS[field.type];
    const hash = masking.hashed.get(field.name);
    return {
      key: lookerField(explore, field),
      name: field.name,
      coerce: hash
        ? (raw: unknown) => {
            const value = coerce(raw);
            return typeof value === 'string' ? hash(value) : value;
          }
        : coerce,
    };
  });
  const nullKey = nullKeyOf(explore, read);
  return function mapRow(
    source: Record<string, unknown>,
    metadata: RunMetadata,
    invalid: InvalidValueCounts,
    keys?: KeyCounts,
  ): BigQueryRow {
    const row: BigQueryRow = {};
    for (const column of columns) {
      const raw = source[column.key];
      if (raw === null || raw === undefined || raw === '') {
        row[column.name] = null;
        continue;
      }
      const value = column.coerce(raw);
      if (value === undefined) {
        invalid[column.name] = (invalid[column.name] ?? 0) + 1;
        row[column.name] = null;
      } else {
        row[column.name] = value;
      }
    }
    if (nullKey && row[nullKey.column] === null) {
      row[nullKey.column] = nullKey.of(row);
      if (keys) keys.nullKeys = (keys.nullKeys ?? 0) + 1;
    }
    return Object.assign(row, metadata);
  };
}

/**
 * A window's mapper for a table whose key the model does not declare: a row repeating the key
 * of an earlier row of the same read gets `key~hash` of its identifying columns, so neither
 * lands over the other and the merge is not refused (a read sorts by time and key, so the same
 * rows get the same keys on every re-read). Other tables' mappers are returned as they are.
 * Holds the window's keys in memory: only tables with `nullKeyFrom`, whose rows are builds and
 * dashboard runs, not events.
 */
export function withUniqueKeys(
  explore: ExploreDefinition,
  read: readonly ColumnDefinition[],
  mapRow: ReturnType<typeof compileRowMapper>,
): ReturnType<typeof compileRowMapper> {
  const nullKey = nullKeyOf(explore, read);
  if (!nullKey) return mapRow;
  const seen = new Set<string>();
  return (source, metadata, invalid, keys) => {
    const row = mapRow(source, metadata, invalid, keys);
    const key = String(row[nullKey.column]);
    if (!seen.has(key)) {
      seen.add(key);
      return row;
    }
    row[nullKey.column] = `${key}${nullKey.of(row)}`;
    if (keys) keys.repeatedKeys = (keys.repeatedKeys ?? 0) + 1;
    return row;
  };
}

/** The stand-in key of a row whose undeclared key is NULL: `~` and a hash of its identifying columns. */
function nullKeyOf(explore: ExploreDefinition, read: readonly ColumnDefinition[]) {
  if (!explore.nullKeyFrom) return undefined;
  const [column] = explore.primaryKey;
  const key = read.find((c) => c.name === column);
  if (explore.primaryKey.length !== 1 || key?.type !== 'STRING')
    throw new Error(`${explore.name}: nullKeyFrom needs a single STRING key`);
  const from = explore.nullKeyFrom.filter((name) => read.some((c) => c.name === name));
  return {
    column: key.name,
    of: (row: BigQueryRow) => {
      const hash = createHash('sha256');
      for (const name of from) hash.update(`${name}\u0000${JSON.stringify(row[name] ?? null)}\u0001`);
      return `~${hash.digest('hex').slice(0, 32)}`;
    },
  };
}

/** Each returns the BigQuery JSON value, or undefined for a value BigQuery would reject. */
const COERCERS: Record<ColumnType, (raw: unknown) => JsonValue | undefined> = {
  STRING(raw) {
    const text = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    return Buffer.byteLength(text) > MAX_STRING_BYTES ? truncateUtf8(text, MAX_STRING_BYTES) : text;
  },
  INTEGER(raw) {
    if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
    if (typeof raw === 'string' && INTEGER.test(raw.trim())) {
      const big = BigInt(raw.trim());
      return big >= INT64_MIN && big <= INT64_MAX ? big.toString() : undefined;
    }
    return undefined;
  },
  FLOAT(raw) {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
    return Number.isFinite(value) ? value : undefined;
  },
  BOOLEAN(raw) {
    if (typeof raw === 'boolean') return raw;
    const text = String(raw).toLowerCase();
    if (text === 'yes' || text === 'true') return true;
    if (text === 'no' || text === 'false') return false;
    return undefined;
  },
  DATE(raw) {
    return typeof raw === 'string' && DATE.test(raw) && isRealDate(raw) ? raw : undefined;
  },
  DATETIME(raw) {
    if (typeof raw !== 'string') return undefined;
    const match = DATETIME.exec(raw);
    if (
      !match ||
      !isRealDate(match[1]!) ||
      Number(match[2]) > 23 ||
      Number(match[3]) > 59 ||
      Number(match[4] ?? 0) > 59
    ) {
      return undefined;
    }
    return raw;
  },
  TIMESTAMP(raw) {
    if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
    return typeof raw === 'string' && TIMESTAMP.test(raw) && isRealDate(raw.slice(0, 10)) ? raw : undefined;
  },
};

function isRealDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day) && date.getUTCFullYear() >= 1;
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text).subarray(0, maxBytes);
  // Drop a trailing partial character rather than emit U+FFFD.
  return bytes.toString('utf8').replace(/\uFFFD$/, '');
}
