/**
 * Syntax of GoogleSQL's MERGE statement, as the fake runs it (merge.ts):
 *
 *   MERGE [INTO] target [[AS] alias] USING source [[AS] alias] ON expr
 *   { WHEN MATCHED [AND expr] THEN { UPDATE SET col = expr [, ...] | DELETE }
 *   | WHEN NOT MATCHED [BY TARGET] [AND expr] THEN INSERT [(col [, ...])] { VALUES (expr [, ...]) | ROW }
 *   | WHEN NOT MATCHED BY SOURCE [AND expr] THEN { UPDATE SET ... | DELETE } } ...
 *
 * Expressions: column references (`col`, `alias.col`, backquoted parts), literals (as in
 * sql-parser.ts), named parameters `@name`, comparisons (= != <> < <= > >=), IS [NOT] NULL,
 * AND, OR, NOT and parentheses. `source` is a table; a subquery is refused as unsupported.
 * node-sql-parser's BigQuery grammar (5.x) does not parse MERGE, so this grammar is the fake's own.
 */
import { invalidQuery } from './errors.js';
import {
  COMPARISONS,
  KEYWORDS,
  Parser,
  tokenize,
  unsupported,
  type Condition,
  type Literal,
  type Token,
} from './sql-parser.js';

export type Comparison = Exclude<Condition['op'], 'IS NULL' | 'IS NOT NULL'>;

export type Expr =
  | { kind: 'column'; qualifier?: string; name: string; at: Token }
  | { kind: 'literal'; literal: Literal; at: Token }
  | { kind: 'param'; name: string; at: Token }
  | { kind: 'compare'; op: Comparison; left: Expr; right: Expr; at: Token }
  | { kind: 'isNull'; not: boolean; operand: Expr; at: Token }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; at: Token }
  | { kind: 'not'; operand: Expr; at: Token };

export interface Assignment {
  column: string;
  value: Expr;
  at: Token;
}

export type MergeAction =
  | { kind: 'update'; assignments: Assignment[]; at: Token }
  | { kind: 'delete'; at: Token }
  | {
      kind: 'insert';
      columns?: { name: string; at: Token }[];
      /** Absent for INSERT ROW. */
      values?: Expr[];
      at: Token;
    };

export interface WhenClause {
  match: 'matched' | 'notMatchedByTarget' | 'notMatchedBySource';
  condition?: Expr;
  action: MergeAction;
  at: Token;
}

export interface MergeStatement {
  kind: 'merge';
  target: { path: string[]; alias?: string; at: Token };
  source: { path: string[]; alias?: string; at: Token };
  on: Expr;
  clauses: WhenClause[];
}

/** Reserved words of GoogleSQL that end a table reference here (MATCHED, SOURCE, ... are not reserved). */
const MERGE_RESERVED = new Set([...KEYWORDS, 'USING', 'ON', 'WHEN', 'THEN', 'INTO', 'SET']);

class MergeParser extends Parser {
  parseMerge(): MergeStatement {
    this.expect('MERGE');
    this.accept('INTO');
    const target = this.tableReference();
    this.expect('USING');
    if (this.peek.text === '(') throw unsupported('A subquery as the MERGE source', this.peek);
    const source = this.tableReference();
    this.expect('ON');
    const on = this.expression();
    const clauses: WhenClause[] = [];
    while (this.isWord('WHEN')) clauses.push(this.whenClause());
    if (!clauses.length) throw this.syntax('Expected keyword WHEN');
    this.acceptSymbol(';');
    if (this.peek.kind !== 'end') throw this.syntax('Expected end of input');
    return { kind: 'merge', target, source, on, clauses };
  }

  tableReference(): MergeStatement['target'] {
    const at = this.peek;
    const path = this.tablePath();
    let alias: string | undefined;
    if (this.accept('AS')) alias = this.identifier().name;
    else if (
      this.peek.kind === 'quoted' ||
      (this.peek.kind === 'word' && !MERGE_RESERVED.has(this.peek.text.toUpperCase()))
    )
      alias = this.identifier().name;
    return { path, alias, at };
  }

  whenClause(): WhenClause {
    const at = this.expect('WHEN');
    let match: WhenClause['match'] = 'matched';
    if (this.accept('NOT')) {
      this.expect('MATCHED');
      match = 'notMatchedByTarget';
      if (this.accept('BY')) {
        if (this.accept('SOURCE')) match = 'notMatchedBySource';
        else this.expect('TARGET');
      }
    } else this.expect('MATCHED');
    const condition = this.accept('AND') ? this.expression() : undefined;
    this.expect('THEN');
    const action = this.action(match);
    return { match, condition, action, at };
  }

  action(match: WhenClause['match']): MergeAction {
    const at = this.peek;
    if (this.accept('DELETE')) {
      if (match === 'notMatchedByTarget')
        throw invalidQuery(
          `Syntax error: DELETE is not allowed in WHEN NOT MATCHED BY TARGET at ${where(at)}`,
        );
      return { kind: 'delete', at };
    }
    if (this.accept('UPDATE')) {
      if (match === 'notMatchedByTarget')
        throw invalidQuery(
          `Syntax error: UPDATE is not allowed in WHEN NOT MATCHED BY TARGET at ${where(at)}`,
        );
      this.expect('SET');
      const assignments: Assignment[] = [];
      do {
        const target = this.columnReference();
        if (this.peek.text !== '=') throw this.syntax('Expected "="');
        this.next();
        assignments.push({ column: target.name, value: this.expression(), at: target.at });
      } while (this.acceptSymbol(','));
      return { kind: 'update', assignments, at };
    }
    if (this.accept('INSERT')) {
      if (match !== 'notMatchedByTarget')
        throw invalidQuery(
          `Syntax error: INSERT is allowed only in WHEN NOT MATCHED [BY TARGET] at ${where(at)}`,
        );
      let columns: { name: string; at: Token }[] | undefined;
      if (this.acceptSymbol('(')) {
        columns = [];
        do columns.push(this.identifier());
        while (this.acceptSymbol(','));
        this.expectSymbol(')');
      }
      if (this.accept('ROW')) return { kind: 'insert', columns, at };
      this.expect('VALUES');
      this.expectSymbol('(');
      const values: Expr[] = [];
      do values.push(this.expression());
      while (this.acceptSymbol(','));
      this.expectSymbol(')');
      return { kind: 'insert', columns, values, at };
    }
    throw this.syntax('Expected keyword DELETE or keyword INSERT or keyword UPDATE');
  }

  /** `col`, `alias.col`, `` `alias.col` ``: the last part is the column, one part before it the qualifier. */
  columnReference(): { qualifier?: string; name: string; at: Token } {
    const at = this.peek;
    const parts: string[] = [];
    do {
      const t = this.identifier();
      parts.push(...t.name.split('.'));
    } while (this.acceptSymbol('.'));
    if (parts.length > 2) throw unsupported('Column paths of more than two parts', at);
    return parts.length === 2 ? { qualifier: parts[0], name: parts[1]!, at } : { name: parts[0]!, at };
  }

  expression(): Expr {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      const at = this.next();
      left = { kind: 'or', left, right: this.conjunction(), at };
    }
    return left;
  }

  conjunction(): Expr {
    let left = this.negation();
    while (this.isWord('AND')) {
      const at = this.next();
      left = { kind: 'and', left, right: this.negation(), at };
    }
    return left;
  }

  negation(): Expr {
    if (this.isWord('NOT')) {
      const at = this.next();
      return { kind: 'not', operand: this.negation(), at };
    }
    return this.predicate();
  }

  predicate(): Expr {
    const left = this.primary();
    if (this.isWord('IS')) {
      const at = this.next();
      const not = this.accept('NOT');
      this.expect('NULL');
      return { kind: 'isNull', not, operand: left, at };
    }
    const t = this.peek;
    const op = t.kind === 'symbol' ? COMPARISONS[t.text] : undefined;
    if (op) {
      this.next();
      return { kind: 'compare', op, left, right: this.primary(), at: t };
    }
    if (t.kind === 'word' && ['IN', 'LIKE', 'BETWEEN'].includes(t.text.toUpperCase()))
      throw unsupported(t.text.toUpperCase(), t);
    return left;
  }

  primary(): Expr {
    const t = this.peek;
    if (this.acceptSymbol('(')) {
      const inner = this.expression();
      this.expectSymbol(')');
      return inner;
    }
    if (this.acceptSymbol('@')) {
      const name = this.next();
      if (name.kind !== 'word' && name.kind !== 'quoted') throw this.syntax('Expected query parameter name');
      return { kind: 'param', name: name.text, at: t };
    }
    if (t.kind === 'word' && this.lookahead(1).text === '(')
      throw unsupported(`Function ${t.text.toUpperCase()}`, t);
    const typed =
      t.kind === 'word' &&
      ['DATE', 'DATETIME', 'TIMESTAMP'].includes(t.text.toUpperCase()) &&
      this.lookahead(1).kind === 'string';
    if (
      t.kind === 'number' ||
      t.kind === 'string' ||
      (t.kind === 'symbol' && t.text === '-') ||
      typed ||
      (t.kind === 'word' && ['TRUE', 'FALSE', 'NULL'].includes(t.text.toUpperCase()))
    )
      return { kind: 'literal', literal: this.literal(), at: t };
    return { kind: 'column', ...this.columnReference() };
  }
}

const where = (t: Token) => `[${t.line}:${t.column}]`;

/** True when the statement is a MERGE (after comments and blanks). */
export function isMerge(sql: string): boolean {
  let first: Token | undefined;
  try {
    first = tokenize(sql)[0];
  } catch {
    // Text this tokenizer cannot read (a `?` parameter, say) is for the GoogleSQL engine to judge.
    return false;
  }
  return first?.kind === 'word' && first.text.toUpperCase() === 'MERGE';
}

/** Parses one MERGE statement; throws `invalidQuery` ApiErrors with BigQuery's positions. */
export function parseMerge(sql: string): MergeStatement {
  return new MergeParser(tokenize(sql)).parseMerge();
}
