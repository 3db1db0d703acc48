/**
 * One view's rows: `rows` generated ones computed from their index on demand (nothing is stored,
 * so millions cost no memory and a time window is an index range), the few rows tests append
 * (and the fake records for its own API calls), and what Looker has forgotten of them.
 *
 * Row times never decrease with the index: `start + floor(i * (end - start) / rows)` (whole
 * seconds) for a view with a cursor; a child view's rows take their parent's time. Each field
 * draws its own random numbers, seeded by (view, seed, field, index), so any value of any row can
 * be computed alone.
 */
import type { Generate } from './generators.js';
import type { ViewProfile } from './profiles.js';
import { datasetBase, fieldBase, RowRandomSource } from './random.js';
import type { RowContext, Scalar } from './types.js';

export interface Column {
  /** Field name in the view (a time group's name for its column). */
  name: string;
  /** `string`, `number`, `yesno`, `tier`, or `time` for a dimension group. */
  type: string;
  timeframes?: readonly string[];
  label?: string;
  description?: string;
  hidden: boolean;
  /** Not served any more (`removeField`); still generated so nothing else moves. */
  removed: boolean;
  generate?: Generate;
}

/** A stored row: its time (ordering) and one value per column. */
export interface Stored {
  time: number;
  values: Scalar[];
}

/** A row of a table: a generated index, or a stored row. */
export type RowRef = number | Stored;

export interface TableSpec {
  rows: number;
  start: Date;
  end: Date;
  seed?: number;
}

export class ViewTable {
  readonly name: string;
  readonly profile: ViewProfile;
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  readonly parent?: ViewTable;
  readonly perParent: number;
  readonly columns: Column[];
  readonly #byName = new Map<string, number>();
  readonly #step: number;
  readonly #base: number;
  #fieldBases: number[] = [];
  readonly #random = new RowRandomSource();
  readonly #context: RowContext;
  idColumn = -1;
  cursorColumn = -1;
  parentKeyColumn = -1;
  /** Replaced, never changed in place: a scan keeps the array it started with. */
  #stored: readonly Stored[] = [];
  #storedById?: Map<Scalar, Stored>;
  readonly #childIndexes = new Map<number, Map<Scalar, RowRef[]>>();
  // What Looker has forgotten: rows older than `ageCut`, generated rows below `countCut`, and
  // stored rows dropped by count.
  ageCut = -Infinity;
  countCut = 0;
  readonly #dropped = new Set<Stored>();
  // Rows a test removed (`remove()`: deleted users, ended sessions): gone from what Looker holds
  // now, kept for `everHeld`. A child row goes with its parent.
  readonly #removedIndexes = new Set<number>();
  readonly #removedStored = new Set<Stored>();
  // Rows forgotten sooner for a value (history of scheduled tasks): older than `cut` with `column` = `value`.
  #valueCuts: { column: number; value: Scalar; cut: number }[] = [];

  constructor(name: string, profile: ViewProfile, columns: Column[], spec: TableSpec, parent?: ViewTable) {
    this.name = name;
    this.profile = profile;
    this.columns = columns;
    this.parent = parent;
    this.perParent = parent ? profile.childOf!.perParent : 1;
    this.rows = parent ? parent.rows * this.perParent : spec.rows;
    if (!Number.isSafeInteger(this.rows) || this.rows < 0)
      throw new Error(`${name}: rows must be a whole number >= 0`);
    this.start = spec.start.getTime();
    this.end = spec.end.getTime();
    if (!(this.end >= this.start)) throw new Error(`${name}: the dataset ends before it starts`);
    this.#step = this.rows === 0 ? 0 : (this.end - this.start) / this.rows;
    this.#base = datasetBase(name, spec.seed ?? 1);
    columns.forEach((column, index) => this.#index(column, index));
    const get = (field: string) => {
      const column = this.#byName.get(field);
      if (column === undefined) return null;
      // A generator reading another field must not disturb its own random sequence.
      const saved = this.#random.state;
      const value = this.value(this.#context.index, column);
      this.#random.state = saved;
      return value;
    };
    this.#context = { index: 0, time: this.start, asOf: this.end, now: this.end, random: this.#random, get };
  }

  #index(column: Column, index: number): void {
    this.#byName.set(column.name, index);
    this.#fieldBases[index] = fieldBase(this.#base, column.name);
    if (column.name === (this.profile.primaryKey ?? 'id') && column.type === 'number') this.idColumn = index;
    if (column.type === 'time' && column.name === this.profile.cursor) this.cursorColumn = index;
    if (this.parent && column.name === this.profile.childOf!.key) this.parentKeyColumn = index;
  }

  /** Adds a column (a field a test added); stored rows read null for it. */
  addColumn(column: Column): number {
    const index = this.columns.length;
    this.columns.push(column);
    this.#index(column, index);
    // In place: forgotten and removed rows are known by identity.
    for (const row of this.#stored) row.values.push(null);
    this.#storedById = undefined;
    return index;
  }

  columnOf(name: string): number | undefined {
    return this.#byName.get(name);
  }

  /** Moves the clock generators see (ages and usage of state views follow it). */
  setClock(now: number): void {
    this.#context.now = now;
  }

  /** Whether rows have a time of their own or their parent's (windows, staleness and age apply). */
  get hasTime(): boolean {
    return this.cursorColumn >= 0 || (this.parent?.hasTime ?? false);
  }

  timeOf(index: number): number {
    if (this.parent) return this.parent.timeOf(Math.floor(index / this.perParent));
    if (this.cursorColumn < 0) return this.start;
    const ms = this.start + Math.floor(index * this.#step);
    return ms - (((ms % 1000) + 1000) % 1000);
  }

  /** The smallest generated index whose time is at or after `time` (`rows` if none). */
  indexAt(time: number): number {
    if (time === -Infinity) return 0;
    if (time === Infinity || (!this.hasTime && time > this.start)) return this.rows;
    if (this.parent) return this.parent.indexAt(time) * this.perParent;
    let low = 0;
    let high = this.rows;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (this.timeOf(mid) < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Value of column `column` of generated row `index` (its time may be given for rows past the end). */
  value(index: number, column: number, time = this.timeOf(index)): Scalar {
    if (column === this.cursorColumn) return time;
    if (column === this.idColumn) return index + 1;
    if (column === this.parentKeyColumn) return Math.floor(index / this.perParent) + 1;
    const generate = this.columns[column]!.generate;
    if (!generate) return null;
    const context = this.#context;
    context.index = index;
    context.time = time;
    this.#random.seek(this.#fieldBases[column]!, index);
    return generate(context);
  }

  /** Every column of generated row `index`, as a new array. */
  valuesOf(index: number, time = this.timeOf(index)): Scalar[] {
    return this.columns.map((_, c) => this.value(index, c, time));
  }

  /** Writes the listed columns of a row into `out` (stored rows are copied column by column too). */
  fill(row: RowRef, columns: readonly number[], out: Scalar[]): Scalar[] {
    if (typeof row === 'number') {
      const time = this.timeOf(row);
      for (const c of columns) out[c] = this.value(row, c, time);
    } else for (const c of columns) out[c] = row.values[c] ?? null;
    return out;
  }

  /** A row's identity within the table: its id when it has one, else its position. */
  identity(row: RowRef): Scalar {
    if (typeof row === 'number') return this.idColumn >= 0 ? row + 1 : row;
    return this.idColumn >= 0 ? row.values[this.idColumn]! : `stored:${this.#stored.indexOf(row)}`;
  }

  timeOfRow(row: RowRef): number {
    return typeof row === 'number' ? this.timeOf(row) : row.time;
  }

  get stored(): readonly Stored[] {
    return this.#stored;
  }

  store(rows: readonly Stored[]): void {
    const stored = [...this.#stored];
    for (const row of rows) {
      let at = stored.length;
      while (at > 0 && stored[at - 1]!.time > row.time) at--;
      // Equal times keep the order they were stored in.
      stored.splice(at, 0, row);
    }
    this.#stored = stored;
    this.#storedById = undefined;
    this.#childIndexes.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Looker's forgetting.

  /** The first generated index Looker still holds. */
  firstLive(): number {
    let first = Math.max(this.countCut, this.ageCut === -Infinity ? 0 : this.indexAt(this.ageCut));
    if (this.parent) first = Math.max(first, this.parent.firstLive() * this.perParent);
    return Math.min(first, this.rows);
  }

  isLive(row: RowRef): boolean {
    if (this.hasRemovals && this.isRemoved(row)) return false;
    if (typeof row === 'number') return row >= this.firstLive();
    return !this.#dropped.has(row) && row.time >= this.ageCut;
  }

  // ---------------------------------------------------------------------------------------------
  // Rows a test removed.

  /**
   * Whether this table or a parent of it has rows gone one by one (removed by a test, or forgotten
   * sooner for a value): a cheap guard for the per-row check.
   */
  get hasRemovals(): boolean {
    return (
      this.#removedIndexes.size > 0 ||
      this.#removedStored.size > 0 ||
      this.#valueCuts.length > 0 ||
      (this.parent?.hasRemovals ?? false)
    );
  }

  /**
   * Whether the row is gone one by one: a test removed it, a value rule forgot it, or its parent
   * row went (a child goes with its parent).
   */
  isRemoved(row: RowRef): boolean {
    if (typeof row === 'number') {
      if (this.#removedIndexes.has(row)) return true;
      for (const { column, value, cut } of this.#valueCuts)
        if (this.timeOf(row) < cut && this.value(row, column) === value) return true;
      return this.parent !== undefined && this.parent.isRemoved(Math.floor(row / this.perParent));
    }
    if (this.#removedStored.has(row)) return true;
    for (const { column, value, cut } of this.#valueCuts)
      if (row.time < cut && row.values[column] === value) return true;
    if (!this.parent || this.parentKeyColumn < 0 || !this.parent.hasRemovals) return false;
    const parent = this.parent.rowById(row.values[this.parentKeyColumn] ?? null, true);
    return parent !== undefined && this.parent.isRemoved(parent);
  }

  /** Removes rows from what Looker holds (not from `everHeld`); never undone but by a reset. */
  remove(rows: Iterable<RowRef>): void {
    for (const row of rows)
      if (typeof row === 'number') this.#removedIndexes.add(row);
      else this.#removedStored.add(row);
  }

  /** Forgets rows older than `cut` (never un-forgets). */
  pruneByAge(cut: number): void {
    this.ageCut = Math.max(this.ageCut, cut);
  }

  /** Forgets rows older than `cut` whose `column` holds `value` (never un-forgets). */
  pruneByAgeWhere(column: number, value: Scalar, cut: number): void {
    const existing = this.#valueCuts.find((c) => c.column === column && c.value === value);
    if (existing) existing.cut = Math.max(existing.cut, cut);
    else this.#valueCuts = [...this.#valueCuts, { column, value, cut }];
  }

  /** Keeps the newest `keep` rows, generated and stored together, in time order. */
  pruneByCount(keep: number): void {
    const first = this.firstLive();
    const live = this.#stored.filter((row) => this.isLive(row));
    let excess = this.rows - first + live.length - keep;
    if (excess <= 0) return;
    // The generated rows to drop: the most whose own count plus the stored rows before them fits.
    let low = first;
    let high = this.rows;
    const storedBefore = (time: number) => live.filter((row) => row.time < time).length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (mid - first + (mid < this.rows ? storedBefore(this.timeOf(mid)) : live.length) <= excess) low = mid;
      else high = mid - 1;
    }
    this.countCut = low;
    excess -= low - first;
    const boundary = low < this.rows ? this.timeOf(low) : Infinity;
    for (const row of live) {
      if (excess <= 0 || row.time >= boundary) break;
      this.#dropped.add(row);
      excess--;
    }
    if (excess > 0) this.countCut = Math.min(this.rows, this.countCut + excess);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading.

  /**
   * Rows whose time is in `[from, to)` (every row when the table has no time), in time order or
   * its exact reverse; stored rows come after generated rows of the same second. Forgotten rows
   * are skipped unless `everHeld`.
   */
  scan(
    from: number,
    to: number,
    descending = false,
    everHeld = false,
    firstIndex = 0,
  ): () => RowRef | undefined {
    if (!this.hasTime) {
      from = -Infinity;
      to = Infinity;
    }
    if (!(to > from)) return () => undefined;
    const first = Math.max(this.indexAt(from), firstIndex, everHeld ? 0 : this.firstLive());
    const last = this.indexAt(to);
    const stored = this.#stored.filter(
      (row) => row.time >= from && row.time < to && (everHeld || this.isLive(row)),
    );
    // Removed generated rows are skipped one by one (stored ones are filtered above).
    const skip = !everHeld && this.hasRemovals;
    if (!descending) {
      let i = first;
      let j = 0;
      return () => {
        if (skip) while (i < last && this.isRemoved(i)) i++;
        if (i < last) {
          if (j < stored.length && stored[j]!.time < this.timeOf(i)) return stored[j++];
          return i++;
        }
        return j < stored.length ? stored[j++] : undefined;
      };
    }
    let i = last - 1;
    let j = stored.length - 1;
    return () => {
      if (skip) while (i >= first && this.isRemoved(i)) i--;
      if (i >= first) {
        if (j >= 0 && stored[j]!.time >= this.timeOf(i)) return stored[j--];
        return i--;
      }
      return j >= 0 ? stored[j--] : undefined;
    };
  }

  /** The row whose id is `id`, if the table holds it (forgotten rows are not found unless `everHeld`). */
  rowById(id: Scalar, everHeld = false): RowRef | undefined {
    if (id === null || this.idColumn < 0) return undefined;
    const n = typeof id === 'number' ? id : Number(id);
    let row: RowRef | undefined;
    if (Number.isInteger(n) && n >= 1 && n <= this.rows) row = n - 1;
    else {
      this.#storedById ??= new Map(this.#stored.map((s) => [s.values[this.idColumn]!, s]));
      row = this.#storedById.get(typeof id === 'number' ? id : Number.isNaN(n) ? id : n);
    }
    return row !== undefined && (everHeld || this.isLive(row)) ? row : undefined;
  }

  /** Rows whose `column` equals `key` (a one_to_many join): a contiguous range for a child view's key. */
  children(column: number, key: Scalar, everHeld = false): RowRef[] {
    if (key === null) return [];
    let rows: RowRef[];
    if (column === this.parentKeyColumn && typeof key === 'number' && Number.isInteger(key)) {
      rows = [];
      if (key >= 1 && key <= this.rows / this.perParent)
        for (let i = (key - 1) * this.perParent; i < key * this.perParent; i++) rows.push(i);
      for (const s of this.#stored) if (s.values[column] === key) rows.push(s);
    } else {
      let index = this.#childIndexes.get(column);
      if (!index) {
        index = new Map();
        for (let i = 0; i < this.rows; i++) {
          const value = this.value(i, column);
          if (value === null) continue;
          const list = index.get(value);
          if (list) list.push(i);
          else index.set(value, [i]);
        }
        for (const s of this.#stored) {
          const value = s.values[column] ?? null;
          if (value === null) continue;
          index.set(value, [...(index.get(value) ?? []), s]);
        }
        this.#childIndexes.set(column, index);
      }
      rows = index.get(key) ?? (typeof key === 'string' ? (index.get(Number(key)) ?? []) : []);
    }
    return everHeld ? rows : rows.filter((row) => this.isLive(row));
  }
}
