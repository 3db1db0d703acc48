import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export type HclBlock = Record<string, unknown>;

export interface ParsedModule {
  files: Record<string, Record<string, unknown>>;
  /** `type.name` -> body, for every `resource` block. */
  resources: Map<string, HclBlock>;
  data: Map<string, HclBlock>;
  variables: Map<string, HclBlock>;
  outputs: Map<string, HclBlock>;
}

/** Parses every .tf file under `dir` (not descending into `examples/` unless asked) with HashiCorp's HCL parser. */
export async function parseModule(dir: string, recursive = false): Promise<ParsedModule> {
  const module: ParsedModule = { files: {}, resources: new Map(), data: new Map(), variables: new Map(), outputs: new Map() };
  for (const file of await tfFiles(dir, recursive)) {
    const json = (await parse(file, await readFile(file, 'utf8'))) as Record<string, unknown>;
    module.files[relative(dir, file)] = json;
    for (const [kind, target] of [
      ['resource', module.resources],
      ['data', module.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, HclBlock[]>>)) {
        for (const [name, bodies] of Object.entries(byName)) target.set(`${type}.${name}`, bodies[0]!);
      }
    }
    for (const [name, bodies] of Object.entries((json.variable ?? {}) as Record<string, HclBlock[]>)) module.variables.set(name, bodies[0]!);
    for (const [name, bodies] of Object.entries((json.output ?? {}) as Record<string, HclBlock[]>)) module.outputs.set(name, bodies[0]!);
  }
  return module;
}

async function tfFiles(dir: string, recursive: boolean): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && recursive && !entry.name.startsWith('.')) files.push(...(await tfFiles(path, true)));
    else if (entry.isFile() && entry.name.endsWith('.tf')) files.push(path);
  }
  return files.sort();
}

/** Every string anywhere in a parsed value (attribute values, list items, nested blocks). */
export function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* strings(item);
}
