/** Writing LookML text: blocks, strings, lists and SQL blocks, two-space indented. */

/** A quoted LookML string (LookML strings escape like JSON's). */
export const str = (value: string) => JSON.stringify(value);

/** A bracketed list of bare names. */
export const list = (items: readonly string[]) => `[${items.join(', ')}]`;

/** A SQL block parameter, `sql: ... ;;` by default. */
export const sql = (text: string, key = 'sql') => `${key}: ${text} ;;`;

/** `header { ... }` with its lines indented. */
export function block(header: string, lines: readonly string[]): string[] {
  return [`${header} {`, ...lines.map((line) => (line === '' ? '' : `  ${line}`)), '}'];
}
