import { contentUsage } from './content-usage.js';
import { history } from './history.js';
import type { BigQueryField, ExploreDefinition } from './types.js';

export type { BigQueryField, ColumnDefinition, ColumnType, ExploreDefinition } from './types.js';

/** Every explore the exporter knows, by name. */
export const explores: ReadonlyMap<string, ExploreDefinition> = new Map(
  [contentUsage, history].map((explore) => [explore.name, explore]),
);

/** The Looker model System Activity lives in (the older `i__looker` is deprecated). */
export const SYSTEM_ACTIVITY_MODEL = 'system__activity';

/** Columns the exporter adds to every row so each row can be traced to the run that loaded it. */
export const METADATA_COLUMNS: readonly BigQueryField[] = [
  {
    name: 'looker_instance',
    type: 'STRING',
    mode: 'REQUIRED',
    description: 'Name of the Looker instance the row came from.',
  },
  {
    name: 'export_run_id',
    type: 'STRING',
    mode: 'REQUIRED',
    description: 'ID of the export run that loaded the row.',
  },
  {
    name: 'export_window_start',
    type: 'TIMESTAMP',
    mode: 'REQUIRED',
    description: 'Start (inclusive) of the extraction window the row was read in.',
  },
  {
    name: 'export_window_end',
    type: 'TIMESTAMP',
    mode: 'REQUIRED',
    description: 'End (exclusive) of the extraction window the row was read in.',
  },
  {
    name: 'exported_at',
    type: 'TIMESTAMP',
    mode: 'REQUIRED',
    description: 'When the run read the row from Looker.',
  },
];

/** The explicit BigQuery schema the table is created and loaded with: Looker columns, then metadata. */
export function bigQuerySchema(explore: ExploreDefinition): BigQueryField[] {
  return [...explore.fields.map((field) => ({ ...field, mode: 'NULLABLE' as const })), ...METADATA_COLUMNS];
}

/** The registry entry for a name, or undefined. */
export function findExplore(name: string): ExploreDefinition | undefined {
  return explores.get(name);
}
