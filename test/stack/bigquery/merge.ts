/**
 * Runs a MERGE statement (merge-parser.ts) with GoogleSQL's documented semantics:
 *
 * - every target row is joined with the source rows satisfying ON; a target row matched by more
 *   than one source row fails the whole statement ("UPDATE/MERGE must match at most one source
 *   row for each target row") when the statement has a WHEN MATCHED clause;
 * - WHEN clauses are tried in order and the first whose condition holds acts on the row;
 *   WHEN MATCHED sees both rows, NOT MATCHED [BY TARGET] only the source row, NOT MATCHED BY
 *   SOURCE only the target row;
 * - the statement is atomic: the new rows are computed in full and committed in one step, so any
 *   error (a type error, NULL into a REQUIRED column, a duplicate match) changes nothing;
 * - dmlStats count inserted, updated and deleted rows; an updated row moves to the partition of
 *   its new partitioning value.
 *
 * Equality conjuncts of ON between a target and a source column are evaluated with a hash join,
 * the rest of ON per candidate pair, so a merge of thousands of rows stays fast. Conjuncts of ON
 * comparing the target's partitioning column with a constant (the product's window range) limit
 * the target partitions read: the others cannot match, so without a NOT MATCHED BY SOURCE
 * clause they stay as they are, unread. The source's rows are held encoded (as stored lines);
 * target rows stream from disk to new segment files, swapped in at commit (storage.ts).
 */
import { tableName, touch, type Catalog, type Table } from './catalog.js';
import { invalid, invalidQuery, notFound } from './errors.js';
import {
  parseMerge,
  type Assignment,
  type Comparison,
  type Expr,
  type MergeAction,
  type MergeStatement,
  type WhenClause,
} from './merge-parser.js';
import {
  flipComparison,
  partitionMayMatch,
  partitionOfIngestion,
  partitionOfValue,
  UNPARTITIONED,
} from './partitions.js';
import {
  findField,
  satisfies,
  SQL_TYPE_NAMES,
  type Field,
  type FieldMode,
  type FieldType,
} from './schema.js';
import type { Literal, Token } from './sql-parser.js';
import { scan, type Segment } from './storage.js';
import { convertScalar, normalizeDecimal, ValueError, type Stored, type StoredRecord } from './values.js';

export interface DmlStats {
  insertedRowCount: number;
  updatedRowCount: number;
  deletedRowCount: number;
}

export interface MergeOutcome {
  dml: DmlStats;
  /** `p:d.t` of the target. */
  table: string;
  source: string;
  totalBytesProcessed: number;
}

/** A named query parameter, converted to the stored form of its type. */
export interface Parameter {
  type: FieldType;
  value: Stored;
}

const at = (t: Token) => `at [${t.line}:${t.column}]`;

const PARAMETER_TYPES: Record<string, FieldType> = Object.fromEntries([
  ...Object.entries(SQL_TYPE_NAMES).map(([field, sql]) => [sql, field as FieldType]),
  ...Object.keys(SQL_TYPE_NAMES).map((field) => [field, field as FieldType]),
]);

/** `configuration.query.queryParameters` (named, scalar) as the evaluator uses them. */
export function readParameters(
  mode: string | undefined,
  parameters: readonly unknown[] | undefined,
): Map<string, Parameter> {
  const result = new Map<string, Parameter>();
  if (!parameters?.length) return result;
  if (mode !== undefined && mode.toUpperCase() !== 'NAMED')
    throw invalid(
      'Positional query parameters are not supported by the BigQuery fake; use parameterMode NAMED.',
    );
  for (const raw of parameters) {
    const p = raw as {
      name?: string;
      parameterType?: { type?: string };
      parameterValue?: { value?: string | null };
    };
    if (!p.name) throw invalid('Query parameter must have a name when parameterMode is NAMED.');
    const type = PARAMETER_TYPES[String(p.parameterType?.type ?? '').toUpperCase()];
    if (!type || type === 'RECORD' || type === 'JSON')
      throw invalid(
        `Query parameter ${p.name} has type ${String(p.parameterType?.type)}, which the BigQuery fake does not support (scalars only).`,
      );
    const text = p.parameterValue?.value;
    let value: Stored = null;
    if (text !== undefined && text !== null) {
      try {
        value =
          type === 'BOOLEAN'
            ? convertScalar(type, text.toLowerCase() === 'true', p.name)
            : scalar(type, text, p.name);
      } catch (error) {
        if (error instanceof ValueError)
          throw invalid(
            `Invalid value for query parameter ${p.name} of type ${SQL_TYPE_NAMES[type]}: ${text}`,
          );
        throw error;
      }
    }
    result.set(p.name.toLowerCase(), { type, value });
  }
  return result;
}

function scalar(type: FieldType, text: string, name: string): Stored {
  if (type === 'INTEGER' || type === 'FLOAT' || type === 'NUMERIC' || type === 'BIGNUMERIC') {
    if (type === 'INTEGER') return convertScalar(type, text, name);
    if (type === 'FLOAT') return Number(text);
    const normalized = normalizeDecimal(text, type === 'NUMERIC' ? 9 : 38);
    if (normalized === undefined) throw new ValueError(text);
    return normalized;
  }
  return convertScalar(type, text, name);
}

// ---------------------------------------------------------------------------------------------
// Typed expressions

/** Which rows an expression may read. */
interface Scope {
  target?: { alias: string; table: Table };
  source?: { alias: string; table: Table };
  /** Shown when a name is not visible in this clause. */
  clause: string;
  /** Both aliases, visible or not, to tell a hidden name from an unknown one. */
  aliases: { target: string; source: string };
}

interface Row {
  target: StoredRecord | null;
  source: StoredRecord | null;
}

interface Compiled {
  /** 'NULL' for an untyped NULL literal. */
  type: FieldType | 'NULL';
  mode: FieldMode;
  /** Literals and parameters coerce to a date/time type when compared or assigned. */
  coercible?: { text: string };
  side?: 'target' | 'source';
  column?: Field;
  eval(row: Row): Stored;
}

const NUMERIC_TYPES = new Set<string>(['INTEGER', 'FLOAT', 'NUMERIC', 'BIGNUMERIC']);
const TIME_TYPES = new Set<string>(['DATE', 'DATETIME', 'TIMESTAMP', 'TIME']);
const sqlName = (c: Compiled) =>
  c.type === 'NULL'
    ? 'INT64'
    : c.mode === 'REPEATED'
      ? `ARRAY<${SQL_TYPE_NAMES[c.type]}>`
      : SQL_TYPE_NAMES[c.type];

class Compiler {
  constructor(
    private readonly scope: Scope,
    private readonly parameters: Map<string, Parameter>,
  ) {}

  compile(expr: Expr): Compiled {
    switch (expr.kind) {
      case 'column':
        return this.column(expr);
      case 'literal':
        return literal(expr.literal);
      case 'param': {
        const p = this.parameters.get(expr.name.toLowerCase());
        if (!p) throw invalidQuery(`Query parameter '${expr.name}' not found ${at(expr.at)}`);
        return {
          type: p.type,
          mode: 'NULLABLE',
          coercible: p.type === 'STRING' && typeof p.value === 'string' ? { text: p.value } : undefined,
          eval: () => p.value,
        };
      }
      case 'compare':
        return this.compare(expr.op, this.compile(expr.left), this.compile(expr.right), expr.at);
      case 'isNull': {
        const operand = this.compile(expr.operand);
        return bool(expr.not ? (row) => operand.eval(row) !== null : (row) => operand.eval(row) === null);
      }
      case 'not': {
        const operand = this.logical(expr.operand, 'NOT', expr.at);
        return bool((row) => {
          const v = operand.eval(row);
          return v === null ? null : !v;
        });
      }
      case 'and':
      case 'or': {
        const name = expr.kind.toUpperCase();
        const [left, right] = [
          this.logical(expr.left, name, expr.at),
          this.logical(expr.right, name, expr.at),
        ];
        const dominant = expr.kind === 'or'; // TRUE decides OR, FALSE decides AND
        return bool((row) => {
          const a = left.eval(row);
          if (a === dominant) return dominant;
          const b = right.eval(row);
          if (b === dominant) return dominant;
          return a === null || b === null ? null : !dominant;
        });
      }
    }
  }

  logical(expr: Expr, operator: string, token: Token): Compiled {
    const compiled = this.compile(expr);
    if (compiled.type !== 'BOOLEAN' && compiled.type !== 'NULL')
      throw invalidQuery(
        `No matching signature for operator ${operator} for argument types: ${sqlName(compiled)}. Supported signature: ${operator} (BOOL) ${at(token)}`,
      );
    return compiled;
  }

  column(expr: Extract<Expr, { kind: 'column' }>): Compiled {
    const sides = (['target', 'source'] as const).filter((side) => {
      const entry = this.scope[side];
      if (!entry) return false;
      if (expr.qualifier !== undefined) return entry.alias.toLowerCase() === expr.qualifier.toLowerCase();
      return findField(entry.table.schema, expr.name) !== undefined;
    });
    const shown = expr.qualifier ? `${expr.qualifier}.${expr.name}` : expr.name;
    if (!sides.length) {
      const hidden = (['target', 'source'] as const).some((side) => {
        const alias = this.scope.aliases[side];
        return !this.scope[side] && expr.qualifier?.toLowerCase() === alias.toLowerCase();
      });
      if (hidden)
        throw invalidQuery(
          `Unrecognized name: ${expr.qualifier} (not visible in ${this.scope.clause}) ${at(expr.at)}`,
        );
      throw invalidQuery(`Unrecognized name: ${expr.qualifier ?? expr.name} ${at(expr.at)}`);
    }
    if (sides.length > 1) throw invalidQuery(`Column name ${shown} is ambiguous ${at(expr.at)}`);
    const side = sides[0]!;
    const field = findField(this.scope[side]!.table.schema, expr.name);
    if (!field)
      throw invalidQuery(`Name ${expr.name} not found inside ${this.scope[side]!.alias} ${at(expr.at)}`);
    return {
      type: field.type,
      mode: field.mode,
      side,
      column: field,
      eval: (row) => row[side]?.[field.name] ?? (field.mode === 'REPEATED' ? [] : null),
    };
  }

  compare(op: Comparison, left: Compiled, right: Compiled, token: Token): Compiled {
    const refuse = () =>
      invalidQuery(
        `No matching signature for operator ${op} for argument types: ${sqlName(left)}, ${sqlName(right)}. Supported signature: ANY ${op} ANY ${at(token)}`,
      );
    for (const side of [left, right])
      if (side.mode === 'REPEATED' || side.type === 'RECORD' || side.type === 'JSON') throw refuse();
    [left, right] = [coerceTo(left, right.type, token), coerceTo(right, left.type, token)];
    const type = comparisonType(left.type, right.type);
    if (!type) throw refuse();
    return bool((row) => {
      const [a, b] = [left.eval(row), right.eval(row)];
      if (a === null || b === null) return null;
      return satisfies(op, compareValues(type, a, b));
    });
  }
}

function bool(evaluate: (row: Row) => boolean | null): Compiled {
  return { type: 'BOOLEAN', mode: 'NULLABLE', eval: evaluate };
}

function literal(l: Literal): Compiled {
  const constant = (type: FieldType | 'NULL', value: Stored, coercible?: { text: string }): Compiled => ({
    type,
    mode: 'NULLABLE',
    coercible,
    eval: () => value,
  });
  switch (l.kind) {
    case 'null':
      return constant('NULL', null);
    case 'bool':
      return constant('BOOLEAN', l.value);
    case 'string':
      return constant('STRING', l.text, { text: l.text });
    case 'number':
      return /^-?\d+$/.test(l.text) ? constant('INTEGER', BigInt(l.text)) : constant('FLOAT', Number(l.text));
    case 'typed':
      try {
        return constant(l.type, convertScalar(l.type, l.text, l.type));
      } catch (error) {
        if (error instanceof ValueError) throw invalidQuery(`Invalid ${l.type} literal '${l.text}'`);
        throw error;
      }
  }
}

/** A STRING literal or parameter meeting a date/time type becomes a value of that type, as GoogleSQL coerces them. */
function coerceTo(value: Compiled, type: FieldType | 'NULL', token: Token): Compiled {
  if (!value.coercible || !TIME_TYPES.has(type)) return value;
  const t = type as FieldType;
  let converted: Stored;
  try {
    converted = convertScalar(t, value.coercible.text, t);
  } catch (error) {
    if (error instanceof ValueError)
      throw invalidQuery(
        `Could not cast literal "${value.coercible.text}" to type ${SQL_TYPE_NAMES[t]} ${at(token)}`,
      );
    throw error;
  }
  return { type: t, mode: 'NULLABLE', eval: () => converted };
}

function comparisonType(a: FieldType | 'NULL', b: FieldType | 'NULL'): FieldType | undefined {
  if (a === 'NULL') return b === 'NULL' ? 'INTEGER' : b;
  if (b === 'NULL') return a;
  if (a === b) return a;
  if (NUMERIC_TYPES.has(a) && NUMERIC_TYPES.has(b))
    return a === 'FLOAT' || b === 'FLOAT' ? 'FLOAT' : 'BIGNUMERIC';
  return undefined;
}

function compareValues(type: FieldType, a: Stored, b: Stored): number {
  if (type === 'FLOAT') {
    const [x, y] = [Number(a), Number(b)];
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (type === 'NUMERIC' || type === 'BIGNUMERIC') return compareDecimal(String(a), String(b));
  if (a === b) return 0;
  return (a as never) < (b as never) ? -1 : 1;
}

function compareDecimal(a: string, b: string): number {
  const scaled = (text: string) => {
    const negative = text.startsWith('-');
    const [integer, digits = ''] = text.replace(/^-/, '').split('.');
    const value = BigInt(integer!) * 10n ** 38n + BigInt(digits.padEnd(38, '0'));
    return negative ? -value : value;
  };
  const [x, y] = [scaled(a), scaled(b)];
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A value of `from` written into `field`, or GoogleSQL's refusal (`message` names the position). */
function assigner(
  value: Compiled,
  field: Field,
  token: Token,
  refusal: (valueType: string, columnType: string) => string,
): (row: Row) => Stored {
  const coerced = coerceTo(value, field.type, token);
  const columnType =
    field.mode === 'REPEATED' ? `ARRAY<${SQL_TYPE_NAMES[field.type]}>` : SQL_TYPE_NAMES[field.type];
  const required = (v: Stored) => {
    if (v === null && field.mode === 'REQUIRED')
      throw invalidQuery(`Cannot write NULL to REQUIRED column ${field.name}`);
    return v;
  };
  if (coerced.type === 'NULL') return (row) => required(coerced.eval(row));
  if (coerced.mode === 'REPEATED' ? field.mode !== 'REPEATED' : field.mode === 'REPEATED')
    throw invalidQuery(refusal(sqlName(coerced), columnType));
  if (coerced.type === field.type) return (row) => required(coerced.eval(row));
  if (coerced.type === 'INTEGER' && field.type === 'FLOAT')
    return (row) => {
      const v = required(coerced.eval(row));
      return v === null ? null : Number(v);
    };
  if (coerced.type === 'INTEGER' && (field.type === 'NUMERIC' || field.type === 'BIGNUMERIC'))
    return (row) => {
      const v = required(coerced.eval(row));
      return v === null ? null : String(v);
    };
  throw invalidQuery(refusal(sqlName(coerced), columnType));
}

// ---------------------------------------------------------------------------------------------
// The statement

interface Resolved {
  table: Table;
  alias: string;
  name: string;
}

function resolve(
  catalog: Catalog,
  ref: MergeStatement['target'],
  projectId: string,
  location: string,
  defaultDataset?: { projectId?: string; datasetId?: string },
): Resolved {
  const path = ref.path;
  let parts: { projectId: string; datasetId: string; tableId: string };
  if (path.length === 3) parts = { projectId: path[0]!, datasetId: path[1]!, tableId: path[2]! };
  else if (path.length === 2) parts = { projectId, datasetId: path[0]!, tableId: path[1]! };
  else if (path.length === 1 && defaultDataset?.datasetId)
    parts = {
      projectId: defaultDataset.projectId ?? projectId,
      datasetId: defaultDataset.datasetId,
      tableId: path[0]!,
    };
  else if (path.length === 1)
    throw invalidQuery(`Table "${path[0]}" must be qualified with a dataset (e.g. dataset.table).`);
  else throw invalidQuery(`Invalid table name: ${path.join('.')} ${at(ref.at)}`);
  const name = tableName(parts.projectId, parts.datasetId, parts.tableId);
  const dataset = catalog.findDataset(parts.projectId, parts.datasetId);
  if (!dataset || dataset.location !== location)
    throw notFound(
      `Not found: Dataset ${parts.projectId}:${parts.datasetId} was not found in location ${location}`,
    );
  const table = catalog.findTable(parts.projectId, parts.datasetId, parts.tableId);
  if (!table) throw notFound(`Not found: Table ${name} was not found in location ${location}`);
  return { table, alias: ref.alias ?? parts.tableId, name };
}

/** The target table of a MERGE statement, for the job's default location. */
export function mergeTarget(
  sql: string,
  projectId: string,
  defaultDataset?: { projectId?: string; datasetId?: string },
) {
  const path = parseMerge(sql).target.path;
  if (path.length === 3) return { projectId: path[0]!, datasetId: path[1]!, tableId: path[2]! };
  if (path.length === 2) return { projectId, datasetId: path[0]!, tableId: path[1]! };
  return {
    projectId: defaultDataset?.projectId ?? projectId,
    datasetId: defaultDataset?.datasetId ?? '',
    tableId: path[0]!,
  };
}

interface CompiledClause {
  match: WhenClause['match'];
  condition?: Compiled;
  apply: (row: Row) => StoredRecord | 'delete';
  kind: MergeAction['kind'];
}

/** Parses, checks and runs a MERGE; commits unless `dryRun`. Throws ApiErrors, changing nothing. */
export function runMerge(
  catalog: Catalog,
  sql: string,
  context: {
    projectId: string;
    location: string;
    defaultDataset?: { projectId?: string; datasetId?: string };
    parameters: Map<string, Parameter>;
    dryRun?: boolean;
    now?: Date;
  },
): MergeOutcome {
  const statement = parseMerge(sql);
  const target = resolve(
    catalog,
    statement.target,
    context.projectId,
    context.location,
    context.defaultDataset,
  );
  const source = resolve(
    catalog,
    statement.source,
    context.projectId,
    context.location,
    context.defaultDataset,
  );
  if (target.alias.toLowerCase() === source.alias.toLowerCase())
    throw invalidQuery(
      `Duplicate alias ${source.alias} for MERGE source and target ${at(statement.source.at)}`,
    );
  const aliases = { target: target.alias, source: source.alias };
  const compiler = (scope: Pick<Scope, 'target' | 'source'>, clause: string) =>
    new Compiler({ ...scope, clause, aliases }, context.parameters);
  const both = {
    target: { alias: target.alias, table: target.table },
    source: { alias: source.alias, table: source.table },
  };

  // ON: equality conjuncts between a target and a source column of one type become hash keys.
  const onCompiler = compiler(both, 'ON');
  const keys: { target: Compiled; source: Compiled }[] = [];
  const residual: Compiled[] = [];
  for (const conjunct of conjuncts(statement.on)) {
    const compiled = onCompiler.logical(conjunct, 'AND', statement.source.at);
    if (conjunct.kind === 'compare' && conjunct.op === '=') {
      const [l, r] = [onCompiler.compile(conjunct.left), onCompiler.compile(conjunct.right)];
      if (l.side && r.side && l.side !== r.side && l.type === r.type && l.type !== 'FLOAT') {
        keys.push(l.side === 'target' ? { target: l, source: r } : { target: r, source: l });
        continue;
      }
    }
    residual.push(compiled);
  }

  const clauses = statement.clauses.map((clause) => compileClause(clause, target, both, compiler));
  const hasMatchedClause = clauses.some((c) => c.match === 'matched');

  const keyOf = (side: 'target' | 'source', values: StoredRecord): string | undefined => {
    const parts: string[] = [];
    for (const key of keys) {
      const v = key[side].eval({ target: null, source: null, [side]: values } as Row);
      if (v === null) return undefined; // NULL equals nothing
      parts.push(String(v));
    }
    return JSON.stringify(parts);
  };
  // The source's rows, held as their stored lines (a fraction of decoded rows' memory).
  const sourceLines: string[] = [];
  const sourceDecoders: ((line: string) => StoredRecord)[] = [];
  const bySourceKey = new Map<string, number | number[]>();
  for (const scanned of scan(source.table.data.segments(), source.table.schema)) {
    const index = sourceLines.length;
    sourceLines.push(scanned.line);
    sourceDecoders.push(scanned.decoder);
    if (!keys.length) continue;
    const key = keyOf('source', scanned.decode());
    if (key === undefined) continue;
    const list = bySourceKey.get(key);
    if (list === undefined) bySourceKey.set(key, index);
    else if (typeof list === 'number') bySourceKey.set(key, [list, index]);
    else list.push(index);
  }
  const sourceRow = (index: number) => sourceDecoders[index]!(sourceLines[index]!);
  const allSources = sourceLines.map((_, index) => index);
  const sourceMatched = new Uint8Array(sourceLines.length);

  // Target partitions ON can match; all of them when a NOT MATCHED BY SOURCE clause acts on the rest.
  const mayMatch = clauses.some((c) => c.match === 'notMatchedBySource')
    ? () => true
    : partitionFilter(target.table, statement.on, onCompiler);
  const read = new Set(target.table.data.partitionIds().filter(mayMatch));

  const dml: DmlStats = { insertedRowCount: 0, updatedRowCount: 0, deletedRowCount: 0 };
  const partitionOf = partitioner(target.table, context.now ?? new Date());
  const output = catalog.store.batch(target.table.schema);
  // Partitions whose rows change: rewritten from `output`; the others read keep their segments.
  const changed = new Set<string>();
  let nextSeq = target.table.data.nextSeq;
  source.table.data.hold(sourceLines.length);
  try {
    for (const stored of scan(
      target.table.data.segments((p) => read.has(p)),
      target.table.schema,
    )) {
      const values = stored.decode();
      const key = keys.length ? keyOf('target', values) : '';
      const found = keys.length ? (key === undefined ? undefined : bySourceKey.get(key)) : allSources;
      const candidates = found === undefined ? [] : typeof found === 'number' ? [found] : found;
      const matched: number[] = [];
      let matchedRow: StoredRecord | null = null;
      for (const index of candidates) {
        const candidate = sourceRow(index);
        if (residual.every((r) => r.eval({ target: values, source: candidate }) === true)) {
          matched.push(index);
          matchedRow ??= candidate;
        }
      }
      if (matched.length > 1 && hasMatchedClause)
        throw invalidQuery('UPDATE/MERGE must match at most one source row for each target row');
      for (const index of matched) sourceMatched[index] = 1;
      const row: Row = { target: values, source: matchedRow };
      const clause = clauses.find(
        (c) =>
          c.match === (matched.length ? 'matched' : 'notMatchedBySource') &&
          (!c.condition || c.condition.eval(row) === true),
      );
      if (!clause) {
        output.copy(stored.partition, stored.seq, stored.line, stored.segment, values);
        continue;
      }
      const outcome = clause.apply(row);
      changed.add(stored.partition);
      if (outcome === 'delete') {
        dml.deletedRowCount += 1;
        continue;
      }
      dml.updatedRowCount += 1;
      const partition = partitionOf(outcome, stored.partition);
      changed.add(partition);
      output.add(partition, stored.seq, outcome);
    }
    const inserts = clauses.filter((c) => c.match === 'notMatchedByTarget');
    if (inserts.length)
      for (let index = 0; index < sourceLines.length; index++) {
        if (sourceMatched[index]) continue;
        const row: Row = { target: null, source: sourceRow(index) };
        const clause = inserts.find((c) => !c.condition || c.condition.eval(row) === true);
        if (!clause) continue;
        const inserted = clause.apply(row) as StoredRecord;
        dml.insertedRowCount += 1;
        const partition = partitionOf(inserted);
        changed.add(partition);
        output.add(partition, nextSeq++, inserted);
      }

    if (!context.dryRun && dml.insertedRowCount + dml.updatedRowCount + dml.deletedRowCount > 0) {
      // Commit: a changed partition that was read is replaced by its new segment; one that was
      // not read (an updated row moved there, or rows were inserted) gains the new segment.
      const written = output.finish();
      const added: Segment[] = [];
      const unused: Segment[] = [];
      for (const [partition, segment] of written) (changed.has(partition) ? added : unused).push(segment);
      const dropped = target.table.data.commit({
        replaced: [...changed].filter((p) => read.has(p)),
        added,
        nextSeq,
      });
      // A changed partition read but left with no row has no new segment: it goes with the rest.
      touch(target.table);
      catalog.store.discard([...dropped, ...unused]);
    }
  } finally {
    output.abort();
    source.table.data.release(sourceLines.length);
  }
  // Bytes of both tables read: the fake does not prune partitions or columns in its billing.
  return {
    dml,
    table: target.name,
    source: source.name,
    totalBytesProcessed: target.table.data.bytes() + source.table.data.bytes(),
  };
}

/**
 * Which target partitions ON can match: a conjunct `T.c op constant` on the partitioning column
 * rules out the partitions holding no value that satisfies it.
 */
function partitionFilter(table: Table, on: Expr, compiler: Compiler): (partition: string) => boolean {
  const spec = table.timePartitioning;
  const field = spec?.field ? findField(table.schema, spec.field) : undefined;
  if (!spec || !field) return () => true;
  const tests: ((partition: string) => boolean)[] = [];
  for (const conjunct of conjuncts(on)) {
    if (conjunct.kind !== 'compare') continue;
    const [left, right] = [compiler.compile(conjunct.left), compiler.compile(conjunct.right)];
    const isColumn = (c: Compiled) => c.side === 'target' && c.column?.name === field.name;
    let op = conjunct.op;
    let value: Compiled;
    if (isColumn(left) && isConstant(conjunct.right)) value = right;
    else if (isColumn(right) && isConstant(conjunct.left)) {
      value = left;
      op = flipComparison(op);
    } else continue;
    const coerced = coerceTo(value, field.type, conjunct.at);
    if (coerced.type !== field.type && coerced.type !== 'NULL') continue;
    const constant = coerced.eval({ target: null, source: null });
    const comparison = op;
    tests.push((partition) => partitionMayMatch(spec, field, partition, comparison, constant));
  }
  return (partition) => tests.every((test) => test(partition));
}

/** A literal or a parameter: the same value for every row. */
function isConstant(expr: Expr): boolean {
  return expr.kind === 'literal' || expr.kind === 'param';
}

function conjuncts(expr: Expr): Expr[] {
  return expr.kind === 'and' ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}

/** The partition of a written row: its partitioning column's, or (ingestion time) the old or current one. */
function partitioner(table: Table, now: Date) {
  const spec = table.timePartitioning;
  const field = spec?.field ? findField(table.schema, spec.field) : undefined;
  return (values: StoredRecord, previous?: string): string => {
    if (!spec) return UNPARTITIONED;
    if (field) return partitionOfValue(spec, field, values[field.name] ?? null);
    return previous ?? partitionOfIngestion(spec, now);
  };
}

function compileClause(
  clause: WhenClause,
  target: Resolved,
  both: Pick<Scope, 'target' | 'source'>,
  compiler: (scope: Pick<Scope, 'target' | 'source'>, clause: string) => Compiler,
): CompiledClause {
  const [scope, name] =
    clause.match === 'matched'
      ? [both, 'WHEN MATCHED']
      : clause.match === 'notMatchedByTarget'
        ? [{ source: both.source }, 'WHEN NOT MATCHED BY TARGET']
        : [{ target: both.target }, 'WHEN NOT MATCHED BY SOURCE'];
  const c = compiler(scope, name);
  const condition = clause.condition ? c.logical(clause.condition, 'WHEN', clause.at) : undefined;
  const action = clause.action;
  const schema = target.table.schema;
  if (action.kind === 'delete')
    return { match: clause.match, condition, kind: 'delete', apply: () => 'delete' };
  if (action.kind === 'update') {
    const assignments = compileAssignments(action.assignments, schema, c);
    return {
      match: clause.match,
      condition,
      kind: 'update',
      apply: (row) => {
        const values = { ...row.target! };
        // Every right-hand side reads the row as it was before this UPDATE.
        const computed = assignments.map((a) => [a.field.name, a.write(row)] as const);
        for (const [column, value] of computed) values[column] = value;
        return values;
      },
    };
  }
  const columns = action.columns
    ? action.columns.map((col) => {
        const field = findField(schema, col.name);
        if (!field)
          throw invalidQuery(`Column ${col.name} is not present in table ${target.name} ${at(col.at)}`);
        return field;
      })
    : schema;
  if (new Set(columns.map((f) => f.name)).size !== columns.length)
    throw invalidQuery(`INSERT has columns with duplicate name ${at(action.at)}`);
  const values: Compiled[] = action.values
    ? action.values.map((v) => c.compile(v))
    : both.source!.table.schema.map((f) =>
        c.column({ kind: 'column', qualifier: both.source!.alias, name: f.name, at: action.at }),
      );
  if (values.length !== columns.length)
    throw invalidQuery(
      `Inserted row has wrong column count; Has ${values.length}, expected ${columns.length} ${at(action.at)}`,
    );
  const writers = columns.map((field, index) =>
    assigner(
      values[index]!,
      field,
      action.at,
      (valueType, columnType) =>
        `Query column ${index + 1} has type ${valueType} which cannot be inserted into column ${field.name}, which has type ${columnType} ${at(action.at)}`,
    ),
  );
  const missing = schema.filter((f) => !columns.includes(f));
  for (const f of missing)
    if (f.mode === 'REQUIRED')
      throw invalidQuery(`Required column ${f.name} is missing from INSERT ${at(action.at)}`);
  return {
    match: clause.match,
    condition,
    kind: 'insert',
    apply: (row) => {
      const out: StoredRecord = Object.create(null) as StoredRecord;
      for (const f of schema) out[f.name] = f.mode === 'REPEATED' ? [] : null;
      columns.forEach((field, index) => (out[field.name] = writers[index]!(row)));
      return out;
    },
  };
}

function compileAssignments(assignments: Assignment[], schema: readonly Field[], c: Compiler) {
  const seen = new Set<string>();
  return assignments.map((a) => {
    const field = findField(schema, a.column);
    if (!field) throw invalidQuery(`Unrecognized name: ${a.column} ${at(a.at)}`);
    if (seen.has(field.name))
      throw invalidQuery(`MERGE UPDATE SET clause has duplicate column ${field.name} ${at(a.at)}`);
    seen.add(field.name);
    const write = assigner(
      c.compile(a.value),
      field,
      a.at,
      (valueType, columnType) =>
        `Value of type ${valueType} cannot be assigned to ${field.name}, which has type ${columnType} ${at(a.at)}`,
    );
    return { field, write };
  });
}
