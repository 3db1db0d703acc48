/**
 * Writes terraform/schemas/<explore>.json for every explore in the registry, from
 * bigQuerySchema(): the columns in the shape `google_bigquery_table.schema` takes (name, type,
 * mode, description), so the tables Terraform creates have exactly the schema the function loads
 * with. No npm needed:
 *
 *   node --import tsx scripts/schemas.ts            # (re)generate
 *   node --import tsx scripts/schemas.ts --check    # exit 1 if a file is stale, missing or stray
 *   ... --dir PATH                                  # another directory (tests)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bigQuerySchema, explores, type ExploreDefinition } from '../src/explores/index.js';

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

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    dir: { type: 'string', default: fileURLToPath(new URL('../terraform/schemas/', import.meta.url)) },
  },
});
const dir = values.dir;
const problems: string[] = [];
for (const explore of explores.values()) {
  const path = join(dir, `${explore.name}.json`);
  const wanted = schemaFile(explore);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === wanted) continue;
  if (values.check) {
    problems.push(`${path} is ${current === undefined ? 'missing' : 'stale'}`);
  } else {
    await writeFile(path, wanted);
    console.log(`wrote ${path}`);
  }
}
// A table whose explore left the registry would still be created by Terraform.
for (const file of await readdir(dir)) {
  if (file.endsWith('.json') && !explores.has(file.replace(/\.json$/, '')))
    problems.push(`${join(dir, file)} belongs to no explore`);
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(
    'run: node --import tsx scripts/schemas.ts (and remove stray files and their tables in terraform/main.tf)',
  );
  process.exitCode = 1;
}
