/**
 * Table schemas as the BigQuery API takes and returns them: legacy and GoogleSQL type names,
 * modes, nested RECORDs, the API's validation, and the schema changes BigQuery allows
 * (adding NULLABLE/REPEATED fields, relaxing REQUIRED to NULLABLE).
 */
import { invalid } from './errors.js';

/** Field types, by the legacy name the API returns. */
export type FieldType =
  | 'STRING'
  | 'BYTES'
  | 'INTEGER'
  | 'FLOAT'
  | 'NUMERIC'
  | 'BIGNUMERIC'
  | 'BOOLEAN'
  | 'DATE'
  | 'DATETIME'
  | 'TIME'
  | 'TIMESTAMP'
  | 'JSON'
  | 'RECORD';

export type FieldMode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';

/** A schema field as clients send it (any type alias, any case, mode optional). */
export interface SchemaFieldInput {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: SchemaFieldInput[];
}

/** A validated field: legacy type name, explicit mode. */
export interface Field {
  name: string;
  type: FieldType;
  mode: FieldMode;
  description?: string;
  fields?: Field[];
}

const TYPE_ALIASES: Record<string, FieldType> = {
  STRING: 'STRING',
  BYTES: 'BYTES',
  INTEGER: 'INTEGER',
  INT64: 'INTEGER',
  FLOAT: 'FLOAT',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
  RECORD: 'RECORD',
  STRUCT: 'RECORD',
};

/** GoogleSQL's name of a type, as query error messages print it. */
export const SQL_TYPE_NAMES: Record<FieldType, string> = {
  STRING: 'STRING',
  BYTES: 'BYTES',
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BOOLEAN: 'BOOL',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
  RECORD: 'STRUCT',
};

/** Deepest RECORD nesting BigQuery allows. */
const MAX_NESTING = 15;
const RESERVED_PREFIXES = ['_table_', '_file_', '_partition', '_row_timestamp', '__root__', '_colidentifier'];

/** Validates a schema from a request and returns it normalised, or throws BigQuery's `invalid` error. */
export function normalizeSchema(fields: readonly SchemaFieldInput[] | undefined, depth = 1): Field[] {
  if (fields === undefined) return [];
  if (!Array.isArray(fields)) throw invalid('Invalid value for schema.fields: expected a list of fields.');
  if (depth > MAX_NESTING)
    throw invalid(`Field nesting in the schema is too deep; at most ${MAX_NESTING} levels.`);
  const seen = new Set<string>();
  return fields.map((input) => {
    const name = input?.name;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(name)) {
      throw invalid(
        `Invalid field name "${String(name)}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`,
      );
    }
    const lower = name.toLowerCase();
    if (depth === 1 && RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix)))
      throw invalid(`Invalid field name "${name}". Field names cannot begin with a reserved prefix.`);
    if (seen.has(lower)) throw invalid(`Field ${name} already exists in schema`);
    seen.add(lower);
    const type = TYPE_ALIASES[String(input.type ?? 'STRING').toUpperCase()];
    if (!type) throw invalid(`Invalid value for type: ${String(input.type)} is not a valid value`);
    const mode = String(input.mode ?? 'NULLABLE').toUpperCase();
    if (mode !== 'NULLABLE' && mode !== 'REQUIRED' && mode !== 'REPEATED')
      throw invalid(`Invalid value for mode: ${String(input.mode)} is not a valid value`);
    const field: Field = { name, type, mode };
    if (input.description !== undefined) field.description = String(input.description);
    if (type === 'RECORD') {
      if (!input.fields?.length) throw invalid(`Field ${name} is type RECORD but has no schema`);
      field.fields = normalizeSchema(input.fields, depth + 1);
    } else if (input.fields?.length) {
      throw invalid(`Field ${name} is type ${type} but has sub-fields; only RECORD fields have sub-fields`);
    }
    return field;
  });
}

/** The schema's JSON in API resources (every field with its mode, as BigQuery returns it). */
export function schemaResource(fields: readonly Field[]): Field[] {
  return fields.map((f) => ({
    name: f.name,
    type: f.type,
    mode: f.mode,
    ...(f.description !== undefined ? { description: f.description } : {}),
    ...(f.fields ? { fields: schemaResource(f.fields) } : {}),
  }));
}

export function findField(fields: readonly Field[], name: string): Field | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower);
}

export interface SchemaChangeRules {
  allowFieldAddition: boolean;
  allowFieldRelaxation: boolean;
  /** `p:d.t`, for messages. */
  tableName: string;
}

/**
 * The schema after a load or patch proposes `proposed` for a table that has `current`, or
 * BigQuery's error. Fields keep their order; added fields come last; no field may disappear or
 * change type.
 */
export function evolveSchema(
  current: readonly Field[],
  proposed: readonly Field[],
  rules: SchemaChangeRules,
): Field[] {
  const mismatch = (detail: string) =>
    invalid(`Provided Schema does not match Table ${rules.tableName}. ${detail}`);
  const merge = (have: readonly Field[], want: readonly Field[], prefix: string): Field[] => {
    const result: Field[] = have.map((existing) => {
      const path = prefix + existing.name;
      const next = findField(want, existing.name);
      if (!next) throw mismatch(`Field ${path} is missing in new schema`);
      if (next.type !== existing.type)
        throw mismatch(`Field ${path} has changed type from ${existing.type} to ${next.type}`);
      let mode = existing.mode;
      if (next.mode !== existing.mode) {
        const relaxing = existing.mode === 'REQUIRED' && next.mode === 'NULLABLE';
        if (!relaxing || !rules.allowFieldRelaxation)
          throw mismatch(`Field ${path} has changed mode from ${existing.mode} to ${next.mode}`);
        mode = 'NULLABLE';
      }
      return {
        ...existing,
        mode,
        ...(next.description !== undefined ? { description: next.description } : {}),
        ...(existing.fields ? { fields: merge(existing.fields, next.fields ?? [], `${path}.`) } : {}),
      };
    });
    for (const added of want) {
      if (findField(have, added.name)) continue;
      const path = prefix + added.name;
      if (!rules.allowFieldAddition) throw mismatch(`Cannot add fields (field: ${path})`);
      if (added.mode === 'REQUIRED')
        throw mismatch(`Cannot add required fields to an existing schema. (field: ${path})`);
      result.push(added);
    }
    return result;
  };
  return merge(current, proposed, '');
}

/** Whether an ordering (`compare*` result: negative, 0, positive) satisfies a SQL comparison. */
export function satisfies(op: '=' | '!=' | '<' | '<=' | '>' | '>=', order: number): boolean {
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}
