import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export type HclBody = Record<string, unknown>;

/** One Terraform module (one directory), parsed by HashiCorp's HCL parser (compiled to wasm). */
export interface ParsedModule {
  /** Absolute path, no trailing slash. */
  dir: string;
  /** File name -> the file in HCL's JSON form. */
  files: Record<string, HclBody>;
  /** `type.name` -> body of every `resource` block. */
  resources: Map<string, HclBody>;
  /** `type.name` -> body of every `data` block. */
  data: Map<string, HclBody>;
  variables: Map<string, HclBody>;
  outputs: Map<string, HclBody>;
  /** Every local value, from all `locals` blocks. */
  locals: Map<string, unknown>;
  modules: Map<string, HclBody>;
}

/** Parses the .tf files of one directory (a module does not include its subdirectories). */
export async function parseModule(dir: string): Promise<ParsedModule> {
  const module: ParsedModule = {
    dir: resolve(dir),
    files: {},
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    locals: new Map(),
    modules: new Map(),
  };
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.tf')).map((e) => e.name);
  for (const name of names.sort()) {
    const json = (await parse(name, await readFile(join(dir, name), 'utf8'))) as HclBody;
    module.files[name] = json;
    for (const [kind, target] of [
      ['resource', module.resources],
      ['data', module.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, HclBody[]>>)) {
        for (const [label, bodies] of Object.entries(byName)) target.set(`${type}.${label}`, bodies[0]!);
      }
    }
    for (const [kind, target] of [
      ['variable', module.variables],
      ['output', module.outputs],
      ['module', module.modules],
    ] as const) {
      for (const [label, bodies] of Object.entries((json[kind] ?? {}) as Record<string, HclBody[]>)) target.set(label, bodies[0]!);
    }
    for (const block of (json.locals ?? []) as HclBody[]) for (const [key, value] of Object.entries(block)) module.locals.set(key, value);
  }
  return module;
}

/** Every directory under `root` holding .tf files: the module and its examples. */
export async function moduleDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith('.tf'))) dirs.push(resolve(root));
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) dirs.push(...(await moduleDirs(join(root, entry.name))));
  }
  return dirs.sort();
}

/** Every string anywhere in a parsed value (attribute values, list items, nested blocks). */
export function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* strings(item);
}

/** A reference inside a `${...}` expression. */
export type Reference =
  | { kind: 'var'; name: string; text: string }
  | { kind: 'local'; name: string; text: string }
  | { kind: 'module'; name: string; output: string; text: string }
  | { kind: 'resource' | 'data'; type: string; name: string; steps: string[]; text: string };

/**
 * The references in one parsed string. HCL's JSON form keeps every expression as `${...}`
 * text, so this scans the text of the expressions (not of plain strings around them).
 */
export function references(value: string): Reference[] {
  const found: Reference[] = [];
  for (const expression of expressions(value)) {
    // Quoted strings inside an expression are data, except their own ${...}.
    const code = expression.replace(/"(?:[^"\\]|\\.)*"/g, (s) => expressions(s).join(' '));
    for (const m of code.matchAll(/(?<![\w.])(var|local)\.(\w+)/g)) found.push({ kind: m[1] === 'var' ? 'var' : 'local', name: m[2]!, text: m[0] });
    for (const m of code.matchAll(/(?<![\w.])module\.(\w+)\.(\w+)/g)) found.push({ kind: 'module', name: m[1]!, output: m[2]!, text: m[0] });
    for (const m of code.matchAll(/(?<![\w.])(data\.)?((?:google|archive)_\w+)\.(\w+)((?:\[[^\]]*\]|\.\w+)*)/g)) {
      // An index (`[0]`, `[each.value.instance]`) is not an attribute step.
      const steps = [...(m[4] ?? '').replace(/\[[^\]]*\]/g, '').matchAll(/\.(\w+)/g)].map((s) => s[1]!);
      found.push({ kind: m[1] ? 'data' : 'resource', type: m[2]!, name: m[3]!, steps, text: m[0] });
    }
  }
  return found;
}

/** The `${...}` expressions in a string, braces balanced. */
function expressions(value: string): string[] {
  const found: string[] = [];
  let start = value.indexOf('${');
  while (start !== -1) {
    let depth = 0;
    let end = value.length;
    for (let i = start + 1; i < value.length; i++) {
      if (value[i] === '{') depth++;
      else if (value[i] === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    found.push(value.slice(start + 2, end));
    start = value.indexOf('${', end);
  }
  return found;
}

/** The directory a `module` block's local `source` points to. */
export function moduleSource(module: ParsedModule, name: string): string {
  const source = String(module.modules.get(name)?.source ?? '');
  if (!source.startsWith('.')) throw new Error(`module ${name} in ${module.dir} has a non-local source ${source}`);
  return resolve(module.dir, source);
}

/** A resource block of the module by address (`type.name`), asserting it is there. */
export function resourceOf(module: ParsedModule, address: string): HclBody {
  const body = module.resources.get(address);
  assert.ok(body, `resource ${address} is missing`);
  return body;
}

/** The first nested block `name` of a body, asserting it is a block. */
export function blockOf(body: HclBody, name: string): HclBody {
  const bodies = body[name];
  assert.ok(Array.isArray(bodies), `${name} is not a block`);
  return bodies[0] as HclBody;
}
