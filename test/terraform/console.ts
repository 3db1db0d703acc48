import { spawn } from 'node:child_process';
import { parse } from '@cdktf/hcl2json';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MODULE = new URL('../../terraform/', import.meta.url).pathname;
export const ROOT = new URL('../../', import.meta.url).pathname;

/** A failed variable validation, as Terraform reports it. */
export interface ValidationError {
  variable: string;
  /** The rule's error_message, line breaks undone. */
  message: string;
}

/** The inputs of examples/simple/terraform.tfvars.example, read with the HCL parser. */
export async function exampleInputs(): Promise<Record<string, unknown>> {
  const file = join(MODULE, 'examples/simple/terraform.tfvars.example');
  return (await parse('terraform.tfvars', await readFile(file, 'utf8'))) as Record<string, unknown>;
}

export type ConsoleResult = { ok: true; value: unknown } | { ok: false; errors: ValidationError[]; stderr: string };

/**
 * Evaluates `expression` with the real `terraform console` over the module's variables.tf and
 * main.tf (which holds locals only, so no provider and no `terraform init` is needed): the
 * variables' types, defaults and validation rules, and the locals, are Terraform's own.
 * `inputs` become terraform.tfvars.json. Resolves to the value, or to the validation errors.
 */
export async function evaluate(inputs: Record<string, unknown>, expression: string): Promise<ConsoleResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tf-console-'));
  try {
    await mkdir(join(dir, 'schemas'));
    // main.tf reads local.tables from the generated schemas/tables.json.
    for (const file of ['variables.tf', 'main.tf', 'schemas/tables.json']) await copyFile(join(MODULE, file), join(dir, file));
    await writeFile(join(dir, 'terraform.tfvars.json'), JSON.stringify({ source_dir: ROOT.replace(/\/$/, ''), ...inputs }));
    // base64 keeps the printed value free of Terraform's string quoting.
    const { stdout, stderr } = await run(dir, `base64encode(jsonencode(${expression}))\n`);
    if (/^Error: /m.test(stderr)) return { ok: false, errors: validationErrors(stderr, await readFile(join(dir, 'variables.tf'), 'utf8')), stderr };
    const line = stdout.trim().split('\n').pop() ?? '';
    return { ok: true, value: JSON.parse(Buffer.from(JSON.parse(line) as string, 'base64').toString('utf8')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(cwd: string, stdin: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', ['console', '-no-color'], {
      cwd,
      // No call home (there is no internet) and nothing left in the user's directories.
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_DATA_DIR: join(cwd, '.terraform') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * The "Invalid value for variable" diagnostics in Terraform's plain-text output. The variable is
 * the one whose block holds the rule Terraform names ("validation rule at variables.tf:LINE"):
 * a rule that reads other variables lists them all in the value lines.
 */
function validationErrors(stderr: string, variablesTf: string): ValidationError[] {
  const lines = variablesTf.split('\n');
  const owner = (line: number) => {
    for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
      const m = /^variable "(\w+)"/.exec(lines[i]!);
      if (m) return m[1]!;
    }
    return undefined;
  };
  const errors: ValidationError[] = [];
  for (const chunk of stderr.split(/^(?=Error: )/m)) {
    if (!chunk.startsWith('Error: Invalid value for variable')) continue;
    const rule = /validation rule at variables\.tf:(\d+)/.exec(chunk);
    // From a tfvars file Terraform names the variable in the value line: "var.region is ...".
    const variable = (rule && owner(Number(rule[1]))) ?? (/var\.(\w+) is /.exec(chunk) ?? /variable "(\w+)"/.exec(chunk))?.[1] ?? '?';
    const paragraphs = chunk.split(/\n[ \t]*\n/).map((p) => p.trim());
    const checked = paragraphs.findIndex((p) => p.startsWith('This was checked by the validation rule'));
    errors.push({ variable, message: (paragraphs[checked - 1] ?? chunk).replace(/\s+/g, ' ') });
  }
  return errors;
}
