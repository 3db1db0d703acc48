/**
 * The System Activity model as the committed facts give it (`test/fixtures/looker/
 * system-activity-model.json`): every explore with its base view and joins, every view with its
 * fields' names, kinds and types. Nothing here is hand-written per explore: a view the 2020 model
 * lacks (`query_metrics`) is built from the 2024 field references, its kinds and types inferred
 * from the names (see `inferField`).
 */
import { readFileSync } from 'node:fs';
import { EXPLORES_SINCE_2020, JOINS_SINCE_2020, VIEWS_SINCE_2020, type FieldGuess } from './today.js';

export type FieldKind = 'dimension' | 'dimension_group' | 'measure';

export interface FieldFact {
  name: string;
  kind: FieldKind;
  /** LookML type: `string`, `number`, `yesno`, `tier`, `time` (groups), `count`, `sum`, ...; null when the facts do not say. */
  type: string | null;
  /** Timeframes of a dimension group, when the facts name them. */
  timeframes?: string[];
  /** Kept out of the field picker (`hidden: yes`); still queryable. */
  hidden?: boolean;
}

export interface ViewFact {
  name: string;
  fields: FieldFact[];
  /**
   * How the view was obtained: from the 2020 LookML, inferred from 2024 field references, or
   * named by 2026 docs with types guessed (`today.ts`).
   */
  source: 'model_2020' | 'seen_2024' | 'seen_2026';
}

export type Relationship = 'many_to_one' | 'one_to_one' | 'one_to_many' | 'many_to_many';

export interface JoinFact {
  alias: string;
  view: string;
  relationship: Relationship;
  type: string;
  /**
   * The join's LookML `fields:` list when it declares one: the view's fields the explore exposes
   * (`[]`: none; the explore joins through the view but a query may not name its fields).
   * Absent: every field.
   */
  fields?: string[];
}

export interface ExploreFact {
  name: string;
  baseView: string;
  baseAlias: string;
  joins: JoinFact[];
  source: 'model_2020' | 'seen_2024' | 'seen_2026';
}

interface RawFacts {
  model_2020: {
    explores: Record<
      string,
      {
        base_view: string;
        base_alias?: string;
        /** `fields: []` marks a join declared `fields: []`: joined through, none of its fields exposed. */
        joins: Record<string, { view: string; relationship: Relationship; type: string; fields?: string[] }>;
      }
    >;
    views: Record<string, { fields: FieldFact[] }>;
  };
  seen_2024: { explores: string[]; fields: string[] };
  /** Explores and fields of current Looker docs: `view.field` references per explore (`view.*`: names unknown). */
  seen_2026?: { explores: { id: string | null }[]; fields: Record<string, { field: string }[]> };
}

/** Looker's timeframes for a `dimension_group: { type: time }` that names none. */
export const DEFAULT_TIMEFRAMES = ['raw', 'time', 'date', 'week', 'month', 'quarter', 'year'];

/** Timeframes the fake can compute; a 2024 reference to another one of a known group is ignored. */
export const KNOWN_TIMEFRAMES = [
  'raw',
  'time',
  'minute',
  'hour',
  'date',
  'week',
  'month',
  'quarter',
  'year',
  'hour_of_day',
  'day_of_week',
];

/**
 * The kind and type of a field known only by its name (a 2024 reference), by these rules, in
 * order: `count` a count measure; `*_average` an average measure; `*_time` / `*_date` the
 * `time` / `date` timeframe of a time group (which gets Looker's default timeframes); `id` and `*_id` a number; names ending `_warning(s)`,
 * `_recommendation(s)`, `_mode`, `_type`, `_reasons`, `_json`, and `view`, a string; anything
 * else a number (the view that needs this, `query_metrics`, holds per-phase timings).
 */
export function inferField(name: string): {
  kind: FieldKind;
  type: string;
  group?: string;
  timeframe?: string;
} {
  if (name === 'count') return { kind: 'measure', type: 'count' };
  if (/_average$/.test(name)) return { kind: 'measure', type: 'average' };
  const time = /^(.+)_(time|date)$/.exec(name);
  if (time) return { kind: 'dimension_group', type: 'time', group: time[1], timeframe: time[2] };
  if (name === 'id' || name.endsWith('_id')) return { kind: 'dimension', type: 'number' };
  if (/(_warnings?|_recommendations?|_mode|_type|_reasons|_json)$/.test(name) || name === 'view')
    return { kind: 'dimension', type: 'string' };
  return { kind: 'dimension', type: 'number' };
}

export class Catalogue {
  readonly views = new Map<string, ViewFact>();
  readonly explores = new Map<string, ExploreFact>();

  constructor(raw: RawFacts) {
    const seen = new Map<string, string[]>();
    for (const reference of raw.seen_2024.fields) {
      const [view, field] = reference.split('.') as [string, string];
      seen.set(view, [...(seen.get(view) ?? []), field]);
    }
    const timeframesSeen = (view: string, group: string) =>
      (seen.get(view) ?? [])
        .filter((f) => f.startsWith(`${group}_`))
        .map((f) => f.slice(group.length + 1))
        .filter((t) => KNOWN_TIMEFRAMES.includes(t));

    for (const [name, view] of Object.entries(raw.model_2020.views)) {
      const fields = view.fields.map((field) => {
        if (field.kind !== 'dimension_group') return { ...field };
        // Newer timeframes the 2024 references use (e.g. `history.completed_hour`) join the group's set.
        const base = field.timeframes ?? DEFAULT_TIMEFRAMES;
        const extra = timeframesSeen(name, field.name).filter((t) => !base.includes(t));
        return { ...field, timeframes: [...base, ...extra] };
      });
      this.views.set(name, { name, fields, source: 'model_2020' });
    }
    for (const [name, references] of seen) {
      if (this.views.has(name)) continue;
      const fields: FieldFact[] = [];
      const groups = new Map<string, FieldFact>();
      for (const reference of references) {
        const inferred = inferField(reference);
        if (inferred.kind !== 'dimension_group') {
          fields.push({ name: reference, kind: inferred.kind, type: inferred.type });
          continue;
        }
        let group = groups.get(inferred.group!);
        if (!group) {
          group = { name: inferred.group!, kind: 'dimension_group', type: 'time', timeframes: [] };
          groups.set(group.name, group);
          fields.push(group);
        }
        group.timeframes!.push(inferred.timeframe!);
      }
      // Whether the LookML names its timeframes is unknown: Looker's default set, plus any seen.
      for (const group of groups.values())
        group.timeframes = [
          ...DEFAULT_TIMEFRAMES,
          ...group.timeframes!.filter((t) => !DEFAULT_TIMEFRAMES.includes(t)),
        ];
      this.views.set(name, { name, fields, source: 'seen_2024' });
    }

    this.#addViewsSince2020(raw);

    for (const [name, explore] of Object.entries(raw.model_2020.explores))
      this.explores.set(name, {
        name,
        baseView: explore.base_view,
        // LookML `explore: X { from: V }` aliases the base view as X, `view_name: A` as A: the
        // base view's fields are `A.field` when the facts give `base_alias`, else `X.field`.
        baseAlias: explore.base_alias ?? name,
        joins: Object.entries(explore.joins).map(([alias, join]) => ({
          alias,
          view: join.view,
          relationship: join.relationship,
          type: join.type,
          ...(join.fields === undefined ? {} : { fields: [...join.fields] }),
        })),
        source: 'model_2020',
      });
    // Joins today's Looker adds to 2020 explores (history's query_api_client_context).
    for (const [name, joins] of Object.entries(JOINS_SINCE_2020)) {
      const explore = this.explores.get(name);
      if (explore) explore.joins.push(...joins.filter((join) => this.views.has(join.view)));
    }
    // Explores the 2026 facts list that the 2020 model lacks, as `today.ts` guesses them.
    for (const { id } of raw.seen_2026?.explores ?? []) {
      const guess = id === null ? undefined : EXPLORES_SINCE_2020[id];
      if (!id || !guess || this.explores.has(id) || !this.views.has(guess.baseView)) continue;
      this.explores.set(id, {
        name: id,
        baseView: guess.baseView,
        baseAlias: id,
        joins: guess.joins.filter((join) => this.views.has(join.view)),
        source: 'seen_2026',
      });
    }
    // Explores seen only in 2024: their joins are unknown, so they serve their base view alone.
    for (const name of raw.seen_2024.explores)
      if (!this.explores.has(name) && this.views.has(name))
        this.explores.set(name, { name, baseView: name, baseAlias: name, joins: [], source: 'seen_2024' });
  }

  /**
   * Views added since 2020 that the 2026 facts name (`seen_2026.fields`, or an explore of that
   * name): the fields they name, typed by the guesses of `today.ts` (a time group's fields by its
   * name: `created_date` is group `created`), then the fields the guesses add. A view the facts
   * no longer name is not served.
   */
  #addViewsSince2020(raw: RawFacts): void {
    const named = new Map<string, string[]>();
    for (const { id } of raw.seen_2026?.explores ?? []) if (id) named.set(id, []);
    for (const references of Object.values(raw.seen_2026?.fields ?? {}))
      for (const { field } of references) {
        const [view, name] = field.split('.') as [string, string];
        if (name !== '*') named.set(view, [...(named.get(view) ?? []), name]);
      }
    for (const [view, guess] of Object.entries(VIEWS_SINCE_2020)) {
      const names = named.get(view);
      if (!names || this.views.has(view)) continue;
      const fields = new Map<string, FieldFact>();
      const fact = (name: string, { kind, type, timeframes, hidden }: FieldGuess): FieldFact => ({
        name,
        kind,
        type,
        ...(kind === 'dimension_group' ? { timeframes: timeframes ?? DEFAULT_TIMEFRAMES } : {}),
        ...(hidden ? { hidden } : {}),
      });
      for (const name of names) {
        const group = Object.keys(guess.typed).find(
          (g) => guess.typed[g]!.kind === 'dimension_group' && name.startsWith(`${g}_`),
        );
        const key = group ?? name;
        const typed = guess.typed[key];
        if (!typed) throw new Error(`today.ts gives no type for ${view}.${name}, which the facts name`);
        if (!fields.has(key)) fields.set(key, fact(key, typed));
      }
      for (const [name, added] of Object.entries(guess.added)) fields.set(name, fact(name, added));
      this.views.set(view, { name: view, fields: [...fields.values()], source: 'seen_2026' });
    }
  }

  view(name: string): ViewFact {
    const view = this.views.get(name);
    if (!view) throw new Error(`the System Activity facts have no view "${name}"`);
    return view;
  }
}

let loaded: Catalogue | undefined;

/** The catalogue of the committed facts, read once. */
export function systemActivity(): Catalogue {
  loaded ??= new Catalogue(
    JSON.parse(
      readFileSync(new URL('../../fixtures/looker/system-activity-model.json', import.meta.url), 'utf8'),
    ) as RawFacts,
  );
  return loaded;
}
