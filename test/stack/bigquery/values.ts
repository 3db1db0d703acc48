/**
 * BigQuery's JSON load rules, per type (from "Loading JSON data from Cloud Storage" and the
 * data type reference): what a JSON value may be for a column, and how it is stored. Each
 * function returns the stored value or throws a ValueError with BigQuery's kind of message.
 */
export type FieldType =
  'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'DATETIME' | 'TIMESTAMP' | 'NUMERIC' | 'JSON';

export interface SchemaField {
  name: string;
  type: string;
  mode?: string;
  description?: string;
}

export class ValueError extends Error {}

const ALIASES: Record<string, FieldType> = {
  INT64: 'INTEGER',
  INTEGER: 'INTEGER',
  FLOAT64: 'FLOAT',
  FLOAT: 'FLOAT',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'NUMERIC',
  JSON: 'JSON',
};

export function canonicalType(type: string): FieldType {
  const canonical = ALIASES[type.toUpperCase()];
  if (!canonical) throw new ValueError(`Unsupported field type in this fake: ${type}`);
  return canonical;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return (
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d) &&
    Number(y) >= 1
  );
}

const pad = (v: string | number, n = 2) => String(v).padStart(n, '0');

/** Converts one JSON value to the stored form of `type`: strings for INTEGER (exact), micros for TIMESTAMP. */
export function convertValue(type: FieldType, value: unknown): string | number | boolean | bigint {
  const show = typeof value === 'string' ? value : JSON.stringify(value);
  switch (type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new ValueError(`Could not convert value to string. Field: ${show}`);
    case 'INTEGER': {
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
        const big = BigInt(value.trim());
        if (big >= INT64_MIN && big <= INT64_MAX) return big;
      }
      throw new ValueError(
        `Could not convert value '${typeof value === 'number' ? `double_value: ${value}` : `string_value: "${show}"`}' to integer.`,
      );
    }
    case 'FLOAT':
    case 'NUMERIC': {
      const number =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      if (Number.isFinite(number) || (typeof value === 'string' && /^[+-]?(inf|infinity|nan)$/i.test(value)))
        return number;
      throw new ValueError(`Could not convert value '${show}' to double.`);
    }
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      if (value === 0 || value === 1 || value === '0' || value === '1') return Number(value) === 1;
      throw new ValueError(`Could not convert value '${show}' to boolean.`);
    case 'DATE': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      if (!m || !validDate(m[1]!, m[2]!, m[3]!))
        throw new ValueError(`Could not parse '${show}' as DATE for field`);
      return `${m[1]}-${pad(m[2]!)}-${pad(m[3]!)}`;
    }
    case 'DATETIME': {
      const m = typeof value === 'string' ? DATETIME.exec(value) : null;
      if (
        !m ||
        !validDate(m[1]!, m[2]!, m[3]!) ||
        Number(m[4] ?? 0) > 23 ||
        Number(m[5] ?? 0) > 59 ||
        Number(m[6] ?? 0) > 59
      ) {
        throw new ValueError(`Could not parse '${show}' as DATETIME for field`);
      }
      const fraction = m[7] ? `.${m[7].padEnd(6, '0')}` : '';
      return `${m[1]}-${pad(m[2]!)}-${pad(m[3]!)}T${pad(m[4] ?? 0)}:${pad(m[5] ?? 0)}:${pad(m[6] ?? 0)}${fraction}`;
    }
    case 'TIMESTAMP': {
      if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value * 1e6));
      const m = typeof value === 'string' ? TIMESTAMP.exec(value.trim()) : null;
      if (
        !m ||
        !validDate(m[1]!, m[2]!, m[3]!) ||
        Number(m[4]) > 23 ||
        Number(m[5]) > 59 ||
        Number(m[6] ?? 0) > 59
      ) {
        throw new ValueError(
          `Could not parse '${show}' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] or YYYY/MM/DD HH:MM[:SS[.SSSSSS]]`,
        );
      }
      let offsetMinutes = 0;
      const zone = m[8]?.toUpperCase();
      if (zone && zone !== 'Z' && zone !== 'UTC') {
        const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
        offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
      }
      const ms =
        Date.UTC(
          Number(m[1]),
          Number(m[2]) - 1,
          Number(m[3]),
          Number(m[4]),
          Number(m[5]),
          Number(m[6] ?? 0),
        ) -
        offsetMinutes * 60_000;
      const micros = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
      return micros;
    }
    case 'JSON':
      return JSON.stringify(value);
  }
}

/** Stored value -> the string tabledata.list returns (`useInt64Timestamp`: TIMESTAMP as micros). */
export function formatValue(type: FieldType, value: unknown, int64Timestamp: boolean): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP') {
    const micros = value as bigint;
    return int64Timestamp ? micros.toString() : (Number(micros) / 1e6).toExponential().replace('e+', 'E');
  }
  if (type === 'FLOAT' || type === 'NUMERIC') return String(value);
  return String(value);
}

/** Day partition id (`YYYYMMDD`) of a stored DATE/DATETIME/TIMESTAMP value; `__NULL__` for null. */
export function dayPartition(type: FieldType, value: unknown): string {
  if (value === null || value === undefined) return '__NULL__';
  if (type === 'TIMESTAMP')
    return new Date(Number((value as bigint) / 1000n)).toISOString().slice(0, 10).replaceAll('-', '');
  return String(value).slice(0, 10).replaceAll('-', '');
}
