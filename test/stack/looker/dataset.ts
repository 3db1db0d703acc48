/**
 * Every view's table, built from the facts and the data profiles: which columns (one per
 * dimension and per time group of the view), which generator fills each, how big each table is.
 * Also Looker's forgetting as the clock moves (`retention`).
 */
import type { Catalogue } from './catalogue.js';
import { growing, referenceGenerator, valueGenerator } from './generators.js';
import { profileOf, referencedView, type PruneKind } from './profiles.js';
import { ViewTable, type Column, type TableSpec } from './table.js';
import { DAY } from './time.js';

export interface DatasetSpec {
  rows?: number;
  start?: Date;
  end?: Date;
  seed?: number;
}

/** Rows whose `field` equals `value` are forgotten sooner: once older than `days`. */
export interface SoonerRule {
  field: string;
  value: string;
  days: number;
}

/**
 * How much Looker keeps, per view: `{ days }` for age-pruned views, `{ rows }` for count-pruned
 * ones. `sooner` lists rows an age-pruned view forgets sooner; absent, the view's documented rules
 * apply (`history`: `source = scheduled_task` after 7 days); `[]` for none.
 */
export type Retention = Record<string, { days: number; sooner?: readonly SoonerRule[] } | { rows: number }>;

export class Dataset {
  readonly tables = new Map<string, ViewTable>();

  constructor(
    readonly catalogue: Catalogue,
    specs: Record<string, DatasetSpec>,
    readonly now: number,
  ) {
    // A view's name, or the name of an explore meaning its base view (`dashboard_performance`).
    const byView: Record<string, DatasetSpec> = {};
    for (const [name, spec] of Object.entries(specs)) {
      const view = catalogue.views.has(name) ? name : catalogue.explores.get(name)?.baseView;
      if (view === undefined) throw new Error(`datasets: unknown view "${name}"`);
      byView[view] = { ...byView[view], ...spec };
    }
    specs = byView;
    for (const name of catalogue.views.keys()) this.#build(name, specs);
    this.#bindReferences();
  }

  table(view: string): ViewTable {
    const table = this.tables.get(view);
    if (!table) throw new Error(`no view "${view}"`);
    return table;
  }

  #build(name: string, specs: Record<string, DatasetSpec>): ViewTable {
    const existing = this.tables.get(name);
    if (existing) return existing;
    const profile = profileOf(name);
    const fact = this.catalogue.view(name);
    let parent: ViewTable | undefined;
    if (profile.childOf && this.catalogue.views.has(profile.childOf.view))
      parent = this.#build(profile.childOf.view, specs);
    else delete profile.childOf;
    const spec = specs[name] ?? {};
    const end = spec.end ?? new Date(this.now);
    const tableSpec: TableSpec = {
      rows: spec.rows ?? profile.rows,
      end,
      start: spec.start ?? new Date(end.getTime() - profile.days * DAY),
      seed: spec.seed,
    };
    const columns: Column[] = fact.fields
      .filter((f) => f.kind !== 'measure')
      .map((f) => ({
        name: f.name,
        type: f.kind === 'dimension_group' ? 'time' : (f.type ?? 'string'),
        timeframes: f.timeframes,
        hidden: f.hidden ?? false,
        removed: false,
      }));
    if (profile.cursor && !columns.some((c) => c.type === 'time' && c.name === profile.cursor))
      delete profile.cursor;
    const table = new ViewTable(name, profile, columns, tableSpec, parent);
    this.tables.set(name, table);
    return table;
  }

  /** Generators are bound once every table exists, since references read other tables' sizes and times. */
  #bindReferences(): void {
    const views = new Set(this.tables.keys());
    for (const table of this.tables.values()) {
      const numbers = table.columns.filter((c) => c.type === 'number').map((c) => c.name);
      for (const column of table.columns) {
        if (column.generate) continue;
        const given = table.profile.values?.[column.name];
        if (given) {
          column.generate = given;
          continue;
        }
        const target =
          column.type === 'number' || column.type === 'string'
            ? referencedView(column.name, views)
            : undefined;
        if (target && column.name !== 'id') {
          const reference = referenceGenerator(
            this.table(target),
            table.hasTime,
            /^(sudo|deleter|last_updater|dashboard|look|result_maker|sql_query|node)/.test(column.name)
              ? 0.3
              : 0,
            this.table(target).profile.kind === 'event',
          );
          column.generate =
            column.type === 'string'
              ? (row) => {
                  const id = reference(row);
                  return id === null ? null : String(id);
                }
              : reference;
        } else {
          const generate = valueGenerator(
            table.name,
            column.name,
            column.type,
            table.profile.hints?.[column.name],
            numbers,
          );
          column.generate =
            column.type === 'number' && table.profile.growing?.test(column.name)
              ? growing(generate)
              : generate;
        }
      }
    }
  }

  /** Moves the clock every generator sees. */
  setClock(now: number): void {
    for (const table of this.tables.values()) table.setClock(now);
  }

  /** Applies Looker's retention at `now`: views not named keep everything. */
  prune(retention: Retention | undefined, now: number): void {
    if (!retention) return;
    for (const [view, rule] of Object.entries(retention)) {
      const table = this.table(view);
      if ('days' in rule) {
        table.pruneByAge(now - rule.days * DAY);
        for (const sooner of rule.sooner ?? table.profile.sooner ?? []) {
          const column = table.columnOf(sooner.field);
          if (column === undefined) throw new Error(`retention: ${view} has no field ${sooner.field}`);
          table.pruneByAgeWhere(column, sooner.value, now - Math.min(sooner.days, rule.days) * DAY);
        }
      } else table.pruneByCount(rule.rows);
    }
  }
}

/** Which rule Looker applies to a view when a retention names it without saying how. */
export function pruneKindOf(view: string): PruneKind | undefined {
  return profileOf(view).prune;
}
