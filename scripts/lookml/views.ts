/**
 * One LookML view per archived table, typed from its BigQuery schema (bigQuerySchema(), the
 * schema Terraform creates the table with): DATETIME, DATE and TIMESTAMP columns become time
 * dimension groups, BOOLEAN yesno, INTEGER and FLOAT numbers, STRING strings; the export's
 * metadata columns are grouped and hidden. A snapshot table also gets a `<table>_last_seen`
 * view when an explore joins it that way: each id's copy from the latest day it was seen.
 */
import {
  METADATA_COLUMNS,
  SNAPSHOT_DATE_COLUMN,
  bigQuerySchema,
  explores,
  lookerKind,
  type BigQueryField,
  type ExploreDefinition,
} from '../../src/explores/index.js';
import { tableSql, type ArchiveInstance } from './archive.js';
import { exploreDeclarations } from './explores.js';
import { block, list, sql, str } from './lkml.js';

/** The view an explore joins a snapshot table through when it wants each id's last known copy. */
export const lastSeenView = (table: string) => `${table}_last_seen`;

/** A column's time dimension group: `created_time` gives `created` (fields created_date, ...). */
export function timeGroupName(column: string): string {
  return column.replace(/_(time|date)$/, '');
}

const TIMEFRAMES: Record<string, readonly string[]> = {
  DATETIME: ['raw', 'time', 'hour_of_day', 'date', 'day_of_week', 'week', 'month', 'quarter', 'year'],
  DATE: ['raw', 'date', 'week', 'month', 'quarter', 'year'],
  TIMESTAMP: ['raw', 'time', 'date'],
};

/** The dimension type a column reads as: the check compares it with the schema's type. */
const DIMENSION_TYPE: Record<string, string> = {
  STRING: 'string',
  INTEGER: 'number',
  FLOAT: 'number',
  BOOLEAN: 'yesno',
};

const METADATA_NAMES = new Set(
  METADATA_COLUMNS.map(({ name }) => name).filter((name) => name !== 'looker_instance'),
);

interface MeasureDeclaration {
  name: string;
  type: 'count' | 'count_distinct' | 'sum' | 'average' | 'max' | 'min';
  /** The column it aggregates (none for count). */
  column?: string;
  /** Filters on the view's own fields. */
  filters?: readonly (readonly [field: string, value: string])[];
  label?: string;
  description: string;
  valueFormat?: string;
}

/** Measures an admin expects beyond `count`, by table; names follow System Activity's where it has one. */
const MEASURES: Record<string, readonly MeasureDeclaration[]> = {
  history: [
    { name: 'query_run_count', type: 'count', description: 'Query runs.' },
    {
      name: 'user_count',
      type: 'count_distinct',
      column: 'user_id',
      label: 'Active Users',
      description: 'Distinct users who ran at least one query.',
    },
    {
      name: 'explore_user',
      type: 'count_distinct',
      column: 'user_id',
      filters: [['source', 'explore']],
      description: 'Distinct users who ran a query from an explore.',
    },
    {
      name: 'dashboard_user',
      type: 'count_distinct',
      column: 'user_id',
      filters: [['source', 'dashboard']],
      description: 'Distinct users who ran a dashboard tile.',
    },
    {
      name: 'total_runtime',
      type: 'sum',
      column: 'runtime',
      description: 'Sum of runtimes, in seconds.',
      valueFormat: 'decimal_1',
    },
    {
      name: 'average_runtime',
      type: 'average',
      column: 'runtime',
      description: 'Average runtime, in seconds.',
      valueFormat: 'decimal_2',
    },
    {
      name: 'max_runtime',
      type: 'max',
      column: 'runtime',
      description: 'Longest runtime, in seconds.',
      valueFormat: 'decimal_2',
    },
    {
      name: 'min_runtime',
      type: 'min',
      column: 'runtime',
      description: 'Shortest runtime, in seconds.',
      valueFormat: 'decimal_2',
    },
    {
      name: 'cache_result_query_count',
      type: 'count',
      filters: [['cache', 'Yes']],
      description: 'Runs served from cache.',
    },
    {
      name: 'database_result_query_count',
      type: 'count',
      filters: [['cache', 'No']],
      description: 'Runs that queried the database.',
    },
    {
      name: 'error_count',
      type: 'count',
      filters: [['status', 'error']],
      description: "Runs with status 'error'.",
    },
  ],
  event: [
    {
      name: 'user_count',
      type: 'count_distinct',
      column: 'user_id',
      description: 'Distinct users who caused events.',
    },
  ],
  content_usage: [
    { name: 'content_count', type: 'count', description: 'Dashboards and looks.' },
    { name: 'api_total', type: 'sum', column: 'api_count', description: 'Accesses through the API.' },
    { name: 'embed_total', type: 'sum', column: 'embed_count', description: 'Accesses through embedding.' },
    {
      name: 'public_total',
      type: 'sum',
      column: 'public_count',
      description: 'Accesses through public URLs.',
    },
    { name: 'schedule_total', type: 'sum', column: 'schedule_count', description: 'Accesses by schedules.' },
    {
      name: 'other_total',
      type: 'sum',
      column: 'other_count',
      description: 'Other accesses (the Looker UI).',
    },
    { name: 'favorites_total', type: 'sum', column: 'favorite_count', description: 'Times favorited.' },
  ],
  scheduled_job: [
    {
      name: 'failure_count',
      type: 'count',
      filters: [['status', 'failure']],
      description: "Runs with status 'failure'.",
    },
    {
      name: 'success_count',
      type: 'count',
      filters: [['status', 'success']],
      description: "Runs with status 'success'.",
    },
  ],
  scheduled_job_stage: [
    {
      name: 'average_runtime',
      type: 'average',
      column: 'runtime',
      description: 'Average stage runtime, in seconds.',
      valueFormat: 'decimal_2',
    },
  ],
  pdt_builds: [
    {
      name: 'average_build_time_seconds',
      type: 'average',
      column: 'elapsed_seconds',
      description: 'Average build time, in seconds.',
      valueFormat: 'decimal_1',
    },
    {
      name: 'total_build_time_seconds',
      type: 'sum',
      column: 'elapsed_seconds',
      description: 'Total build time, in seconds.',
      valueFormat: 'decimal_0',
    },
    {
      name: 'max_build_time_seconds',
      type: 'max',
      column: 'elapsed_seconds',
      description: 'Longest build, in seconds.',
      valueFormat: 'decimal_1',
    },
  ],
  query_metrics: [
    {
      name: 'average_total_time',
      type: 'average',
      column: 'total_time',
      description: 'Average total time of a run, in seconds.',
      valueFormat: 'decimal_2',
    },
    {
      name: 'average_queued',
      type: 'average',
      column: 'queued',
      description: 'Average time a run waited in the queue, in seconds.',
      valueFormat: 'decimal_2',
    },
  ],
  dashboard_performance: [
    {
      name: 'average_seconds_until_last_tile_finished_rendering',
      type: 'average',
      column: 'seconds_until_last_tile_finished_rendering',
      description: 'Average time until the last tile rendered, in seconds.',
      valueFormat: 'decimal_1',
    },
  ],
};

/** Columns that explores compare with another table's id: hidden, since the joined view shows them. */
function joinKeyColumns(table: string): Set<string> {
  const keys = new Set<string>();
  for (const explore of exploreDeclarations) {
    for (const join of explore.joins) {
      const parentTable =
        join.parent === explore.name
          ? explore.name
          : explore.joins.find((j) => j.name === join.parent)?.table;
      for (const [parentColumn, column] of join.on) {
        if (parentTable === table && parentColumn !== 'id') keys.add(parentColumn);
        if (join.table === table && column !== 'id') keys.add(column);
      }
    }
  }
  return new Set([...keys].filter((column) => column.endsWith('_id')));
}

const quoted = (column: string) => `\${TABLE}.\`${column}\``;
const isId = (column: string) => column === 'id' || column.endsWith('_id');
const humanize = (name: string) =>
  name
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

function timeGroup(field: BigQueryField, metadata: boolean): string[] {
  const utc = field.type === 'DATE' ? 'UTC day' : 'UTC';
  const description = /\bUTC\b/.test(field.description) ? field.description : `${field.description} (${utc})`;
  return block(`dimension_group: ${timeGroupName(field.name)}`, [
    `type: time`,
    `datatype: ${field.type.toLowerCase()}`,
    `timeframes: ${list(TIMEFRAMES[field.type]!)}`,
    // The archive stores UTC; converting would need the connection's time zone to be UTC as well.
    `convert_tz: no`,
    `label: ${str(`${humanize(timeGroupName(field.name))} (UTC)`)}`,
    `description: ${str(description)}`,
    ...(metadata ? [`group_label: "Export metadata"`, `hidden: yes`] : []),
    sql(quoted(field.name)),
  ]);
}

function dimension(
  field: BigQueryField,
  hidden: boolean,
  metadata: boolean,
  asMeasureColumn: boolean,
): string[] {
  return block(`dimension: ${asMeasureColumn ? `${field.name}_dim` : field.name}`, [
    `type: ${DIMENSION_TYPE[field.type]!}`,
    ...(field.type === 'INTEGER' && isId(field.name) ? ['value_format_name: id'] : []),
    `description: ${str(field.description)}`,
    ...(metadata ? [`group_label: "Export metadata"`] : []),
    ...(hidden || metadata ? [`hidden: yes`] : []),
    sql(quoted(field.name)),
  ]);
}

function measure(declaration: MeasureDeclaration): string[] {
  return block(`measure: ${declaration.name}`, [
    `type: ${declaration.type}`,
    ...(declaration.column ? [sql(quoted(declaration.column))] : []),
    ...(declaration.filters ?? []).map(([field, value]) => `filters: [${field}: ${str(value)}]`),
    ...(declaration.label ? [`label: ${str(declaration.label)}`] : []),
    ...(declaration.valueFormat ? [`value_format_name: ${declaration.valueFormat}`] : []),
    `description: ${str(declaration.description)}`,
  ]);
}

/** The row's key: ids repeat across instances (and, in a snapshot, across days), so they are part of it. */
function rowKey(explore: ExploreDefinition): string[] {
  const columns = [
    'looker_instance',
    ...(explore.mode === 'snapshot' ? [SNAPSHOT_DATE_COLUMN.name] : []),
    ...explore.primaryKey,
  ];
  const types = new Map(bigQuerySchema(explore).map((field) => [field.name, field.type]));
  const parts = columns.map((column) =>
    types.get(column) === 'STRING' ? quoted(column) : `CAST(${quoted(column)} AS STRING)`,
  );
  return block('dimension: row_key', [
    'primary_key: yes',
    'hidden: yes',
    'type: string',
    `description: ${str(`Identifies the row: ${columns.join(', ')}.`)}`,
    sql(`CONCAT(${parts.join(", '|', ")})`),
  ]);
}

/** Fields only a snapshot table has: which rows are today's, and how old content's last use is. */
function snapshotFields(explore: ExploreDefinition, from: string, lastSeen: boolean): string[][] {
  const fields: string[][] = [];
  if (!lastSeen)
    fields.push(
      block('dimension: is_latest_snapshot', [
        'type: yesno',
        `description: ${str("Whether the row is from its instance's most recent snapshot (the state as of the last export). Explores show only these rows unless a Snapshot date is filtered.")}`,
        sql(
          `${quoted(SNAPSHOT_DATE_COLUMN.name)} = (SELECT MAX(latest.\`${SNAPSHOT_DATE_COLUMN.name}\`) FROM ${from} AS latest WHERE latest.\`looker_instance\` = ${quoted('looker_instance')})`,
        ),
      ]),
    );
  if (explore.name === 'content_usage') {
    fields.push(
      block('dimension: days_since_last_used', [
        'type: number',
        `description: ${str('Whole UTC days from the last access to today; NULL when never accessed (or no usage row).')}`,
        sql(`DATE_DIFF(CURRENT_DATE(), DATE(${quoted('last_accessed_time')}), DAY)`),
      ]),
      block('dimension: unused_365_days', [
        'type: yesno',
        `description: ${str('No access in the last 365 days, or none at all: also Yes where the content has no usage row (left joined).')}`,
        sql(
          `${quoted('last_accessed_time')} IS NULL OR DATE(${quoted('last_accessed_time')}) < DATE_SUB(CURRENT_DATE(), INTERVAL 365 DAY)`,
        ),
      ]),
    );
  }
  return fields;
}

/** The text of a view over one table, or of its last-seen variant. */
export function viewFile(
  explore: ExploreDefinition,
  instances: readonly ArchiveInstance[],
  lastSeen = false,
): string {
  const from = tableSql(explore, instances);
  const name = lastSeen ? lastSeenView(explore.name) : explore.name;
  const tableName = lastSeen
    ? `(SELECT * FROM ${from} AS snapshot WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY snapshot.\`looker_instance\`, ${explore.primaryKey
        .map((column) => `snapshot.\`${column}\``)
        .join(
          ', ',
        )} ORDER BY snapshot.\`${SNAPSHOT_DATE_COLUMN.name}\` DESC, snapshot.\`exported_at\` DESC) = 1)`
    : from;
  const hidden = joinKeyColumns(explore.name);
  const measureColumns = new Set(
    explore.fields.filter((column) => lookerKind(column) === 'measure').map(({ name }) => name),
  );
  const body: string[][] = [[sql(tableName, 'sql_table_name')], rowKey(explore)];
  for (const field of bigQuerySchema(explore)) {
    const metadata = METADATA_NAMES.has(field.name);
    if (field.type in TIMEFRAMES) body.push(timeGroup(field, metadata));
    else body.push(dimension(field, hidden.has(field.name), metadata, measureColumns.has(field.name)));
  }
  if (explore.mode === 'snapshot') body.push(...snapshotFields(explore, from, lastSeen));
  body.push(block('measure: count', ['type: count', `description: ${str(`Rows of ${name}.`)}`]));
  for (const column of measureColumns)
    body.push(
      measure({
        name: column,
        type: 'sum',
        column,
        description: `${explore.fields.find((f) => f.name === column)!.description} Summed.`,
      }),
    );
  for (const declaration of MEASURES[explore.name] ?? []) body.push(measure(declaration));
  const about = lastSeen
    ? `The ${explore.name} snapshot table as last seen: one row per id and instance, its copy from the latest snapshot_date it is in.`
    : explore.mode === 'snapshot'
      ? `${explore.description} Snapshot table: one copy of every row per snapshot_date.`
      : `${explore.description} Event table, partitioned by ${explore.cursorField}.`;
  const header = [`# ${about}`, '# Generated by `npm run lookml` from src/explores; do not edit.'];
  return [
    ...header,
    ...block(
      `view: ${name}`,
      body.flatMap((lines, i) => (i === 0 ? lines : ['', ...lines])),
    ),
    '',
  ].join('\n');
}

/** Every view file: path under lookml/ and text. */
export function viewFiles(instances: readonly ArchiveInstance[]): [string, string][] {
  const lastSeenTables = new Set(
    exploreDeclarations.flatMap((explore) =>
      explore.joins.filter((join) => join.snapshot === 'last_seen').map((join) => join.table),
    ),
  );
  const files: [string, string][] = [];
  for (const explore of explores.values()) {
    files.push([`views/${explore.name}.view.lkml`, viewFile(explore, instances)]);
    if (lastSeenTables.has(explore.name))
      files.push([`views/${lastSeenView(explore.name)}.view.lkml`, viewFile(explore, instances, true)]);
  }
  return files;
}
