/** BigQuery column types the exporter writes (legacy SQL names, as load-job schemas use them). */
export type ColumnType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'DATETIME' | 'TIMESTAMP';

/** What masking does to a column when masking applies to it. */
export type MaskAction = 'drop' | 'hash' | 'keep';

/**
 * How Looker treats a field: a dimension is grouped by, a measure aggregates over the rows of
 * the selected dimensions. Explore metadata lists them apart (`fields.dimensions`,
 * `fields.measures`), so reconciling a table's schema must know which one it asked for.
 */
export type FieldKind = 'dimension' | 'measure';

export interface ColumnDefinition {
  /** Column name in BigQuery. */
  name: string;
  type: ColumnType;
  description: string;
  /** The Looker field, `view.field`; when absent, `{table view}.{name}`. */
  field?: string;
  /** Dimension unless said otherwise. */
  kind?: FieldKind;
  /** Personal data: what default masking does to it (hash keeps joins working; drop never reads it). */
  personal?: Exclude<MaskAction, 'keep'>;
}

/**
 * One BigQuery table and the System Activity query that fills it, declared as data. Adding a
 * table is adding one of these (and `npm run schemas`).
 *
 * `incremental` tables hold events: they are read in half-open daily windows `[start, end)` of
 * `cursorField` and each window replaces its own day partition. `snapshot` tables describe
 * current state (users, content): they are read whole once a day into that day's
 * `snapshot_date` partition, so the table keeps one copy of each row per day.
 */
export interface ExploreDefinition {
  /** The BigQuery table; also what EXPORT_EXPLORES lists and what progress is keyed by. */
  name: string;
  /** The `system__activity` explore the table is queried through (the query's `view`). */
  explore: string;
  /** The view a column's field belongs to when the column names none (not always the explore's base view). */
  view: string;
  description: string;
  mode: 'incremental' | 'snapshot';
  /** Why this mode fits the data: whether a row can change after it was first written. */
  modeReason: string;
  /**
   * What the explore's base view and joins mean for completeness: which source rows cannot
   * appear in this table, and what one row of the query is.
   */
  completeness: string;
  /** Incremental only: the DATETIME column the windows filter, sort and partition on. */
  cursorField?: string;
  /** Columns read from Looker, in query order: the committed schema, used when Looker's is unreadable. */
  fields: readonly ColumnDefinition[];
  /**
   * Looker filters every query of the table carries, by field: a joined view's key must not be
   * NULL where a left join would otherwise add a row of NULLs for a parent without children.
   */
  filters?: Readonly<Record<string, string>>;
  clusterBy?: readonly string[];
  /**
   * Columns that identify one row of the query (per snapshot for snapshot tables): where a
   * one_to_many join fans rows out, the child's id.
   */
  primaryKey: readonly string[];
  /**
   * For a key the model does not declare (Looker does not promise it is never NULL), the columns
   * that identify a row whose key is NULL and never change for it. Such a row's key column gets
   * `~` and a hash of their values, so it lands once and a re-read replaces it; each window
   * reports how many (`nullKeys`). Only for a single STRING key.
   */
  nullKeyFrom?: readonly string[];
  /**
   * Fields of the table's own view that are deliberately not exported, each with why (derived in
   * LookML from exported columns, a UI link, presentation, a possible secret). Schema
   * reconciliation does not add them as new columns.
   */
  omittedFields?: Readonly<Record<string, string>>;
  /**
   * The measure Looker counts the table's rows with, asked before every read and compared with
   * what the read returned. Default: `count` of the view that owns the cursor (or the key).
   * `null`: the view has no count measure, so snapshot reads of it are paged but not verified.
   */
  countField?: string | null;
  /**
   * The column holding the user who caused the row: rows of the exporter's own API user are left
   * out, so the audit trail is not filled with the audit's queries.
   */
  actorField?: string;
  /**
   * Set for an explore the registry does not know, exported because a request or EXPORT_EXPLORES
   * named it (`discover:NAME`): its columns, key and count are read from Looker's metadata at run
   * time (`discovered.ts`). `keyDeclared`: Looker marks a visible primary key; without one the
   * row's own columns are its key, and may be NULL.
   */
  discovered?: { keyDeclared: boolean };
}

export interface BigQueryField {
  name: string;
  type: ColumnType;
  mode: 'NULLABLE' | 'REQUIRED';
  description: string;
}
