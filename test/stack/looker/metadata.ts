/**
 * `lookml_model_explore` and `lookml_model` bodies (the LookmlModelExplore / LookmlModel schemas
 * of the 4.0 spec, the properties a client needs; `sql` and other LookML internals omitted), and
 * Looker's `fields` query parameter that trims a response to the named properties.
 */
import type { ExploreModel, ModelField } from './model.js';
import { MODEL_NAME } from './query.js';

function fieldMetadata(field: ModelField): Record<string, unknown> {
  const isTime = field.timeframe !== undefined;
  const numeric = field.kind === 'number' || field.kind === 'hour_of_day' || field.kind === 'year';
  return {
    name: field.key,
    label: field.label,
    label_short: field.labelShort,
    view: field.alias,
    view_label: field.viewLabel,
    original_view: field.alias,
    scope: field.alias,
    category: field.category,
    measure: field.category === 'measure',
    parameter: false,
    is_filter: false,
    type: field.lookerType,
    is_numeric: numeric,
    is_timeframe: isTime,
    is_fiscal: false,
    can_time_filter: isTime,
    dimension_group: field.dimensionGroup ?? null,
    field_group_label: field.groupLabel ?? null,
    field_group_variant: field.groupVariant ?? null,
    description: field.description ?? null,
    hidden: field.hidden,
    primary_key: field.primaryKey,
    sortable: true,
    can_filter: true,
    suggestable: field.lookerType === 'string' || field.lookerType === 'tier',
    enumerations:
      field.lookerType === 'yesno'
        ? [
            { label: 'Yes', value: 'Yes' },
            { label: 'No', value: 'No' },
          ]
        : null,
    align: numeric ? 'right' : 'left',
    week_start_day: 'monday',
    convert_tz: isTime,
    value_format: null,
    project_name: MODEL_NAME,
    requires_refresh_on_sort: false,
    strict_value_format: false,
    dynamic: false,
    tags: [],
  };
}

/** LookmlModelExplore for one explore of the System Activity model. */
export function exploreMetadata(model: ExploreModel): Record<string, unknown> {
  return {
    id: `${MODEL_NAME}::${model.name}`,
    name: model.name,
    label: model.label,
    title: model.label,
    description: model.description,
    model_name: MODEL_NAME,
    // The name the base view's fields carry: `view_name` in LookML, the explore's own name for
    // `explore: X { from: V }` (inferred from LookML's aliasing, not checked against a live instance).
    view_name: model.fact.baseAlias,
    project_name: MODEL_NAME,
    hidden: false,
    can_total: true,
    can_save: true,
    can_explain: false,
    can_pivot_in_db: true,
    can_subtotal: true,
    has_timezone_support: true,
    supports_cost_estimate: false,
    null_sort_treatment: 'low',
    tags: [],
    scopes: model.aliases.map((a) => a.alias),
    // Looker's join list; `sql_on` is null since the facts do not give it (see the key convention).
    joins: model.aliases.slice(1).map((a) => ({
      name: a.alias,
      from: a.view === a.alias ? null : a.view,
      relationship: a.relationship ?? null,
      type: 'left_outer',
      view_label: null,
      sql_on: null,
      foreign_key: null,
      outer_only: false,
      required_joins: [],
      // The join's `fields:` list when the explore exposes only those (`[]` for a hidden join).
      fields: a.exposed === undefined ? null : [...a.exposed],
    })),
    fields: {
      dimensions: model.dimensions.map(fieldMetadata),
      measures: model.measures.map(fieldMetadata),
      filters: [],
      parameters: [],
    },
  };
}

/** LookmlModel for the System Activity model, listing its explores. */
export function modelMetadata(models: readonly ExploreModel[]): Record<string, unknown> {
  return {
    name: MODEL_NAME,
    label: 'System Activity',
    project_name: MODEL_NAME,
    has_content: true,
    unlimited_db_connections: false,
    allowed_db_connection_names: [],
    can: { index: true, show: true },
    explores: models.map((m) => ({
      name: m.name,
      label: m.label,
      description: m.description,
      hidden: false,
      group_label: 'System Activity',
    })),
  };
}

type FieldSelection = Map<string, FieldSelection | true>;

/** Parses Looker's `fields` parameter: `name,fields(dimensions(name,type))`. Undefined when absent. */
export function parseFieldSelection(text: string | null): FieldSelection | undefined {
  if (text === null || text.trim() === '') return undefined;
  let at = 0;
  const parseList = (): FieldSelection => {
    const selection: FieldSelection = new Map();
    while (at < text.length) {
      const match = /^\s*([A-Za-z0-9_]+)\s*/.exec(text.slice(at));
      if (!match) break;
      at += match[0].length;
      if (text[at] === '(') {
        at++;
        selection.set(match[1]!, parseList());
        if (text[at] === ')') at++;
      } else selection.set(match[1]!, true);
      while (text[at] === ' ') at++;
      if (text[at] === ',') at++;
      else break;
    }
    return selection;
  };
  return parseList();
}

/** Keeps only the selected properties of `value` (recursively into objects and arrays of objects). */
export function selectFields(value: unknown, selection: FieldSelection | undefined): unknown {
  if (!selection) return value;
  if (Array.isArray(value)) return value.map((item) => selectFields(item, selection));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, nested] of selection) {
    if (!(name in value)) continue;
    const child = (value as Record<string, unknown>)[name];
    out[name] = nested === true ? child : selectFields(child, nested);
  }
  return out;
}
