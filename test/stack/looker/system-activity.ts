/**
 * The fake's System Activity instance, independent of HTTP: every view's table, every explore
 * compiled over them, and what tests do to it (append rows, evolve a view's fields, move the
 * clock so Looker forgets), plus the oracles `truth()` (what it holds now) and `everHeld()`
 * (everything it ever held, forgotten rows included), each answered as a json query would be.
 */
import type { Catalogue } from './catalogue.js';
import { Dataset, type DatasetSpec, type Retention } from './dataset.js';
import { plainValue } from './encode.js';
import { compileExplore, DEFAULT_SERVING, type ExploreModel, type ServingOptions } from './model.js';
import { planQuery } from './query.js';
import type { Column, RowRef } from './table.js';
import { parseLookerTime } from './time.js';
import { isTimeGroup, type FieldSpec, type Scalar } from './types.js';

/** A row as `truth()` and the json format give it: `view.field` -> value. */
export type LookerRow = Record<string, string | number | null>;

/**
 * Which rows `remove()` takes: a test on each row (keyed `view.field` as `truth()` gives it), or
 * the values of the view's primary key `id`.
 */
export type RowMatch = ((row: LookerRow) => boolean) | readonly (number | string)[];

export interface RemoveOptions {
  /** A join of the explore whose view loses rows (e.g. `session` in `user`); default: the base view. */
  view?: string;
}

export interface TruthOptions {
  /** The fields to answer (default: the base view's, one per dimension, time groups as `_time`). */
  fields?: readonly string[];
  /** The time field the window applies to (default: the cursor of the first selected view that has one). */
  on?: string;
}

export class SystemActivity {
  readonly dataset: Dataset;
  /** Compiled on first use (a reset builds a new instance per spec; most specs touch few explores). */
  readonly #models = new Map<string, ExploreModel>();

  constructor(
    readonly catalogue: Catalogue,
    datasets: Record<string, DatasetSpec>,
    now: number,
    readonly serving: ServingOptions = DEFAULT_SERVING,
  ) {
    this.dataset = new Dataset(catalogue, datasets, now);
  }

  /** Field changes reach every explore: they are compiled again when next used. */
  #compile(): void {
    this.#models.clear();
  }

  /** The compiled explore, or undefined if the model has no such explore. */
  find(name: string): ExploreModel | undefined {
    let model = this.#models.get(name);
    const fact = this.catalogue.explores.get(name);
    if (!model && fact) {
      model = compileExplore(fact, this.catalogue, this.dataset, this.serving);
      this.#models.set(name, model);
    }
    return model;
  }

  /** Every explore of the model, compiled. */
  all(): ExploreModel[] {
    return [...this.catalogue.explores.keys()].map((name) => this.find(name)!);
  }

  explore(name: string): ExploreModel {
    const model = this.find(name);
    if (!model) throw new Error(`unknown explore "${name}"`);
    return model;
  }

  /** The clock moved: state views age and grow, and Looker forgets what `retention` says. */
  setNow(now: number, retention: Retention | undefined): void {
    this.dataset.setClock(now);
    this.dataset.prune(retention, now);
  }

  /**
   * Adds rows keyed `view.field` of the explore's base view (times as `YYYY-MM-DD HH:MM:SS`).
   * Throws on a field the base view does not serve, or a missing cursor.
   */
  append(explore: string, rows: readonly LookerRow[]): void {
    const model = this.explore(explore);
    const base = model.aliases[0]!;
    const table = base.table;
    const byKey = new Map(model.baseFields.map((f) => [f.key, f]));
    table.store(
      rows.map((row) => {
        for (const key of Object.keys(row))
          if (!byKey.has(key)) throw new Error(`${explore}: unknown field ${key}`);
        const values = new Array<Scalar>(table.columns.length).fill(null);
        for (const field of model.baseFields) {
          const value = row[field.key] ?? null;
          if (field.timeframe === undefined || value === null) values[field.column] = value;
          else {
            const ms = typeof value === 'number' ? value : parseLookerTime(value);
            if (Number.isNaN(ms)) throw new Error(`${explore}: ${field.key} is not a time: ${value}`);
            values[field.column] = ms;
          }
        }
        let time = table.start;
        if (table.cursorColumn >= 0) {
          const cursor = values[table.cursorColumn];
          if (cursor === null) throw new Error(`${explore}: appended row has no ${model.cursor!.key}`);
          time = cursor as number;
        }
        return { time, values };
      }),
    );
  }

  /**
   * Removes rows of the explore's base view (or of `options.view`, one of its joins) from what
   * Looker holds, as a deleted user or an ended session goes: from then on queries, joins and
   * `truth()` no longer see them, while `everHeld()` still does. Child rows (a user's facts, an
   * event's attributes, a job's stages) go with their parent, as with retention. Works for
   * generated and stored rows; a predicate is tried on every live row of the view (each costs one
   * generated row), ids are found directly. Returns how many rows were removed.
   */
  remove(explore: string, match: RowMatch, options: RemoveOptions = {}): number {
    const model = this.explore(explore);
    const alias =
      options.view === undefined
        ? model.aliases[0]!
        : (model.aliases.find((a) => a.alias === options.view) ??
          model.aliases.find((a) => a.view === options.view));
    if (!alias) throw new Error(`${explore}: no view or join "${options.view}" to remove rows from`);
    const table = alias.table;
    const found: RowRef[] = [];
    if (typeof match !== 'function') {
      if (table.idColumn < 0)
        throw new Error(`${explore}: ${alias.alias} has no id; remove its rows with a predicate`);
      for (const id of match) {
        const row = table.rowById(id);
        if (row !== undefined) found.push(row);
      }
    } else {
      const fields = [...model.fields.values()].filter(
        (f) =>
          f.aliasIndex === alias.index &&
          f.category === 'dimension' &&
          (f.timeframe === undefined || f.timeframe === 'time'),
      );
      const columns = fields.map((f) => f.column);
      const buffer = new Array<Scalar>(table.columns.length).fill(null);
      const scan = table.scan(-Infinity, Infinity);
      for (let row = scan(); row !== undefined; row = scan()) {
        table.fill(row, columns, buffer);
        const values: LookerRow = {};
        for (const field of fields) values[field.key] = plainValue(field.kind, buffer[field.column] ?? null);
        if (match(values)) found.push(row);
      }
    }
    table.remove(found);
    return found.length;
  }

  /** The generated row `index` of an explore's base view at `time`, as `append()` takes rows. */
  generatedRow(explore: string, index: number, time: number): LookerRow {
    const model = this.explore(explore);
    const values = model.aliases[0]!.table.valuesOf(index, time);
    const row: LookerRow = {};
    for (const field of model.baseFields) {
      const value = values[field.column] ?? null;
      row[field.key] =
        field.timeframe !== undefined && value !== null ? (plainValue('time', value) as string) : value;
    }
    return row;
  }

  /** Adds a field to an explore's base view (every explore using the view serves it). */
  addField(explore: string, spec: FieldSpec): void {
    const table = this.explore(explore).aliases[0]!.table;
    const name = isTimeGroup(spec) ? spec.group : spec.name;
    const existing = table.columnOf(name);
    if (existing !== undefined && !table.columns[existing]!.removed)
      throw new Error(`${explore}: field ${table.name}.${name} is declared twice (already served)`);
    if (typeof spec.value !== 'function')
      throw new Error(`${explore}: field ${name} needs a value generator`);
    if (isTimeGroup(spec) && !spec.timeframes.includes('time'))
      throw new Error(`${explore}: ${name} needs the time timeframe`);
    const column: Column = {
      name,
      type: isTimeGroup(spec) ? 'time' : spec.type,
      timeframes: isTimeGroup(spec) ? spec.timeframes : undefined,
      label: spec.label,
      description: spec.description,
      hidden: spec.hidden ?? false,
      removed: false,
      generate: spec.value,
    };
    // A name removed and added again is a new field: its old column stays hidden.
    if (existing !== undefined) table.columns[existing]!.name = `${name}\u0000removed${existing}`;
    table.addColumn(column);
    this.#compile();
  }

  /**
   * Stops serving a field of an explore's base view: `view.name` of a dimension or `view.group` of
   * a time group (all its timeframes); a bare name is read in the base view. The cursor cannot go.
   */
  removeField(explore: string, key: string): void {
    const model = this.explore(explore);
    const table = model.aliases[0]!.table;
    const name = key.includes('.') ? key.slice(key.indexOf('.') + 1) : key;
    const column = table.columnOf(name);
    if (column === undefined || table.columns[column]!.removed)
      throw new Error(`${explore}: no served field ${table.name}.${name}`);
    if (column === table.cursorColumn)
      throw new Error(`${explore}: the cursor group ${key} cannot be removed`);
    table.columns[column]!.removed = true;
    this.#compile();
  }

  /** What a json query of `fields` answers for `[from, to)` on `on`, from what Looker holds now. */
  truth(explore: string, from?: Date, to?: Date, options: TruthOptions = {}): LookerRow[] {
    return this.#answer(explore, from, to, options, false);
  }

  /** The same, from every row the fake ever held (forgotten ones included). */
  everHeld(explore: string, from?: Date, to?: Date, options: TruthOptions = {}): LookerRow[] {
    return this.#answer(explore, from, to, options, true);
  }

  #answer(
    explore: string,
    from: Date | undefined,
    to: Date | undefined,
    options: TruthOptions,
    everHeld: boolean,
  ) {
    const model = this.explore(explore);
    const fields = options.fields ? [...options.fields] : model.baseFields.map((f) => f.key);
    let on = options.on;
    if (on === undefined) {
      for (const key of fields) {
        const field = model.fields.get(key);
        const table = field && model.aliases[field.aliasIndex]!.table;
        if (table && table.cursorColumn >= 0) {
          on = `${field.alias}.${table.columns[table.cursorColumn]!.name}_time`;
          break;
        }
      }
      // A child view without a time of its own: its parent's cursor, as the explore joins it.
      if (on === undefined)
        for (const group of model.orderingGroups) {
          on = `${group}_time`;
          break;
        }
    }
    const range =
      on !== undefined && (from !== undefined || to !== undefined)
        ? { field: on, from: from?.getTime() ?? -Infinity, to: to?.getTime() ?? Infinity }
        : undefined;
    const result = planQuery(model, {
      fields,
      filters: {},
      sorts: on !== undefined && model.fields.has(on) && fields.includes(on) ? [on] : ['__UNSORTED__'],
      limit: Infinity,
      range,
      now: this.dataset.now,
      everHeld,
      maxBufferedRows: Infinity,
    });
    const rows: LookerRow[] = [];
    for (let values = result.next(); values !== undefined; values = result.next()) {
      const row: LookerRow = {};
      result.columns.forEach(({ field, index }) => (row[field.key] = plainValue(field.kind, values[index]!)));
      rows.push(row);
    }
    return rows;
  }
}
