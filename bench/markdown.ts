/** A markdown table of `rows` under `header`, each column padded to its widest cell. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const md = lines.map((l) => `| ${l.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`);
  md.splice(1, 0, `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  return md.join('\n');
}
