import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Attribute and block names of one resource (or nested block), as the google provider defines them. */
export interface SchemaNode {
  attributes: Set<string>;
  blocks: Map<string, SchemaNode>;
  /** Top-level arguments the provider requires. */
  required: Set<string>;
}

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve('@cdktf/provider-google/package.json')), 'lib');

/** The hashicorp/google version the installed @cdktf/provider-google was generated from. */
export async function providerVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, '..', 'package.json'), 'utf8')) as { cdktf?: { provider?: { version?: string } } };
  return pkg.cdktf?.provider?.version ?? 'unknown';
}

/**
 * Reads a resource's schema out of the generated cdktf bindings (no provider binary needed):
 * each class's `synthesizeAttributes()` lists the argument names, and each nested block has a
 * `...ToTerraform(struct)` function listing its own; the config interface marks required ones.
 */
export async function resourceSchema(type: string, kind: 'resource' | 'data' = 'resource'): Promise<SchemaNode | undefined> {
  const folder = kind === 'data' ? `data-${type.replace(/_/g, '-')}` : type.replace(/^google_/, '').replace(/_/g, '-');
  let js: string;
  let dts: string;
  try {
    js = await readFile(join(root, folder, 'index.js'), 'utf8');
    dts = await readFile(join(root, folder, 'index.d.ts'), 'utf8');
  } catch {
    return undefined;
  }
  if (!js.includes(`tfResourceType = "${type}"`)) return undefined;
  const top = /synthesizeAttributes\(\) \{\s*return \{([\s\S]*?)\n\s*\};/.exec(js)?.[1];
  if (top === undefined) return undefined;
  const node = parseReturn(top, js, new Map());
  const config = new RegExp(`export interface \\w+Config extends cdktf\\.TerraformMetaArguments \\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1] ?? '';
  let pending: string | undefined;
  for (const line of config.split('\n')) {
    const link = /#(\w+) \w+#\w+\}/.exec(line);
    if (link) pending = link[1];
    const field = /^\s*readonly \w+(\?)?:/.exec(line);
    if (field && pending) {
      if (!field[1]) node.required.add(pending);
      pending = undefined;
    }
  }
  return node;
}

function parseReturn(body: string, js: string, seen: Map<string, SchemaNode>): SchemaNode {
  const node: SchemaNode = { attributes: new Set(), blocks: new Map(), required: new Set() };
  for (const line of body.split('\n')) {
    const match = /^\s*(\w+): (.*),?$/.exec(line);
    if (!match) continue;
    const [, name, expression] = match;
    const nested = [...expression!.matchAll(/\b(\w+ToTerraform)\b/g)].map((m) => m[1]!).find((fn) => !/^(string|number|boolean|hashMapper|listMapper)/.test(fn));
    if (!nested) {
      node.attributes.add(name!);
      continue;
    }
    if (!seen.has(nested)) {
      const fnBody = new RegExp(`function ${nested}\\(struct\\) \\{[\\s\\S]*?return \\{([\\s\\S]*?)\\n    \\};`).exec(js)?.[1] ?? '';
      const child: SchemaNode = { attributes: new Set(), blocks: new Map(), required: new Set() };
      seen.set(nested, child);
      const parsed = parseReturn(fnBody, js, seen);
      parsed.attributes.forEach((a) => child.attributes.add(a));
      parsed.blocks.forEach((b, k) => child.blocks.set(k, b));
    }
    node.blocks.set(name!, seen.get(nested)!);
  }
  return node;
}

/** Terraform's meta-arguments, valid on every resource. */
export const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/** Names in `body` the schema does not know, as dotted paths. */
export function unknownNames(body: Record<string, unknown>, schema: SchemaNode, path = ''): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    const where = path ? `${path}.${name}` : name;
    if (!path && META_ARGUMENTS.has(name)) continue;
    if (schema.attributes.has(name)) continue;
    const block = schema.blocks.get(name);
    if (!block) {
      problems.push(where);
      continue;
    }
    // A nested block parses as a list of bodies; an attribute given an object (a map) is not a block.
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item && typeof item === 'object') problems.push(...unknownNames(item as Record<string, unknown>, block, where));
    }
  }
  return problems;
}
