/**
 * One explore's rows: `rows` generated ones spread evenly over `[start, end)` in cursor order and
 * computed from their index on demand (nothing is stored, so millions cost no memory and any
 * window maps to an index range), plus the few rows tests append "as time passes".
 */
import type { RowContext, Scalar } from './explores/index.js';
import type { ExploreModel } from './model.js';
import { datasetBase, RowRandomSource } from './random.js';
import { formatTime, parseLookerTime } from './time.js';

export interface DatasetSpec {
  rows: number;
  start: Date;
  end: Date;
  seed?: number;
}

/** A row as `truth()` and the json format give it: `view.field` -> value. */
export type LookerRow = Record<string, string | number | null>;

/** Returns the next row's values, or undefined at the end. A generated row's array is reused by the next call. */
export type RowScan = () => Scalar[] | undefined;

interface Appended {
  time: number;
  values: Scalar[];
}

export class ExploreData {
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  readonly #step: number;
  readonly #base: number;
  readonly #random = new RowRandomSource();
  readonly #context: RowContext;
  /**
   * Replaced, never changed in place: a scan keeps the array it started with, so rows appended
   * while a result streams (the fake records its own API queries) never shift or repeat its rows.
   */
  #appended: readonly Appended[] = [];
  #model: ExploreModel;

  constructor(model: ExploreModel, spec: DatasetSpec) {
    this.#model = model;
    if (!Number.isSafeInteger(spec.rows) || spec.rows < 0)
      throw new Error(`${model.name}: rows must be a whole number >= 0`);
    this.rows = spec.rows;
    this.start = spec.start.getTime();
    this.end = spec.end.getTime();
    if (!(this.end >= this.start)) throw new Error(`${model.name}: the dataset ends before it starts`);
    // A float step keeps i * step monotonic in i without overflowing for millions of rows.
    this.#step = this.rows === 0 ? 0 : (this.end - this.start) / this.rows;
    this.#base = datasetBase(model.name, spec.seed ?? 1);
    this.#context = {
      index: 0,
      time: this.start,
      asOf: this.end,
      random: this.#random,
    };
  }

  get model(): ExploreModel {
    return this.#model;
  }

  /**
   * Serves the explore's evolved field set. Columns are only ever appended, so generated rows keep
   * their values; stored rows read null for a column they did not have.
   */
  evolve(model: ExploreModel): void {
    const width = model.columns.length;
    this.#appended = this.#appended.map(({ time, values }) => ({
      time,
      values:
        values.length >= width ? values : [...values, ...new Array<Scalar>(width - values.length).fill(null)],
    }));
    this.#model = model;
  }

  /** Cursor time of generated row `index`: whole seconds, never decreasing with the index. */
  timeOf(index: number): number {
    if (!this.#model.cursor) return this.start;
    const ms = this.start + Math.floor(index * this.#step);
    return ms - (((ms % 1000) + 1000) % 1000);
  }

  /** The smallest generated index whose time is at or after `time` (binary search; `rows` if none). */
  indexAt(time: number): number {
    if (time === -Infinity) return 0;
    if (time === Infinity) return this.rows;
    let low = 0;
    let high = this.rows;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (this.timeOf(mid) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Writes the values of generated row `index` into `out` (one per column of the model). */
  fill(index: number, out: Scalar[], time = this.timeOf(index)): Scalar[] {
    const context = this.#context;
    context.index = index;
    context.time = time;
    this.#random.seek(this.#base, index);
    const columns = this.#model.columns;
    for (let c = 0; c < columns.length; c++) {
      const generate = columns[c]!.generate;
      out[c] = generate === undefined ? time : generate(context);
    }
    return out;
  }

  /**
   * Adds rows keyed `view.field` (the explore's base fields; times as `YYYY-MM-DD HH:MM:SS`),
   * kept in cursor order and merged into every result. Throws on unknown fields or a missing cursor.
   */
  append(rows: readonly LookerRow[]): void {
    const model = this.#model;
    const byKey = new Map(model.baseFields.map((field) => [field.key, field]));
    const appended = [...this.#appended];
    for (const row of rows) {
      for (const key of Object.keys(row))
        if (!byKey.has(key)) throw new Error(`${model.name}: unknown field ${key}`);
      // Columns of removed fields (and fields the row leaves out) hold null.
      const values = new Array<Scalar>(model.columns.length).fill(null);
      for (const field of model.baseFields) {
        const value = row[field.key] ?? null;
        if (field.kind !== 'time' || value === null) values[field.column] = value;
        else {
          const ms = typeof value === 'number' ? value : parseLookerTime(value);
          if (Number.isNaN(ms)) throw new Error(`${model.name}: ${field.key} is not a time: ${value}`);
          values[field.column] = ms;
        }
      }
      let time = Infinity;
      if (model.cursor) {
        if (values[model.cursor.column] === null)
          throw new Error(`${model.name}: appended row has no ${model.cursor.key}`);
        time = values[model.cursor.column] as number;
      }
      // Insertion keeps equal times in the order they were appended.
      let at = appended.length;
      while (at > 0 && appended[at - 1]!.time > time) at--;
      appended.splice(at, 0, { time, values });
    }
    this.#appended = appended;
  }

  #appendedFrom(time: number): number {
    let low = 0;
    let high = this.#appended.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#appended[mid]!.time < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * The first generated index whose value in `column` is above `bound` (at or above with
   * `inclusive`), by binary search: only for a field declared `increasing`, whose generated values
   * never decrease with the index. `rows` if none.
   */
  firstIndexAbove(column: number, bound: number, inclusive: boolean): number {
    const out = new Array<Scalar>(this.#model.columns.length);
    let low = 0;
    let high = this.rows;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const value = this.fill(mid, out)[column];
      if (typeof value === 'number' && (inclusive ? value >= bound : value > bound)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Whether any appended row falls in `[from, to)`. */
  hasAppended(from: number, to: number): boolean {
    if (!this.#model.cursor) return this.#appended.length > 0;
    return this.#appendedFrom(from) < (to === Infinity ? this.#appended.length : this.#appendedFrom(to));
  }

  /**
   * Every row whose cursor time is in `[from, to)` (all rows when the explore has no cursor), in
   * cursor order or its exact reverse. Appended rows come after generated rows of the same second.
   * Generated rows before `firstIndex` are skipped (the caller knows none of them can match).
   */
  scan(from: number, to: number, descending = false, firstIndex = 0): RowScan {
    if (!this.#model.cursor) {
      from = -Infinity;
      to = Infinity;
    }
    if (!(to > from)) return () => undefined;
    const first = Math.max(this.indexAt(from), firstIndex);
    const last = this.indexAt(to);
    const appended = this.#appended;
    const appendedFirst = this.#appendedFrom(from);
    const appendedLast = to === Infinity ? appended.length : this.#appendedFrom(to);
    const buffer: Scalar[] = new Array(this.#model.columns.length);
    if (!descending) {
      let i = first;
      let j = appendedFirst;
      return () => {
        if (i < last) {
          const time = this.timeOf(i);
          if (j < appendedLast && appended[j]!.time < time) return appended[j++]!.values;
          return this.fill(i++, buffer, time);
        }
        return j < appendedLast ? appended[j++]!.values : undefined;
      };
    }
    let i = last - 1;
    let j = appendedLast - 1;
    return () => {
      if (i >= first) {
        const time = this.timeOf(i);
        if (j >= appendedFirst && appended[j]!.time >= time) return appended[j--]!.values;
        return this.fill(i--, buffer, time);
      }
      return j >= appendedFirst ? appended[j--]!.values : undefined;
    };
  }

  /** The base fields of every row in `[from, to)`, as the json result keys and formats them. */
  truth(from: number, to: number): LookerRow[] {
    const next = this.scan(from, to);
    const rows: LookerRow[] = [];
    for (let values = next(); values !== undefined; values = next()) rows.push(this.#asRow(values));
    return rows;
  }

  /**
   * Generated row `index` at cursor time `time`, as `truth()` gives rows: the rows the fake records
   * for its own API calls start from the row past the end (`index >= rows`), so ids continue the
   * generated sequence and fields a test added get their generated values.
   */
  generatedRow(index: number, time: number): LookerRow {
    return this.#asRow(this.fill(index, new Array<Scalar>(this.#model.columns.length), time));
  }

  #asRow(values: readonly Scalar[]): LookerRow {
    const row: LookerRow = {};
    for (const field of this.#model.baseFields) {
      const value = values[field.column] ?? null;
      row[field.key] = field.kind === 'time' && value !== null ? formatTime(value as number) : value;
    }
    return row;
  }
}
