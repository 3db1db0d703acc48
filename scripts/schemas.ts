/**
 * Writes terraform/schemas/EXPLORE.json from the explore registry, so the tables Terraform
 * creates have exactly the schema the function loads with. `--check` fails if one is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { bigQuerySchema, explores } from '../src/explores/index.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const explore of explores.values()) {
  const path = new URL(`../terraform/schemas/${explore.name}.json`, import.meta.url);
  const wanted = `${JSON.stringify(bigQuerySchema(explore), null, 2)}\n`;
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current === wanted) continue;
  if (check) {
    console.error(`terraform/schemas/${explore.name}.json is stale: run npm run schemas`);
    stale += 1;
  } else {
    await writeFile(path, wanted);
    console.log(`wrote terraform/schemas/${explore.name}.json`);
  }
}
process.exitCode = stale ? 1 : 0;
