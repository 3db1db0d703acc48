/**
 * Writes terraform/schemas/<table>.json for every table in the registry, from
 * bigQuerySchema(): the columns in the shape `google_bigquery_table.schema` takes (name, type,
 * mode, description), so the tables Terraform creates have exactly the schema the function loads
 * with; and terraform/schemas/tables.json, each table's partition field, clustering and
 * description, which terraform/main.tf reads as `local.tables` (adding a table needs no HCL).
 * No npm needed:
 *
 *   node --import tsx scripts/schemas.ts            # (re)generate
 *   node --import tsx scripts/schemas.ts --check    # exit 1 if a file is stale, missing or stray
 *   ... --dir PATH                                  # another directory (tests)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bigQuerySchema, explores, partitionColumn, type ExploreDefinition } from '../src/explores/index.js';

/** The file main.tf decodes into `local.tables`; not a table's schema. */
const TABLES_FILE = 'tables.json';

/** The file content for one explore: a JSON array, two-space indented, newline at the end. */
function schemaFile(explore: ExploreDefinition): string {
  const columns = bigQuerySchema(explore).map(({ name, type, mode, description }) => ({
    name,
    type,
    mode,
    description,
  }));
  return `${JSON.stringify(columns, null, 2)}\n`;
}

/** Per table, what `google_bigquery_table` needs besides the schema, in registry order. */
function tablesFile(): string {
  const tables = Object.fromEntries(
    [...explores.values()].map((explore) => [
      explore.name,
      {
        partition_field: partitionColumn(explore),
        clustering: [...(explore.clusterBy ?? [])],
        description: `Looker System Activity ${explore.name} (explore ${explore.explore}): ${explore.description}`,
      },
    ]),
  );
  return `${JSON.stringify(tables, null, 2)}\n`;
}

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    dir: { type: 'string', default: fileURLToPath(new URL('../terraform/schemas/', import.meta.url)) },
  },
});
const dir = values.dir;
const problems: string[] = [];
const wantedFiles: [string, string][] = [
  ...[...explores.values()].map((explore): [string, string] => [`${explore.name}.json`, schemaFile(explore)]),
  [TABLES_FILE, tablesFile()],
];
for (const [file, wanted] of wantedFiles) {
  const path = join(dir, file);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === wanted) continue;
  if (values.check) {
    problems.push(`${path} is ${current === undefined ? 'missing' : 'stale'}`);
  } else {
    await writeFile(path, wanted);
    console.log(`wrote ${path}`);
  }
}
if (explores.has(TABLES_FILE.replace(/\.json$/, '')))
  problems.push(
    `a table cannot be named ${TABLES_FILE.replace(/\.json$/, '')}: its schema file would be ${TABLES_FILE}`,
  );
// A table whose explore left the registry would still be created by Terraform.
for (const file of await readdir(dir)) {
  if (file.endsWith('.json') && file !== TABLES_FILE && !explores.has(file.replace(/\.json$/, '')))
    problems.push(`${join(dir, file)} belongs to no explore`);
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error('run: node --import tsx scripts/schemas.ts (and remove stray files)');
  process.exitCode = 1;
}
