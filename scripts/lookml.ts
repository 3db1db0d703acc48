/**
 * Writes the LookML project over the archive (lookml/: manifest, model, one view per archived
 * table, dashboards) from the registry and the BigQuery schemas, so Looker explores the archive
 * as it explores System Activity. The committed lookml/ is the output for one instance in
 * Terraform's default dataset; for several, name each (its dataset defaults to Terraform's
 * <dataset_id>_<name>) and write the project where your Looker project's repository is:
 *
 *   npm run lookml                                   # (re)generate lookml/
 *   npm run lookml -- --check                        # exit 1 if a file is stale, missing or stray
 *   npm run lookml -- --dir ../my-looker-project --instance prod --instance staging=sa_staging
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DATASET, type ArchiveInstance } from './lookml/archive.js';
import { projectFiles } from './lookml/project.js';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    dir: { type: 'string', default: fileURLToPath(new URL('../lookml/', import.meta.url)) },
    instance: { type: 'string', multiple: true, default: [] },
  },
});

/** `name` or `name=dataset`; one instance alone defaults to Terraform's single dataset. */
function instances(specs: readonly string[]): ArchiveInstance[] {
  if (specs.length === 0) return [{ name: 'default', dataset: DEFAULT_DATASET }];
  return specs.map((spec) => {
    const [name, dataset] = spec.split('=') as [string, string | undefined];
    return {
      name,
      dataset:
        dataset ?? (specs.length === 1 ? DEFAULT_DATASET : `${DEFAULT_DATASET}_${name.replace(/-/g, '_')}`),
    };
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && /\.(lkml|lookml)$/.test(entry.name))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

const dir = values.dir;
const wanted = projectFiles(instances(values.instance));
const problems: string[] = [];
for (const [file, text] of wanted) {
  const path = join(dir, file);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) continue;
  if (values.check) {
    problems.push(`${path} is ${current === undefined ? 'missing' : 'stale'}`);
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    console.log(`wrote ${path}`);
  }
}
// A view or dashboard the generator no longer makes would still be read by Looker.
for (const file of await filesUnder(dir))
  if (!wanted.has(file)) problems.push(`${join(dir, file)} is not generated`);
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error('run: npm run lookml (and remove stray files)');
  process.exitCode = 1;
}
