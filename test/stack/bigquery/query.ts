/**
 * Runs a query of the subset sql-parser.ts accepts against the catalog, with GoogleSQL's rules
 * where they show: column names case-insensitive, string literals coerced to DATE/DATETIME/
 * TIME/TIMESTAMP columns, no implicit STRING/number comparisons, NULL never equal to anything,
 * NULLs first in ascending order, anonymous columns named f0_, f1_, ..., COUNT(*) as INTEGER.
 * Rows stream from disk (storage.ts): a WHERE on the partitioning column reads only the
 * partitions it can match, GROUP BY keeps one small entry per group, and a LIMIT without
 * ORDER BY stops reading once it has its rows.
 */
import { tableName, type Catalog } from './catalog.js';
import { invalidQuery, notFound } from './errors.js';
import { NULL_PARTITION, partitionMayMatch } from './partitions.js';
import { findField, satisfies, SQL_TYPE_NAMES, type Field, type FieldType } from './schema.js';
import {
  parseSelect,
  unsupported,
  type Condition,
  type Literal,
  type SelectItem,
  type Token,
} from './sql-parser.js';
import { scan } from './storage.js';
import { convertScalar, normalizeDecimal, ValueError, type Stored, type StoredRecord } from './values.js';

export interface QueryResult {
  schema: Field[];
  rows: StoredRecord[];
  /** `p:d.t` of the table read, for statistics. */
  table: string;
  totalBytesProcessed: number;
  statementType?: 'SELECT' | 'MERGE';
}

const at = (t: Token) => `at [${t.line}:${t.column}]`;

/** Compares two stored values of one column type; NULLs are handled by the caller. */
function compareStored(type: FieldType, a: Stored, b: Stored): number {
  if (type === 'NUMERIC' || type === 'BIGNUMERIC') return compareDecimal(String(a), String(b));
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) - b;
  if (typeof a === 'number' && typeof b === 'bigint') return a - Number(b);
  if (a === b) return 0;
  return (a as never) < (b as never) ? -1 : 1;
}

function compareDecimal(a: string, b: string): number {
  const scaled = (text: string) => {
    const negative = text.startsWith('-');
    const [integer, fractionDigits = ''] = text.replace(/^-/, '').split('.');
    const value = BigInt(integer!) * 10n ** 38n + BigInt(fractionDigits.padEnd(38, '0'));
    return negative ? -value : value;
  };
  const [x, y] = [scaled(a), scaled(b)];
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A literal as a value of the column's type, or GoogleSQL's type error. */
function coerceLiteral(field: Field, literal: Literal, op: string, token: Token): Stored {
  const type = field.type;
  const sqlType = SQL_TYPE_NAMES[type];
  const noSignature = (literalType: string) =>
    invalidQuery(
      `No matching signature for operator ${op} for argument types: ${sqlType}, ${literalType}. Supported signature: ANY ${op} ANY ${at(token)}`,
    );
  const cast = (text: string, to: FieldType) => {
    try {
      return convertScalar(to, text, field.name);
    } catch (error) {
      if (error instanceof ValueError)
        throw invalidQuery(`Could not cast literal "${text}" to type ${SQL_TYPE_NAMES[to]} ${at(token)}`);
      throw error;
    }
  };
  if (field.mode === 'REPEATED' || type === 'RECORD' || type === 'JSON')
    throw unsupported(
      `Comparing ${field.mode === 'REPEATED' ? 'ARRAY' : sqlType} column ${field.name}`,
      token,
    );
  switch (literal.kind) {
    case 'null':
      return null;
    case 'bool':
      if (type !== 'BOOLEAN') throw noSignature('BOOL');
      return literal.value;
    case 'number': {
      const integral = /^-?\d+$/.test(literal.text);
      if (type === 'INTEGER') return integral ? BigInt(literal.text) : Number(literal.text);
      if (type === 'FLOAT') return Number(literal.text);
      if (type === 'NUMERIC' || type === 'BIGNUMERIC') return normalizeDecimal(literal.text, 38) ?? '0';
      throw noSignature(integral ? 'INT64' : 'FLOAT64');
    }
    case 'string':
      if (type === 'STRING') return literal.text;
      if (['DATE', 'DATETIME', 'TIMESTAMP', 'TIME'].includes(type)) return cast(literal.text, type);
      if (type === 'BYTES') throw noSignature('STRING');
      throw noSignature('STRING');
    case 'typed':
      if (literal.type !== type) throw noSignature(literal.type);
      return cast(literal.text, type);
  }
}

function matches(type: FieldType, value: Stored, op: Condition['op'], literal: Stored): boolean {
  if (op === 'IS NULL') return value === null;
  if (op === 'IS NOT NULL') return value !== null;
  if (value === null || literal === null) return false;
  const order = compareStored(type, value, literal);
  return satisfies(op, order);
}

/** Resolves a table path against the job's project and default dataset. */
function resolveTable(
  path: string[],
  projectId: string,
  defaultDataset: { projectId?: string; datasetId?: string } | undefined,
  token: Token,
) {
  if (path.length === 3) return { projectId: path[0]!, datasetId: path[1]!, tableId: path[2]! };
  if (path.length === 2) return { projectId, datasetId: path[0]!, tableId: path[1]! };
  if (path.length === 1 && defaultDataset?.datasetId)
    return {
      projectId: defaultDataset.projectId ?? projectId,
      datasetId: defaultDataset.datasetId,
      tableId: path[0]!,
    };
  if (path.length === 1)
    throw invalidQuery(`Table "${path[0]}" must be qualified with a dataset (e.g. dataset.table).`);
  throw invalidQuery(`Invalid table name: ${path.join('.')} ${at(token)}`);
}

/** The table a query reads (for its location and errors), without running it. */
export function queryTable(
  sql: string,
  projectId: string,
  defaultDataset?: { projectId?: string; datasetId?: string },
) {
  const statement = parseSelect(sql);
  return resolveTable(statement.table, projectId, defaultDataset, statement.tableAt);
}

/** Parses and runs one query against the catalog; throws `invalidQuery`/`notFound` ApiErrors. */
export function runQuery(
  catalog: Catalog,
  sql: string,
  projectId: string,
  location: string,
  defaultDataset?: { projectId?: string; datasetId?: string },
): QueryResult {
  const statement = parseSelect(sql);
  const ref = resolveTable(statement.table, projectId, defaultDataset, statement.tableAt);
  const name = tableName(ref.projectId, ref.datasetId, ref.tableId);
  const dataset = catalog.findDataset(ref.projectId, ref.datasetId);
  if (!dataset)
    throw notFound(
      `Not found: Dataset ${ref.projectId}:${ref.datasetId} was not found in location ${location}`,
    );
  if (dataset.location !== location)
    throw notFound(
      `Not found: Dataset ${ref.projectId}:${ref.datasetId} was not found in location ${location}`,
    );
  const table = catalog.findTable(ref.projectId, ref.datasetId, ref.tableId);
  if (!table) throw notFound(`Not found: Table ${name} was not found in location ${location}`);

  const column = (columnName: string, token: Token): Field => {
    const field = findField(table.schema, columnName);
    if (!field) throw invalidQuery(`Unrecognized name: ${columnName} ${at(token)}`);
    return field;
  };

  // Each condition filters rows; one on the partitioning column also rules out partitions.
  const spec = table.timePartitioning;
  const partitionField = spec?.field ? findField(table.schema, spec.field) : undefined;
  const partitionTests: ((partition: string) => boolean)[] = [];
  const filters = statement.where.map((c) => {
    const field = column(c.column, c.at);
    const literal = c.literal ? coerceLiteral(field, c.literal, c.op, c.at) : null;
    if (spec && partitionField && field.name === partitionField.name) {
      const op = c.op;
      partitionTests.push(
        op === 'IS NULL'
          ? (p) => p === NULL_PARTITION
          : op === 'IS NOT NULL'
            ? (p) => p !== NULL_PARTITION
            : (p) => partitionMayMatch(spec, partitionField, p, op, literal),
      );
    }
    return (row: StoredRecord) => matches(field.type, row[field.name] ?? null, c.op, literal);
  });
  /** The rows WHERE keeps, streamed from the partitions it can match. */
  const filtered = function* (): Generator<StoredRecord> {
    const segments = table.data.segments((p) => partitionTests.every((test) => test(p)));
    for (const scanned of scan(segments, table.schema)) {
      const row = scanned.decode();
      if (filters.every((f) => f(row))) yield row;
    }
  };
  // BigQuery bills the bytes of every column the query references, over the whole table.
  const referenced = new Set<string>(
    statement.star
      ? table.schema.map((f) => f.name)
      : [
          ...statement.items.flatMap((i) => (i.kind === 'column' ? [i.name] : i.column ? [i.column] : [])),
          ...statement.where.map((c) => c.column),
          ...statement.groupBy.map((g) => g.name),
          ...statement.orderBy.map((k) => k.name),
        ].flatMap((n) => {
          const field = findField(table.schema, n);
          return field ? [field.name] : [];
        }),
  );
  const totalBytesProcessed = table.data.bytes({ columns: referenced });

  // Output columns: anonymous ones are f0_, f1_, ... in order, as in BigQuery.
  let anonymous = 0;
  const nextAnonymous = () => `f${anonymous++}_`;
  const items: SelectItem[] = statement.star
    ? table.schema.map((f) => ({ kind: 'column' as const, name: f.name, at: statement.tableAt }))
    : statement.items;
  const hasCount = items.some((i) => i.kind === 'count');
  const output: { name: string; field: Field; item: SelectItem }[] = items.map((item) => {
    if (item.kind === 'count') {
      if (item.column) column(item.column, item.at);
      return {
        name: item.alias ?? nextAnonymous(),
        field: { name: '', type: 'INTEGER', mode: 'NULLABLE' },
        item,
      };
    }
    const field = column(item.name, item.at);
    return { name: item.alias ?? field.name, field, item };
  });
  const seen = new Set<string>();
  for (const o of output) {
    if (seen.has(o.name.toLowerCase()))
      throw invalidQuery(
        `Duplicate column names in the result are not supported. Found duplicate(s): ${o.name}`,
      );
    seen.add(o.name.toLowerCase());
  }
  const schema: Field[] = output.map((o) => ({ ...o.field, name: o.name }));

  let result: StoredRecord[];
  const grouped = statement.groupBy.length > 0 || hasCount || statement.having !== undefined;
  if (grouped) {
    const groupFields = statement.groupBy.map((g) => ({ field: column(g.name, g.at), at: g.at }));
    const isGrouped = (field: Field) => groupFields.some((g) => g.field.name === field.name);
    for (const o of output) {
      if (o.item.kind !== 'column') continue;
      if (!isGrouped(o.field))
        throw invalidQuery(
          `SELECT list expression references column ${o.item.name} which is neither grouped nor aggregated ${at(o.item.at)}`,
        );
    }
    for (const { field, at: token } of groupFields)
      if (
        field.mode === 'REPEATED' ||
        field.type === 'RECORD' ||
        field.type === 'JSON' ||
        field.type === 'FLOAT'
      )
        throw invalidQuery(
          `Grouping by expressions of type ${field.mode === 'REPEATED' ? 'ARRAY' : SQL_TYPE_NAMES[field.type]} is not allowed ${at(token)}`,
        );
    // Per group: its first row's selected columns, its row count and each COUNT(col)'s count.
    const counted = output.map((o) =>
      o.item.kind === 'count' && o.item.column ? findField(table.schema, o.item.column)!.name : undefined,
    );
    const groups = new Map<string, { first: StoredRecord; rows: number; counts: number[] }>();
    // COUNT(*) of a whole table is in its metadata: no row needs reading.
    const countOnly = !groupFields.length && !filters.length && counted.every((name) => name === undefined);
    const rows: Iterable<StoredRecord> = countOnly ? [] : filtered();
    if (countOnly)
      groups.set('[]', {
        first: Object.create(null) as StoredRecord,
        rows: table.data.count(),
        counts: output.map(() => 0),
      });
    for (const row of rows) {
      // NULLs form one group, as GROUP BY puts them together.
      const key = JSON.stringify(
        groupFields.map(({ field }) => {
          const value = row[field.name] ?? null;
          return value === null ? null : String(value);
        }),
      );
      let group = groups.get(key);
      if (!group) {
        const first: StoredRecord = Object.create(null) as StoredRecord;
        for (const o of output) if (o.item.kind === 'column') first[o.field.name] = row[o.field.name] ?? null;
        group = { first, rows: 0, counts: output.map(() => 0) };
        groups.set(key, group);
      }
      group.rows += 1;
      for (let i = 0; i < counted.length; i++) {
        const name = counted[i];
        if (name !== undefined && (row[name] ?? null) !== null) group.counts[i]! += 1;
      }
    }
    if (!groupFields.length && groups.size === 0)
      groups.set('', { first: Object.create(null) as StoredRecord, rows: 0, counts: output.map(() => 0) });
    const having = statement.having;
    const kept = having
      ? [...groups.values()].filter((group) =>
          matches('INTEGER', BigInt(group.rows), having.op, BigInt(having.count)),
        )
      : [...groups.values()];
    result = kept.map((group) => {
      const out: StoredRecord = Object.create(null) as StoredRecord;
      output.forEach((o, i) => {
        if (o.item.kind === 'count')
          out[o.name] = BigInt(counted[i] === undefined ? group.rows : group.counts[i]!);
        else out[o.name] = group.first[o.field.name] ?? null;
      });
      return out;
    });
  } else {
    // ORDER BY may name a table column that is not selected: sort before projecting.
    const keys = statement.orderBy.map((k) => {
      const selected = output.find((o) => o.name.toLowerCase() === k.name.toLowerCase());
      const field = selected ? selected.field : column(k.name, k.at);
      return {
        get: (r: StoredRecord) => r[field.name] ?? null,
        type: field.type,
        desc: k.desc,
        at: k.at,
        field,
      };
    });
    checkSortKeys(keys);
    // Without ORDER BY, LIMIT needs only the first rows.
    const wanted = keys.length ? Infinity : (statement.limit ?? Infinity);
    let rows: StoredRecord[] = [];
    if (wanted > 0)
      for (const row of filtered()) {
        rows.push(row);
        if (rows.length >= wanted) break;
      }
    rows = sortRows(rows, keys);
    result = rows.map((row) => {
      const out: StoredRecord = Object.create(null) as StoredRecord;
      for (const o of output) out[o.name] = row[o.field.name] ?? null;
      return out;
    });
  }
  if (grouped) {
    result = sortRows(
      result,
      statement.orderBy.map((k) => {
        const selected = output.find((o) => o.name.toLowerCase() === k.name.toLowerCase());
        if (!selected)
          throw invalidQuery(
            `ORDER BY clause expression references column ${k.name} which is neither grouped nor aggregated ${at(k.at)}`,
          );
        return {
          get: (r: StoredRecord) => r[selected.name] ?? null,
          type: selected.field.type,
          desc: k.desc,
          at: k.at,
          field: selected.field,
        };
      }),
    );
  }
  if (statement.limit !== undefined) result = result.slice(0, statement.limit);
  return { schema, rows: result, table: name, totalBytesProcessed };
}

interface SortKey {
  get(row: StoredRecord): Stored;
  type: FieldType;
  desc: boolean;
  at: Token;
  field: Field;
}

function checkSortKeys(keys: SortKey[]): void {
  for (const key of keys)
    if (key.field.mode === 'REPEATED' || key.field.type === 'RECORD' || key.field.type === 'JSON')
      throw invalidQuery(
        `ORDER BY does not support expressions of type ${key.field.mode === 'REPEATED' ? 'ARRAY' : SQL_TYPE_NAMES[key.field.type]} ${at(key.at)}`,
      );
}

/** Stable sort; NULLs first ascending and last descending, as GoogleSQL orders them. */
function sortRows(rows: StoredRecord[], keys: SortKey[]): StoredRecord[] {
  checkSortKeys(keys);
  if (!keys.length) return rows;
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const [x, y] = [key.get(a), key.get(b)];
      let order: number;
      if (x === null || y === null) order = x === y ? 0 : x === null ? -1 : 1;
      else order = compareStored(key.type, x, y);
      if (order !== 0) return key.desc ? -order : order;
    }
    return 0;
  });
}
