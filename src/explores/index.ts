import { contentUsage } from './content-usage.js';
import { dashboard } from './dashboard.js';
import { eventAttribute } from './event-attribute.js';
import { event } from './event.js';
import { fieldUsage } from './field-usage.js';
import { group } from './group.js';
import { history } from './history.js';
import { look } from './look.js';
import { pdtEventLog } from './pdt-event-log.js';
import { query } from './query.js';
import { role } from './role.js';
import { scheduledJob } from './scheduled-job.js';
import type { BigQueryField, ColumnDefinition, ExploreDefinition } from './types.js';
import { user } from './user.js';

export type { BigQueryField, ColumnDefinition, ColumnType, ExploreDefinition, MaskAction } from './types.js';

/** Every explore the exporter knows, by name, in the order a run exports them. */
export const explores: ReadonlyMap<string, ExploreDefinition> = new Map(
  [
    contentUsage,
    history,
    query,
    event,
    eventAttribute,
    scheduledJob,
    pdtEventLog,
    user,
    dashboard,
    look,
    group,
    role,
    fieldUsage,
  ].map((explore) => [explore.name, explore]),
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

/** The column a snapshot explore's rows are partitioned by: the UTC day the snapshot was read. */
export const SNAPSHOT_DATE_COLUMN: BigQueryField = {
  name: 'snapshot_date',
  type: 'DATE',
  mode: 'REQUIRED',
  description: 'UTC day of the snapshot the row belongs to.',
};

/**
 * The explicit BigQuery schema the table is created and loaded with: the committed Looker
 * columns, the exporter's metadata, then columns Looker added since (`added`), so a table made
 * from the committed schema only ever grows at its end.
 */
export function bigQuerySchema(
  explore: ExploreDefinition,
  added: readonly ColumnDefinition[] = [],
): BigQueryField[] {
  const nullable = (columns: readonly ColumnDefinition[]) =>
    columns.map(({ name, type, description }) => ({ name, type, mode: 'NULLABLE' as const, description }));
  return [
    ...nullable(explore.fields),
    ...(explore.mode === 'snapshot' ? [SNAPSHOT_DATE_COLUMN] : []),
    ...METADATA_COLUMNS,
    ...nullable(added),
  ];
}

/** The day-partitioning column: the cursor of an incremental explore, the snapshot day of a snapshot. */
export function partitionColumn(explore: ExploreDefinition): string {
  return explore.mode === 'snapshot' ? SNAPSHOT_DATE_COLUMN.name : explore.cursorField!;
}

/** The Looker field a column is read from: `view.field`. */
export function lookerField(explore: ExploreDefinition, column: ColumnDefinition): string {
  return column.field ?? `${explore.view}.${column.name}`;
}

/** The registry entry for a name, or undefined. */
export function findExplore(name: string): ExploreDefinition | undefined {
  return explores.get(name);
}
