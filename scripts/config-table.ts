/**
 * Writes the README's configuration table from src/config/variables.ts, between its two marker
 * lines, so the README says what the parser reads: names, who needs each, defaults (the schema's
 * own), meanings. test/unit/config-table.test.ts fails when the README is stale. No npm needed:
 *
 *   node --import tsx scripts/config-table.ts            # (re)write README.md
 *   node --import tsx scripts/config-table.ts --check    # exit 1 if it is stale
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIG_VARIABLES, defaultOf, variablesWhere, type ConfigVariable } from '../src/config/variables.js';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const BEGIN =
  '<!-- configuration table: generated from src/config/variables.ts by `node --import tsx scripts/config-table.ts`; edit it there -->';
export const END = '<!-- end of configuration table -->';

/** The README's "needed" column. */
function needed(variable: ConfigVariable): string {
  if (variable.scope === 'local-stack') return 'local stack only';
  switch (variable.need) {
    case 'always':
      return 'yes';
    case 'instances':
      return variable.scope === 'shorthand' ? 'this or `LOOKER_INSTANCES`' : 'this or the shorthand below';
    case 'fan-out':
      return 'in fan-out mode';
    case 'hashing':
      return 'when a rule hashes';
    case 'optional':
      return 'no';
  }
}

function defaultCell(variable: ConfigVariable): string {
  if (variable.defaultText !== undefined) return variable.defaultText;
  const value = defaultOf(variable);
  return value === undefined ? '' : `\`${String(value)}\``;
}

/** A table cell: a `|` would end it, even inside backticks. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

const names = (list: readonly string[]) => list.map((name) => `\`${name}\``).join(', ');

/** What goes between the markers. */
export function configTable(): string {
  const rows = CONFIG_VARIABLES.map(
    (v) => `| \`${v.name}\` | ${cell(needed(v))} | ${cell(defaultCell(v))} | ${cell(v.description)} |`,
  );
  return [
    '| variable | needed | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    `${names(variablesWhere((v) => v.namesSecret === true))} name Secret Manager secrets; no variable holds`,
    'a credential. `npm run export` (see *Local run without Google Cloud*) takes',
    `${names(variablesWhere((v) => v.localRun === true))} from its environment too.`,
  ].join('\n');
}

/** `readme` with the table between the markers replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const current = await readFile(README, 'utf8');
  const wanted = withTable(current, configTable());
  if (current === wanted) {
    console.log('README.md configuration table is current');
  } else if (values.check) {
    console.error('README.md configuration table is stale: run node --import tsx scripts/config-table.ts');
    process.exitCode = 1;
  } else {
    await writeFile(README, wanted);
    console.log('wrote the configuration table in README.md');
  }
}
