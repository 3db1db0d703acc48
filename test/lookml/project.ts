/**
 * A LookML project as the checks see it: read by lookml-parser (the dashboards' YAML too), then
 * indexed by what the checks ask: each view's fields and types, each explore's views by join
 * name, each dashboard's elements. Built from the parsed files, not from the generator's own
 * declarations, so a check holds the output to the rules whatever the generator meant.
 */
import { createRequire } from 'node:module';

interface ParsedFile {
  $file_path: string;
  $file_type: string;
  error?: unknown;
  [key: string]: unknown;
}

const lookmlParser = createRequire(import.meta.url)('lookml-parser') as {
  parseFiles(options: {
    source: string | { path: string; content: string }[];
    fileOutput: 'array';
    console: Pick<Console, 'log' | 'warn' | 'error'>;
  }): Promise<{ files: ParsedFile[] }>;
};

const quiet = { log() {}, warn() {}, error() {} };

export interface Field {
  kind: 'dimension' | 'dimension_group' | 'measure';
  name: string;
  type?: string;
  datatype?: string;
  timeframes?: string[];
  sql?: string;
  filters?: Record<string, string>;
  primaryKey: boolean;
}

export interface View {
  name: string;
  file: string;
  sqlTableName: string;
  fields: Map<string, Field>;
  /** What `${view.name}` may name: dimensions, measures and each timeframe of a group. */
  references: Set<string>;
}

export interface Join {
  name: string;
  view: string;
  sqlOn: string;
  relationship: string;
}

export interface Explore {
  name: string;
  view: string;
  joins: Join[];
  alwaysFilter: Record<string, string>;
  conditionallyFilter: Record<string, string>;
  unless: string[];
}

export interface DashboardElement {
  name: string;
  model: string;
  explore: string;
  fields: string[];
  pivots?: string[];
  sorts?: string[];
  filters?: Record<string, string>;
  listen?: Record<string, string>;
}

export interface Dashboard {
  name: string;
  file: string;
  filters: { name: string; model: string; explore: string; field: string }[];
  elements: DashboardElement[];
}

export interface Project {
  files: ParsedFile[];
  constants: Map<string, string>;
  models: Map<string, { file: string; connection: string; explores: Map<string, Explore> }>;
  views: Map<string, View>;
  dashboards: Dashboard[];
}

type Node = Record<string, unknown>;
const children = (node: unknown): [string, Node][] =>
  Object.entries((node ?? {}) as Record<string, Node>).filter(([key]) => !key.startsWith('$'));

/** A `filters: [a: "x", b: "y"]` node, as a plain map. */
function filterMap(node: unknown): Record<string, string> {
  return Object.fromEntries(children(node).map(([key, value]) => [key, String(value)]));
}

function viewOf(name: string, node: Node, file: string): View {
  const fields = new Map<string, Field>();
  for (const kind of ['dimension', 'dimension_group', 'measure'] as const) {
    for (const [fieldName, field] of children(node[kind])) {
      fields.set(fieldName, {
        kind,
        name: fieldName,
        type: field.type as string | undefined,
        datatype: field.datatype as string | undefined,
        timeframes: field.timeframes as string[] | undefined,
        sql: field.sql as string | undefined,
        filters: field.filters ? filterMap(field.filters) : undefined,
        primaryKey: field.primary_key === true,
      });
    }
  }
  const references = new Set<string>();
  for (const field of fields.values()) {
    if (field.kind === 'dimension_group')
      for (const frame of field.timeframes ?? []) references.add(`${field.name}_${frame}`);
    else references.add(field.name);
  }
  return { name, file, sqlTableName: String(node.sql_table_name ?? ''), fields, references };
}

function exploreOf(name: string, node: Node): Explore {
  const always = node.always_filter as Node | undefined;
  const conditionally = node.conditionally_filter as Node | undefined;
  return {
    name,
    view: (node.from as string | undefined) ?? name,
    joins: children(node.join).map(([joinName, join]) => ({
      name: joinName,
      view: (join.from as string | undefined) ?? joinName,
      sqlOn: String(join.sql_on ?? ''),
      relationship: String(join.relationship ?? ''),
    })),
    alwaysFilter: filterMap(always?.filters),
    conditionallyFilter: filterMap(conditionally?.filters),
    unless: (conditionally?.unless as string[] | undefined) ?? [],
  };
}

/** Parses every .lkml and .lookml file given (path → text). */
export async function readProject(files: ReadonlyMap<string, string>): Promise<Project> {
  const parsed = await lookmlParser.parseFiles({
    source: [...files].map(([path, content]) => ({ path, content })),
    fileOutput: 'array',
    console: quiet,
  });
  const project: Project = {
    files: parsed.files,
    constants: new Map(),
    models: new Map(),
    views: new Map(),
    dashboards: [],
  };
  for (const file of parsed.files) {
    if (file.error) continue;
    if (file.$file_type === 'manifest')
      for (const [name, constant] of children(file.constant))
        project.constants.set(name, String(constant.value));
    if (file.$file_type === 'model')
      project.models.set(file.$file_path.replace(/^.*\//, '').replace(/\.model\.lkml$/, ''), {
        file: file.$file_path,
        connection: String(file.connection),
        explores: new Map(children(file.explore).map(([name, explore]) => [name, exploreOf(name, explore)])),
      });
    for (const [name, view] of children(file.view))
      project.views.set(name, viewOf(name, view, file.$file_path));
    for (const [name, versions] of children(file.dashboard)) {
      const dashboard = (versions as unknown as Node[])[0]!;
      project.dashboards.push({
        name,
        file: file.$file_path,
        filters: (dashboard.filters ?? []) as Dashboard['filters'],
        elements: (dashboard.elements ?? []) as DashboardElement[],
      });
    }
  }
  return project;
}

/** The `${name.field}` references in a SQL block (not `${TABLE}` nor `${field}` of the same view). */
export function fieldReferences(sql: string): [view: string, field: string][] {
  return [...sql.matchAll(/\$\{(\w+)\.(\w+)\}/g)].map((match) => [match[1]!, match[2]!]);
}

/** The columns a SQL block reads: the generator quotes every column, and only columns, as `name`. */
export function columnReferences(sql: string): string[] {
  return [...sql.matchAll(/`(\w+)`/g)].map((match) => match[1]!);
}

/** The archived tables a SQL block reads: the last part of each quoted `project.dataset.table` path. */
export function tableReferences(sql: string): string[] {
  return [...sql.matchAll(/`[^`\s]+\.(\w+)`/g)].map((match) => match[1]!);
}

/** The view each name in an explore stands for: the base (by explore name) and every join. */
export function exploreViews(project: Project, explore: Explore): Map<string, View> {
  const views = new Map<string, View>();
  const names: [string, string][] = [
    [explore.name, explore.view],
    ...explore.joins.map((join): [string, string] => [join.name, join.view]),
  ];
  for (const [name, viewName] of names) {
    const view = project.views.get(viewName);
    if (!view) throw new Error(`explore ${explore.name}: ${name} is view ${viewName}, which no file defines`);
    views.set(name, view);
  }
  return views;
}

/**
 * A SQL block as Looker writes it into a query: constants substituted, `${TABLE}` the view's
 * alias (quoted: `group` is a reserved word), `${field}` and `${view.field}` the field's own SQL
 * (a time group's timeframes read its column), recursively.
 */
export function expandSql(
  project: Project,
  sql: string,
  alias: string,
  view: View,
  views?: Map<string, View>,
): string {
  const constants = sql.replace(/@\{(\w+)\}/g, (whole, name: string) => project.constants.get(name) ?? whole);
  return constants.replace(/\$\{(?:(\w+)\.)?(\w+)\}/g, (whole, other: string | undefined, name: string) => {
    if (!other && name === 'TABLE') return `\`${alias}\``;
    const [targetAlias, target] = other ? [other, views?.get(other)] : [alias, view];
    const field = target?.fields.get(name) ?? target?.fields.get(name.replace(/_(raw|date|time)$/, ''));
    if (!target || !field?.sql) throw new Error(`${whole} in ${view.name} names no field with SQL`);
    return `(${expandSql(project, field.sql, targetAlias, target, views)})`;
  });
}
