/**
 * What ZetaSQL's local service cannot take as written, and the rewrite that makes it so:
 * - its evaluator sees table contents only in the root catalog, by one-part names, so each
 *   FROM-clause table path becomes such a name (with BigQuery's implicit alias made explicit:
 *   the alias of `p.d.t`, even quoted as one part, is `t`);
 * - it binds parameters by name only (and its Parse call refuses `?`), so each positional `?`
 *   becomes a named one, found lexically: outside quotes and comments.
 * Table sites come from ZetaSQL's own parse tree; messages about the rewritten text are located
 * back in the caller's.
 */

/** A FROM-clause table path in a statement's text. */
export interface TablePathSite {
  /** The path as written, one entry per dotted part (a quoted `a.b.c` is one part). */
  path: string[];
  /** Byte offsets in the UTF-8 text, end exclusive. */
  start: number;
  end: number;
  hasAlias: boolean;
}

type Node = Record<string, unknown>;

function locationOf(node: unknown): { start: number; end: number } | undefined {
  for (let current = node as Node | undefined; current && typeof current === 'object';) {
    const range = current.parse_location_range as { start?: number; end?: number } | undefined;
    if (range) return { start: range.start ?? 0, end: range.end ?? 0 };
    current = current.parent as Node | undefined;
  }
  return undefined;
}

/** The FROM-clause table paths of a parse tree (ParseResponse as proto-loader renders it). */
export function tablePathSites(parsed: unknown): TablePathSite[] {
  const tables: TablePathSite[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const record = node as Node;
    const tablePath = record.ast_table_path_expression_node as Node | undefined;
    const pathExpr = tablePath?.path_expr as { names?: { id_string?: string }[] } | undefined;
    const pathAt = pathExpr && locationOf(pathExpr);
    if (tablePath && pathExpr && pathAt)
      tables.push({
        path: (pathExpr.names ?? []).map((n) => n.id_string ?? ''),
        ...pathAt,
        hasAlias: tablePath.alias !== undefined && tablePath.alias !== null,
      });
    for (const value of Object.values(record)) visit(value);
  };
  visit(parsed);
  return tables;
}

/**
 * Each positional parameter `?` as an edit to `@<name(position)>`. GoogleSQL's lexical rules
 * that can hide a `?`: '…', "…", '''…''', """…""" (any prefix r/b; backslash escapes), `…`,
 * -- and # line comments, /* *\/ block comments.
 */
export function positionalParameterEdits(sql: string, name: (position: number) => string): Edit[] {
  const edits: Edit[] = [];
  const byteOffset = (index: number) => Buffer.byteLength(sql.slice(0, index), 'utf8');
  let position = 0;
  for (let i = 0; i < sql.length;) {
    const quote = ["'''", '"""', "'", '"', '`'].find((q) => sql.startsWith(q, i));
    if (quote) {
      let j = i + quote.length;
      while (j < sql.length && !sql.startsWith(quote, j)) j += sql[j] === '\\' ? 2 : 1;
      i = j + quote.length;
    } else if (sql.startsWith('--', i) || sql[i] === '#') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      if (sql[i] === '?')
        edits.push({ start: byteOffset(i), end: byteOffset(i) + 1, replacement: `@${name(++position)}` });
      i += 1;
    }
  }
  return edits;
}

/** A statement rewritten, and the way back to the caller's text. */
export interface RewrittenStatement {
  sql: string;
  /** A message's `[at L:C]` locations moved from the rewritten text to the original one. */
  locate(message: string): string;
}

export interface Edit {
  /** Byte offsets in the original UTF-8 text, end exclusive. */
  start: number;
  end: number;
  replacement: string;
}

export const quoteIdentifier = (name: string) => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';

function lineColumn(text: string, index: number) {
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function indexAt(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let index = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) index += lines[i]!.length + 1;
  return index + column - 1;
}

/** Applies non-overlapping edits. */
export function rewrite(sql: string, edits: Edit[]): RewrittenStatement {
  const bytes = Buffer.from(sql, 'utf8');
  const charIndex = (byteOffset: number) => bytes.subarray(0, byteOffset).toString('utf8').length;
  const moved: { from: number; to: number; newFrom: number; newTo: number }[] = [];
  let out = '';
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    const [from, to] = [charIndex(edit.start), charIndex(edit.end)];
    out += sql.slice(at, from);
    moved.push({ from, to, newFrom: out.length, newTo: out.length + edit.replacement.length });
    out += edit.replacement;
    at = to;
  }
  out += sql.slice(at);
  const toOriginal = (index: number) => {
    let shift = 0;
    for (const edit of moved) {
      if (index < edit.newFrom) break;
      if (index < edit.newTo) return edit.from;
      shift = edit.to - edit.newTo;
    }
    return index + shift;
  };
  return {
    sql: out,
    locate: (message) =>
      message.replace(/\[at (\d+):(\d+)\]/g, (_, line: string, column: string) => {
        const original = lineColumn(sql, toOriginal(indexAt(out, Number(line), Number(column))));
        return `[at ${original.line}:${original.column}]`;
      }),
  };
}

/** The edit giving a table path a one-part name (and its implicit alias). */
export function renameTable(site: TablePathSite, name: string): Edit {
  const implicitAlias = site.path.join('.').split('.').pop()!;
  return {
    start: site.start,
    end: site.end,
    replacement: quoteIdentifier(name) + (site.hasAlias ? '' : ` AS ${quoteIdentifier(implicitAlias)}`),
  };
}

/** Two rewrites in turn: `second` rewrote `first.sql`. */
export function composeRewrites(first: RewrittenStatement, second: RewrittenStatement): RewrittenStatement {
  return { sql: second.sql, locate: (message) => first.locate(second.locate(message)) };
}
