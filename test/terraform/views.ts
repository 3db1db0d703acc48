/**
 * Static checks of the BigQuery views in terraform/views: each file is a Terraform template
 * (`templatefile(path, { project, dataset })`) holding one GoogleSQL SELECT. The files are
 * rendered as Terraform would, parsed with node-sql-parser's BigQuery grammar, and their AST is
 * walked here, scope by scope, so that every table and column they name is resolved against the
 * tables the exporter writes (`bigQuerySchema`) or against the output of another view. Nothing
 * unresolved passes: a name is a column of a table in scope, or a select-list alias where
 * BigQuery allows one, or it is a problem. SQL the walker does not know is a problem too, so a
 * new construct cannot slip past it unchecked. The SQL is never executed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sqlParser from 'node-sql-parser';
import { bigQuerySchema, explores } from '../../src/explores/index.js';
import { MODULE } from './console.js';

const { Parser } = sqlParser;

export const VIEWS_DIR = join(MODULE, 'views');
/** The only variables the views' templatefile call passes. */
const TEMPLATE_VARIABLES = ['project', 'dataset'] as const;
/** What the specs render the templates with: a hyphen in the project forces backtick quoting. */
export const TEST_PROJECT = 'example-project-1';
export const TEST_DATASET = 'looker_activity';

/** A BigQuery column type (legacy names, as the schemas use them), or undefined when not inferred. */
export type SqlType = string | undefined;

/** A table or view the SQL may read: its columns, lower-cased, with their types. */
export interface Relation {
  kind: 'explore' | 'view';
  /** null: the relation exists but its columns are unknown (a view that failed its own checks). */
  columns: ReadonlyMap<string, SqlType> | null;
}

export type Lookup = (table: string) => Relation | undefined;

export type ProblemKind =
  | 'template'
  | 'parse'
  | 'statement'
  | 'unknown-table'
  | 'unknown-alias'
  | 'unknown-column'
  | 'ambiguous-column'
  | 'unnamed-column'
  | 'duplicate-column'
  | 'type-mismatch'
  | 'set-operation'
  | 'unsupported'
  | 'cycle';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

/** A table (explore or view) the SQL reads, and the columns it reads from it. */
export interface Reference {
  table: string;
  kind: 'explore' | 'view';
  columns: string[];
}

export interface OutputColumn {
  name: string;
  type: SqlType;
}

export interface ViewAnalysis {
  references: Reference[];
  /** The view's output columns in order; null when they could not be worked out. */
  columns: OutputColumn[] | null;
  problems: Problem[];
}

export interface LoadedView extends ViewAnalysis {
  name: string;
  file: string;
  template: string;
  /** The rendered SQL (empty when the template could not be rendered). */
  sql: string;
  /** The other views it reads. */
  dependencies: string[];
}

/** Every table the exporter writes, with the columns `bigQuerySchema` gives it. */
export function exploreCatalog(): Map<string, Relation> {
  return new Map(
    [...explores.values()].map((explore) => [
      explore.name,
      {
        kind: 'explore' as const,
        columns: new Map(bigQuerySchema(explore).map((field) => [field.name.toLowerCase(), field.type])),
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
// Parsing

/** The AST node shapes node-sql-parser produces are loose: they are walked as plain records. */
type Node = Record<string, unknown>;

const parser = new Parser();
const PARSE_OPTIONS = { database: 'BigQuery' };

/** Parses rendered view SQL as one BigQuery SELECT; throws (with the parser's message) otherwise. */
export function parseView(sql: string): Node {
  let ast: unknown;
  try {
    ast = parser.astify(sql, PARSE_OPTIONS);
  } catch (error) {
    const e = error as Error & { location?: { start: { line: number; column: number } } };
    const at = e.location ? `line ${e.location.start.line}, column ${e.location.start.column}: ` : '';
    throw new Error(`not BigQuery SQL node-sql-parser can parse: ${at}${e.message}`, { cause: error });
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) throw new Error(`a view is one statement, not ${statements.length}`);
  const statement = statements[0] as Node;
  if (statement.type !== 'select') throw new Error(`a view is a SELECT, not ${String(statement.type)}`);
  return statement;
}

// ---------------------------------------------------------------------------------------------
// Name resolution

type Columns = Map<string, SqlType>;

interface Source {
  /** The name the source is known by in the query (alias, or the table's last path segment). */
  alias: string | null;
  /** null: unknown (the table itself is already a problem), so its columns are not checked. */
  columns: Columns | null;
  /** The catalog table, for references (CTEs and subqueries have none). */
  table?: string;
}

interface Scope {
  sources: Source[];
  /** Columns joined with USING: unqualified, they are not ambiguous. */
  using: Set<string>;
  ctes: Map<string, Columns | null>;
  parent: Scope | undefined;
}

/** Where BigQuery lets a clause name a select-list alias (GROUP BY, HAVING, QUALIFY, ORDER BY). */
type Aliases = ReadonlyMap<string, SqlType> | null;

const DATE_PARTS = new Set([
  'MICROSECOND',
  'MILLISECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'DAYOFWEEK',
  'DAYOFYEAR',
  'WEEK',
  'ISOWEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
  'ISOYEAR',
]);
/** Functions with a date part argument, and its position (node-sql-parser reads it as a column). */
const DATE_PART_ARGUMENT: Record<string, number> = {
  DATE_DIFF: 2,
  DATETIME_DIFF: 2,
  TIMESTAMP_DIFF: 2,
  TIME_DIFF: 2,
  DATE_TRUNC: 1,
  DATETIME_TRUNC: 1,
  TIMESTAMP_TRUNC: 1,
  TIME_TRUNC: 1,
  LAST_DAY: 1,
};
/** Result types of the functions whose type matters to a comparison (the rest: not inferred). */
const FUNCTION_TYPES: Record<string, SqlType | 'first-argument'> = {
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
  CURRENT_DATE: 'DATE',
  CURRENT_DATETIME: 'DATETIME',
  CURRENT_TIMESTAMP: 'TIMESTAMP',
  DATE_DIFF: 'INTEGER',
  DATETIME_DIFF: 'INTEGER',
  TIMESTAMP_DIFF: 'INTEGER',
  DATE_SUB: 'DATE',
  DATE_ADD: 'DATE',
  DATETIME_SUB: 'DATETIME',
  DATETIME_ADD: 'DATETIME',
  COUNTIF: 'INTEGER',
  ROW_NUMBER: 'INTEGER',
  RANK: 'INTEGER',
  DENSE_RANK: 'INTEGER',
  STARTS_WITH: 'BOOLEAN',
  COALESCE: 'first-argument',
  IFNULL: 'first-argument',
  GREATEST: 'first-argument',
  LEAST: 'first-argument',
};
const AGGREGATE_TYPES: Record<string, SqlType | 'first-argument'> = {
  COUNT: 'INTEGER',
  MAX: 'first-argument',
  MIN: 'first-argument',
  ANY_VALUE: 'first-argument',
};
const CAST_TYPES: Record<string, string> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  INTEGER: 'INTEGER',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'NUMERIC',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIMESTAMP: 'TIMESTAMP',
};
const COMPARISONS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);
/** A string literal: BigQuery coerces it to a date or time type in a comparison. */
const STRING_LITERAL = 'STRING literal';
const NUMERIC = new Set(['INTEGER', 'FLOAT', 'NUMERIC']);

function comparable(a: string, b: string): boolean {
  const base = (t: string) => (t === STRING_LITERAL ? 'STRING' : t);
  if (base(a) === base(b)) return true;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return true;
  const temporal = new Set(['DATE', 'DATETIME', 'TIMESTAMP']);
  if ((a === STRING_LITERAL && temporal.has(b)) || (b === STRING_LITERAL && temporal.has(a))) return true;
  return (a === 'DATE' && b === 'DATETIME') || (a === 'DATETIME' && b === 'DATE');
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const lower = (name: string) => name.toLowerCase();
const show = (node: unknown) => JSON.stringify(node).slice(0, 160);

/** Keys of a SELECT node the walker reads; any other non-empty key is SQL it does not know. */
const SELECT_KEYS = new Set([
  'type',
  'columns',
  'from',
  'where',
  'with',
  'groupby',
  'having',
  'qualify',
  'orderby',
  'limit',
  '_next',
  'set_op',
  '_orderby',
  '_limit',
  'distinct',
  '_parentheses',
  'parentheses',
]);

/** Keys of a FROM item the walker reads (a table, a subquery, a join's condition). */
const FROM_KEYS = new Set(['type', 'db', 'table', 'as', 'surround', 'operator', 'join', 'on', 'using', 'expr', 'parentheses']);

/**
 * Walks one view's AST. `prefix` is what a table name must start with (`project.dataset.`);
 * `lookup` knows the tables after it.
 */
class Checker {
  readonly problems: Problem[] = [];
  private readonly read = new Map<string, { kind: Relation['kind']; columns: Set<string> }>();

  constructor(
    private readonly prefix: string,
    private readonly lookup: Lookup,
  ) {}

  references(): Reference[] {
    return [...this.read].map(([table, { kind, columns }]) => ({ table, kind, columns: [...columns].sort() }));
  }

  private problem(kind: ProblemKind, message: string) {
    this.problems.push({ kind, message });
  }

  private touch(source: Source, column: string | null) {
    if (!source.table) return;
    const relation = this.lookup(source.table);
    if (!relation) return;
    const entry = this.read.get(source.table) ?? { kind: relation.kind, columns: new Set<string>() };
    this.read.set(source.table, entry);
    if (column !== null) entry.columns.add(column);
  }

  /** A query: its WITH list, then its SELECT and any set operation after it. Returns its columns. */
  query(ast: Node, parent: Scope | undefined, outerCtes: Map<string, Columns | null>, top: boolean): Columns | null {
    const ctes = new Map(outerCtes);
    if (Array.isArray(ast.with)) {
      for (const cte of ast.with as Node[]) {
        const name = lower(String((cte.name as Node | undefined)?.value ?? cte.name));
        const stmt = cte.stmt as Node | undefined;
        if (!stmt || !isNode(stmt.ast) || cte.columns) {
          this.problem('unsupported', `WITH ${name}: ${show(cte)}`);
          ctes.set(name, null);
          continue;
        }
        ctes.set(name, this.query(stmt.ast, parent, ctes, false));
      }
    }
    const columns = this.select(ast, parent, ctes, top);
    let branch = ast._next;
    let count = 1;
    while (isNode(branch)) {
      count++;
      const other = this.select(branch, parent, ctes, false);
      if (columns && other && other.size !== columns.size) {
        this.problem(
          'set-operation',
          `branch ${count} of ${String(ast.set_op)} has ${other.size} columns, the first has ${columns.size}`,
        );
      }
      branch = branch._next;
    }
    for (const key of ['_orderby', '_limit'])
      if (ast[key]) this.problem('unsupported', `ORDER BY or LIMIT after a set operation`);
    return columns;
  }

  private select(ast: Node, parent: Scope | undefined, ctes: Map<string, Columns | null>, top: boolean): Columns | null {
    if (ast.type !== 'select') {
      this.problem('unsupported', `a ${String(ast.type)} where a SELECT was expected`);
      return null;
    }
    for (const [key, value] of Object.entries(ast)) {
      if (SELECT_KEYS.has(key) || value === null || value === undefined) continue;
      this.problem('unsupported', `SELECT ... ${key}: ${show(value)}`);
    }
    if (ast.with && !Array.isArray(ast.with)) this.problem('unsupported', `WITH ${show(ast.with)}`);
    const scope: Scope = { sources: [], using: new Set(), ctes, parent };
    for (const item of (ast.from as Node[] | null) ?? []) this.from(item, scope, parent);

    const output: Columns = new Map();
    let known = true;
    const add = (name: string | undefined, type: SqlType, what: string) => {
      if (name === undefined) {
        if (top) this.problem('unnamed-column', `${what} has no name: give it an alias (AS ...)`);
        return;
      }
      if (output.has(lower(name)) && top) this.problem('duplicate-column', `the view outputs ${name} twice`);
      output.set(lower(name), type === STRING_LITERAL ? 'STRING' : type);
    };
    for (const column of (ast.columns as Node[] | null) ?? []) {
      const expr = column.expr as Node;
      const star = expr.type === 'column_ref' && expr.column === '*';
      if (star) {
        const except = new Set<string>();
        if (column.type === 'except') {
          for (const item of (column.expr_list as Node[]) ?? []) {
            const name = columnName(item.expr as Node);
            if (name === undefined) this.problem('unsupported', `EXCEPT ${show(item)}`);
            else except.add(lower(name));
          }
        } else if (column.type !== undefined) this.problem('unsupported', `SELECT * ${String(column.type)}`);
        const expanded = this.star(expr.table as string | null, scope, except);
        if (expanded) for (const [name, type] of expanded) add(name, type, '*');
        else known = false;
        continue;
      }
      if (column.type !== undefined) this.problem('unsupported', `select item ${show(column)}`);
      const type = this.expr(expr, scope, null);
      const alias = aliasName(column.as);
      add(alias ?? columnName(expr), type, `select item ${show(expr)}`);
    }

    this.expr(ast.where, scope, null);
    const aliases: Aliases = output;
    const groupby = ast.groupby as Node | Node[] | null;
    this.expr(Array.isArray(groupby) ? groupby : groupby?.columns, scope, aliases);
    this.expr(ast.having, scope, aliases);
    this.expr(ast.qualify, scope, aliases);
    if (ast.qualify && !ast.where && !ast.groupby && !ast.having)
      this.problem('statement', 'QUALIFY without WHERE, GROUP BY or HAVING: BigQuery has required one (WHERE TRUE)');
    for (const item of (ast.orderby as Node[] | null) ?? []) this.expr(item.expr, scope, aliases);
    if (isNode(ast.limit)) this.expr(ast.limit.value, scope, null);
    return known ? output : null;
  }

  private star(table: string | null, scope: Scope, except: Set<string>): Columns | null {
    const sources = table === null ? scope.sources : scope.sources.filter((s) => s.alias === lower(table));
    if (sources.length === 0) {
      this.problem('unknown-alias', `${table}.*: no table ${table} in FROM`);
      return null;
    }
    const out: Columns = new Map();
    for (const source of sources) {
      if (!source.columns) return null;
      for (const [name, type] of source.columns) {
        if (except.has(name)) continue;
        if (table === null && scope.using.has(name) && out.has(name)) continue;
        out.set(name, type);
        this.touch(source, name);
      }
    }
    for (const name of except) {
      if (!sources.some((s) => s.columns?.has(name)))
        this.problem('unknown-column', `EXCEPT (${name}): no such column in ${table ?? 'FROM'}`);
    }
    return out;
  }

  private from(item: Node, scope: Scope, parent: Scope | undefined) {
    for (const [key, value] of Object.entries(item)) {
      if (FROM_KEYS.has(key) || value === null || value === undefined) continue;
      this.problem('unsupported', `FROM item ... ${key}: ${show(value)}`);
    }
    let source: Source;
    if (typeof item.table === 'string') {
      const full = item.db ? `${String(item.db)}.${item.table}` : item.table;
      const alias = lower(aliasName(item.as) ?? full.split('.').pop()!);
      if (!full.includes('.') && scope.ctes.has(lower(full))) {
        source = { alias, columns: scope.ctes.get(lower(full)) ?? null };
      } else if (full.startsWith(this.prefix) && !full.slice(this.prefix.length).includes('.')) {
        const table = full.slice(this.prefix.length);
        const relation = this.lookup(table);
        if (!relation) {
          this.problem('unknown-table', `\`${full}\`: ${table} is neither an exported explore nor a view`);
          source = { alias, columns: null };
        } else {
          source = { alias, columns: relation.columns ? new Map(relation.columns) : null, table };
          this.touch(source, null);
        }
      } else {
        this.problem(
          'unknown-table',
          `${full}: tables are named \`${this.prefix}<table>\` (\`\${project}.\${dataset}.<table>\` in the file)`,
        );
        source = { alias, columns: null };
      }
    } else if (isNode(item.expr) && isNode(item.expr.ast)) {
      const columns = this.query(item.expr.ast, parent, scope.ctes, false);
      source = { alias: item.as ? lower(String(aliasName(item.as))) : null, columns };
    } else {
      this.problem('unsupported', `FROM item ${show(item)}`);
      return;
    }
    if (source.alias !== null && scope.sources.some((s) => s.alias === source.alias))
      this.problem('ambiguous-column', `FROM names ${source.alias} twice`);
    const previous = [...scope.sources];
    scope.sources.push(source);
    if (item.join !== undefined) {
      if (Array.isArray(item.using)) {
        for (const entry of item.using as unknown[]) {
          const name = lower(isNode(entry) ? String(entry.value) : String(entry));
          const left = previous.filter((s) => s.columns === null || s.columns.has(name));
          if (left.length === 0) this.problem('unknown-column', `USING (${name}): not a column of the left side`);
          if (source.columns && !source.columns.has(name))
            this.problem('unknown-column', `USING (${name}): not a column of ${source.alias}`);
          for (const s of [...left, source]) if (s.columns?.has(name)) this.touch(s, name);
          const types = [...left, source].map((s) => s.columns?.get(name)).filter((t) => t !== undefined);
          if (types.some((t) => !comparable(t, types[0]!)))
            this.problem('type-mismatch', `USING (${name}) joins ${types.join(' with ')}`);
          scope.using.add(name);
        }
      }
      this.expr(item.on, scope, null);
    } else if (item.on || item.using) this.problem('unsupported', `join condition without a join: ${show(item)}`);
  }

  /** Checks every name in an expression (or list of them); returns its type where it can tell. */
  private expr(node: unknown, scope: Scope, aliases: Aliases): SqlType {
    if (node === null || node === undefined) return undefined;
    if (Array.isArray(node)) {
      for (const item of node) this.expr(item, scope, aliases);
      return undefined;
    }
    if (!isNode(node)) {
      this.problem('unsupported', `expression ${show(node)}`);
      return undefined;
    }
    if (node.type === undefined && isNode(node.ast)) {
      // A subquery in an expression: (SELECT ...), IN (SELECT ...), EXISTS (SELECT ...).
      const columns = this.query(node.ast, scope, scope.ctes, false);
      return columns && columns.size === 1 ? [...columns.values()][0] : undefined;
    }
    switch (node.type) {
      case 'column_ref':
        return this.columnRef(node, scope, aliases);
      case 'number':
        return Number.isInteger(node.value) ? 'INTEGER' : 'FLOAT';
      case 'single_quote_string':
      case 'double_quote_string':
        return STRING_LITERAL;
      case 'bool':
        return 'BOOLEAN';
      case 'null':
      case 'star':
        return undefined;
      case 'origin':
        if (typeof node.value === 'string' && DATE_PARTS.has(node.value.toUpperCase())) return undefined;
        this.problem('unsupported', `keyword ${show(node)}`);
        return undefined;
      case 'expr_list':
        this.expr(node.value, scope, aliases);
        return undefined;
      case 'binary_expr':
        return this.binary(node, scope, aliases);
      case 'unary_expr':
        this.expr(node.expr, scope, aliases);
        return String(node.operator).toUpperCase() === 'NOT' ? 'BOOLEAN' : undefined;
      case 'case': {
        this.expr(node.expr, scope, aliases);
        let type: SqlType;
        for (const arm of (node.args as Node[]) ?? []) {
          if (arm.type !== 'when' && arm.type !== 'else') this.problem('unsupported', `CASE arm ${show(arm)}`);
          this.expr(arm.cond, scope, aliases);
          const result = this.expr(arm.result, scope, aliases);
          type ??= result;
        }
        return type === STRING_LITERAL ? 'STRING' : type;
      }
      case 'cast': {
        this.expr(node.expr, scope, aliases);
        const target = (node.target as Node[] | undefined)?.[0]?.dataType;
        return typeof target === 'string' ? CAST_TYPES[target.toUpperCase()] : undefined;
      }
      case 'interval':
        this.expr(node.expr, scope, aliases);
        return undefined;
      case 'extract':
        this.expr((node.args as Node).source, scope, aliases);
        return 'INTEGER';
      case 'function':
        return this.function(node, scope, aliases);
      case 'aggr_func': {
        const args = node.args as Node | undefined;
        for (const [key, value] of Object.entries(args ?? {})) {
          if (value === null || value === undefined) continue;
          if (key === 'expr' || key === 'orderby') this.expr(key === 'orderby' ? orderExprs(value) : value, scope, aliases);
          else if (key !== 'distinct' || (value !== null && value !== 'DISTINCT'))
            this.problem('unsupported', `${String(node.name)}(... ${key}: ${show(value)})`);
        }
        this.over(node.over, scope);
        const name = String(node.name).toUpperCase();
        const result = AGGREGATE_TYPES[name];
        return result === 'first-argument' ? this.typeOnly(args?.expr, scope, aliases) : result;
      }
      default:
        this.problem('unsupported', `expression ${show(node)}`);
        return undefined;
    }
  }

  /** The type of an expression already checked (checking it again would double its problems). */
  private typeOnly(node: unknown, scope: Scope, aliases: Aliases): SqlType {
    const before = this.problems.length;
    const type = this.expr(node, scope, aliases);
    this.problems.length = before;
    return type === STRING_LITERAL ? 'STRING' : type;
  }

  private binary(node: Node, scope: Scope, aliases: Aliases): SqlType {
    const left = this.expr(node.left, scope, aliases);
    const right = this.expr(node.right, scope, aliases);
    const operator = String(node.operator).toUpperCase();
    if (COMPARISONS.has(operator)) {
      if (left !== undefined && right !== undefined && !comparable(left, right)) {
        this.problem(
          'type-mismatch',
          `${describe(node.left)} (${left}) ${operator} ${describe(node.right)} (${right}): cast one side`,
        );
      }
      return 'BOOLEAN';
    }
    if (['AND', 'OR', 'IS', 'IS NOT', 'LIKE', 'NOT LIKE', 'IN', 'NOT IN', 'BETWEEN'].includes(operator))
      return 'BOOLEAN';
    return undefined;
  }

  private function(node: Node, scope: Scope, aliases: Aliases): SqlType {
    const name = functionName(node);
    if (name === undefined) {
      this.problem('unsupported', `function ${show(node.name)}`);
      return undefined;
    }
    const args = ((node.args as Node | undefined)?.value as unknown[] | undefined) ?? [];
    const datePart = DATE_PART_ARGUMENT[name];
    const types = args.map((arg, index) => {
      if (index === datePart && isNode(arg)) {
        const part = arg.type === 'column_ref' && arg.table === null ? columnName(arg) : undefined;
        if (part !== undefined && DATE_PARTS.has(part.toUpperCase())) return undefined;
      }
      return this.expr(arg, scope, aliases);
    });
    this.over(node.over, scope);
    const result = FUNCTION_TYPES[name];
    if (result !== 'first-argument') return result;
    const first = types.find((t) => t !== undefined);
    return first === STRING_LITERAL ? 'STRING' : first;
  }

  /** Window PARTITION BY and ORDER BY see the FROM columns only (BigQuery refuses select aliases there). */
  private over(over: unknown, scope: Scope) {
    if (over === null || over === undefined) return;
    const spec = isNode(over) ? ((over.as_window_specification as Node | undefined)?.window_specification as Node) : undefined;
    if (!isNode(spec) || spec.name || spec.window_frame_clause) {
      this.problem('unsupported', `OVER ${show(over)}`);
      return;
    }
    this.expr(orderExprs(spec.partitionby), scope, null);
    this.expr(orderExprs(spec.orderby), scope, null);
  }

  private columnRef(node: Node, scope: Scope, aliases: Aliases): SqlType {
    const column = node.column;
    if (isNode(column) && isNode(column.expr) && column.expr.type !== 'default') {
      // expr[OFFSET(n)]: node-sql-parser wraps an array subscript in a column_ref.
      this.expr(column.expr, scope, aliases);
      for (const offset of (column.offset as Node[] | undefined) ?? []) {
        const kind = String(offset.name).toUpperCase();
        if (!['OFFSET', 'SAFE_OFFSET', 'ORDINAL', 'SAFE_ORDINAL'].includes(kind))
          this.problem('unsupported', `subscript ${show(offset)}`);
        this.expr(offset.value, scope, aliases);
      }
      return undefined;
    }
    if (Array.isArray(node.subFields) && node.subFields.length > 0) {
      this.problem('unsupported', `field access ${show(node)}`);
      return undefined;
    }
    const name = columnName(node);
    const table = node.table ?? null;
    if (name === undefined || (table !== null && typeof table !== 'string') || (node.db ?? null) !== null) {
      this.problem('unsupported', `column ${show(node)}`);
      return undefined;
    }
    return this.resolve(table, lower(name), scope, aliases);
  }

  private resolve(table: string | null, name: string, scope: Scope, aliases: Aliases): SqlType {
    if (table !== null) {
      const alias = lower(table);
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        const source = s.sources.find((candidate) => candidate.alias === alias);
        if (!source) continue;
        if (!source.columns) return undefined;
        if (!source.columns.has(name)) {
          const what = source.table ? `${source.table} (as ${alias})` : alias;
          this.problem('unknown-column', `${table}.${name}: ${what} has no column ${name}`);
          return undefined;
        }
        this.touch(source, name);
        return source.columns.get(name);
      }
      this.problem('unknown-alias', `${table}.${name}: no table ${table} in scope`);
      return undefined;
    }
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const matches = s.sources.filter((source) => source.columns?.has(name));
      if (matches.length > 1 && !s.using.has(name)) {
        const names = matches.map((m) => m.alias ?? '(subquery)').join(', ');
        this.problem('ambiguous-column', `${name} is a column of ${names}: qualify it`);
        return undefined;
      }
      if (matches.length > 0) {
        for (const match of matches) this.touch(match, name);
        return matches[0]!.columns!.get(name);
      }
      if (s.sources.some((source) => source.columns === null)) return undefined;
    }
    if (aliases?.has(name)) return aliases.get(name);
    const where = scope.sources.map((source) => source.alias ?? '(subquery)').join(', ') || 'no FROM';
    this.problem('unknown-column', `${name}: not a column of ${where}, nor a select alias usable here`);
    return undefined;
  }
}

function aliasName(as: unknown): string | undefined {
  if (typeof as === 'string') return as;
  if (isNode(as) && typeof as.value === 'string') return as.value;
  return undefined;
}

function columnName(node: Node): string | undefined {
  if (node.type !== 'column_ref') return undefined;
  const column = node.column;
  if (typeof column === 'string') return column;
  if (isNode(column) && isNode(column.expr) && column.expr.type === 'default' && typeof column.expr.value === 'string')
    return column.expr.value;
  return undefined;
}

function functionName(node: Node): string | undefined {
  const name = node.name as Node | undefined;
  const parts = [...((name?.name as Node[] | undefined) ?? [])];
  if (isNode(name?.schema)) parts.unshift(name.schema);
  if (parts.length !== 1 || typeof parts[0]!.value !== 'string') return undefined;
  return parts[0]!.value.toUpperCase();
}

/** PARTITION BY / ORDER BY items are `{ expr, type }`: their expressions. */
function orderExprs(items: unknown): unknown[] {
  return Array.isArray(items) ? items.map((item) => (isNode(item) && 'expr' in item ? item.expr : item)) : [];
}

function describe(node: unknown): string {
  if (isNode(node) && node.type === 'column_ref') {
    const name = columnName(node);
    if (name !== undefined) return typeof node.table === 'string' ? `${node.table}.${name}` : name;
  }
  if (isNode(node) && node.type === 'cast') return `CAST(${describe(node.expr)} AS ...)`;
  return show(node);
}

/**
 * Checks one parsed view against the tables `lookup` knows (the names after
 * `project.dataset.`): its tables, columns, aliases, join types and output columns.
 */
function analyzeView(ast: Node, lookup: Lookup, project = TEST_PROJECT, dataset = TEST_DATASET): ViewAnalysis {
  const checker = new Checker(`${project}.${dataset}.`, lookup);
  const columns = checker.query(ast, undefined, new Map(), true);
  return {
    references: checker.references(),
    columns: columns && [...columns].map(([name, type]) => ({ name, type })),
    problems: checker.problems,
  };
}

/** Checks one view's SQL text (rendered) from parsing on; a parse failure is a problem too. */
export function checkSql(sql: string, lookup: Lookup, project = TEST_PROJECT, dataset = TEST_DATASET): ViewAnalysis {
  let ast: Node;
  try {
    ast = parseView(sql);
  } catch (error) {
    return { references: [], columns: null, problems: [{ kind: 'parse', message: (error as Error).message }] };
  }
  return analyzeView(ast, lookup, project, dataset);
}

// ---------------------------------------------------------------------------------------------
// The view files

/**
 * Reads every terraform/views/*.sql, renders it as Terraform would, parses and checks it. A view
 * reading another is checked after it, against its output columns; a cycle is a problem of every
 * view on it. Nothing throws: each view carries its problems.
 */
export async function loadViews(dir = VIEWS_DIR): Promise<LoadedView[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const catalog = exploreCatalog();
  const views = new Map<string, LoadedView>();
  const asts = new Map<string, Node>();
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
    try {
      asts.set(name, parseView(view.sql));
    } catch (error) {
      view.problems.push({ kind: 'parse', message: (error as Error).message });
    }
  }

  const done = new Set<string>();
  const stack: string[] = [];
  const analyze = (name: string) => {
    const view = views.get(name)!;
    const ast = asts.get(name);
    stack.push(name);
    if (ast) {
      const lookup: Lookup = (table) => {
        const explore = catalog.get(table);
        if (explore) return explore;
        const other = views.get(table);
        if (!other) return undefined;
        if (stack.includes(table)) {
          const cycle = [...stack.slice(stack.indexOf(table)), table].join(' -> ');
          for (const member of stack.slice(stack.indexOf(table))) {
            const problems = views.get(member)!.problems;
            if (!problems.some((p) => p.kind === 'cycle' && p.message.includes(cycle)))
              problems.push({ kind: 'cycle', message: `views read each other: ${cycle}` });
          }
          return { kind: 'view', columns: null };
        }
        if (!done.has(table)) analyze(table);
        return { kind: 'view', columns: other.columns && new Map(other.columns.map((c) => [c.name, c.type])) };
      };
      const analysis = analyzeView(ast, lookup);
      view.references = analysis.references;
      view.columns = analysis.columns;
      view.problems.push(...analysis.problems);
      view.dependencies = analysis.references.filter((r) => r.kind === 'view').map((r) => r.table);
    }
    stack.pop();
    done.add(name);
  };
  for (const name of views.keys()) if (!done.has(name)) analyze(name);
  return [...views.values()];
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
    if (!view) return undefined;
    return { kind: 'view', columns: view.columns && new Map(view.columns.map((c) => [c.name, c.type])) };
  };
}
