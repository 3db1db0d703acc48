import { apiUsage } from './api-usage.js';
import { complianceUserPermissions } from './compliance-user-permissions.js';
import { contentUsage } from './content-usage.js';
import { dashboardElement } from './dashboard-element.js';
import { dashboardPerformance } from './dashboard-performance.js';
import { dashboard } from './dashboard.js';
import { dbConnection } from './db-connection.js';
import { eventAttribute } from './event-attribute.js';
import { event } from './event.js';
import { fieldUsage } from './field-usage.js';
import { folders } from './folders.js';
import { groupUser } from './group-user.js';
import { group } from './group.js';
import { history } from './history.js';
import { look } from './look.js';
import { mergeQuerySourceQuery } from './merge-query-source-query.js';
import { mergeQuery } from './merge-query.js';
import { pdtBuilds } from './pdt-builds.js';
import { pdtEventLog } from './pdt-event-log.js';
import { queryMetrics } from './query-metrics.js';
import { query } from './query.js';
import { roleGroup } from './role-group.js';
import { role } from './role.js';
import { scheduledJobStage } from './scheduled-job-stage.js';
import { scheduledJob } from './scheduled-job.js';
import { scheduledPlanDestination } from './scheduled-plan-destination.js';
import { scheduledPlan } from './scheduled-plan.js';
import { session } from './session.js';
import { sqlQuery } from './sql-query.js';
import type { BigQueryField, ColumnDefinition, ExploreDefinition, FieldKind } from './types.js';
import { userFactsRole } from './user-facts-role.js';
import { userFacts } from './user-facts.js';
import { user } from './user.js';

export type {
  BigQueryField,
  ColumnDefinition,
  ColumnType,
  ExploreDefinition,
  FieldKind,
  MaskAction,
} from './types.js';

/** Every table the exporter fills, by table name, in the order a run exports them. */
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
    queryMetrics,
    sqlQuery,
    mergeQuery,
    mergeQuerySourceQuery,
    scheduledPlan,
    scheduledPlanDestination,
    scheduledJobStage,
    pdtBuilds,
    dbConnection,
    folders,
    userFacts,
    userFactsRole,
    session,
    groupUser,
    roleGroup,
    dashboardElement,
    dashboardPerformance,
    apiUsage,
    complianceUserPermissions,
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

/** The Looker field a column is read from: `view.field` (its own, or the table's view's). */
export function lookerField(explore: ExploreDefinition, column: ColumnDefinition): string {
  return column.field ?? `${explore.view}.${column.name}`;
}

/** Whether Looker groups by the column's field or aggregates it. */
export function lookerKind(column: ColumnDefinition): FieldKind {
  return column.kind ?? 'dimension';
}

/** The registry entry for a table name, or undefined. */
export function findExplore(name: string): ExploreDefinition | undefined {
  return explores.get(name);
}
