/**
 * Explores the registry does not know, exported by naming them `discover:NAME` (in a request's
 * `explores` or in EXPORT_EXPLORES): a daily snapshot of every visible dimension of the explore's
 * base view, typed from Looker's metadata. What discovery cannot know is said where it is used:
 * no cursor (so a snapshot, never incremental), and a key only when Looker marks one.
 */
import { reconcileSchema, type LookerFieldset } from './live-schema.js';
import { explores } from './index.js';
import type { ExploreDefinition } from './types.js';

/** How a request names an explore the registry does not know: never a table name (no `:` in those). */
export const DISCOVER_PREFIX = 'discover:';

/** A Looker explore name as LookML allows it. */
const EXPLORE_NAME = /^[a-z_][a-z0-9_]*$/;

const DISCOVERED_TABLE_PREFIX = 'discovered_';

/** The table a discovered explore lands in: apart from every registered table's name. */
export function discoveredTable(explore: string): string {
  return `${DISCOVERED_TABLE_PREFIX}${explore}`;
}

/** Whether a name a request or EXPORT_EXPLORES lists is a discovery (`discover:NAME`). */
export function isDiscoveryName(name: string): boolean {
  return name.startsWith(DISCOVER_PREFIX);
}

/**
 * `discover:NAME` as the entry a run starts from: its columns are unknown until the run reads the
 * explore's metadata (`discoveredExplore`). Throws a message naming the problem for a malformed name.
 */
export function discoveryPlaceholder(name: string): ExploreDefinition {
  const explore = name.slice(DISCOVER_PREFIX.length);
  if (!EXPLORE_NAME.test(explore))
    throw new Error(
      `"${name}" does not name an explore: use ${DISCOVER_PREFIX}NAME with NAME in lower case letters, digits and _`,
    );
  return {
    name: discoveredTable(explore),
    explore,
    view: explore,
    description: `Discovered explore system__activity/${explore}: not in the exporter's registry; a daily snapshot of the visible dimensions of its base view, typed from Looker's metadata.`,
    mode: 'snapshot',
    modeReason:
      'Discovery knows no cursor: the explore is read whole once a day, so each day keeps what Looker held.',
    completeness:
      "Every row of the base view that its visible dimensions tell apart (Looker groups by them); proven by a page shorter than a limit within Looker's cap.",
    fields: [],
    primaryKey: [],
    countField: null,
    discovered: { keyDeclared: false },
  };
}

/**
 * The discovered explore's entry from `lookml_model_explore`: the base view's visible dimensions
 * (a time group's finest timeframe only, types mapped as added columns are), its key the
 * dimensions Looker marks `primary_key` (and then its `count`, if the view has one, proves the
 * read), else all of its columns (rows are distinct: Looker groups by what a query selects).
 */
export function discoveredExplore(
  placeholder: ExploreDefinition,
  metadata: { view_name?: string | null; fields?: LookerFieldset | null },
): ExploreDefinition {
  const view = metadata.view_name || placeholder.explore;
  const fields = metadata.fields ?? {};
  const base = { ...placeholder, view };
  const columns = reconcileSchema(base, fields).added;
  if (columns.length === 0)
    throw new Error(`the ${placeholder.explore} explore has no visible dimension of its base view ${view}`);
  const declared = new Set(
    (fields.dimensions ?? []).filter((d) => d.primary_key && !d.hidden).map((d) => d.name),
  );
  const keys = columns.filter((c) => declared.has(c.field!)).map((c) => c.name);
  const count = `${view}.count`;
  const counted = keys.length > 0 && (fields.measures ?? []).some((m) => m.name === count);
  return {
    ...base,
    fields: columns,
    primaryKey: keys.length ? keys : columns.map((c) => c.name),
    countField: counted ? count : null,
    discovered: { keyDeclared: keys.length > 0 },
    completeness: counted
      ? `Every row of the base view, keyed by the primary key Looker declares (${keys.join(', ')}); proven by \`${count}\`.`
      : placeholder.completeness,
  };
}

/**
 * What a request, EXPORT_EXPLORES or a task names, as the entry a run starts from: a registered
 * table, `discover:NAME`, or (a task's payload names tables) `discovered_NAME`. A problem names
 * what was wrong, for a 400 or a configuration error.
 */
export function resolveExploreName(name: string): { explore: ExploreDefinition } | { problem: string } {
  const registered = explores.get(name);
  if (registered) return { explore: registered };
  const named = isDiscoveryName(name)
    ? name
    : name.startsWith(DISCOVERED_TABLE_PREFIX)
      ? `${DISCOVER_PREFIX}${name.slice(DISCOVERED_TABLE_PREFIX.length)}`
      : undefined;
  if (named) {
    try {
      return { explore: discoveryPlaceholder(named) };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }
  return {
    problem: `unknown explore "${name}" (known: ${[...explores.keys()].join(', ')}; or ${DISCOVER_PREFIX}NAME for an explore Looker offers that no table exports)`,
  };
}

/** Entries for names, or every problem among them. */
export function resolveExploreNames(names: readonly string[]): {
  explores: ExploreDefinition[];
  problems: string[];
} {
  const resolved = names.map(resolveExploreName);
  return {
    explores: resolved.flatMap((r) => ('explore' in r ? [r.explore] : [])),
    problems: resolved.flatMap((r) => ('problem' in r ? [r.problem] : [])),
  };
}
