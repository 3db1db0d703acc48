/**
 * Syntax of the tiny GoogleSQL subset the fake runs over one table (query.ts runs it):
 *
 *   SELECT * | COUNT(*) | COUNT(col) | col [AS alias], ... FROM table
 *     [WHERE col op literal | col IS [NOT] NULL [AND ...]]
 *     [GROUP BY col, ...] [HAVING COUNT(*) op n] [ORDER BY name [ASC|DESC], ...] [LIMIT n]
 *
 * `op` is one of = != <> < <= > >=; literals are strings, numbers, TRUE/FALSE, NULL and
 * DATE/DATETIME/TIMESTAMP '...'. Tables are `ds.t`, `` `p.ds.t` ``, `` `ds.t` ``, `p.ds.t`, or
 * `t` with a default dataset. Anything else is refused with `invalidQuery`, saying that the fake
 * does not support it; positions are `[line:column]` as in BigQuery's messages. MERGE has its
 * own grammar (merge-parser.ts), built on this tokenizer and parser.
 */
import { invalidQuery, type ApiError } from './errors.js';

export const SUPPORTED_SQL =
  'SELECT * | COUNT(*) | COUNT(col) | col [AS alias], ... FROM [project.]dataset.table [WHERE col op literal [AND ...]] [GROUP BY col, ...] [HAVING COUNT(*) op n] [ORDER BY col [ASC|DESC], ...] [LIMIT n]; and MERGE (see merge-parser.ts)';

export const unsupported = (what: string, at: Token) =>
  invalidQuery(
    `${what} at [${at.line}:${at.column}] is not supported by the BigQuery fake. It supports only: ${SUPPORTED_SQL}`,
  );

// ---------------------------------------------------------------------------------------------
// Tokens

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'end';
export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (kind: TokenKind, text: string, at: number) =>
    tokens.push({ kind, text, line, column: at - lineStart + 1 });
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
      continue;
    }
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (sql.startsWith('--', i) || c === '#') {
      while (i < sql.length && sql[i] !== '\n') i += 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      for (; i < stop; i += 1)
        if (sql[i] === '\n') {
          line += 1;
          lineStart = i + 1;
        }
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i]!)) i += 1;
      push('word', sql.slice(start, i), start);
      continue;
    }
    if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0)
        throw invalidQuery(`Syntax error: Unclosed identifier literal at [${line}:${start - lineStart + 1}]`);
      push('quoted', sql.slice(i + 1, end), start);
      i = end + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= sql.length)
          throw invalidQuery(`Syntax error: Unclosed string literal at [${line}:${start - lineStart + 1}]`);
        const ch = sql[i]!;
        if (ch === c) {
          i += 1;
          break;
        }
        if (ch === '\\' && i + 1 < sql.length) {
          const next = sql[i + 1]!;
          text += { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' }[next] ?? next;
          i += 2;
          continue;
        }
        text += ch;
        i += 1;
      }
      push('string', text, start);
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i));
    if (number) {
      i += number[0].length;
      push('number', number[0], start);
      continue;
    }
    const symbol = ['!=', '<>', '<=', '>=', '=', '<', '>', ',', '(', ')', '*', '.', ';', '-', '@'].find((s) =>
      sql.startsWith(s, i),
    );
    if (!symbol)
      throw invalidQuery(
        `Syntax error: Illegal input character "${c}" at [${line}:${start - lineStart + 1}]`,
      );
    i += symbol.length;
    push('symbol', symbol, start);
  }
  tokens.push({ kind: 'end', text: '', line, column: i - lineStart + 1 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Syntax

export type Literal =
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'typed'; type: 'DATE' | 'DATETIME' | 'TIMESTAMP'; text: string };

export type SelectItem =
  | { kind: 'column'; name: string; alias?: string; at: Token }
  | { kind: 'count'; column?: string; alias?: string; at: Token };

export interface Condition {
  column: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IS NULL' | 'IS NOT NULL';
  literal?: Literal;
  at: Token;
}

export interface Statement {
  star: boolean;
  items: SelectItem[];
  table: string[];
  tableAt: Token;
  where: Condition[];
  groupBy: { name: string; at: Token }[];
  /** `HAVING COUNT(*) op n`, the only HAVING the fake runs. */
  having?: { op: Condition['op']; count: number; at: Token };
  orderBy: { name: string; desc: boolean; at: Token }[];
  limit?: number;
}

export const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'ORDER',
  'LIMIT',
  'AND',
  'OR',
  'AS',
  'ASC',
  'DESC',
  'IS',
  'NOT',
  'NULL',
  'TRUE',
  'FALSE',
  'JOIN',
  'UNION',
  'HAVING',
  'WITH',
  'DISTINCT',
]);

export const COMPARISONS: Record<string, Exclude<Condition['op'], 'IS NULL' | 'IS NOT NULL'>> = {
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

export class Parser {
  #at = 0;
  constructor(protected readonly tokens: Token[]) {}

  /** The token `n` places after the current one. */
  lookahead(n: number): Token {
    return this.tokens[Math.min(this.#at + n, this.tokens.length - 1)]!;
  }

  get peek(): Token {
    return this.tokens[this.#at]!;
  }

  next(): Token {
    const token = this.tokens[this.#at]!;
    if (token.kind !== 'end') this.#at += 1;
    return token;
  }

  isWord(word: string, token = this.peek): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  accept(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.next();
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    if (this.peek.kind !== 'symbol' || this.peek.text !== symbol) return false;
    this.next();
    return true;
  }

  expect(word: string): Token {
    if (!this.isWord(word)) throw this.syntax(`Expected keyword ${word}`);
    return this.next();
  }

  expectSymbol(symbol: string): Token {
    if (this.peek.kind !== 'symbol' || this.peek.text !== symbol) throw this.syntax(`Expected "${symbol}"`);
    return this.next();
  }

  syntax(what: string): ApiError {
    const t = this.peek;
    const got =
      t.kind === 'end' ? 'end of input' : t.kind === 'string' ? `string literal '${t.text}'` : `"${t.text}"`;
    return invalidQuery(`Syntax error: ${what} but got ${got} at [${t.line}:${t.column}]`);
  }

  identifier(): { name: string; at: Token } {
    const t = this.peek;
    if (t.kind === 'quoted' || (t.kind === 'word' && !KEYWORDS.has(t.text.toUpperCase()))) {
      this.next();
      return { name: t.text, at: t };
    }
    throw this.syntax('Expected identifier');
  }

  parse(): Statement {
    if (
      this.isWord('WITH') ||
      this.isWord('INSERT') ||
      this.isWord('UPDATE') ||
      this.isWord('DELETE') ||
      this.isWord('CREATE') ||
      this.isWord('MERGE')
    )
      throw unsupported(`${this.peek.text.toUpperCase()} statements`, this.peek);
    this.expect('SELECT');
    if (this.isWord('DISTINCT')) throw unsupported('SELECT DISTINCT', this.peek);
    const statement: Statement = {
      star: false,
      items: [],
      table: [],
      tableAt: this.peek,
      where: [],
      groupBy: [],
      orderBy: [],
    };
    if (this.acceptSymbol('*')) statement.star = true;
    else {
      do statement.items.push(this.selectItem());
      while (this.acceptSymbol(','));
    }
    this.expect('FROM');
    statement.tableAt = this.peek;
    statement.table = this.tablePath();
    if (
      this.isWord('JOIN') ||
      this.peek.text === ',' ||
      this.isWord('CROSS') ||
      this.isWord('LEFT') ||
      this.isWord('INNER')
    )
      throw unsupported('Joins', this.peek);
    if (this.peek.kind === 'word' && !KEYWORDS.has(this.peek.text.toUpperCase()))
      throw unsupported('Table aliases', this.peek);
    if (this.accept('WHERE')) {
      do statement.where.push(this.condition());
      while (this.accept('AND'));
      if (this.isWord('OR')) throw unsupported('OR in WHERE', this.peek);
    }
    if (this.accept('GROUP')) {
      this.expect('BY');
      do statement.groupBy.push(this.identifier());
      while (this.acceptSymbol(','));
    }
    if (this.isWord('HAVING')) statement.having = this.having();
    if (this.accept('ORDER')) {
      this.expect('BY');
      do {
        const key = this.identifier();
        const desc = this.accept('DESC') ? true : (this.accept('ASC'), false);
        statement.orderBy.push({ name: key.name, desc, at: key.at });
      } while (this.acceptSymbol(','));
    }
    if (this.accept('LIMIT')) {
      const t = this.next();
      if (t.kind !== 'number' || !/^\d+$/.test(t.text))
        throw invalidQuery(`Syntax error: LIMIT expects an integer literal at [${t.line}:${t.column}]`);
      statement.limit = Number(t.text);
    }
    this.acceptSymbol(';');
    if (this.peek.kind !== 'end') {
      if (this.isWord('UNION')) throw unsupported('UNION', this.peek);
      throw this.syntax('Expected end of input');
    }
    return statement;
  }

  having(): NonNullable<Statement['having']> {
    const at = this.expect('HAVING');
    if (!(this.isWord('COUNT') && this.lookahead(1).text === '(' && this.lookahead(2).text === '*'))
      throw unsupported('HAVING other than COUNT(*) op integer', this.peek);
    this.next();
    this.expectSymbol('(');
    this.expectSymbol('*');
    this.expectSymbol(')');
    const op = COMPARISONS[this.peek.kind === 'symbol' ? this.peek.text : ''];
    if (!op) throw this.syntax('Expected comparison operator');
    this.next();
    const count = this.next();
    if (count.kind !== 'number' || !/^\d+$/.test(count.text))
      throw unsupported('HAVING COUNT(*) compared with anything but an integer literal', count);
    return { op, count: Number(count.text), at };
  }

  selectItem(): SelectItem {
    const at = this.peek;
    if (this.isWord('COUNT') && this.lookahead(1).text === '(') {
      this.next();
      this.expectSymbol('(');
      let column: string | undefined;
      if (!this.acceptSymbol('*')) {
        if (this.isWord('DISTINCT')) throw unsupported('COUNT(DISTINCT ...)', this.peek);
        column = this.identifier().name;
      }
      this.expectSymbol(')');
      return { kind: 'count', column, alias: this.alias(), at };
    }
    if (at.kind === 'word' && this.lookahead(1).text === '(')
      throw unsupported(`Function ${at.text.toUpperCase()}`, at);
    if (at.kind === 'number' || at.kind === 'string') throw unsupported('Literals in the SELECT list', at);
    const { name } = this.identifier();
    if (this.peek.text === '.') throw unsupported('Qualified or nested column names', this.peek);
    return { kind: 'column', name, alias: this.alias(), at };
  }

  alias(): string | undefined {
    if (this.accept('AS')) return this.identifier().name;
    if (
      (this.peek.kind === 'word' && !KEYWORDS.has(this.peek.text.toUpperCase())) ||
      this.peek.kind === 'quoted'
    )
      return this.identifier().name;
    return undefined;
  }

  tablePath(): string[] {
    const parts: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'quoted') parts.push(...t.text.split('.'));
      else if (t.kind === 'word' || t.kind === 'number') {
        // An unquoted project id may hold dashes: my-project.ds.t
        let text = t.text;
        while (this.peek.text === '-' && this.peek.kind === 'symbol') {
          this.next();
          text += `-${this.next().text}`;
        }
        parts.push(text);
      } else if (t.text === '(') throw unsupported('Subqueries', t);
      else
        throw invalidQuery(
          `Syntax error: Expected table name but got "${t.text}" at [${t.line}:${t.column}]`,
        );
      if (!this.acceptSymbol('.')) return parts;
    }
  }

  condition(): Condition {
    const { name, at } = this.identifier();
    if (this.peek.text === '(') throw unsupported(`Function ${name.toUpperCase()}`, at);
    if (this.accept('IS')) {
      const not = this.accept('NOT');
      this.expect('NULL');
      return { column: name, op: not ? 'IS NOT NULL' : 'IS NULL', at };
    }
    const t = this.next();
    const op = t.kind === 'symbol' ? COMPARISONS[t.text] : undefined;
    if (!op) {
      if (t.kind === 'word' && ['IN', 'LIKE', 'BETWEEN'].includes(t.text.toUpperCase()))
        throw unsupported(t.text.toUpperCase(), t);
      throw invalidQuery(
        `Syntax error: Expected comparison operator but got "${t.text}" at [${t.line}:${t.column}]`,
      );
    }
    return { column: name, op, literal: this.literal(), at };
  }

  literal(): Literal {
    const negative = this.acceptSymbol('-');
    const t = this.next();
    if (t.kind === 'number') return { kind: 'number', text: negative ? `-${t.text}` : t.text };
    if (negative) throw invalidQuery(`Syntax error: Unexpected "-" at [${t.line}:${t.column}]`);
    if (t.kind === 'string') return { kind: 'string', text: t.text };
    if (t.kind === 'word') {
      const word = t.text.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE') return { kind: 'bool', value: word === 'TRUE' };
      if (word === 'NULL') return { kind: 'null' };
      if ((word === 'DATE' || word === 'DATETIME' || word === 'TIMESTAMP') && this.peek.kind === 'string')
        return { kind: 'typed', type: word, text: this.next().text };
    }
    throw unsupported(`Expression "${t.text}" (only literals can be compared with a column)`, t);
  }
}

/** Parses one SELECT statement of the subset; throws `invalidQuery` for anything else. */
export function parseSelect(sql: string): Statement {
  return new Parser(tokenize(sql)).parse();
}
