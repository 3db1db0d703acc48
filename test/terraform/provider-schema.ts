/**
 * The google provider's schema, read out of @cdktf/provider-google without the provider binary.
 *
 * The package is generated from the provider's own schema and keeps it in two forms, both read
 * here with TypeScript's parser rather than by pattern:
 * - `lib/<resource>/index.js`: each resource class's `synthesizeHclAttributes()` and each nested
 *   block's `<block>ToHclTerraform(struct)` build an object literal with one entry per argument,
 *   `{ value, isBlock, type, storageClassType }`; a block's `value` calls the function of the
 *   nested block. Classes read computed attributes with `this.getStringAttribute('uri')` (and the
 *   like) and nested objects with `new XOutputReference(this, "service_config")`.
 * - `lib/<resource>/index.d.ts`: the config interfaces, where a required argument is a property
 *   without `?`, linked to its Terraform name by its doc comment (`...#name Class#name}`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** What may be written inside one resource, data source or nested block. */
export interface BlockSchema {
  /** Arguments, by Terraform name: true when required. */
  attributes: Map<string, boolean>;
  /** Nested blocks, by Terraform name. */
  blocks: Map<string, { schema: BlockSchema; required: boolean }>;
}

/** What an expression may read from an object: each name, and what it holds if it is an object. */
export interface Readable {
  names(): Map<string, Readable | null>;
}

export interface ResourceSchema extends BlockSchema {
  type: string;
  kind: 'resource' | 'data';
  readable: Readable;
}

const require = createRequire(import.meta.url);
const PACKAGE = dirname(require.resolve('@cdktf/provider-google/package.json'));

/** The package's version and the hashicorp/google version it was generated from. */
export async function providerPackage(): Promise<{ version: string; providerVersion: string }> {
  const pkg = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as {
    version: string;
    cdktf?: { provider?: { name?: string; version?: string } };
  };
  if (pkg.cdktf?.provider?.name !== 'registry.terraform.io/hashicorp/google') {
    throw new Error(`@cdktf/provider-google is not generated from hashicorp/google: ${JSON.stringify(pkg.cdktf)}`);
  }
  return { version: pkg.version, providerVersion: pkg.cdktf.provider.version ?? 'unknown' };
}

const cache = new Map<string, Promise<ResourceSchema | undefined>>();

/**
 * The schema of a google resource or data source type, or undefined if the provider has no
 * such type. Throws if the generated code is not shaped as this reader expects, so a package
 * upgrade that changes the layout fails loudly instead of accepting everything.
 */
export function resourceSchema(type: string, kind: 'resource' | 'data' = 'resource'): Promise<ResourceSchema | undefined> {
  const key = `${kind}:${type}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = load(type, kind);
    cache.set(key, entry);
  }
  return entry;
}

async function load(type: string, kind: 'resource' | 'data'): Promise<ResourceSchema | undefined> {
  // The generator's folder names: google_storage_bucket -> storage-bucket; data -> data-google-storage-bucket.
  const folder = (kind === 'data' ? `data_${type}` : type.replace(/^google_/, '')).replace(/_/g, '-');
  let js: string;
  let dts: string;
  try {
    js = await readFile(join(PACKAGE, 'lib', folder, 'index.js'), 'utf8');
    dts = await readFile(join(PACKAGE, 'lib', folder, 'index.d.ts'), 'utf8');
  } catch {
    return undefined;
  }
  const code = new GeneratedCode(folder, js, dts);
  const className = code.classOfType(type);
  if (!className) return undefined;
  const top = code.block(code.attrsOfMethod(className, 'synthesizeHclAttributes'), `${className}Config`);
  return { ...top, type, kind, readable: code.readable(className) };
}

class GeneratedCode {
  private readonly js: ts.SourceFile;
  private readonly functions = new Map<string, ts.FunctionDeclaration>();
  private readonly classes = new Map<string, ts.ClassDeclaration>();
  private readonly interfaces = new Map<string, ts.InterfaceDeclaration>();
  private readonly blocks = new Map<string, BlockSchema>();
  private readonly readables = new Map<string, Readable>();

  constructor(
    private readonly folder: string,
    js: string,
    dts: string,
  ) {
    this.js = ts.createSourceFile(`${folder}/index.js`, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const declarations = ts.createSourceFile(`${folder}/index.d.ts`, dts, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    for (const statement of this.js.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name) this.functions.set(statement.name.text, statement);
      if (ts.isClassDeclaration(statement) && statement.name) this.classes.set(statement.name.text, statement);
    }
    for (const statement of declarations.statements) {
      if (ts.isInterfaceDeclaration(statement)) this.interfaces.set(statement.name.text, statement);
    }
  }

  /** The class whose `tfResourceType` is `type` (the generator writes `X.tfResourceType = "type"`). */
  classOfType(type: string): string | undefined {
    for (const statement of this.js.statements) {
      if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression)) continue;
      const { left, right } = statement.expression;
      if (ts.isPropertyAccessExpression(left) && left.name.text === 'tfResourceType' && ts.isStringLiteral(right) && right.text === type) {
        return left.expression.getText(this.js);
      }
    }
    return undefined;
  }

  /** The `attrs` object literal a class method builds. */
  attrsOfMethod(className: string, method: string): ts.ObjectLiteralExpression {
    const member = this.classes.get(className)?.members.find((m) => ts.isMethodDeclaration(m) && m.name.getText(this.js) === method);
    return this.attrsIn(member, `${className}.${method}`);
  }

  /** One block's schema from its `attrs` literal, with required-ness from interface `iface`. */
  block(attrs: ts.ObjectLiteralExpression, iface: string): BlockSchema {
    const required = this.requiredNames(iface);
    const schema: BlockSchema = { attributes: new Map(), blocks: new Map() };
    for (const property of attrs.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isObjectLiteralExpression(property.initializer)) {
        throw this.unexpected(`an attrs entry that is not "name: { ... }" in ${iface}`);
      }
      const name = propertyName(property.name);
      const fields = new Map(
        property.initializer.properties.filter(ts.isPropertyAssignment).map((p) => [propertyName(p.name), p.initializer] as const),
      );
      const isBlock = fields.get('isBlock');
      const value = fields.get('value');
      if (!isBlock || !value) throw this.unexpected(`attrs entry ${name} in ${iface} without isBlock/value`);
      if (isBlock.kind === ts.SyntaxKind.FalseKeyword) {
        schema.attributes.set(name, required.has(name));
        continue;
      }
      const nested = this.calledConverter(value);
      if (!nested) throw this.unexpected(`block ${name} in ${iface} names no ToHclTerraform function`);
      let child = this.blocks.get(nested);
      if (!child) {
        const childIface = nested.replace(/ToHclTerraform$/, '').replace(/^./, (c) => c.toUpperCase());
        child = this.block(this.attrsIn(this.functions.get(nested), nested), childIface);
        this.blocks.set(nested, child);
      }
      schema.blocks.set(name, { schema: child, required: required.has(name) });
    }
    return schema;
  }

  /** Names `this.getXAttribute('n')`, `this.interpolationForAttribute('n')` and `new Y(this, "n")` read in a class. */
  readable(className: string): Readable {
    const known = this.readables.get(className);
    if (known) return known;
    let names: Map<string, Readable | null> | undefined;
    const readable: Readable = {
      names: () => {
        if (names) return names;
        const found = new Map<string, Readable | null>();
        names = found;
        const cls = this.classes.get(className);
        if (!cls) throw this.unexpected(`class ${className}`);
        const visit = (node: ts.Node): void => {
          if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.expression.kind === ts.SyntaxKind.ThisKeyword) {
            const method = node.expression.name.text;
            const [first] = node.arguments;
            if (/^(get\w*Attribute|interpolationForAttribute)$/.test(method) && first && ts.isStringLiteral(first) && !found.has(first.text)) {
              found.set(first.text, null);
            }
          }
          if (ts.isNewExpression(node) && node.arguments && node.arguments.length >= 2) {
            const [owner, name] = node.arguments;
            if (owner!.kind === ts.SyntaxKind.ThisKeyword && ts.isStringLiteral(name!)) {
              // Nested objects are classes of this file; cdktf's own maps (cdktf.StringMap) are leaves.
              const target = ts.isIdentifier(node.expression) ? node.expression.text.replace(/(List|Map)$/, 'OutputReference') : undefined;
              found.set(name!.text, target && this.classes.has(target) ? this.readable(target) : null);
            }
          }
          ts.forEachChild(node, visit);
        };
        visit(cls);
        return found;
      },
    };
    this.readables.set(className, readable);
    return readable;
  }

  /** Terraform names of the properties of `iface` that have no `?`. */
  private requiredNames(iface: string): Set<string> {
    const declaration = this.interfaces.get(iface);
    if (!declaration) throw this.unexpected(`interface ${iface}`);
    const required = new Set<string>();
    for (const member of declaration.members) {
      if (!ts.isPropertySignature(member)) continue;
      const link = /#(\w+) \w+#\1\}/.exec(member.getFullText());
      if (!link) throw this.unexpected(`a registry link in the doc comment of ${iface}.${member.name.getText()}`);
      if (!member.questionToken) required.add(link[1]!);
    }
    return required;
  }

  private attrsIn(node: ts.Node | undefined, where: string): ts.ObjectLiteralExpression {
    let attrs: ts.ObjectLiteralExpression | undefined;
    const visit = (n: ts.Node): void => {
      if (attrs) return;
      if (ts.isVariableDeclaration(n) && n.name.getText(this.js) === 'attrs' && n.initializer && ts.isObjectLiteralExpression(n.initializer)) {
        attrs = n.initializer;
        return;
      }
      ts.forEachChild(n, visit);
    };
    if (node) visit(node);
    if (!attrs) throw this.unexpected(`"const attrs = { ... }" in ${where}`);
    return attrs;
  }

  /** The nested block's converter a `value:` expression calls: an identifier `xToHclTerraform` declared in this file. */
  private calledConverter(value: ts.Expression): string | undefined {
    let name: string | undefined;
    const visit = (n: ts.Node): void => {
      if (name) return;
      if (ts.isIdentifier(n) && n.text.endsWith('ToHclTerraform') && this.functions.has(n.text)) name = n.text;
      else ts.forEachChild(n, visit);
    };
    visit(value);
    return name;
  }

  private unexpected(what: string): Error {
    return new Error(`@cdktf/provider-google lib/${this.folder}: expected ${what}; the generated code changed shape`);
  }
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`unexpected property name ${name.getText()}`);
}

/** Terraform's meta-arguments, valid on every resource and data source. */
export const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/**
 * Every problem of one parsed body against its schema, as `path: message`: unknown arguments
 * or blocks, a block written as an `x = { }` attribute, missing required arguments and blocks;
 * nested and `dynamic` blocks included.
 */
export function checkBody(body: Record<string, unknown>, schema: BlockSchema, path = '', top = true): string[] {
  const problems: string[] = [];
  const at = (name: string) => (path ? `${path}.${name}` : name);
  for (const [name, value] of Object.entries(body)) {
    if (top && META_ARGUMENTS.has(name)) continue;
    if (name === 'dynamic') {
      for (const [label, bodies] of Object.entries(value as Record<string, Record<string, unknown>[]>)) {
        const block = schema.blocks.get(label);
        if (!block) {
          problems.push(`${at(`dynamic "${label}"`)}: no such block`);
          continue;
        }
        for (const dynamic of bodies) {
          for (const content of (dynamic.content as Record<string, unknown>[] | undefined) ?? []) {
            problems.push(...checkBody(content, block.schema, at(label), false));
          }
        }
      }
      continue;
    }
    if (schema.attributes.has(name)) continue;
    const block = schema.blocks.get(name);
    if (!block) {
      problems.push(`${at(name)}: no such argument or block`);
      continue;
    }
    // HCL's JSON form: a block is a list of bodies; `name = { ... }` is an attribute holding an object.
    if (!Array.isArray(value)) {
      problems.push(`${at(name)}: is a block; write "${name} { ... }", not "${name} = ..."`);
      continue;
    }
    for (const item of value) {
      if (item && typeof item === 'object') problems.push(...checkBody(item as Record<string, unknown>, block.schema, at(name), false));
    }
  }
  const dynamicLabels = new Set(Object.keys((body.dynamic as Record<string, unknown> | undefined) ?? {}));
  for (const [name, required] of schema.attributes) if (required && !(name in body)) problems.push(`${at(name)}: required argument is missing`);
  for (const [name, { required }] of schema.blocks) {
    if (required && !(name in body) && !dynamicLabels.has(name)) problems.push(`${at(name)}: required block is missing`);
  }
  return problems;
}

/**
 * Checks the attribute path an expression reads (`service_config[0].uri` as ['service_config',
 * 'uri'], indexes dropped); returns the first step the schema does not know, or undefined.
 */
export function unknownStep(readable: Readable, steps: readonly string[]): string | undefined {
  let node: Readable | null = readable;
  for (const step of steps) {
    if (!node) return undefined; // past a leaf (a map key or an object attribute): nothing to check
    const names: Map<string, Readable | null> = node.names();
    if (!names.has(step)) return step;
    node = names.get(step)!;
  }
  return undefined;
}
