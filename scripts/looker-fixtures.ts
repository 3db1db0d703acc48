/**
 * Regenerates the Looker contract fixtures in test/fixtures/looker/ from the team's shared Looker
 * sources (present on the team's machines and in CI, not in a user's clone):
 *
 * - `system-activity-model.json`: the System Activity model facts, verbatim;
 * - `looker-4.0-oas-subset.json`: from Looker's OpenAPI 4.0 spec (MIT), the paths the exporter
 *   and the fake speak plus every component schema, which is what the specs check bodies against.
 *
 * Run: `node --import tsx scripts/looker-fixtures.ts PATH/TO/shared/looker`. Nothing the README's
 * commands run reads those sources; they read these committed copies.
 */
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The team's shared Looker sources: on our machines and in CI, never in a user's clone.
if (!process.argv[2])
  throw new Error('usage: node --import tsx scripts/looker-fixtures.ts PATH/TO/shared/looker');
const source = resolve(process.argv[2]);
const target = new URL('../test/fixtures/looker/', import.meta.url).pathname;

/** The endpoints the exporter calls and the fake serves. */
const PATHS = [
  '/login',
  '/logout',
  '/user',
  '/queries/run/{result_format}',
  '/lookml_models',
  '/lookml_models/{lookml_model_name}',
  '/lookml_models/{lookml_model_name}/explores/{explore_name}',
];

interface Spec {
  openapi: string;
  info: { version: string; 'x-looker-release-version'?: string; title: string };
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
}

const spec = JSON.parse(readFileSync(`${source}/Looker.4.0.oas.json`, 'utf8')) as Spec;
const missing = PATHS.filter((path) => !(path in spec.paths));
if (missing.length) throw new Error(`the spec has no ${missing.join(', ')}`);
const subset = {
  openapi: spec.openapi,
  info: {
    title: spec.info.title,
    version: spec.info.version,
    'x-looker-release-version': spec.info['x-looker-release-version'],
    'x-derived':
      'subset of Looker.4.0.oas.json (MIT, see LICENSE.sdk-codegen): the paths below and every component schema',
  },
  paths: Object.fromEntries(PATHS.map((path) => [path, spec.paths[path]])),
  components: { schemas: spec.components.schemas },
};
writeFileSync(`${target}/looker-4.0-oas-subset.json`, `${JSON.stringify(subset)}\n`);
copyFileSync(`${source}/system-activity-model.json`, `${target}/system-activity-model.json`);
for (const name of ['system-activity-model.json', 'LICENSE.sdk-codegen'])
  chmodSync(`${target}/${name}`, 0o644);
copyFileSync(`${source}/LICENSE.sdk-codegen`, `${target}/LICENSE.sdk-codegen`);
console.log(`wrote ${target} from ${source}`);
