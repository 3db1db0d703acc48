/**
 * An explore compiled for serving, from the facts (base view, joins, every view's fields) and the
 * tables: every `alias.field` (a time group gives one field per timeframe), its Looker type and
 * labels, each join's key by the documented convention, and each measure's aggregation.
 *
 * Join keys (the facts give no `sql_on`): a many_to_one / one_to_one join of view V as alias A
 * matches `E.A_id = A.id` or `E.V_id = A.id`, E being the base or an earlier join (first match);
 * a one_to_many join matches `A.E_id = E.id` (E's alias or view name), and so does a one_to_one
 * join of a child view holding one row per E row that no field of E names
 * (`query_api_client_context.history_id = history.id`). A many_to_many join is matched either
 * way, by the same convention. A join no field name connects leaves the joined fields NULL.
 *
 * A join declared `fields: []` (`user_facts_role` in every explore, `role_group` in `group`, ...)
 * is joined through (the views beyond it keep their keys) but, by default, exposes none of its
 * fields: a query naming one gets Looker's unknown-field error and `lookml_model_explore` does not
 * list them. `hiddenJoins: 'exposed'` serves them as any join (a Looker that no longer hides them).
 */
import type { Catalogue, ExploreFact, Relationship } from './catalogue.js';
import type { Dataset } from './dataset.js';
import type { ViewTable } from './table.js';

export type ValueKind =
  | 'string'
  | 'number'
  | 'time'
  | 'minute'
  | 'hour'
  | 'date'
  | 'week'
  | 'month'
  | 'quarter'
  | 'year'
  | 'hour_of_day'
  | 'day_of_week';

/**
 * How a join finds its rows: `one` by the joined view's id named in an earlier alias's column;
 * `many` by the earlier alias's id in a column of the joined view (`single`: at most one such row,
 * a one_to_one join keyed the other way, which never fans out).
 */
export type JoinKey =
  | { kind: 'one'; from: number; column: number }
  | { kind: 'many'; from: number; fromColumn: number; childColumn: number; single?: boolean }
  | { kind: 'none' };

export interface AliasModel {
  alias: string;
  view: string;
  table: ViewTable;
  /** 0 for the base view. */
  index: number;
  relationship?: Relationship;
  key: JoinKey;
  /** The join's `fields:` list, when the explore exposes only these of its view's fields (`[]`: none). */
  exposed?: readonly string[];
}

/** How this Looker serves the model: which release's choices the fake plays. */
export interface ServingOptions {
  /**
   * `hidden` (default): joins declared `fields: []` expose none of their fields, as Looker on the
   * 2020 model does. `exposed`: they serve every field (whether today's Looker still hides them
   * is unknown).
   */
  hiddenJoins: 'hidden' | 'exposed';
  /** Views this Looker does not have (an older release): joins of them are left out. */
  absentViews: ReadonlySet<string>;
}

export const DEFAULT_SERVING: ServingOptions = { hiddenJoins: 'hidden', absentViews: new Set() };

export interface MeasureModel {
  type: string;
  /** Column of the aggregated dimension in its alias's table (sum, average, min, max, count_distinct). */
  source?: number;
  /** Why the fake cannot compute it (the facts do not say what it aggregates). */
  unknown?: string;
  /**
   * The facts name no field it aggregates (e.g. `field_usage.times_used`, a sum): the fake
   * aggregates a value it derives from each row's primary key instead, so the measure exists
   * and aggregates exactly (symmetric under fan-out) while its values are invented.
   */
  synthetic?: boolean;
}

export interface ModelField {
  key: string;
  alias: string;
  aliasIndex: number;
  view: string;
  category: 'dimension' | 'measure';
  lookerType: string;
  kind: ValueKind;
  /** Column in the alias's table; -1 for measures. */
  column: number;
  timeframe?: string;
  /** `alias.group` for a timeframe of a dimension group. */
  dimensionGroup?: string;
  label: string;
  labelShort: string;
  viewLabel: string;
  groupLabel?: string;
  groupVariant?: string;
  description?: string;
  hidden: boolean;
  primaryKey: boolean;
  measure?: MeasureModel;
}

export interface ExploreModel {
  name: string;
  label: string;
  description: string;
  fact: ExploreFact;
  aliases: AliasModel[];
  fields: Map<string, ModelField>;
  dimensions: ModelField[];
  measures: ModelField[];
  /** The base view's fields, one per dimension (groups as their `_time`): what `truth()` gives by default. */
  baseFields: ModelField[];
  /** The base view's own cursor (`alias.group_time`), if it has one. */
  cursor?: ModelField;
  /** Dimension groups whose times order the base rows (the base cursor, a parent view's cursor). */
  orderingGroups: Set<string>;
}

const VARIANTS: Record<string, string> = {
  raw: 'Raw',
  time: 'Time',
  minute: 'Minute',
  hour: 'Hour',
  date: 'Date',
  week: 'Week',
  month: 'Month',
  quarter: 'Quarter',
  year: 'Year',
  hour_of_day: 'Hour of Day',
  day_of_week: 'Day of Week',
};

/** `pdt_event_log` -> `PDT Event Log`: Looker's default label for a view or field name. */
export function titleCase(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((word) =>
      /^(id|api|pdt|sql|url)$/.test(word) ? word.toUpperCase() : word[0]!.toUpperCase() + word.slice(1),
    )
    .join(' ');
}

function kindOf(type: string, timeframe?: string): ValueKind {
  if (timeframe) return timeframe === 'raw' ? 'time' : (timeframe as ValueKind);
  return type === 'number' ? 'number' : 'string';
}

function joinKey(
  explore: ExploreFact,
  aliases: AliasModel[],
  alias: string,
  table: ViewTable,
  relationship: Relationship,
): JoinKey {
  const live = (t: ViewTable, name: string) => {
    const column = t.columnOf(name);
    return column !== undefined && !t.columns[column]!.removed ? column : undefined;
  };
  // A many_to_many join is matched by the same convention, either way round: through an earlier
  // view's key to it (`user_facts_role.role_id = role.id`), or its key to an earlier view
  // (`user_facts_role.user_id = user.id`), as the LookML's sql_on does for the paths the facts name.
  const toOne =
    relationship === 'many_to_one' || relationship === 'one_to_one' || relationship === 'many_to_many';
  if (toOne && table.idColumn >= 0) {
    for (const earlier of aliases) {
      const column = live(earlier.table, `${alias}_id`) ?? live(earlier.table, `${table.name}_id`);
      if (
        column !== undefined &&
        !(earlier.index === 0 && earlier.table === table && column === table.idColumn)
      )
        return { kind: 'one', from: earlier.index, column };
    }
  }
  if (relationship === 'one_to_many' || relationship === 'many_to_many')
    for (const earlier of aliases) {
      if (earlier.table.idColumn < 0) continue;
      const column = live(table, `${earlier.alias}_id`) ?? live(table, `${earlier.view}_id`);
      if (column !== undefined)
        return { kind: 'many', from: earlier.index, fromColumn: earlier.table.idColumn, childColumn: column };
    }
  // A one_to_one join the other way: a child view of one row per row of an earlier alias's view.
  if (relationship === 'one_to_one' && table.parent && table.perParent === 1)
    for (const earlier of aliases)
      if (earlier.table === table.parent && earlier.table.idColumn >= 0 && table.parentKeyColumn >= 0)
        return {
          kind: 'many',
          from: earlier.index,
          fromColumn: earlier.table.idColumn,
          childColumn: table.parentKeyColumn,
          single: true,
        };
  void explore;
  return { kind: 'none' };
}

/** The dimension a measure aggregates, by name: `total_runtime` -> `runtime`, `api_total` -> `api_count`. */
function measureSource(name: string, table: ViewTable): number | undefined {
  const stems = [
    name.replace(/^(total|sum|average|avg|max|min)_/, ''),
    name.replace(/_(total|sum|average|avg|max|min)$/, ''),
  ].filter((stem) => stem !== name);
  for (const stem of stems)
    for (const candidate of [stem, `${stem}_count`, `${stem.replace(/s$/, '')}_count`]) {
      const column = table.columnOf(candidate);
      if (column !== undefined && table.columns[column]!.type === 'number' && !table.columns[column]!.removed)
        return column;
    }
  return undefined;
}

export function compileExplore(
  explore: ExploreFact,
  catalogue: Catalogue,
  dataset: Dataset,
  serving: ServingOptions = DEFAULT_SERVING,
): ExploreModel {
  const aliases: AliasModel[] = [
    {
      alias: explore.baseAlias,
      view: explore.baseView,
      table: dataset.table(explore.baseView),
      index: 0,
      key: { kind: 'none' },
    },
  ];
  for (const join of explore.joins) {
    if (!catalogue.views.has(join.view) || serving.absentViews.has(join.view)) continue;
    const table = dataset.table(join.view);
    aliases.push({
      alias: join.alias,
      view: join.view,
      table,
      index: aliases.length,
      relationship: join.relationship,
      key: joinKey(explore, aliases, join.alias, table, join.relationship),
      ...(join.fields !== undefined && serving.hiddenJoins === 'hidden' ? { exposed: join.fields } : {}),
    });
  }

  const fields = new Map<string, ModelField>();
  const baseFields: ModelField[] = [];
  const add = (field: ModelField) => {
    if (!fields.has(field.key)) fields.set(field.key, field);
  };
  for (const alias of aliases) {
    const viewLabel = titleCase(alias.alias);
    const table = alias.table;
    const common = { alias: alias.alias, aliasIndex: alias.index, view: alias.alias, viewLabel };
    const exposed = (name: string) => alias.exposed === undefined || alias.exposed.includes(name);
    table.columns.forEach((column, index) => {
      if (column.removed || !exposed(column.name)) return;
      const label = column.label ?? titleCase(column.name);
      if (column.type === 'time') {
        for (const timeframe of column.timeframes ?? ['time']) {
          const labelShort = `${label} ${VARIANTS[timeframe] ?? titleCase(timeframe)}`;
          const field: ModelField = {
            ...common,
            key: `${alias.alias}.${column.name}_${timeframe}`,
            category: 'dimension',
            lookerType: `date_${timeframe}`,
            kind: kindOf('time', timeframe),
            column: index,
            timeframe,
            dimensionGroup: `${alias.alias}.${column.name}`,
            label: `${viewLabel} ${labelShort}`,
            labelShort,
            groupLabel: `${label} Date`,
            groupVariant: VARIANTS[timeframe] ?? titleCase(timeframe),
            description: column.description,
            // Looker keeps `raw` out of the field picker; it can still be queried.
            hidden: column.hidden || timeframe === 'raw',
            primaryKey: false,
          };
          add(field);
          if (alias.index === 0 && timeframe === 'time') baseFields.push(field);
        }
      } else {
        const field: ModelField = {
          ...common,
          key: `${alias.alias}.${column.name}`,
          category: 'dimension',
          lookerType: column.type,
          kind: kindOf(column.type),
          column: index,
          label: `${viewLabel} ${label}`,
          labelShort: label,
          description: column.description,
          hidden: column.hidden,
          primaryKey: index === table.idColumn,
        };
        add(field);
        if (alias.index === 0) baseFields.push(field);
      }
    });
    for (const fact of catalogue.view(alias.view).fields) {
      if (fact.kind !== 'measure' || !exposed(fact.name)) continue;
      const type = fact.type ?? 'unknown';
      const measure: MeasureModel = { type };
      if (
        type === 'sum' ||
        type === 'average' ||
        type === 'max' ||
        type === 'min' ||
        type === 'count_distinct'
      ) {
        measure.source = measureSource(fact.name, table);
        if (measure.source === undefined) {
          if (table.idColumn >= 0) measure.synthetic = true;
          else
            measure.unknown = `the System Activity facts do not say which field ${alias.alias}.${fact.name} aggregates`;
        }
      } else if (type !== 'count')
        measure.unknown = `${alias.alias}.${fact.name} is a measure of type ${fact.type ?? 'unknown'}, whose SQL the facts do not give`;
      add({
        ...common,
        key: `${alias.alias}.${fact.name}`,
        category: 'measure',
        lookerType: type,
        kind: 'number',
        column: -1,
        label: `${viewLabel} ${titleCase(fact.name)}`,
        labelShort: titleCase(fact.name),
        hidden: false,
        primaryKey: false,
        measure,
      });
    }
  }

  const base = aliases[0]!;
  const cursorName =
    base.table.cursorColumn >= 0 ? base.table.columns[base.table.cursorColumn]!.name : undefined;
  const cursor = cursorName ? fields.get(`${base.alias}.${cursorName}_time`) : undefined;
  const orderingGroups = new Set<string>();
  if (cursor?.dimensionGroup) orderingGroups.add(cursor.dimensionGroup);
  // A child view's rows follow their parent's time: a filter on the parent's cursor is an index range too.
  const parent = base.table.parent;
  if (parent && parent.cursorColumn >= 0) {
    const joined = aliases.find(
      (a) =>
        a.table === parent &&
        a.key.kind === 'one' &&
        a.key.from === 0 &&
        a.key.column === base.table.parentKeyColumn,
    );
    if (joined) orderingGroups.add(`${joined.alias}.${parent.columns[parent.cursorColumn]!.name}`);
  }
  const all = [...fields.values()];
  return {
    name: explore.name,
    label: titleCase(explore.name),
    description: `System Activity: ${titleCase(explore.name)} (base view ${explore.baseView})`,
    fact: explore,
    aliases,
    fields,
    dimensions: all.filter((f) => f.category === 'dimension'),
    measures: all.filter((f) => f.category === 'measure'),
    baseFields,
    cursor,
    orderingGroups,
  };
}
