/**
 * Queries the streaming subset (query.ts) does not take, answered by a real GoogleSQL engine:
 * Google's ZetaSQL reference implementation (../zetasql), over the rows of the tables the query
 * names (only those are read). Views are expanded the same way: a view's rows are its query's
 * answer. The result comes back in the fake's stored forms, with BigQuery's result schema
 * (legacy type names, anonymous columns `f0_`, `f1_`, ...).
 *
 * The engine holds every referenced table in memory for the length of the query, so this path
 * is for ad-hoc and view queries at test and demo sizes; the product's own statements stay on the
 * streaming paths (README.md, "Which engine answers a query").
 */
import {
  ZetaSql,
  ZetaSqlError,
  type Column,
  type ParameterInput,
  type SqlType,
  type SqlValue,
  type TableInput,
} from '../zetasql/index.js';
import { tableName, type Catalog, type Table } from './catalog.js';
import { ApiError, invalid, invalidQuery, notFound } from './errors.js';
import { normalizeSchema, SQL_TYPE_NAMES, type Field, type FieldType } from './schema.js';
import { scan } from './storage.js';
import { convertScalar, ValueError, type Stored, type StoredRecord } from './values.js';
import type { QueryResult } from './query.js';

export interface EngineQueryContext {
  projectId: string;
  location: string;
  defaultDataset?: { projectId?: string; datasetId?: string };
  parameterMode?: string;
  queryParameters?: readonly unknown[];
}

export interface EngineQueryResult extends QueryResult {
  referencedTables: string[];
}

/** How deep views may nest (BigQuery allows 16 levels). */
const MAX_VIEW_DEPTH = 16;

/** The engine's scalar type of a BigQuery field type: GoogleSQL's name (schema.ts). */
const SQL_TYPE = SQL_TYPE_NAMES as Record<Exclude<FieldType, 'RECORD'>, SqlType>;
const FIELD_TYPE = new Map(
  Object.entries(SQL_TYPE)
    .filter(([field]) => field !== 'RECORD')
    .map(([field, sql]) => [sql as string, field as FieldType]),
);

function sqlType(field: Field): SqlType {
  const scalar: SqlType =
    field.type === 'RECORD'
      ? { structOf: (field.fields ?? []).map((f) => ({ name: f.name, type: sqlType(f) })) }
      : SQL_TYPE[field.type];
  return field.mode === 'REPEATED' ? { arrayOf: scalar } : scalar;
}

function fieldOf(name: string, type: SqlType): Field {
  if (typeof type === 'string') return { name, type: FIELD_TYPE.get(type)!, mode: 'NULLABLE' };
  if ('arrayOf' in type) {
    if (typeof type.arrayOf === 'object' && 'arrayOf' in type.arrayOf)
      throw invalidQuery(`Cannot return an array of arrays: column ${name}`);
    return { ...fieldOf(name, type.arrayOf), mode: 'REPEATED' };
  }
  return {
    name,
    type: 'RECORD',
    mode: 'NULLABLE',
    fields: type.structOf.map((f) => fieldOf(f.name, f.type)),
  };
}

/** A result value as the fake stores it: BigQuery answers a NULL array as an empty one. */
function storedOf(field: Field, value: SqlValue): Stored {
  if (field.mode === 'REPEATED')
    return ((value ?? []) as SqlValue[]).map((v) => storedOf({ ...field, mode: 'NULLABLE' }, v));
  if (value === null) return null;
  if (field.type === 'RECORD') {
    const record = value as Record<string, SqlValue>;
    return Object.fromEntries((field.fields ?? []).map((f) => [f.name, storedOf(f, record[f.name] ?? null)]));
  }
  return value as Stored;
}

/** BigQuery's location suffix: ZetaSQL writes `[at 1:8]`, BigQuery `at [1:8]`. */
const bigQueryMessage = (message: string) => message.replace(/ \[at (\d+:\d+)\]$/, ' at [$1]');

function engineFailure(error: unknown): never {
  if (error instanceof ZetaSqlError) {
    if (error.kind === 'invalid') throw invalidQuery(bigQueryMessage(error.message));
    // BigQuery would answer it: the refusal is the fake's, in the form of its other refusals.
    if (error.kind === 'unsupported')
      throw invalidQuery(
        `${bigQueryMessage(error.message)} (not supported by the BigQuery fake: its GoogleSQL engine, the ZetaSQL reference implementation, does not evaluate this function or takes at most 4 MiB of table rows per query)`,
      );
    throw new ApiError(
      500,
      'backendError',
      `The GoogleSQL engine of the BigQuery fake failed: ${error.message}`,
    );
  }
  throw error;
}

/** Query parameters as the REST API sends them (`parameterMode` NAMED or POSITIONAL), scalars and arrays of scalars. */
function readParameters(mode: string | undefined, raw: readonly unknown[] = []): ParameterInput[] {
  const positional = (mode ?? 'NAMED').toUpperCase() === 'POSITIONAL';
  return raw.map((entry, index) => {
    const p = entry as {
      name?: string;
      parameterType?: { type?: string; arrayType?: { type?: string } };
      parameterValue?: {
        value?: string | number | boolean | null;
        arrayValues?: { value?: string | number | boolean | null }[];
      };
    };
    const label = p.name ?? `#${index + 1}`;
    if (!positional && !p.name)
      throw invalid('Query parameter must have a name when parameterMode is NAMED.');
    const array = String(p.parameterType?.type ?? '').toUpperCase() === 'ARRAY';
    const typeName = array ? p.parameterType?.arrayType?.type : p.parameterType?.type;
    const fieldType = scalarType(typeName, label);
    // The Node client sends array elements as JSON numbers and booleans, not only strings.
    const convert = (given: string | number | boolean | null | undefined): SqlValue => {
      if (given === undefined || given === null) return null;
      const text = String(given);
      try {
        return convertScalar(
          fieldType,
          fieldType === 'BOOLEAN' ? text.toLowerCase() === 'true' : text,
          label,
        ) as SqlValue;
      } catch (error) {
        if (error instanceof ValueError)
          throw invalid(
            `Invalid value for query parameter ${label} of type ${SQL_TYPE_NAMES[fieldType]}: ${text}`,
          );
        throw error;
      }
    };
    const type = SQL_TYPE[fieldType as Exclude<FieldType, 'RECORD'>];
    return {
      ...(positional ? {} : { name: p.name }),
      type: array ? { arrayOf: type } : type,
      value: array
        ? (p.parameterValue?.arrayValues ?? []).map((v) => convert(v.value))
        : convert(p.parameterValue?.value),
    };
  });
}

function scalarType(typeName: string | undefined, label: string): Exclude<FieldType, 'RECORD'> {
  let type: FieldType | undefined;
  try {
    type = normalizeSchema([{ name: 'p', type: String(typeName) }])[0]!.type;
  } catch {
    type = undefined;
  }
  if (!type || type === 'RECORD')
    throw invalid(
      `Query parameter ${label} has type ${String(typeName)}, which the BigQuery fake does not support (scalars and arrays of scalars only).`,
    );
  return type as Exclude<FieldType, 'RECORD'>;
}

/** The engine of one fake: its ZetaSQL server starts at the first query this path answers. */
export class EngineQueries {
  readonly #engine = new ZetaSql();

  constructor(private readonly catalog: Catalog) {}

  /** Evaluates a query; throws BigQuery's ApiErrors (`invalidQuery` with the engine's message, `notFound`). */
  async run(sql: string, context: EngineQueryContext): Promise<EngineQueryResult> {
    const parameters = readParameters(context.parameterMode, context.queryParameters);
    const loaded = await this.#load(sql, context, 0);
    const result = await this.#engine
      .evaluate(sql, { tables: loaded.inputs, parameters })
      .catch(engineFailure)
      .finally(loaded.release);
    const schema = resultSchema(result.columns);
    const rows = result.rows.map((row) => {
      const record: StoredRecord = Object.create(null) as StoredRecord;
      schema.forEach((field, i) => (record[field.name] = storedOf(field, row[i] ?? null)));
      return record;
    });
    return { schema, rows, ...loaded.statistics };
  }

  /** Analyzes a query without reading rows (dry runs, a view's schema at creation). */
  async analyze(sql: string, context: EngineQueryContext): Promise<EngineQueryResult> {
    const parameters = readParameters(context.parameterMode, context.queryParameters);
    const tables = await this.#resolveAll(sql, context);
    const { columns } = await this.#engine
      .analyze(sql, {
        tables: tables.map(({ path, table }) => ({ path, columns: columnsOf(table.schema) })),
        parameters,
      })
      .catch(engineFailure);
    return { schema: resultSchema(columns), rows: [], ...statisticsOf(tables.map((t) => t.table)) };
  }

  close(): Promise<void> {
    return this.#engine.close();
  }

  async #resolveAll(sql: string, context: EngineQueryContext) {
    const paths = await this.#engine.tableNames(sql).catch(engineFailure);
    return paths.map((path) => ({ path, table: this.#resolve(path, context) }));
  }

  /** A table path as BigQuery resolves it: `p.d.t`, `d.t` in the job's project, `t` in the default dataset. */
  #resolve(path: string[], context: EngineQueryContext): Table {
    const parts = path.flatMap((p) => p.split('.'));
    let ref: { projectId: string; datasetId: string; tableId: string };
    if (parts.length === 3) ref = { projectId: parts[0]!, datasetId: parts[1]!, tableId: parts[2]! };
    else if (parts.length === 2)
      ref = { projectId: context.projectId, datasetId: parts[0]!, tableId: parts[1]! };
    else if (parts.length === 1 && context.defaultDataset?.datasetId)
      ref = {
        projectId: context.defaultDataset.projectId ?? context.projectId,
        datasetId: context.defaultDataset.datasetId,
        tableId: parts[0]!,
      };
    else if (parts.length === 1)
      throw invalidQuery(`Table "${parts[0]}" must be qualified with a dataset (e.g. dataset.table).`);
    else throw invalidQuery(`Invalid table name: ${path.join('.')}`);
    const dataset = this.catalog.findDataset(ref.projectId, ref.datasetId);
    if (!dataset || dataset.location !== context.location)
      throw notFound(
        `Not found: Dataset ${ref.projectId}:${ref.datasetId} was not found in location ${context.location}`,
      );
    const table = dataset.tables.get(ref.tableId);
    if (!table)
      throw notFound(
        `Not found: Table ${tableName(ref.projectId, ref.datasetId, ref.tableId)} was not found in location ${context.location}`,
      );
    return table;
  }

  /** The rows of every table the query names; a view's rows are its own query's answer. */
  async #load(sql: string, context: EngineQueryContext, depth: number): Promise<LoadedTables> {
    if (depth > MAX_VIEW_DEPTH) throw invalidQuery(`Views nest more than ${MAX_VIEW_DEPTH} levels deep.`);
    const tables = await this.#resolveAll(sql, context);
    let held: { table: Table; rows: number }[] = [];
    const release = () => {
      for (const h of held) h.table.data.release(h.rows);
      held = [];
    };
    try {
      const inputs: TableInput[] = [];
      for (const { path, table } of tables) {
        const columns = columnsOf(table.schema);
        if (table.view) {
          // A view's query runs as written, in its own project, without the job's default dataset.
          const nested = await this.#load(
            table.view.query,
            { projectId: table.projectId, location: context.location },
            depth + 1,
          );
          const view = await this.#engine
            .evaluate(table.view.query, { tables: nested.inputs })
            .catch(engineFailure)
            .finally(nested.release);
          inputs.push({ path, columns: view.columns, rows: view.rows });
          continue;
        }
        const rows: SqlValue[][] = [];
        for (const scanned of scan(table.data.segments(), table.schema)) {
          const record = scanned.decode();
          rows.push(table.schema.map((f) => (record[f.name] ?? null) as SqlValue));
        }
        table.data.hold(rows.length);
        held.push({ table, rows: rows.length });
        inputs.push({ path, columns, rows });
      }
      return { inputs, release, statistics: statisticsOf(tables.map((t) => t.table)) };
    } catch (error) {
      release();
      throw error;
    }
  }
}

interface LoadedTables {
  inputs: TableInput[];
  /** Lets go of the rows held for the query (storage's residentRows). */
  release(): void;
  statistics: ReturnType<typeof statisticsOf>;
}

function columnsOf(schema: readonly Field[]): Column[] {
  return schema.map((f) => ({ name: f.name, type: sqlType(f) }));
}

/** BigQuery's result schema: anonymous columns are f0_, f1_, ... in order; duplicate names are refused. */
function resultSchema(columns: readonly Column[]): Field[] {
  let anonymous = 0;
  const fields = columns.map((c) => fieldOf(c.name.startsWith('$') ? `f${anonymous++}_` : c.name, c.type));
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name.toLowerCase()))
      throw invalidQuery(
        `Duplicate column names in the result are not supported. Found duplicate(s): ${field.name}`,
      );
    seen.add(field.name.toLowerCase());
  }
  return fields;
}

/** Billing as the fake counts it for this path: every column of every table read (views: none of their own). */
function statisticsOf(tables: readonly Table[]) {
  const names = [...new Set(tables.map((t) => tableName(t.projectId, t.datasetId, t.tableId)))].sort();
  return {
    table: names[0] ?? '',
    referencedTables: names,
    totalBytesProcessed: tables.reduce((sum, t) => sum + (t.view ? 0 : t.data.bytes()), 0),
  };
}
