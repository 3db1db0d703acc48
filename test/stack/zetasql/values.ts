/**
 * GoogleSQL types and values between the wrapper's plain forms and ZetaSQL's TypeProto and
 * ValueProto (as @grpc/proto-loader renders them with `keepCase`, `longs: String`,
 * `enums: String`, `bytes: Buffer`, `oneofs: true`).
 *
 * Plain forms, BigQuery's canonical ones so a BigQuery fake can pass its stored rows as they are:
 * INT64 and TIMESTAMP (epoch microseconds, UTC) as bigint, FLOAT64 as number, BOOL as boolean,
 * STRING as string, BYTES as base64, DATE `YYYY-MM-DD`, DATETIME `YYYY-MM-DDTHH:MM:SS[.ffffff]`,
 * TIME `HH:MM:SS[.ffffff]`, NUMERIC/BIGNUMERIC as decimal strings, JSON as its text, ARRAY as an
 * array, STRUCT as an object keyed by field name, NULL as null.
 */

export type ScalarTypeName =
  | 'INT64'
  | 'FLOAT64'
  | 'BOOL'
  | 'STRING'
  | 'BYTES'
  | 'DATE'
  | 'DATETIME'
  | 'TIME'
  | 'TIMESTAMP'
  | 'NUMERIC'
  | 'BIGNUMERIC'
  | 'JSON';

/** A GoogleSQL type: a scalar's name, an array of a type, or a struct of named fields. */
export type SqlType = ScalarTypeName | { arrayOf: SqlType } | { structOf: Column[] };

export interface Column {
  name: string;
  type: SqlType;
}

export type SqlValue = null | string | number | boolean | bigint | SqlValue[] | { [field: string]: SqlValue };

/** A value the wrapper cannot represent (INTERVAL, RANGE, GEOGRAPHY, PROTO, ...). */
export class UnsupportedValueError extends Error {}

const KIND: Record<ScalarTypeName, string> = {
  INT64: 'TYPE_INT64',
  FLOAT64: 'TYPE_DOUBLE',
  BOOL: 'TYPE_BOOL',
  STRING: 'TYPE_STRING',
  BYTES: 'TYPE_BYTES',
  DATE: 'TYPE_DATE',
  DATETIME: 'TYPE_DATETIME',
  TIME: 'TYPE_TIME',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  NUMERIC: 'TYPE_NUMERIC',
  BIGNUMERIC: 'TYPE_BIGNUMERIC',
  JSON: 'TYPE_JSON',
};
const NAME_OF_KIND = new Map(Object.entries(KIND).map(([name, kind]) => [kind, name as ScalarTypeName]));

export interface TypeProto {
  type_kind?: string;
  array_type?: { element_type?: TypeProto };
  struct_type?: { field?: { field_name?: string; field_type?: TypeProto }[] };
}

export function typeProto(type: SqlType): TypeProto {
  if (typeof type === 'string') return { type_kind: KIND[type] };
  if ('arrayOf' in type)
    return { type_kind: 'TYPE_ARRAY', array_type: { element_type: typeProto(type.arrayOf) } };
  return {
    type_kind: 'TYPE_STRUCT',
    struct_type: { field: type.structOf.map((f) => ({ field_name: f.name, field_type: typeProto(f.type) })) },
  };
}

export function typeOf(proto: TypeProto): SqlType {
  const kind = proto.type_kind ?? 'TYPE_UNKNOWN';
  if (kind === 'TYPE_ARRAY') return { arrayOf: typeOf(proto.array_type?.element_type ?? {}) };
  if (kind === 'TYPE_STRUCT')
    return {
      structOf: (proto.struct_type?.field ?? []).map((f) => ({
        name: f.field_name ?? '',
        type: typeOf(f.field_type ?? {}),
      })),
    };
  const name = NAME_OF_KIND.get(kind);
  if (!name) throw new UnsupportedValueError(`GoogleSQL type ${kind.replace(/^TYPE_/, '')} is not supported`);
  return name;
}

/** GoogleSQL's spelling of a type, for messages and schemas. */
export function typeName(type: SqlType): string {
  if (typeof type === 'string') return type;
  if ('arrayOf' in type) return `ARRAY<${typeName(type.arrayOf)}>`;
  return `STRUCT<${type.structOf.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')}>`;
}

export interface ValueProto {
  int64_value?: string;
  double_value?: number;
  bool_value?: boolean;
  string_value?: string;
  bytes_value?: Buffer;
  date_value?: number;
  datetime_value?: { bit_field_datetime_seconds?: string; nanos?: number };
  time_value?: string;
  timestamp_value?: { seconds?: string; nanos?: number };
  numeric_value?: Buffer;
  bignumeric_value?: Buffer;
  json_value?: string;
  array_value?: { element?: ValueProto[] };
  struct_value?: { field?: ValueProto[] };
  value?: string;
}

const DAY_MS = 86_400_000;
const pad = (n: number | bigint, width = 2) => String(n).padStart(width, '0');
const SCALE = { NUMERIC: 9, BIGNUMERIC: 38 } as const;

/** Fraction of a second as `.ffffff` (trailing zeros dropped, as BigQuery prints), or ''. */
function fraction(micros: number): string {
  return micros ? `.${pad(micros, 6).replace(/0+$/, '')}` : '';
}

/** ZetaSQL's packed civil time: hour << 12 | minute << 6 | second (a DATETIME's date above it; a TIME's nanoseconds in 30 bits below it). */
function clock(text: string) {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new UnsupportedValueError(`not a canonical time: ${text}`);
  const nanos = Number((m[4] ?? '').padEnd(9, '0'));
  return { bits: (BigInt(m[1]!) << 12n) | (BigInt(m[2]!) << 6n) | BigInt(m[3]!), nanos };
}

function clockText(bits: bigint, nanos: number): string {
  const [h, mi, s] = [(bits >> 12n) & 31n, (bits >> 6n) & 63n, bits & 63n];
  return `${pad(h)}:${pad(mi)}:${pad(s)}${fraction(Math.floor(nanos / 1000))}`;
}

/** A decimal string as ZetaSQL packs NUMERIC/BIGNUMERIC: little-endian two's complement of value * 10^scale. */
function packDecimal(text: string, scale: number): Buffer {
  const negative = text.startsWith('-');
  const [whole, fractionDigits = ''] = text.replace(/^[-+]/, '').split('.');
  let value =
    BigInt(whole || '0') * 10n ** BigInt(scale) +
    BigInt(fractionDigits.padEnd(scale, '0').slice(0, scale) || '0');
  if (negative) value = -value;
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(value & 0xffn);
    bytes.push(byte);
    value >>= 8n;
    // Stop once the rest is pure sign extension of the byte just written.
    if ((value === 0n && !(byte & 0x80)) || (value === -1n && byte & 0x80)) break;
  }
  return Buffer.from(bytes);
}

function unpackDecimal(bytes: Buffer, scale: number): string {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length && bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** A plain value of `type` as a ValueProto; null is the empty ValueProto, ZetaSQL's NULL. */
export function valueProto(type: SqlType, value: SqlValue): ValueProto {
  if (value === null || value === undefined) return {};
  if (typeof type !== 'string') {
    if ('arrayOf' in type)
      return { array_value: { element: (value as SqlValue[]).map((v) => valueProto(type.arrayOf, v)) } };
    const record = value as Record<string, SqlValue>;
    return { struct_value: { field: type.structOf.map((f) => valueProto(f.type, record[f.name] ?? null)) } };
  }
  switch (type) {
    case 'INT64':
      return { int64_value: String(value) };
    case 'FLOAT64':
      return { double_value: Number(value) };
    case 'BOOL':
      return { bool_value: Boolean(value) };
    case 'STRING':
      return { string_value: String(value) };
    case 'JSON':
      return { json_value: String(value) };
    case 'BYTES':
      return { bytes_value: Buffer.from(String(value), 'base64') };
    case 'DATE':
      return { date_value: Date.parse(`${String(value)}T00:00:00Z`) / DAY_MS };
    case 'TIME': {
      const { bits, nanos } = clock(String(value));
      return { time_value: String((bits << 30n) | BigInt(nanos)) };
    }
    case 'DATETIME': {
      const [date, time = '00:00:00'] = String(value).split(/[T ]/);
      const [y, mo, d] = date!.split('-').map(BigInt) as [bigint, bigint, bigint];
      const { bits, nanos } = clock(time);
      return {
        datetime_value: {
          bit_field_datetime_seconds: String((y << 26n) | (mo << 22n) | (d << 17n) | bits),
          nanos,
        },
      };
    }
    case 'TIMESTAMP': {
      const micros = BigInt(value as bigint);
      const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
      return {
        timestamp_value: { seconds: String(seconds), nanos: Number(micros - seconds * 1_000_000n) * 1000 },
      };
    }
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return {
        [type === 'NUMERIC' ? 'numeric_value' : 'bignumeric_value']: packDecimal(String(value), SCALE[type]),
      };
  }
}

/** A ValueProto of `type` as a plain value. */
export function plainValue(type: SqlType, proto: ValueProto): SqlValue {
  if (!proto.value) return null;
  if (typeof type !== 'string') {
    if ('arrayOf' in type) return (proto.array_value?.element ?? []).map((e) => plainValue(type.arrayOf, e));
    const fields = proto.struct_value?.field ?? [];
    return Object.fromEntries(type.structOf.map((f, i) => [f.name, plainValue(f.type, fields[i] ?? {})]));
  }
  switch (type) {
    case 'INT64':
      return BigInt(proto.int64_value!);
    case 'FLOAT64':
      return Number(proto.double_value);
    case 'BOOL':
      return proto.bool_value!;
    case 'STRING':
      return proto.string_value!;
    case 'JSON':
      return proto.json_value!;
    case 'BYTES':
      return Buffer.from(proto.bytes_value ?? []).toString('base64');
    case 'DATE':
      return new Date(proto.date_value! * DAY_MS).toISOString().slice(0, 10);
    case 'TIME': {
      const packed = BigInt(proto.time_value!);
      return clockText(packed >> 30n, Number(packed & 0x3fffffffn));
    }
    case 'DATETIME': {
      const bits = BigInt(proto.datetime_value?.bit_field_datetime_seconds ?? '0');
      const [y, mo, d] = [(bits >> 26n) & 0x3fffn, (bits >> 22n) & 15n, (bits >> 17n) & 31n];
      return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${clockText(bits & 0x1ffffn, proto.datetime_value?.nanos ?? 0)}`;
    }
    case 'TIMESTAMP': {
      const stamp = proto.timestamp_value ?? {};
      return BigInt(stamp.seconds ?? '0') * 1_000_000n + BigInt(Math.floor((stamp.nanos ?? 0) / 1000));
    }
    case 'NUMERIC':
      return unpackDecimal(Buffer.from(proto.numeric_value ?? []), SCALE.NUMERIC);
    case 'BIGNUMERIC':
      return unpackDecimal(Buffer.from(proto.bignumeric_value ?? []), SCALE.BIGNUMERIC);
  }
}
