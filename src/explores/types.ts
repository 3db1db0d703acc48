/** BigQuery column types the exporter writes (legacy SQL names, as load-job schemas use them). */
export type ColumnType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'DATETIME' | 'TIMESTAMP';

/** What masking does to a column when masking applies to it. */
export type MaskAction = 'drop' | 'hash' | 'keep';

export interface ColumnDefinition {
  /** Column name in BigQuery: the Looker field name without its `view.` prefix. */
  name: string;
  type: ColumnType;
  description: string;
  /** The Looker field when it is not `{explore view}.{name}` (a joined view's field). */
  field?: string;
  /** Personal data: what default masking does to it (hash keeps joins working; drop never reads it). */
  personal?: Exclude<MaskAction, 'keep'>;
}

/**
 * One System Activity explore, declared as data. Adding an explore is adding one of these.
 *
 * `incremental` explores hold events: they are read in half-open daily windows `[start, end)` of
 * `cursorField` and each window replaces its own day partition. `snapshot` explores describe
 * current state (users, content): they are read whole once a day into that day's
 * `snapshot_date` partition, so the table keeps one copy of each row per day.
 */
export interface ExploreDefinition {
  /** Explore name in the `system__activity` model; also the BigQuery table name. */
  name: string;
  /** The Looker explore the table is queried through (default: `name`). */
  explore?: string;
  /** The explore's base view: its fields are `view.field`. */
  view: string;
  description: string;
  mode: 'incremental' | 'snapshot';
  /** Incremental only: the DATETIME column the windows filter, sort and partition on. */
  cursorField?: string;
  /** Columns read from Looker, in query order: the committed schema, used when Looker's is unreadable. */
  fields: readonly ColumnDefinition[];
  clusterBy?: readonly string[];
  /** Columns that identify one source row (one per snapshot for snapshot explores). */
  primaryKey: readonly string[];
  /**
   * The column holding the user who caused the row: rows of the exporter's own API user are left
   * out, so the audit trail is not filled with the audit's queries.
   */
  actorField?: string;
}

export interface BigQueryField {
  name: string;
  type: ColumnType;
  mode: 'NULLABLE' | 'REQUIRED';
  description: string;
}
