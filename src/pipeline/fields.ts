/**
 * The Looker fields an explore is counted and paged by, and how its windows are proven
 * complete: derived from its registry entry alone.
 */
import { lookerField, type ExploreDefinition } from '../explores/index.js';
import type { OrderLevel } from './pager.js';

/** The Looker fields an explore is counted and paged by. */
export interface CountFields {
  /** The cursor time field (`view.group_time`), incremental explores only. */
  time?: string;
  /** Its date timeframe (`view.group_date`): the day a count and a read group by. */
  date?: string;
  /**
   * The measure counting the table's own rows: the `count` of the view that owns the primary key
   * (for a joined view, the child's count, never its parent's), unless the entry names one;
   * null: the model has none at the table's grain, and pages prove the read instead.
   */
  count: string | null;
  /** The primary key's fields, in order. */
  keys: string[];
}

export function countFields(explore: ExploreDefinition): CountFields {
  const column = (name: string | undefined) => {
    const found = explore.fields.find((c) => c.name === name);
    if (!found) throw new Error(`explore ${explore.name} has no column ${String(name)}`);
    return lookerField(explore, found);
  };
  const keys = explore.primaryKey.map((name) => column(name));
  const count = explore.countField === undefined ? `${viewOf(keys[0]!)}.count` : explore.countField;
  if (explore.mode === 'snapshot') return { keys, count };
  const time = column(explore.cursorField);
  if (!/_time$/.test(time))
    throw new Error(`the cursor ${time} of ${explore.name} is not a time dimension group's _time`);
  if (count === null)
    throw new Error(`incremental ${explore.name} needs a count measure to plan its windows`);
  return { time, date: time.replace(/_time$/, '_date'), count, keys };
}

/**
 * The order a read sorts and pages by: the cursor time (incremental explores), then the primary
 * key's columns, each with how Looker can filter it (numbers and times by range, strings only by
 * value).
 */
export function orderLevels(explore: ExploreDefinition): OrderLevel[] {
  const fields = countFields(explore);
  const keyLevels = explore.primaryKey.map((name, i): OrderLevel => {
    const type = explore.fields.find((c) => c.name === name)!.type;
    const kind =
      type === 'INTEGER' || type === 'FLOAT'
        ? 'number'
        : type === 'DATETIME'
          ? 'time'
          : type === 'DATE'
            ? 'date'
            : 'string';
    // A key the model declares is never NULL; one the registry (`nullKeyFrom`) or discovery chose may be.
    const nullable = explore.nullKeyFrom !== undefined || explore.discovered?.keyDeclared === false;
    return { field: fields.keys[i]!, kind, nullable };
  });
  return fields.time ? [{ field: fields.time, kind: 'time' }, ...keyLevels] : keyLevels;
}

/** How a window of the explore is proven complete, for the README and the summaries. */
export function completenessProof(explore: ExploreDefinition): string {
  const { count, date } = countFields(explore);
  if (count === null) return "pages: a page shorter than a limit within Looker's cap";
  return date ? `count: \`${count}\` by \`${date}\`` : `count: \`${count}\``;
}

function viewOf(field: string): string {
  return field.slice(0, field.indexOf('.'));
}

/**
 * The fields a read cannot do without, by the kind Looker lists them under: the key and cursor
 * it sorts and pages by, the fields its filters name, and the count it is proven by. A table
 * whose explore lacks one of them cannot be read at all; other columns only stay NULL.
 */
export function requiredFields(explore: ExploreDefinition): { dimensions: string[]; measures: string[] } {
  const { time, date, count, keys } = countFields(explore);
  const dimensions = [...(time ? [time, date!] : []), ...keys, ...Object.keys(explore.filters ?? {})];
  return { dimensions: [...new Set(dimensions)], measures: count ? [count] : [] };
}

/** The fields a read of the explore needs that Looker's metadata (`lookml_model_explore`) does not list. */
export function unreadableFields(
  explore: ExploreDefinition,
  fields: { dimensions?: readonly { name: string }[] | null; measures?: readonly { name: string }[] | null },
): string[] {
  const required = requiredFields(explore);
  const dimensions = new Set((fields.dimensions ?? []).map((f) => f.name));
  const measures = new Set((fields.measures ?? []).map((f) => f.name));
  return [
    ...required.dimensions.filter((name) => !dimensions.has(name)),
    ...required.measures.filter((name) => !measures.has(name)),
  ];
}
