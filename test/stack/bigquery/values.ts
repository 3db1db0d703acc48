/**
 * BigQuery's rules for a JSON value in a load job, per column type, and the stored form of each
 * accepted value. Sources (see README.md): "Loading JSON data from Cloud Storage" (limitations),
 * the legacy SQL data types page (BOOLEAN in JSON: true/false, case-insensitive; TIMESTAMP as
 * epoch seconds or a date-time with UTC/Z/offset), the GoogleSQL data types page (ranges,
 * canonical DATE/DATETIME/TIME formats, NUMERIC precision), and BigQuery's own messages.
 *
 * Stored forms: STRING/BYTES(base64)/DATE/DATETIME/TIME/NUMERIC/BIGNUMERIC/JSON as canonical
 * strings, INTEGER and TIMESTAMP (epoch microseconds) as bigint, FLOAT as number, BOOLEAN as
 * boolean, RECORD as an object, REPEATED as an array, NULL as null.
 */
import {
  formatDate,
  fraction,
  isValidDate,
  MAX_TIMESTAMP_MICROS,
  microsFromCivil,
  MIN_TIMESTAMP_MICROS,
  zoneOffsetMinutes,
} from './civil-time.js';
import { JsonNumber, showJson, stringifyJson, type JsonObject, type JsonValue } from './json-line.js';
import type { Field, FieldType } from './schema.js';

export type Stored = null | string | number | boolean | bigint | Stored[] | StoredRecord;
export interface StoredRecord {
  [name: string]: Stored;
}

/** A value a column refuses; the message is the row error BigQuery gives, naming the field. */
export class ValueError extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

export interface ConvertOptions {
  ignoreUnknownValues: boolean;
}

/**
 * Converts one parsed JSON line to a stored row of `fields`, or throws a ValueError. Keys match
 * columns case-insensitively; an unknown key fails the row unless `ignoreUnknownValues`, even
 * when its value is null.
 */
export function convertRow(
  fields: readonly Field[],
  object: JsonObject,
  options: ConvertOptions,
  prefix = '',
): StoredRecord {
  const byName = indexOf(fields);
  // The value given for each field, by the field's position; `undefined` when absent.
  const given: (JsonValue | undefined)[] = new Array<JsonValue | undefined>(fields.length);
  for (const [key, value] of object) {
    const index = byName.get(key.toLowerCase());
    if (index === undefined) {
      if (options.ignoreUnknownValues) continue;
      throw new ValueError(`No such field: ${prefix}${key}.`);
    }
    given[index] = value;
  }
  const row = Object.create(null) as StoredRecord;
  for (let i = 0; i < fields.length; i++)
    row[fields[i]!.name] = convertField(fields[i]!, given[i], options, prefix);
  return row;
}

/** Lower-case name -> position, made once per schema: convertRow runs for every loaded row. */
const indexes = new WeakMap<readonly Field[], Map<string, number>>();
function indexOf(fields: readonly Field[]): Map<string, number> {
  let index = indexes.get(fields);
  if (!index) {
    index = new Map(fields.map((f, i) => [f.name.toLowerCase(), i]));
    indexes.set(fields, index);
  }
  return index;
}

function nullNotAllowed(path: string): ValueError {
  return new ValueError(`Only optional fields can be set to NULL. Field: ${path}; Value: NULL`);
}

function convertField(
  field: Field,
  value: JsonValue | undefined,
  options: ConvertOptions,
  prefix: string,
): Stored {
  const path = prefix + field.name;
  if (field.mode === 'REPEATED') {
    if (value === undefined) return [];
    if (value === null) throw nullNotAllowed(path);
    if (!Array.isArray(value))
      throw new ValueError(`Repeated field must be imported as a JSON array. Field: ${path}.`);
    return value.map((element) => {
      if (element === null) throw nullNotAllowed(path);
      return convertSingle(field, element, options, path);
    });
  }
  if (value === undefined || value === null) {
    if (field.mode === 'REQUIRED') throw nullNotAllowed(path);
    return null;
  }
  return convertSingle(field, value, options, path);
}

function convertSingle(field: Field, value: JsonValue, options: ConvertOptions, path: string): Stored {
  if (Array.isArray(value)) throw new ValueError(`Array specified for non-repeated field: ${path}.`);
  if (field.type === 'RECORD') {
    if (!(value instanceof Map))
      throw new ValueError(`Could not convert value to record. Field: ${path}; Value: ${showJson(value)}`);
    return convertRow(field.fields ?? [], value, options, `${path}.`);
  }
  if (field.type === 'JSON') return stringifyJson(value);
  if (value instanceof Map) throw new ValueError(`JSON object specified for non-record field: ${path}`);
  return convertScalar(field.type, value as string | boolean | JsonNumber, path);
}

const suffixOf = (path: string, value: string | boolean | JsonNumber) =>
  `Field: ${path}; Value: ${showJson(value)}`;

/** BigQuery quotes the source value in protobuf text form for strings and numbers. */
function cannotConvert(value: string | boolean | JsonNumber, target: string, suffix: string): ValueError {
  const quoted =
    typeof value === 'string'
      ? ` 'string_value: ${JSON.stringify(value)}'`
      : value instanceof JsonNumber
        ? ` 'double_value: ${value.text}'`
        : '';
  return new ValueError(`Could not convert value${quoted} to ${target}. ${suffix}`);
}

/** A scalar (string, number, boolean) for a non-RECORD, non-JSON column. */
export function convertScalar(type: FieldType, value: string | boolean | JsonNumber, path: string): Stored {
  // Messages are built only on failure (no per-call closures either): this runs for every value loaded.
  switch (type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      throw new ValueError(`Could not convert value to string. ${suffixOf(path, value)}`);
    case 'BYTES':
      if (typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0)
        return Buffer.from(value, 'base64').toString('base64');
      throw new ValueError(`Could not decode base64 string to bytes. ${suffixOf(path, value)}`);
    case 'INTEGER': {
      const text = value instanceof JsonNumber ? value.text : typeof value === 'string' ? value : undefined;
      if (text !== undefined && /^[+-]?\d+$/.test(text)) {
        const parsed = BigInt(text);
        if (parsed >= INT64_MIN && parsed <= INT64_MAX) return parsed;
      }
      throw cannotConvert(value, 'integer', suffixOf(path, value));
    }
    case 'FLOAT': {
      const parsed = parseDouble(value);
      if (parsed === undefined) throw cannotConvert(value, 'double', suffixOf(path, value));
      return parsed;
    }
    case 'NUMERIC':
    case 'BIGNUMERIC': {
      const text = value instanceof JsonNumber ? value.text : typeof value === 'string' ? value.trim() : '';
      const decimal = normalizeDecimal(text, type === 'NUMERIC' ? 9 : 38);
      if (decimal === undefined || !withinDecimalRange(decimal, type))
        throw new ValueError(`Invalid ${type} value: ${showJson(value)} ${suffixOf(path, value)}`);
      return decimal;
    }
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw cannotConvert(value, 'boolean', suffixOf(path, value));
    case 'DATE': {
      const date = typeof value === 'string' ? parseDate(value) : undefined;
      if (date === undefined)
        throw new ValueError(`Invalid date: '${showJson(value)}' ${suffixOf(path, value)}`);
      return date;
    }
    case 'TIME': {
      const time = typeof value === 'string' ? parseTime(value) : undefined;
      if (time === undefined)
        throw new ValueError(`Invalid time string "${showJson(value)}" ${suffixOf(path, value)}`);
      return time;
    }
    case 'DATETIME': {
      const datetime = typeof value === 'string' ? parseDatetime(value) : undefined;
      if (datetime === undefined)
        throw new ValueError(`Invalid datetime string "${showJson(value)}" ${suffixOf(path, value)}`);
      return datetime;
    }
    case 'TIMESTAMP': {
      const micros =
        value instanceof JsonNumber
          ? epochSecondsToMicros(value.text)
          : typeof value === 'string'
            ? parseTimestamp(value)
            : undefined;
      if (micros === undefined)
        throw new ValueError(
          `Couldn't convert value to timestamp: Could not parse '${showJson(value)}' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] or YYYY/MM/DD HH:MM[:SS[.SSSSSS]] ${suffixOf(path, value)}`,
        );
      if (micros < MIN_TIMESTAMP_MICROS || micros > MAX_TIMESTAMP_MICROS)
        throw new ValueError(
          `Couldn't convert value to timestamp: Timestamp value is out of range. ${suffixOf(path, value)}`,
        );
      return micros;
    }
    case 'JSON':
    case 'RECORD':
      throw new ValueError(`Unexpected scalar for ${type} field ${path}`);
  }
}

const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseDouble(value: string | boolean | JsonNumber): number | undefined {
  if (value instanceof JsonNumber) {
    const parsed = Number(value.text);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (DOUBLE.test(text)) {
    const parsed = Number(text);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+]?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  return undefined;
}

/** A decimal in canonical text (no exponent, no trailing zeros), rounded half away from zero to `scale` digits. */
export function normalizeDecimal(text: string, scale: number): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const negative = m[1] === '-';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let pointAt = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (Math.abs(pointAt) > 1000) return undefined;
  if (pointAt < 0) {
    digits = '0'.repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits += '0'.repeat(pointAt - digits.length);
  let integer = BigInt(digits.slice(0, pointAt) || '0');
  let fractionDigits = digits.slice(pointAt);
  if (fractionDigits.length > scale) {
    const roundUp = fractionDigits.charCodeAt(scale) >= 0x35;
    let kept = BigInt(fractionDigits.slice(0, scale) || '0');
    if (roundUp) kept += 1n;
    if (kept >= 10n ** BigInt(scale)) {
      kept -= 10n ** BigInt(scale);
      integer += 1n;
    }
    fractionDigits = scale ? kept.toString().padStart(scale, '0') : '';
  }
  fractionDigits = fractionDigits.replace(/0+$/, '');
  const body = `${integer}${fractionDigits ? `.${fractionDigits}` : ''}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** NUMERIC is DECIMAL(38, 9); BIGNUMERIC holds up to about ±5.79e38 (76.76 digits). */
function withinDecimalRange(decimal: string, type: 'NUMERIC' | 'BIGNUMERIC'): boolean {
  const integer = BigInt(decimal.replace(/^-/, '').split('.')[0]!);
  return type === 'NUMERIC' ? integer < 10n ** 29n : integer <= 578960446186580977117854925043439539266n;
}

const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$/;
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$/;
const TIMESTAMP =
  /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?(?:\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?)|\s+([A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*))?$/;

const timeValid = (h: number, m: number, s: number) => h <= 23 && m <= 59 && s <= 59;
const micros6 = (digits: string | undefined) => Number((digits ?? '').padEnd(6, '0'));

/** `YYYY-[M]M-[D]D` -> `YYYY-MM-DD`. */
export function parseDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidDate(y, mo, d) ? formatDate(y, mo, d) : undefined;
}

/** `[H]H:[M]M[:[S]S[.F]]` -> `HH:MM:SS[.ffffff]`. */
export function parseTime(text: string): string | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (!timeValid(h, mi, s)) return undefined;
  return `${pad(h)}:${pad(mi)}:${pad(s)}${fraction(micros6(m[4]))}`;
}

/** `YYYY-[M]M-[D]D[( |T)[H]H:[M]M[:[S]S[.F]]]` -> `YYYY-MM-DDTHH:MM:SS[.ffffff]`; no zone allowed. */
export function parseDatetime(text: string): string | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isValidDate(y, mo, d) || !timeValid(h, mi, s)) return undefined;
  return `${formatDate(y, mo, d)}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction(micros6(m[7]))}`;
}

/**
 * A date-time string with an optional zone (`Z`, `UTC`, `±H[H][:MM]`, or an IANA name after a
 * space) -> epoch microseconds; without a zone it is UTC.
 */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const civil = {
    year: Number(m[1]),
    month: Number(m[3]),
    day: Number(m[4]),
    hour: Number(m[5]),
    minute: Number(m[6]),
    second: Number(m[7] ?? 0),
    micros: micros6(m[8]),
  };
  if (!isValidDate(civil.year, civil.month, civil.day) || !timeValid(civil.hour, civil.minute, civil.second))
    return undefined;
  let offsetMinutes = 0;
  const offset = m[9];
  if (offset && !/^(Z|UTC)$/i.test(offset)) {
    const o = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(offset)!;
    const hours = Number(o[2]);
    const minutes = Number(o[3] ?? 0);
    if (hours > 14 || minutes > 59) return undefined;
    offsetMinutes = (o[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  } else if (m[10]) {
    const zoneOffset = zoneOffsetMinutes(m[10], civil);
    if (zoneOffset === undefined) return undefined;
    offsetMinutes = zoneOffset;
  }
  return microsFromCivil(civil) - BigInt(offsetMinutes) * 60_000_000n;
}

/** Epoch seconds as written (`1700000000`, `1.7e9`, `-12.5`) -> microseconds, six decimals kept. */
export function epochSecondsToMicros(text: string): bigint | undefined {
  const decimal = normalizeDecimal(text, 6);
  if (decimal === undefined) return undefined;
  const negative = decimal.startsWith('-');
  const [integer, fractionDigits = ''] = decimal.replace(/^-/, '').split('.');
  const micros = BigInt(integer!) * 1_000_000n + BigInt(fractionDigits.padEnd(6, '0'));
  return negative ? -micros : micros;
}

/**
 * Bytes a value takes in BigQuery's storage accounting ("data size calculation"): 8 for
 * INT64/FLOAT64/DATE/DATETIME/TIME/TIMESTAMP, 1 for BOOL, 2 + UTF-8 length for STRING and
 * BYTES, 16/32 for NUMERIC/BIGNUMERIC, the UTF-8 length of the text for JSON, 0 for NULL.
 */
export function logicalSize(field: Field, value: Stored): number {
  if (value === null) return 0;
  if (Array.isArray(value))
    return value.reduce<number>((sum, v) => sum + logicalSize({ ...field, mode: 'NULLABLE' }, v), 0);
  switch (field.type) {
    case 'STRING':
      return 2 + Buffer.byteLength(value as string);
    case 'BYTES':
      return 2 + Buffer.from(value as string, 'base64').length;
    case 'BOOLEAN':
      return 1;
    case 'NUMERIC':
      return 16;
    case 'BIGNUMERIC':
      return 32;
    case 'JSON':
      return Buffer.byteLength(value as string);
    case 'RECORD':
      return rowSize(field.fields ?? [], value as StoredRecord);
    default:
      return 8;
  }
}

export function rowSize(fields: readonly Field[], row: StoredRecord): number {
  return fields.reduce((sum, field) => sum + logicalSize(field, row[field.name] ?? null), 0);
}
