/** The README's configuration table is the one src/config/variables.ts declares. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configTable, README, withTable } from '../../scripts/config-table.js';
import { CONFIG_VARIABLES } from '../../src/config/variables.js';

describe("the README's configuration table", () => {
  it('is the one the declarations give (node --import tsx scripts/config-table.ts rewrites it)', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(
      readme,
      withTable(readme, configTable()),
      'stale: node --import tsx scripts/config-table.ts',
    );
  });

  it('has one row per variable, with the default the parser applies', () => {
    const rows = configTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    assert.deepEqual(
      rows.map((row) => /^\| `([A-Z0-9_]+)`/.exec(row)?.[1]),
      CONFIG_VARIABLES.map((v) => v.name),
    );
    const row = (name: string) => rows.find((r) => r.startsWith(`| \`${name}\` `))!.split(' | ');
    assert.equal(row('LOOKER_TIMEOUT_SECONDS')[2], '`600`');
    assert.equal(row('FIRESTORE_DATABASE')[2], '`(default)`');
    assert.equal(row('GCS_BUCKET')[1], 'yes');
    assert.equal(row('GCS_BUCKET')[2], '');
  });
});
