/**
 * The GoogleSQL text of a window's merge by key and of the staged-key check. Identifiers are
 * checked and backquoted; values (the window's bounds) are query parameters, never SQL text.
 */
import type { BigQueryField } from '../explores/index.js';

export interface QueryParameter {
  name: string;
  parameterType: { type: string };
  parameterValue: { value: string };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/** `` `name` ``, for a column name BigQuery accepts (letters, digits, underscores). */
export function quoteColumn(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a BigQuery column name: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** `` `project.dataset.table` ``. */
export function quoteTable(projectId: string, datasetId: string, tableId: string): string {
  const parts = [projectId, datasetId, tableId];
  if (parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part)))
    throw new Error(`not a BigQuery table path: ${JSON.stringify(parts.join('.'))}`);
  return `\`${parts.join('.')}\``;
}

export interface MergeStatementInput {
  target: string;
  staging: string;
  /** Every column the staging table has (the target's columns and the window's). */
  columns: readonly string[];
  /** The columns the window brings: an update writes only these, so a column Looker dropped keeps its archived values. */
  updated: readonly string[];
  primaryKey: readonly string[];
  partitionField: string;
}

/**
 * MERGE of the staged rows into the target. Only target rows whose partition column lies in
 * [@window_start, @window_end) can match, which lets BigQuery prune to the window's partitions
 * and leaves a row of another window alone even when it has the same key. A staged row outside
 * the window is neither inserted nor written over a row: it would not match its own copy on the
 * next re-read and be doubled; nor is a row with a NULL key (NULL equals nothing, so it could
 * never match its copy either). Both show as `inserted + updated < stagedRows`.
 */
export function mergeStatement(input: MergeStatementInput): string {
  const keys = new Set(input.primaryKey);
  const inWindow = (alias: string) => [
    `${alias}.${quoteColumn(input.partitionField)} >= @window_start`,
    `${alias}.${quoteColumn(input.partitionField)} < @window_end`,
  ];
  const on = [...input.primaryKey.map((k) => `T.${quoteColumn(k)} = S.${quoteColumn(k)}`), ...inWindow('T')];
  const staged = [...inWindow('S'), ...input.primaryKey.map((k) => `S.${quoteColumn(k)} IS NOT NULL`)].join(
    ' AND ',
  );
  const set = input.updated.filter((c) => !keys.has(c)).map((c) => `${quoteColumn(c)} = S.${quoteColumn(c)}`);
  const columns = input.columns.map(quoteColumn);
  return [
    `MERGE ${input.target} AS T`,
    `USING ${input.staging} AS S`,
    `ON ${on.join('\n  AND ')}`,
    ...(set.length ? [`WHEN MATCHED AND ${staged} THEN UPDATE SET ${set.join(',\n  ')}`] : []),
    `WHEN NOT MATCHED BY TARGET AND ${staged} THEN INSERT (${columns.join(', ')})`,
    `  VALUES (${columns.map((c) => `S.${c}`).join(', ')})`,
  ].join('\n');
}

/** Keys that occur more than once among the staged rows (a few, to name them in the error). */
export function repeatedKeysQuery(staging: string, primaryKey: readonly string[]): string {
  const keys = primaryKey.map(quoteColumn).join(', ');
  return `SELECT ${keys}, COUNT(*) AS copies FROM ${staging} GROUP BY ${keys} HAVING COUNT(*) > 1 LIMIT 5`;
}

/** The window's bounds as parameters of the partition column's type. */
export function windowParameters(field: BigQueryField, range: { start: Date; end: Date }): QueryParameter[] {
  const render = (at: Date): string => {
    const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    if (field.type === 'DATE') return iso.slice(0, 10);
    if (field.type === 'DATETIME') return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    if (field.type === 'TIMESTAMP') return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00:00`;
    throw new Error(`partition column ${field.name} is ${field.type}, not DATE, DATETIME or TIMESTAMP`);
  };
  return [
    {
      name: 'window_start',
      parameterType: { type: field.type },
      parameterValue: { value: render(range.start) },
    },
    { name: 'window_end', parameterType: { type: field.type }, parameterValue: { value: render(range.end) } },
  ];
}
