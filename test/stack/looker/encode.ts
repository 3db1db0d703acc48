/**
 * How values are written in each result format, per field kind: json (`view.field` keys, times
 * as `YYYY-MM-DD HH:MM:SS` strings, numbers as numbers, nulls as null) and delimited text (csv,
 * txt) with a header of field labels. Row encoders are built once per query and do no per-row
 * work beyond building the row's text.
 */
import type { Scalar } from './types.js';
import type { ModelField, ValueKind } from './model.js';
import { formatDate, formatTime, truncate } from './time.js';

/** A value as the json format gives it (times formatted per timeframe). */
export function plainValue(kind: ValueKind, value: Scalar): Scalar {
  if (value === null) return null;
  switch (kind) {
    case 'string':
    case 'number':
      return value;
    case 'time':
      return formatTime(value as number);
    case 'minute':
      return formatTime(value as number).slice(0, 16);
    case 'hour':
      return formatTime(value as number).slice(0, 13);
    case 'quarter': {
      const date = new Date(value as number);
      return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
    }
    case 'hour_of_day':
      return new Date(value as number).getUTCHours();
    case 'day_of_week':
      return WEEKDAYS[new Date(value as number).getUTCDay()]!;
    case 'date':
      return formatDate(value as number);
    case 'week':
      return formatDate(truncate(value as number, 'week'));
    case 'month':
      return formatDate(value as number).slice(0, 7);
    case 'year':
      return new Date(value as number).getUTCFullYear();
  }
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The value used to group and order rows by this field (times truncated to the field's timeframe). */
export function sortValue(kind: ValueKind, value: Scalar): Scalar {
  if (value === null || kind === 'string' || kind === 'number' || kind === 'time') return value;
  if (kind === 'hour_of_day') return new Date(value as number).getUTCHours();
  // Monday first, as Looker's default week_start_day.
  if (kind === 'day_of_week') return (new Date(value as number).getUTCDay() + 6) % 7;
  return truncate(value as number, kind === 'date' ? 'day' : kind);
}

// Most text needs no escaping; JSON.stringify handles the rest (quotes, backslashes, controls, surrogates).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A writer of one kind of value as JSON text, specialised so the per-row loop does no dispatch. */
function jsonWriter(kind: ValueKind): (value: Scalar) => string {
  switch (kind) {
    case 'number':
      return (v) => (v === null || !Number.isFinite(v) ? 'null' : '' + (v as number));
    case 'string':
      return (v) =>
        v === null ? 'null' : NEEDS_ESCAPE.test(v as string) ? JSON.stringify(v) : `"${v as string}"`;
    case 'time':
      return (v) => (v === null ? 'null' : `"${formatTime(v as number)}"`);
    case 'year':
    case 'hour_of_day':
      return (v) => (v === null ? 'null' : String(plainValue(kind, v)));
    default:
      return (v) => (v === null ? 'null' : `"${plainValue(kind, v) as string}"`);
  }
}

/** The columns of a result: which field, and where its value is in the row arrays being encoded. */
export interface OutputColumn {
  field: ModelField;
  index: number;
}

/** `{"view.a":1,"view.b":"x"}` for one row. */
export function jsonRowEncoder(columns: readonly OutputColumn[]): (values: Scalar[]) => string {
  const prefixes = columns.map((c, k) => `${k === 0 ? '{' : ','}${JSON.stringify(c.field.key)}:`);
  const writers = columns.map((c) => jsonWriter(c.field.kind));
  const indexes = columns.map((c) => c.index);
  const count = columns.length;
  if (count === 0) return () => '{}';
  return (values) => {
    let text = '';
    for (let k = 0; k < count; k++) text += prefixes[k]! + writers[k]!(values[indexes[k]!]!);
    return text + '}';
  };
}

/** One delimited line per row: RFC 4180 quoting for csv, tabs and newlines replaced by spaces for txt. */
export function delimitedRowEncoder(
  columns: readonly OutputColumn[],
  format: 'csv' | 'txt',
): { header: string; row: (values: Scalar[]) => string } {
  const cell =
    format === 'csv'
      ? (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text)
      : (text: string) => text.replace(/[\t\r\n]/g, ' ');
  const separator = format === 'csv' ? ',' : '\t';
  const header = columns.map((c) => cell(c.field.label)).join(separator) + '\n';
  return {
    header,
    row: (values) => {
      let line = '';
      for (let k = 0; k < columns.length; k++) {
        const { field, index } = columns[k]!;
        const value = plainValue(field.kind, values[index]!);
        line += (k === 0 ? '' : separator) + (value === null ? '' : cell(String(value)));
      }
      return line + '\n';
    },
  };
}
