import type { ColumnDefinition, ColumnType, ExploreDefinition } from './types.js';
import { lookerField } from './index.js';

/** The properties of a `lookml_model_explore` dimension the exporter reads. */
export interface LookerDimension {
  name: string;
  type?: string | null;
  view?: string | null;
  hidden?: boolean | null;
  description?: string | null;
  label_short?: string | null;
  value_format?: string | null;
  value_format_name?: string | null;
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

/** The `fields` selection that trims `lookml_model_explore` to what the reconciliation reads. */
export const DIMENSION_FIELDS =
  'fields(dimensions(name,type,view,hidden,description,label_short,value_format,value_format_name))';

/**
 * Looker's type of a dimension as a BigQuery column type, or undefined for dimensions the
 * exporter does not add (a time group's coarser timeframes, locations, durations as intervals).
 * A number is an INTEGER when its name or format says so (ids, counts, `0`/`#,##0` formats),
 * a FLOAT otherwise: a FLOAT column can hold every number Looker sends.
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
      return /(^id|_id|_count|^count|_number)$/.test(name) ||
        /^[#,]*0$/.test(dimension.value_format ?? '') ||
        ['decimal_0', 'id'].includes(dimension.value_format_name ?? '')
        ? 'INTEGER'
        : 'FLOAT';
    default:
      return undefined;
  }
}

/**
 * Reconciles the committed columns with the explore's dimensions in Looker. Committed columns
 * keep their committed types (the table's schema must not flip); a new visible dimension of
 * the explore's views becomes a new column named as the registry names columns (`name` for the
 * base view, `view_name` for a joined one). A time group adds only its `_time` (or `_date`).
 */
export function reconcileSchema(
  explore: ExploreDefinition,
  dimensions: readonly LookerDimension[],
): LiveSchema {
  const offered = new Map(dimensions.map((d) => [d.name, d]));
  const committedFields = new Set(explore.fields.map((c) => lookerField(explore, c)));
  const views = new Set(explore.fields.map((c) => lookerField(explore, c).split('.')[0]));
  const columns: ColumnDefinition[] = [];
  const removed: string[] = [];
  for (const column of explore.fields) {
    if (offered.has(lookerField(explore, column))) columns.push(column);
    else removed.push(column.name);
  }

  const added: ColumnDefinition[] = [];
  const taken = new Set(explore.fields.map((c) => c.name));
  for (const dimension of dimensions) {
    if (committedFields.has(dimension.name) || dimension.hidden) continue;
    const [view, field] = dimension.name.split('.', 2) as [string, string | undefined];
    if (!field || !views.has(view)) continue;
    const type = bigQueryType(dimension);
    if (!type) continue;
    // A time group offers `x_date` next to `x_time`: keep the finer one only.
    if (type === 'DATE' && field.endsWith('_date') && offered.has(`${view}.${field.slice(0, -5)}_time`))
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
