/**
 * The on-disk form of a stored row: one JSON array per line, `[seq, col1, col2, ...]`, the
 * columns in the order of the segment's header (the top-level schema it was written with).
 * Values keep their exact stored form: INT64 and TIMESTAMP (bigint) as JSON numbers when safe,
 * else strings; FLOAT64 as JSON numbers, with NaN, ±Infinity and -0 as strings (JSON has none
 * of them); RECORDs as objects keyed by sub-field name, so a sub-field added later reads as
 * absent, as it is in memory.
 */
import { findField, type Field } from './schema.js';
import { logicalSize, type Stored, type StoredRecord } from './values.js';

function encodeValue(field: Field, value: Stored): unknown {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED') {
    const element: Field = { ...field, mode: 'NULLABLE' };
    return (value as Stored[]).map((v) => encodeValue(element, v));
  }
  switch (field.type) {
    case 'INTEGER':
    case 'TIMESTAMP': {
      const n = value as bigint;
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : String(n);
    }
    case 'FLOAT': {
      const n = value as number;
      return Number.isFinite(n) && !Object.is(n, -0) ? n : String(n === 0 ? '-0' : n);
    }
    case 'RECORD': {
      const record = value as StoredRecord;
      const out: Record<string, unknown> = {};
      for (const sub of field.fields ?? [])
        if (record[sub.name] !== undefined) out[sub.name] = encodeValue(sub, record[sub.name]!);
      return out;
    }
    default:
      return value;
  }
}

function decodeValue(field: Field | undefined, value: unknown): Stored {
  if (value === null || field === undefined) return value as Stored;
  if (field.mode === 'REPEATED') {
    const element: Field = { ...field, mode: 'NULLABLE' };
    return (value as unknown[]).map((v) => decodeValue(element, v));
  }
  switch (field.type) {
    case 'INTEGER':
    case 'TIMESTAMP':
      return BigInt(value as number | string);
    case 'FLOAT':
      return Number(value);
    case 'RECORD': {
      const out = Object.create(null) as StoredRecord;
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        const sub = findField(field.fields ?? [], name);
        out[sub?.name ?? name] = decodeValue(sub, v);
      }
      return out;
    }
    default:
      return value as Stored;
  }
}

/** Writes rows of one header: the line of a row, and its logical bytes per column (BigQuery's numBytes). */
export class RowEncoder {
  readonly header: string[];

  constructor(readonly fields: readonly Field[]) {
    this.header = fields.map((f) => f.name);
  }

  line(seq: number, values: StoredRecord): string {
    const cells: unknown[] = [seq];
    for (const field of this.fields) cells.push(encodeValue(field, values[field.name] ?? null));
    return JSON.stringify(cells);
  }

  /** Adds the row's logical size per column to `bytes` (indexed like `fields`). */
  addBytes(values: StoredRecord, bytes: number[]): void {
    this.fields.forEach((field, i) => (bytes[i]! += logicalSize(field, values[field.name] ?? null)));
  }
}

/** Reads lines written under `header` as rows of `schema` (the table's schema now, which only ever grew). */
export function rowDecoder(
  header: readonly string[],
  schema: readonly Field[],
): (line: string) => StoredRecord {
  const fields = header.map((name) => findField(schema, name));
  const names = header.map((name, i) => fields[i]?.name ?? name);
  return (line) => {
    const cells = JSON.parse(line) as unknown[];
    const row = Object.create(null) as StoredRecord;
    for (let i = 0; i < names.length; i++) row[names[i]!] = decodeValue(fields[i], cells[i + 1]);
    return row;
  };
}

/** The sequence number of a line (its first cell), without parsing the rest. */
export function seqOfLine(line: string): number {
  let end = line.indexOf(',');
  if (end < 0) end = line.length - 1;
  return Number(line.slice(1, end));
}
