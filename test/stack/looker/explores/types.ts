/**
 * The shape of one System Activity explore as the Looker fake serves it. An explore is data: its
 * fields (with the LookML type Looker reports for them) and, per field, a deterministic function
 * giving the value of row `i`. Nothing here knows about HTTP or storage.
 */

/** A dimension's LookML type as `lookml_model_explore` reports it (time fields come from groups). */
export type DimensionType = 'string' | 'number' | 'yesno' | 'tier';

/** Timeframes of a `dimension_group: { type: time }` the fake can serve. */
export type Timeframe = 'time' | 'date' | 'week' | 'month' | 'year';

/** A value as generated: text, a number, or null. Time groups generate epoch milliseconds. */
export type Scalar = string | number | null;

/** Deterministic pseudo-random numbers for one row: the same (explore, seed, row) always gives the same sequence. */
export interface RowRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/**
 * What a value generator sees for one row. The object is reused from row to row: read it, never
 * keep it. Generators are called in declaration order, so a field may depend on the random
 * numbers drawn before it, never on another row.
 */
export interface RowContext {
  /** Row index in the generated dataset, 0-based, in cursor order. */
  index: number;
  /** The row's cursor time in epoch ms (whole seconds); the dataset start for explores without a cursor. */
  time: number;
  /** End of the dataset's span in epoch ms: "now" as the snapshot saw it (for ages such as days since access). */
  asOf: number;
  random: RowRandom;
}

interface FieldCommon {
  /** The view of a field joined into the explore (e.g. `event` in `event_attribute`); the base view if omitted. */
  view?: string;
  /** Label without the view label, e.g. `Content ID`. */
  label: string;
  description?: string;
  /** `field_group_label`: fields shown together in Looker's field picker. */
  groupLabel?: string;
  hidden?: boolean;
}

export interface DimensionSpec extends FieldCommon {
  /** Field name without the view, e.g. `content_id`. */
  name: string;
  type: DimensionType;
  primaryKey?: boolean;
  /**
   * Values never decrease as the row index grows (generated rows only), so sorting by this field
   * ascending is the index order and needs no buffering.
   */
  increasing?: boolean;
  value(row: RowContext): Scalar;
}

export interface TimeGroupSpec extends FieldCommon {
  /** Dimension group name, e.g. `created`; its fields are `created_time`, `created_date`, ... */
  group: string;
  timeframes: readonly Timeframe[];
  /** Epoch ms (seconds precision) or null. Omitted for the cursor group, whose value is the row time. */
  value?(row: RowContext): number | null;
}

export type FieldSpec = DimensionSpec | TimeGroupSpec;

/** One System Activity explore, declared as data. Adding an explore is adding one of these. */
export interface ExploreSpec {
  /** Explore name in the `system__activity` model. */
  name: string;
  /** Base view: every field is `view.field`. */
  view: string;
  label: string;
  description: string;
  /** `event` rows accumulate over time; `snapshot` rows describe current state (users, content...). */
  kind: 'event' | 'snapshot';
  /**
   * The `view.group_time` field rows are generated in increasing order of, e.g.
   * `history.created_time`; a window on it maps to an index range. Omitted when the explore has no time.
   */
  cursor?: string;
  fields: readonly FieldSpec[];
  /** Default size and span of the generated data (the span ends at the fake's start time). */
  defaults: { rows: number; days: number };
}

export function isTimeGroup(field: FieldSpec): field is TimeGroupSpec {
  return 'group' in field;
}
