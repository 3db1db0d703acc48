/** BigQuery column types the exporter writes (legacy SQL names, as load-job schemas use them). */
export type ColumnType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'DATETIME' | 'TIMESTAMP';

export interface ColumnDefinition {
  /** Column name in BigQuery: the Looker field name without its `view.` prefix. */
  name: string;
  type: ColumnType;
  description: string;
}

/**
 * One System Activity explore, declared as data. Adding an explore is adding one of these.
 *
 * `incremental` explores are read in half-open daily windows `[start, end)` of `cursorField`
 * and each window replaces its own day partition; `snapshot` explores are read whole once a day.
 */
export interface ExploreDefinition {
  /** Explore name in the `system__activity` model; also the BigQuery table name. */
  name: string;
  /** The explore's base view: fields are `view.field`. */
  view: string;
  description: string;
  mode: 'incremental' | 'snapshot';
  /** Time field the windows filter and sort on (incremental only); a DATETIME column. */
  cursorField?: string;
  /** Columns read from Looker, in query order. */
  fields: readonly ColumnDefinition[];
  /** Day-partitioning column: the cursor for incremental explores. */
  partitionField: string;
  clusterBy?: readonly string[];
  /** Columns that identify one source row (used to prove exactly-once delivery). */
  primaryKey: readonly string[];
}

export interface BigQueryField {
  name: string;
  type: ColumnType;
  mode: 'NULLABLE' | 'REQUIRED';
  description: string;
}
