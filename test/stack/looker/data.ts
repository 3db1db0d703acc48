import type { FakeExplore, RowRandom } from './explores/index.js';

export type LookerRow = Record<string, string | number | boolean | null>;

export interface DatasetSpec {
  rows: number;
  start: Date;
  end: Date;
  seed?: number;
}

/** mulberry32: tiny, fast, and good enough to make realistic-looking synthetic values. */
class Mulberry implements RowRandom {
  #state = 0;
  reset(seed: number): this {
    this.#state = seed >>> 0;
    return this;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Parses `YYYY-MM-DD HH:MM:SS` (Looker's form, UTC here) to epoch ms. */
export function parseLookerTime(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/**
 * One explore's rows: `rows` generated ones spread evenly over `[start, end)` in cursor order,
 * computed from their index on demand (nothing stored, so millions cost no memory), plus rows
 * appended by tests as time passes.
 */
export class ExploreData {
  readonly #random = new Mulberry();
  readonly #appended: { time: number; row: LookerRow }[] = [];
  readonly #start: number;
  readonly #span: number;
  readonly #seed: number;

  constructor(
    readonly explore: FakeExplore,
    readonly spec: DatasetSpec,
  ) {
    this.#start = spec.start.getTime();
    this.#span = Math.max(0, spec.end.getTime() - this.#start);
    this.#seed = spec.seed ?? 1;
  }

  get cursorKey(): string {
    return `${this.explore.view}.${this.explore.cursor}`;
  }

  /** Cursor time of generated row `index` (whole seconds, non-decreasing in index). */
  timeOf(index: number): number {
    const ms = this.#start + Math.floor((index * this.#span) / Math.max(1, this.spec.rows));
    return ms - (ms % 1000);
  }

  /** Generated row `index`, keyed `view.field` as Looker's json format does. */
  row(index: number): LookerRow {
    const time = this.timeOf(index);
    const random = this.#random.reset(Math.imul(index + 1, 2654435761) ^ this.#seed);
    const row: LookerRow = {};
    for (const field of this.explore.fields)
      row[`${this.explore.view}.${field.name}`] = field.value(index, random, time);
    return row;
  }

  append(rows: readonly LookerRow[]): void {
    for (const row of rows) {
      const value = row[this.cursorKey];
      if (typeof value !== 'string') throw new Error(`appended row has no ${this.cursorKey}`);
      this.#appended.push({ time: parseLookerTime(value), row });
    }
    this.#appended.sort((a, b) => a.time - b.time);
  }

  /** Smallest generated index whose time is at or after `time`. */
  #firstIndexFrom(time: number): number {
    let low = 0;
    let high = this.spec.rows;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timeOf(mid) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Every row whose cursor time is in `[from, to)`, in cursor order; `descending` reverses it. */
  *rows(from = -Infinity, to = Infinity, descending = false): Generator<LookerRow> {
    const first = this.#firstIndexFrom(from);
    const last = this.#firstIndexFrom(to);
    const appended = this.#appended.filter((a) => a.time >= from && a.time < to);
    if (descending) {
      let j = appended.length - 1;
      for (let i = last - 1; i >= first; i--) {
        const time = this.timeOf(i);
        while (j >= 0 && appended[j]!.time > time) yield appended[j--]!.row;
        yield this.row(i);
      }
      while (j >= 0) yield appended[j--]!.row;
      return;
    }
    let j = 0;
    for (let i = first; i < last; i++) {
      const time = this.timeOf(i);
      while (j < appended.length && appended[j]!.time < time) yield appended[j++]!.row;
      yield this.row(i);
    }
    while (j < appended.length) yield appended[j++]!.row;
  }

  /** How many rows `[from, to)` holds, without generating them. */
  count(from = -Infinity, to = Infinity): number {
    return (
      this.#firstIndexFrom(to) -
      this.#firstIndexFrom(from) +
      this.#appended.filter((a) => a.time >= from && a.time < to).length
    );
  }
}
