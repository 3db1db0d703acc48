/** A Looker field type as `lookml_model_explore` reports it. */
export type LookerFieldType = 'string' | 'number' | 'yesno' | 'tier' | 'date_time' | 'date_date';

/** Deterministic pseudo-random source for one row: the same (seed, row) always gives the same values. */
export interface RowRandom {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
}

export interface FakeField {
  name: string;
  type: LookerFieldType;
  label: string;
  /** The value of this field in row `index`, whose cursor time is `time` (epoch ms). */
  value(index: number, random: RowRandom, time: number): string | number | boolean | null;
}

/** One System Activity explore as the fake serves it: data, not code. */
export interface FakeExplore {
  name: string;
  view: string;
  /** The time field windows filter on; rows are generated in increasing order of it. */
  cursor: string;
  fields: readonly FakeField[];
  /** Default size and span of the generated data, relative to the fake's clock. */
  defaults: { rows: number; days: number };
}
