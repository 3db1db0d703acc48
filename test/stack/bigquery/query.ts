import { ApiError, type Catalog } from './catalog.js';
import { canonicalType, convertValue, type SchemaField } from './values.js';

export interface QueryResult {
  schema: SchemaField[];
  rows: Record<string, unknown>[];
}

type Condition = { column: string; op: string; literal?: unknown };

const SUPPORTED =
  'SELECT COUNT(*) | * | cols | col, COUNT(*) FROM table [WHERE col op literal [AND ...]] [GROUP BY col] [ORDER BY col [DESC]] [LIMIT n]';

/**
 * A tiny GoogleSQL subset over one table, enough for tests and the demo to ask BigQuery the
 * questions an admin's first queries ask. Anything else is refused as unsupported.
 */
export function runQuery(
  catalog: Catalog,
  projectId: string,
  defaultDataset: string | undefined,
  sql: string,
): QueryResult {
  const text = sql.trim().replace(/;$/, '').replace(/\s+/g, ' ');
  const match =
    /^SELECT (.+?) FROM (`[^`]+`|[A-Za-z0-9_.-]+)(?: WHERE (.+?))?(?: GROUP BY ([A-Za-z_][A-Za-z0-9_]*))?(?: ORDER BY ([A-Za-z_][A-Za-z0-9_]*)(?: (ASC|DESC))?)?(?: LIMIT (\d+))?$/i.exec(
      text,
    );
  if (!match) throw new ApiError(400, 'invalidQuery', `This BigQuery fake only supports: ${SUPPORTED}`);
  const [, selectList, tableName, where, groupBy, orderBy, direction, limit] = match;
  const parts = tableName!.replace(/`/g, '').split('.');
  const [project, dataset, tableId] =
    parts.length === 3
      ? parts
      : parts.length === 2
        ? [projectId, ...parts]
        : [projectId, defaultDataset, parts[0]];
  if (!dataset)
    throw new ApiError(
      400,
      'invalidQuery',
      `Table "${tableName}" must be qualified with a dataset (e.g. dataset.table).`,
    );
  const table = catalog.table(project!, dataset, tableId!);
  const types = new Map(table.schema.map((f) => [f.name, canonicalType(f.type)]));
  const column = (name: string) => {
    if (!types.has(name)) throw new ApiError(400, 'invalidQuery', `Unrecognized name: ${name}`);
    return name;
  };

  const conditions: Condition[] = (where ? where.split(/ AND /i) : []).map((condition) => {
    const nullTest = /^([A-Za-z_][A-Za-z0-9_]*) IS (NOT )?NULL$/i.exec(condition.trim());
    if (nullTest) return { column: column(nullTest[1]!), op: nullTest[2] ? 'notnull' : 'null' };
    const m =
      /^([A-Za-z_][A-Za-z0-9_]*) ?(=|!=|<>|<=|>=|<|>) ?('(?:[^']|\\')*'|-?\d+(?:\.\d+)?|TRUE|FALSE)$/i.exec(
        condition.trim(),
      );
    if (!m) throw new ApiError(400, 'invalidQuery', `Unsupported condition "${condition}". ${SUPPORTED}`);
    const name = column(m[1]!);
    const raw = m[3]!.startsWith("'")
      ? m[3]!.slice(1, -1).replace(/\\'/g, "'")
      : /^(true|false)$/i.test(m[3]!)
        ? m[3]!.toLowerCase() === 'true'
        : Number(m[3]);
    return { column: name, op: m[2] === '<>' ? '!=' : m[2]!, literal: convertValue(types.get(name)!, raw) };
  });
  const compare = (a: unknown, b: unknown) => (a === b ? 0 : (a as never) < (b as never) ? -1 : 1);
  let rows = table.rows
    .map((r) => r.values)
    .filter((values) =>
      conditions.every(({ column: c, op, literal }) => {
        const value = values[c];
        if (op === 'null') return value === undefined;
        if (op === 'notnull') return value !== undefined;
        if (value === undefined) return false;
        const order = compare(value, literal);
        return {
          '=': order === 0,
          '!=': order !== 0,
          '<': order < 0,
          '<=': order <= 0,
          '>': order > 0,
          '>=': order >= 0,
        }[op]!;
      }),
    );

  const select = selectList!.split(',').map((s) => s.trim());
  const isCount = (s: string) => /^COUNT\(\*\)( AS \w+)?$/i.test(s);
  const countName = (s: string) => /AS (\w+)$/i.exec(s)?.[1] ?? 'f0_';
  let schema: SchemaField[];
  let out: Record<string, unknown>[];
  if (select.length === 1 && isCount(select[0]!) && !groupBy) {
    schema = [{ name: countName(select[0]!), type: 'INTEGER', mode: 'NULLABLE' }];
    out = [{ [schema[0]!.name]: BigInt(rows.length) }];
  } else if (groupBy) {
    if (select.length !== 2 || select[0] !== groupBy || !isCount(select[1]!)) {
      throw new ApiError(
        400,
        'invalidQuery',
        `GROUP BY is supported only as SELECT col, COUNT(*) ... GROUP BY col`,
      );
    }
    const counts = new Map<unknown, number>();
    for (const values of rows) counts.set(values[column(groupBy)], (counts.get(values[groupBy]) ?? 0) + 1);
    const name = countName(select[1]!);
    schema = [table.schema.find((f) => f.name === groupBy)!, { name, type: 'INTEGER', mode: 'NULLABLE' }];
    out = [...counts].map(([key, count]) => ({ [groupBy]: key, [name]: BigInt(count) }));
  } else {
    const names =
      select.length === 1 && select[0] === '*' ? table.schema.map((f) => f.name) : select.map(column);
    schema = names.map((n) => table.schema.find((f) => f.name === n)!);
    out = rows.map((values) => Object.fromEntries(names.map((n) => [n, values[n]])));
  }
  if (orderBy) {
    const key = orderBy;
    if (!schema.some((f) => f.name === key))
      throw new ApiError(400, 'invalidQuery', `Unrecognized name: ${key}`);
    const sign = direction?.toUpperCase() === 'DESC' ? -1 : 1;
    out.sort((a, b) => {
      if (a[key] === undefined) return -sign;
      if (b[key] === undefined) return sign;
      return sign * compare(a[key], b[key]);
    });
  }
  if (limit) out = out.slice(0, Number(limit));
  rows = [];
  return { schema, rows: out };
}
