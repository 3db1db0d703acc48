/**
 * An explore entry compiled for serving: every queryable field (`view.field`) with its LookML
 * type, label and where its value lives in a generated row. A time dimension group becomes one
 * field per timeframe, all reading the same column (epoch ms).
 */
import {
  isTimeGroup,
  type ExploreSpec,
  type FieldSpec,
  type RowContext,
  type Scalar,
  type Timeframe,
} from './explores/index.js';

/** How a field's value is written out: as text, as a number, or as a time in one timeframe. */
export type ValueKind = 'string' | 'number' | Timeframe;

export interface ModelField {
  /** `view.field`, as queries and results name it. */
  key: string;
  view: string;
  category: 'dimension' | 'measure';
  /** The type `lookml_model_explore` reports: `string`, `number`, `yesno`, `tier`, `date_time`, `date_date`, ..., `count`. */
  lookerType: string;
  /** Index of the value in a row's values; -1 for measures. */
  column: number;
  kind: ValueKind;
  timeframe?: Timeframe;
  /** `view.group` for the fields of a dimension group. */
  dimensionGroup?: string;
  label: string;
  labelShort: string;
  viewLabel: string;
  groupLabel?: string;
  groupVariant?: string;
  description?: string;
  hidden: boolean;
  primaryKey: boolean;
  /** Ascending order of this field is the generated rows' index order. */
  increasing: boolean;
}

export interface Column {
  /** `view.field` of the field whose value this is (`view.group_time` for groups). */
  key: string;
  /**
   * The field was removed from the explore (`removeField`): its value is still generated, so that
   * the random numbers later fields draw stay the same, but no query or `truth()` can see it.
   */
  removed: boolean;
  time: boolean;
  /** Absent for the cursor group, whose value is the row time. */
  generate?: (row: RowContext) => Scalar;
}

export interface ExploreModel {
  spec: ExploreSpec;
  name: string;
  view: string;
  columns: Column[];
  fields: ReadonlyMap<string, ModelField>;
  dimensions: ModelField[];
  measures: ModelField[];
  /** One field per declared field (groups as their `_time`), in declaration order: what `truth()` returns. */
  baseFields: ModelField[];
  /** The `_time` field rows are ordered by, if the explore has one. */
  cursor?: ModelField;
}

const VARIANTS: Record<Timeframe, string> = {
  time: 'Time',
  date: 'Date',
  week: 'Week',
  month: 'Month',
  year: 'Year',
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

/**
 * The key `removeField` names a declared field by: `view.name` for a dimension, `view.group` (the
 * `dimension_group` Looker reports) for a time group.
 */
export function declaredKey(spec: ExploreSpec, field: FieldSpec): string {
  return `${field.view ?? spec.view}.${isTimeGroup(field) ? field.group : field.name}`;
}

/**
 * Compiles one explore entry; throws if the entry is inconsistent (a bug in the data, not a
 * request). Fields in `removed` (by identity: a field removed and then added again under the same
 * name is another field) keep their column but are not served.
 */
export function compileExplore(spec: ExploreSpec, removed: ReadonlySet<FieldSpec> = new Set()): ExploreModel {
  const columns: Column[] = [];
  const fields = new Map<string, ModelField>();
  const baseFields: ModelField[] = [];
  const viewLabel = (view: string) => (view === spec.view ? spec.label : titleCase(view));
  const add = (field: ModelField) => {
    if (fields.has(field.key)) throw new Error(`${spec.name}: field ${field.key} is declared twice`);
    fields.set(field.key, field);
  };

  for (const declared of spec.fields) {
    const view = declared.view ?? spec.view;
    if (removed.has(declared)) {
      const key = isTimeGroup(declared) ? `${view}.${declared.group}_time` : `${view}.${declared.name}`;
      if (key === spec.cursor) throw new Error(`${spec.name}: the cursor group ${key} cannot be removed`);
      columns.push({ key, time: isTimeGroup(declared), removed: true, generate: declared.value });
      continue;
    }
    const common = {
      view,
      category: 'dimension' as const,
      column: columns.length,
      viewLabel: viewLabel(view),
      description: declared.description,
      hidden: declared.hidden ?? false,
    };
    if (isTimeGroup(declared)) {
      const timeKey = `${view}.${declared.group}_time`;
      const isCursor = timeKey === spec.cursor;
      if (!isCursor && !declared.value) throw new Error(`${spec.name}: ${timeKey} has no value generator`);
      if (!declared.timeframes.includes('time'))
        throw new Error(`${spec.name}: ${timeKey} needs the time timeframe`);
      columns.push({
        key: timeKey,
        time: true,
        removed: false,
        generate: isCursor ? undefined : declared.value,
      });
      for (const timeframe of declared.timeframes) {
        const labelShort = `${declared.label} ${VARIANTS[timeframe]}`;
        const field: ModelField = {
          ...common,
          key: `${view}.${declared.group}_${timeframe}`,
          lookerType: `date_${timeframe}`,
          kind: timeframe,
          timeframe,
          dimensionGroup: `${view}.${declared.group}`,
          label: `${common.viewLabel} ${labelShort}`,
          labelShort,
          groupLabel: declared.groupLabel ?? `${declared.label} Date`,
          groupVariant: VARIANTS[timeframe],
          primaryKey: false,
          increasing: isCursor,
        };
        add(field);
        if (timeframe === 'time') baseFields.push(field);
      }
    } else {
      columns.push({
        key: `${view}.${declared.name}`,
        time: false,
        removed: false,
        generate: declared.value,
      });
      const field: ModelField = {
        ...common,
        key: `${view}.${declared.name}`,
        lookerType: declared.type,
        kind: declared.type === 'number' ? 'number' : 'string',
        label: `${common.viewLabel} ${declared.label}`,
        labelShort: declared.label,
        groupLabel: declared.groupLabel,
        primaryKey: declared.primaryKey ?? false,
        increasing: declared.increasing ?? false,
      };
      add(field);
      baseFields.push(field);
    }
  }

  const count: ModelField = {
    key: `${spec.view}.count`,
    view: spec.view,
    category: 'measure',
    lookerType: 'count',
    column: -1,
    kind: 'number',
    label: `${spec.label} Count`,
    labelShort: 'Count',
    viewLabel: spec.label,
    hidden: false,
    primaryKey: false,
    increasing: false,
  };
  add(count);

  const cursor = spec.cursor === undefined ? undefined : fields.get(spec.cursor);
  if (spec.cursor !== undefined && cursor?.timeframe !== 'time')
    throw new Error(`${spec.name}: cursor ${spec.cursor} is not the time field of a dimension group`);
  return {
    spec,
    name: spec.name,
    view: spec.view,
    columns,
    fields,
    dimensions: [...fields.values()].filter((f) => f.category === 'dimension'),
    measures: [count],
    baseFields,
    cursor,
  };
}
