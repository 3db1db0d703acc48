/**
 * Time partitioning: the partition id of a row (`YYYY`, `YYYYMM`, `YYYYMMDD`, `YYYYMMDDHH`,
 * `__NULL__`, `__UNPARTITIONED__`), partition decorators (`table$20261122`), and the rules
 * BigQuery applies to a `timePartitioning` spec.
 */
import { civilFromMicros, isValidDate } from './civil-time.js';
import { invalid } from './errors.js';
import { findField, type Field } from './schema.js';
import type { Stored } from './values.js';

export type PartitionType = 'DAY' | 'HOUR' | 'MONTH' | 'YEAR';

export interface TimePartitioning {
  type: PartitionType;
  field?: string;
  expirationMs?: string;
  requirePartitionFilter?: boolean;
}

export const NULL_PARTITION = '__NULL__';
export const UNPARTITIONED = '__UNPARTITIONED__';

const ID_LENGTH: Record<PartitionType, number> = { YEAR: 4, MONTH: 6, DAY: 8, HOUR: 10 };
const pad = (value: number) => String(value).padStart(2, '0');

/** Validates a `timePartitioning` from a request against the table's schema; returns it normalised. */
export function normalizePartitioning(spec: unknown, schema: readonly Field[]): TimePartitioning | undefined {
  if (spec === undefined || spec === null) return undefined;
  const given = spec as {
    type?: unknown;
    field?: unknown;
    expirationMs?: unknown;
    requirePartitionFilter?: unknown;
  };
  const type = String(given.type ?? 'DAY').toUpperCase();
  if (!(type in ID_LENGTH)) throw invalid(`Invalid value for timePartitioning.type: ${String(given.type)}`);
  const result: TimePartitioning = { type: type as PartitionType };
  if (given.field !== undefined && given.field !== null && given.field !== '') {
    const name = String(given.field);
    const field = findField(schema, name);
    if (!field)
      throw invalid(`The field specified for time partitioning can not be found in the schema: ${name}`);
    if (!['DATE', 'DATETIME', 'TIMESTAMP'].includes(field.type) || field.mode === 'REPEATED') {
      throw invalid(
        `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${field.mode === 'REPEATED' ? 'REPEATED ' : ''}${field.type}.`,
      );
    }
    if (field.type === 'DATE' && type === 'HOUR')
      throw invalid(`Partitioning type HOUR is not supported for DATE field ${name}.`);
    result.field = field.name;
  }
  if (given.expirationMs !== undefined) result.expirationMs = String(given.expirationMs);
  if (given.requirePartitionFilter !== undefined)
    result.requirePartitionFilter = Boolean(given.requirePartitionFilter);
  return result;
}

/** `interval(type:day,field:at)` / `none`, as BigQuery prints a spec in its mismatch message. */
export function describePartitioning(spec: TimePartitioning | undefined): string {
  if (!spec) return 'none';
  return `interval(type:${spec.type.toLowerCase()}${spec.field ? `,field:${spec.field}` : ''})`;
}

export function samePartitioning(a: TimePartitioning | undefined, b: TimePartitioning | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.type === b.type && (a.field ?? '').toLowerCase() === (b.field ?? '').toLowerCase();
}

/** BigQuery keeps rows before 1960 and after 2159 in `__UNPARTITIONED__`. */
const inRange = (year: number) => year >= 1960 && year <= 2159;

/** The partition a column value falls in (`value` in its stored form). */
export function partitionOfValue(spec: TimePartitioning, field: Field, value: Stored): string {
  if (value === null) return NULL_PARTITION;
  let digits: string;
  if (field.type === 'TIMESTAMP') {
    const t = civilFromMicros(value as bigint);
    digits = `${String(t.year).padStart(4, '0')}${pad(t.month)}${pad(t.day)}${pad(t.hour)}`;
  } else {
    // DATE `YYYY-MM-DD`, DATETIME `YYYY-MM-DDTHH:...`
    const text = value as string;
    digits = `${text.slice(0, 4)}${text.slice(5, 7)}${text.slice(8, 10)}${text.slice(11, 13) || '00'}`;
  }
  if (!inRange(Number(digits.slice(0, 4)))) return UNPARTITIONED;
  return digits.slice(0, ID_LENGTH[spec.type]);
}

/** The partition an ingestion-time partitioned table puts rows loaded at `now` in. */
export function partitionOfIngestion(spec: TimePartitioning, now: Date): string {
  const digits = now.toISOString().replace(/[-T:]/g, '').slice(0, 10);
  return digits.slice(0, ID_LENGTH[spec.type]);
}

/** Splits `table$decorator`. */
export function splitDecorator(tableId: string): { tableId: string; decorator?: string } {
  const at = tableId.indexOf('$');
  return at < 0 ? { tableId } : { tableId: tableId.slice(0, at), decorator: tableId.slice(at + 1) };
}

/** Checks a decorator against the table's partitioning; throws BigQuery's kind of `invalid` error. */
export function checkDecorator(
  decorator: string,
  spec: TimePartitioning | undefined,
  tableName: string,
): void {
  if (!spec)
    throw invalid(
      `Cannot use partition decorator ${decorator} with table ${tableName}, which is not partitioned.`,
    );
  if (decorator === NULL_PARTITION || decorator === UNPARTITIONED) {
    if (!spec.field)
      throw invalid(`Invalid partition decorator ${decorator} for an ingestion-time partitioned table.`);
    return;
  }
  const length = ID_LENGTH[spec.type];
  const valid =
    new RegExp(`^\\d{${length}}$`).test(decorator) &&
    isValidDate(
      Number(decorator.slice(0, 4)),
      Number(decorator.slice(4, 6) || 1),
      Number(decorator.slice(6, 8) || 1),
    ) &&
    Number(decorator.slice(8, 10) || 0) <= 23;
  if (!valid)
    throw invalid(
      `Invalid partition decorator ${decorator} for table ${tableName}: a ${spec.type} partitioned table takes ${length} digits.`,
    );
}

/** A comparison of the partitioning column with a constant: `column op value`. */
export type ColumnComparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * The values partition `id` holds, as `[start, end)` in the column's stored form (TIMESTAMP
 * micros, DATE `YYYY-MM-DD`, DATETIME `YYYY-MM-DDTHH:MM:SS`); undefined for `__NULL__` and
 * `__UNPARTITIONED__`.
 */
export function partitionBounds(
  spec: TimePartitioning,
  field: Field,
  id: string,
): { start: Stored; end: Stored } | undefined {
  if (!/^\d{4,10}$/.test(id)) return undefined;
  const [y, m, d, h] = [
    id.slice(0, 4),
    id.slice(4, 6) || '1',
    id.slice(6, 8) || '1',
    id.slice(8, 10) || '0',
  ].map(Number) as [number, number, number, number];
  const start = Date.UTC(y, m - 1, d, h);
  const end =
    spec.type === 'HOUR'
      ? start + 3_600_000
      : spec.type === 'DAY'
        ? Date.UTC(y, m - 1, d + 1)
        : spec.type === 'MONTH'
          ? Date.UTC(y, m, 1)
          : Date.UTC(y + 1, 0, 1);
  const stored = (ms: number): Stored => {
    // Date.UTC maps years 0-99 to 19xx; partitions are 1960-2159, so the ISO text is exact.
    const iso = new Date(ms).toISOString();
    if (field.type === 'TIMESTAMP') return BigInt(ms) * 1000n;
    if (field.type === 'DATE') return iso.slice(0, 10);
    return iso.slice(0, 19);
  };
  return { start: stored(start), end: stored(end) };
}

/**
 * Whether partition `id` of a column-partitioned table can hold a row for which
 * `column op value` is TRUE (`value` of the column's type, in stored form). Used to read only the
 * partitions a filter can match; it may answer true for a partition that has no such row, never
 * false for one that has.
 */
export function partitionMayMatch(
  spec: TimePartitioning,
  field: Field,
  id: string,
  op: ColumnComparison,
  value: Stored,
): boolean {
  // NULL compares as NULL, never TRUE: the NULL partition holds no match, nor does any when value is NULL.
  if (id === NULL_PARTITION || value === null) return false;
  const bounds = partitionBounds(spec, field, id);
  if (!bounds) return true;
  const order = (a: Stored, b: Stored) => (a === b ? 0 : (a as never) < (b as never) ? -1 : 1);
  switch (op) {
    case '=':
      return order(value, bounds.start) >= 0 && order(value, bounds.end) < 0;
    case '<':
      return order(bounds.start, value) < 0;
    case '<=':
      return order(bounds.start, value) <= 0;
    case '>':
    case '>=':
      return order(bounds.end, value) > 0;
    case '!=':
      return true;
  }
}

/** `a op b` read the other way round (`5 < col` is `col > 5`). */
export function flipComparison(op: ColumnComparison): ColumnComparison {
  return ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' } as const)[op];
}
