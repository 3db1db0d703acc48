/**
 * Static checks of the BigQuery views in terraform/views: each file is a Terraform template
 * (`templatefile(path, { project, dataset })`) holding one GoogleSQL SELECT. The files are
 * rendered as Terraform would and judged by Google's GoogleSQL analyzer (the ZetaSQL reference
 * implementation, test/stack/zetasql) against the tables the exporter writes (`bigQuerySchema`)
 * and the output of the other views: names, types and statement kind are the analyzer's to
 * judge; this module adds only what BigQuery asks of a view beyond a valid query (tables in
 * the view's own dataset, named and unique output columns, no cycle). The SQL is not run here
 * (views-run.test.ts runs it on the BigQuery fake).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bigQuerySchema, explores } from '../../src/explores/index.js';
import { ZetaSqlError, type Column, type SqlType, type ZetaSql } from '../stack/zetasql/index.js';
import { MODULE } from './console.js';

export const VIEWS_DIR = join(MODULE, 'views');
/** The only variables the views' templatefile call passes. */
const TEMPLATE_VARIABLES = ['project', 'dataset'] as const;
/** What the specs render the templates with: a hyphen in the project forces backtick quoting. */
export const TEST_PROJECT = 'example-project-1';
export const TEST_DATASET = 'looker_activity';

/** A table or view the SQL may read, by name in the dataset: its columns (null: a view that failed its own checks). */
export interface Relation {
  kind: 'explore' | 'view';
  columns: Column[] | null;
}

export type Lookup = (table: string) => Relation | undefined;

export type ProblemKind =
  /** Template syntax other than ${project} and ${dataset}. */
  | 'template'
  /** The GoogleSQL analyzer refused the SQL (syntax, names, types, statement kind); its message. */
  | 'analyzer'
  /** A SELECT BigQuery refuses that the analyzer accepts: QUALIFY without WHERE, GROUP BY or HAVING. */
  | 'statement'
  /** A table that is neither an exported explore nor a view of `${project}.${dataset}`. */
  | 'unknown-table'
  | 'unnamed-column'
  | 'duplicate-column'
  | 'cycle';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

/** A table (explore or view) the SQL reads, and the columns it reads from it (lower case). */
export interface Reference {
  table: string;
  kind: 'explore' | 'view';
  columns: string[];
}

export interface ViewAnalysis {
  references: Reference[];
  /** The view's output columns in order; null when they could not be worked out. */
  columns: Column[] | null;
  problems: Problem[];
}

export interface LoadedView extends ViewAnalysis {
  name: string;
  file: string;
  template: string;
  /** The SQL as Terraform renders it for TEST_PROJECT and TEST_DATASET ('' when the template is wrong). */
  sql: string;
  /** The other views it reads. */
  dependencies: string[];
}

const GOOGLE_SQL_TYPE: Record<string, SqlType> = {
  STRING: 'STRING',
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  TIMESTAMP: 'TIMESTAMP',
  DATETIME: 'DATETIME',
  DATE: 'DATE',
  TIME: 'TIME',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BYTES: 'BYTES',
  JSON: 'JSON',
};

/** Every table the exporter writes, with the columns (GoogleSQL types) `bigQuerySchema` gives it. */
export function exploreCatalog(): Map<string, Relation> {
  return new Map(
    [...explores.values()].map((explore) => [
      explore.name,
      {
        kind: 'explore' as const,
        columns: bigQuerySchema(explore).map((field) => {
          const type = GOOGLE_SQL_TYPE[field.type];
          if (!type) throw new Error(`${explore.name}.${field.name}: no GoogleSQL type for ${field.type}`);
          return { name: field.name, type };
        }),
      },
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Templates

/**
 * The template problems of a view file: any `${...}` other than `${project}` and `${dataset}`,
 * any `%{...}` directive, any `$${` escape (each means something to templatefile).
 */
export function templateProblems(template: string): Problem[] {
  const problems: Problem[] = [];
  const allowed = new Set(TEMPLATE_VARIABLES.map((name) => `\${${name}}`));
  for (const match of template.matchAll(/[$%]+\{[^}\n]*\}?/g)) {
    if (allowed.has(match[0])) continue;
    const line = template.slice(0, match.index).split('\n').length;
    problems.push({
      kind: 'template',
      message: `line ${line}: ${match[0]} is not one of ${[...allowed].join(', ')} (templatefile would read it)`,
    });
  }
  return problems;
}

/** What `templatefile(file, { project, dataset })` makes of a view file; throws on any other template syntax. */
export function renderView(template: string, project: string, dataset: string): string {
  const problems = templateProblems(template);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  const values: Record<(typeof TEMPLATE_VARIABLES)[number], string> = { project, dataset };
  return template.replace(/\$\{(project|dataset)\}/g, (_, name: keyof typeof values) => values[name]);
}

// ---------------------------------------------------------------------------------------------
// Checking

/**
 * Checks one rendered SELECT: every table it names must be `project.dataset.<table>` of a known
 * relation; the analyzer must accept it over those relations' columns; its output columns must
 * be named, once each (BigQuery refuses a view otherwise).
 */
export async function checkSql(
  engine: ZetaSql,
  sql: string,
  lookup: Lookup,
  project = TEST_PROJECT,
  dataset = TEST_DATASET,
): Promise<ViewAnalysis> {
  const problems: Problem[] = [];
  const refused = (error: unknown): ViewAnalysis => {
    if (!(error instanceof ZetaSqlError) || error.kind === 'engine') throw error;
    return { references: [], columns: null, problems: [...problems, { kind: 'analyzer', message: error.message }] };
  };
  let paths: string[][];
  try {
    paths = await engine.tableNames(sql);
  } catch (error) {
    return refused(error);
  }
  const tables: { path: string[]; name: string; relation: Relation & { columns: Column[] } }[] = [];
  for (const path of paths) {
    const parts = path.flatMap((p) => p.split('.'));
    const name = parts[2] ?? parts.join('.');
    const relation = lookup(name);
    if (parts.length !== 3 || parts[0] !== project || parts[1] !== dataset || !relation)
      problems.push({
        kind: 'unknown-table',
        message: `${path.join('.')} is not a table or view of ${project}.${dataset}`,
      });
    else if (relation.columns) tables.push({ path, name, relation: { ...relation, columns: relation.columns } });
  }
  problems.push(...qualifyProblems(await engine.parseTree(sql)));
  if (problems.length > 0 || tables.length < paths.length) return { references: [], columns: null, problems };
  let analysis;
  try {
    analysis = await engine.analyze(sql, { tables: tables.map((t) => ({ path: t.path, columns: t.relation.columns })) });
  } catch (error) {
    return refused(error);
  }
  const seen = new Set<string>();
  for (const [i, column] of analysis.columns.entries()) {
    if (column.name.startsWith('$'))
      problems.push({ kind: 'unnamed-column', message: `output column ${i + 1} has no name (give it an alias)` });
    else if (seen.has(column.name.toLowerCase()))
      problems.push({ kind: 'duplicate-column', message: `output column ${column.name} is named twice` });
    seen.add(column.name.toLowerCase());
  }
  const references = tables.map((t) => ({
    table: t.name,
    kind: t.relation.kind,
    columns: (analysis.reads.find((r) => r.path === t.path)?.columns ?? []).map((c) => c.toLowerCase()),
  }));
  return { references, columns: analysis.columns, problems };
}

/**
 * BigQuery's rule that ZetaSQL does not enforce: a SELECT with QUALIFY needs WHERE, GROUP BY or
 * HAVING (hence the views' `WHERE TRUE`). Whether BigQuery still requires it was not verifiable
 * here; the strict reading is kept.
 */
function qualifyProblems(parseTree: unknown): Problem[] {
  const problems: Problem[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const select = (node as { ast_select_node?: Record<string, unknown> }).ast_select_node;
    if (select?.qualify && !select.where_clause && !select.group_by && !select.having)
      problems.push({
        kind: 'statement',
        message: 'QUALIFY clause must be used in conjunction with WHERE or GROUP BY or HAVING clause',
      });
    Object.values(node).forEach(visit);
  };
  visit(parseTree);
  return problems;
}

/**
 * Loads, renders and checks every view file, each after the views it reads; a view in a cycle
 * gets a `cycle` problem (and is not analyzed).
 */
export async function loadViews(engine: ZetaSql, dir = VIEWS_DIR): Promise<LoadedView[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const catalog = exploreCatalog();
  const views = new Map<string, LoadedView>();
  for (const file of files) {
    const name = file.replace(/\.sql$/, '');
    const template = await readFile(join(dir, file), 'utf8');
    const view: LoadedView = {
      name,
      file: join(dir, file),
      template,
      sql: '',
      dependencies: [],
      references: [],
      columns: null,
      problems: templateProblems(template),
    };
    views.set(name, view);
    if (view.problems.length > 0) continue;
    view.sql = renderView(template, TEST_PROJECT, TEST_DATASET);
    // Which views it reads comes from the names alone, so the order is known before any analysis.
    try {
      const paths = await engine.tableNames(view.sql);
      view.dependencies = paths.map((p) => p.flatMap((part) => part.split('.')).pop()!).filter((t) => !catalog.has(t));
    } catch (error) {
      if (!(error instanceof ZetaSqlError) || error.kind === 'engine') throw error;
    }
  }
  for (const view of views.values()) view.dependencies = view.dependencies.filter((d) => views.has(d));

  const lookup: Lookup = (table) => {
    const explore = catalog.get(table);
    if (explore) return explore;
    const view = views.get(table);
    return view && { kind: 'view', columns: view.columns };
  };
  let order: string[];
  try {
    order = viewOrder([...views.values()]);
  } catch {
    order = [];
    for (const cycle of cycles([...views.values()]))
      for (const member of cycle.slice(0, -1))
        views.get(member)!.problems.push({ kind: 'cycle', message: `views read each other: ${cycle.join(' -> ')}` });
    // The others, in an order that puts what they read first where it can.
    const inCycle = new Set([...views.values()].filter((v) => v.problems.some((p) => p.kind === 'cycle')).map((v) => v.name));
    order = viewOrder([...views.values()].filter((v) => !inCycle.has(v.name) && v.dependencies.every((d) => !inCycle.has(d))));
  }
  for (const name of order) {
    const view = views.get(name)!;
    if (view.problems.length > 0) continue;
    const analysis = await checkSql(engine, view.sql, lookup);
    view.references = analysis.references;
    view.columns = analysis.columns;
    view.problems.push(...analysis.problems);
  }
  return [...views.values()];
}

/** The cycles among views, each as `a -> b -> a`, starting from its alphabetically first member. */
function cycles(views: readonly { name: string; dependencies: readonly string[] }[]): string[][] {
  const byName = new Map(views.map((view) => [view.name, view]));
  const found = new Map<string, string[]>();
  const visit = (name: string, path: string[]) => {
    if (path.includes(name)) {
      const cycle = path.slice(path.indexOf(name));
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      found.set(rotated.join(' '), [...rotated, rotated[0]!]);
      return;
    }
    for (const dependency of byName.get(name)?.dependencies ?? []) visit(dependency, [...path, name]);
  };
  for (const view of views) visit(view.name, []);
  return [...found.values()];
}

/**
 * An order to create the views in: each after the views it reads (what Terraform's depends_on
 * has to follow). Throws, naming the cycle, when there is none.
 */
export function viewOrder(views: readonly { name: string; dependencies: readonly string[] }[]): string[] {
  const byName = new Map(views.map((view) => [view.name, view]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`views read each other: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dependency of byName.get(name)?.dependencies ?? []) {
      if (!byName.has(dependency)) throw new Error(`${name} reads ${dependency}, which is not a view`);
      visit(dependency, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const view of [...views].sort((a, b) => a.name.localeCompare(b.name))) visit(view.name, []);
  return order;
}

/** Looks tables up among the exported explores, then among the loaded views' output columns. */
export function viewLookup(views: readonly LoadedView[]): Lookup {
  const catalog = exploreCatalog();
  const byName = new Map(views.map((view) => [view.name, view]));
  return (table) => {
    const explore = catalog.get(table);
    if (explore) return explore;
    const view = byName.get(table);
    return view && { kind: 'view', columns: view.columns };
  };
}
