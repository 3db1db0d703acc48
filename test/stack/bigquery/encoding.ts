/**
 * Rows as tabledata.list and getQueryResults return them: `{f:[{v}]}` with every value a
 * string (RECORD `{v:{f:[...]}}`, REPEATED `{v:[{v}]}`, NULL `{v:null}`), and their paging.
 */
import { invalid } from './errors.js';
import { findField, type Field } from './schema.js';
import type { Stored, StoredRecord } from './values.js';

export interface EncodeOptions {
  /** `formatOptions.useInt64Timestamp`: TIMESTAMP as epoch microseconds instead of float seconds. */
  int64Timestamp: boolean;
}

/**
 * A double as Java's `Double.toString` writes it, which is how BigQuery's API prints FLOAT64
 * values and float-second timestamps (`1.0`, `2.5E-4`, `1.7000000123456E9`).
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

function encodeScalar(field: Field, value: Stored, options: EncodeOptions): string {
  switch (field.type) {
    case 'FLOAT':
      return javaDouble(value as number);
    case 'TIMESTAMP':
      return options.int64Timestamp ? String(value) : javaDouble(Number(value as bigint) / 1e6);
    default:
      return String(value);
  }
}

function encodeValue(field: Field, value: Stored, options: EncodeOptions): unknown {
  if (value === null) return null;
  if (field.mode === 'REPEATED') {
    const element = { ...field, mode: 'NULLABLE' as const };
    return (value as Stored[]).map((v) => ({ v: encodeValue(element, v, options) }));
  }
  if (field.type === 'RECORD') return encodeRow(field.fields ?? [], value as StoredRecord, options);
  return encodeScalar(field, value, options);
}

export function encodeRow(fields: readonly Field[], row: StoredRecord, options: EncodeOptions) {
  return { f: fields.map((field) => ({ v: encodeValue(field, row[field.name] ?? null, options) })) };
}

/** `selectedFields=a,b`: top-level columns in the order of the schema. */
export function selectFields(schema: readonly Field[], selected: string | null): Field[] {
  if (!selected) return [...schema];
  const wanted = selected
    .split(',')
    .map((s) => s.trim().split('.')[0]!)
    .filter(Boolean);
  for (const name of wanted)
    if (!findField(schema, name)) throw invalid(`Field ${name} not found in table schema`);
  return schema.filter((f) => wanted.some((w) => w.toLowerCase() === f.name.toLowerCase()));
}

/** An opaque page token for an offset (BigQuery's are opaque too; clients only echo them). */
export const tokenFor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

export function offsetOf(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match) throw invalid(`Invalid page token: ${token}`);
  return Number(match[1]);
}

export interface PageRequest {
  maxResults?: string | number | null;
  pageToken?: string | null;
  startIndex?: string | number | null;
}

/** Rows that can be counted and sliced: an array, or rows read from disk on demand. */
export interface RowSlicer {
  readonly length: number;
  slice(start: number, end: number): readonly StoredRecord[];
}

/** One page of rows: `totalRows` (string), `pageToken` while more remain, `rows` unless empty. */
export function page(
  rows: RowSlicer,
  fields: readonly Field[],
  request: PageRequest,
  options: EncodeOptions,
  defaultMax = 100_000,
) {
  const start = request.pageToken
    ? offsetOf(request.pageToken)
    : request.startIndex !== undefined && request.startIndex !== null && request.startIndex !== ''
      ? Number(request.startIndex)
      : 0;
  if (!Number.isInteger(start) || start < 0)
    throw invalid(`Invalid startIndex: ${String(request.startIndex)}`);
  const requested =
    request.maxResults === undefined || request.maxResults === null ? NaN : Number(request.maxResults);
  const max = Number.isInteger(requested) && requested >= 0 ? requested : defaultMax;
  const slice = rows.slice(start, start + max);
  const next = start + slice.length;
  return {
    totalRows: String(rows.length),
    ...(next < rows.length ? { pageToken: tokenFor(next) } : {}),
    ...(slice.length ? { rows: slice.map((row) => encodeRow(fields, row, options)) } : {}),
  };
}
