/**
 * Values, value generators and the field specs tests add with `addField`. Nothing here knows
 * about HTTP or storage.
 */

/** A value as generated: text, a number, or null. Time groups generate epoch milliseconds. */
export type Scalar = string | number | null;

/** Deterministic pseudo-random numbers for one (row, field): the same inputs always give the same sequence. */
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
 * keep it. Each field draws from its own random sequence (seeded by view, field name and row), so
 * a field can be generated alone and adding or removing another field changes nothing else.
 */
export interface RowContext {
  /** Row index in the generated table, 0-based, in cursor order. */
  index: number;
  /** The row's time in epoch ms (whole seconds): its cursor, or the table's start when it has none. */
  time: number;
  /** End of the table's span in epoch ms: "now" as the data was generated. */
  asOf: number;
  /** The fake's clock: state that grows with time (ages, usage counts) reads it. */
  now: number;
  random: RowRandom;
  /** Another field of the same row (`name` without the view), e.g. `runtime` for a tier. */
  get(name: string): Scalar;
}

/** A dimension's LookML type as `lookml_model_explore` reports it. */
export type DimensionType = 'string' | 'number' | 'yesno' | 'tier';

interface FieldCommon {
  label?: string;
  description?: string;
  hidden?: boolean;
}

/** A dimension a test adds to an explore's base view. */
export interface DimensionSpec extends FieldCommon {
  name: string;
  type: DimensionType;
  value(row: RowContext): Scalar;
}

/** A `dimension_group: { type: time }` a test adds; its fields are `group_time`, `group_date`, ... */
export interface TimeGroupSpec extends FieldCommon {
  group: string;
  timeframes: readonly string[];
  /** Epoch ms (seconds precision) or null. */
  value(row: RowContext): number | null;
}

export type FieldSpec = DimensionSpec | TimeGroupSpec;

export function isTimeGroup(field: FieldSpec): field is TimeGroupSpec {
  return 'group' in field;
}
