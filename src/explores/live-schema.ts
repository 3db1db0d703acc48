import type { ColumnDefinition, ColumnType, ExploreDefinition } from './types.js';
import { lookerField, lookerKind } from './index.js';

/** The properties of a `lookml_model_explore` dimension or measure the exporter reads. */
export interface LookerDimension {
  name: string;
  type?: string | null;
  view?: string | null;
  hidden?: boolean | null;
  description?: string | null;
  label_short?: string | null;
  value_format?: string | null;
  value_format_name?: string | null;
  primary_key?: boolean | null;
}

/** The columns one run reads, reconciled with what Looker offers today. */
export interface LiveSchema {
  /** Columns to query, committed ones first (in registry order), then those Looker added. */
  columns: ColumnDefinition[];
  /** Columns Looker offers that the committed schema lacks: appended to the table. */
  added: ColumnDefinition[];
  /** Committed columns Looker no longer offers: left NULL and reported. */
  removed: string[];
}

/** What `lookml_model_explore` lists, by kind: `fields.dimensions` and `fields.measures`. */
export interface LookerFieldset {
  dimensions?: readonly LookerDimension[] | null;
  measures?: readonly LookerDimension[] | null;
}

const FIELD_PROPERTIES =
  'name,type,view,hidden,description,label_short,value_format,value_format_name,primary_key';

/**
 * The `fields` selection that trims `lookml_model_explore` to what the reconciliation (and
 * discovery, which needs the name the base view's fields carry: `view_name`) reads.
 */
export const EXPLORE_METADATA_FIELDS = `view_name,fields(dimensions(${FIELD_PROPERTIES}),measures(${FIELD_PROPERTIES}))`;

/**
 * Looker's type of a dimension as a BigQuery column type, or undefined for dimensions the
 * exporter does not add (a time group's coarser timeframes, locations, durations as intervals).
 * A number is an INTEGER when it is a primary key or its name or format says so (ids, counts,
 * `0`/`#,##0` formats), a FLOAT otherwise: a FLOAT column can hold every number Looker sends.
 */
export function bigQueryType(dimension: LookerDimension): ColumnType | undefined {
  const name = dimension.name.slice(dimension.name.indexOf('.') + 1);
  switch (dimension.type) {
    case 'string':
    case 'tier':
    case 'zipcode':
      return 'STRING';
    case 'yesno':
      return 'BOOLEAN';
    case 'date_time':
    case 'date_raw':
      return 'DATETIME';
    case 'date_date':
      return 'DATE';
    case 'number':
    case 'count':
    case 'sum':
      return dimension.primary_key ||
        /(^id|_id|_count|^count|_number)$/.test(name) ||
        /^[#,]*0$/.test(dimension.value_format ?? '') ||
        ['decimal_0', 'id'].includes(dimension.value_format_name ?? '')
        ? 'INTEGER'
        : 'FLOAT';
    default:
      return undefined;
  }
}

/**
 * Reconciles the committed columns with the explore's fields in Looker, `fields` being the
 * `fields` of `lookml_model_explore` for the table's explore (`explore.explore`, not the table
 * name). A committed column is kept when Looker offers its field with the same kind (a measure
 * under `measures`, a dimension under `dimensions`) and keeps its committed type (the table's
 * schema must not flip). A new visible dimension of the views the table reads becomes a new
 * column named as the registry names columns (`name` for the table's view, `view_name` for
 * another); a time group adds only its `_time` (or `_date`). A table that reads a measure adds
 * nothing: Looker groups by the selected dimensions, so a new one would change what a row is.
 * Only the table's own view grows: the fields it reads from joined views are a chosen few, and
 * the entry's `omittedFields` are left out on purpose.
 */
export function reconcileSchema(explore: ExploreDefinition, fields: LookerFieldset): LiveSchema {
  const dimensions = fields.dimensions ?? [];
  const offered = {
    dimension: new Set(dimensions.map((d) => d.name)),
    measure: new Set((fields.measures ?? []).map((m) => m.name)),
  };
  const committedFields = new Set(explore.fields.map((c) => lookerField(explore, c)));
  // A discovered explore has no committed column yet: its view grows from nothing.
  const views = new Set([
    ...explore.fields.map((c) => lookerField(explore, c).split('.')[0]),
    ...(explore.discovered ? [explore.view] : []),
  ]);
  const columns: ColumnDefinition[] = [];
  const removed: string[] = [];
  for (const column of explore.fields) {
    if (offered[lookerKind(column)].has(lookerField(explore, column))) columns.push(column);
    else removed.push(column.name);
  }

  const added: ColumnDefinition[] = [];
  const aggregates = explore.fields.some((c) => lookerKind(c) === 'measure');
  const taken = new Set(explore.fields.map((c) => c.name));
  for (const dimension of aggregates ? [] : dimensions) {
    if (committedFields.has(dimension.name) || dimension.hidden) continue;
    const [view, field] = dimension.name.split('.', 2) as [string, string | undefined];
    if (!field || !views.has(view) || view !== explore.view) continue;
    if (explore.omittedFields && dimension.name in explore.omittedFields) continue;
    const type = bigQueryType(dimension);
    if (!type) continue;
    // A time group offers `x_date` next to `x_time`: keep the finer one only.
    if (
      type === 'DATE' &&
      field.endsWith('_date') &&
      offered.dimension.has(`${view}.${field.slice(0, -5)}_time`)
    )
      continue;
    const name = view === explore.view ? field : `${view}_${field}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(name) || taken.has(name)) continue;
    taken.add(name);
    added.push({
      name,
      type,
      field: dimension.name,
      description: dimension.description || dimension.label_short || `Looker field ${dimension.name}.`,
    });
  }
  return { columns: [...columns, ...added], added, removed };
}
