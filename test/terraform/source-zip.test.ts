/**
 * The deploy zip. Terraform's archive_file leaves out what `local.source_excludes` lists, which
 * main.tf derives from .gcloudignore (the list `gcloud functions deploy` uses). Here the real
 * Terraform evaluates that list, the zip is built the way hashicorp/archive builds it, and:
 * - it holds exactly the files gcloud itself would upload (`gcloud meta list-files-for-upload`);
 * - it holds package.json, the lockfile, the TypeScript config and src/, and nothing of the
 *   tests, the stack, Terraform, node_modules, the benchmark or the build output;
 * - unpacked, it builds with the package's gcp-build script (what Cloud Build runs) and serves
 *   the entry point Terraform names, started with the environment Terraform computes.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import yazl from 'yazl';
import { evaluate, MODULE, ROOT } from './console.js';

const run = promisify(execFile);

let work: string;
let excludes: string[];
let files: string[];
let zipPath: string;
let example: Record<string, unknown>;
let server: ChildProcess | undefined;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'function-source-'));
  example = (await parse('tfvars', await readFile(join(MODULE, 'examples/simple/terraform.tfvars.example'), 'utf8'))) as Record<string, unknown>;
  const result = await evaluate(example, 'local.source_excludes');
  assert.ok(result.ok, 'terraform evaluates local.source_excludes');
  excludes = result.value as string[];
  files = await archiveFiles(ROOT.replace(/\/$/, ''), excludes.map(globMatcher));
  zipPath = join(work, 'source.zip');
  await writeZip(files, zipPath);
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill();
    await once(server, 'exit');
  }
  await rm(work, { recursive: true, force: true });
});

describe('the function source zip', () => {
  it('leaves out exactly what gcloud leaves out: one .gcloudignore for both ways of deploying', async () => {
    const { stdout } = await run('gcloud', ['meta', 'list-files-for-upload', ROOT], { env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' } });
    const gcloud = stdout.split('\n').filter(Boolean).sort();
    assert.ok(gcloud.includes('package.json'), 'gcloud listed the source');
    assert.deepEqual(files, gcloud);
  });

  it('holds the package, lockfile, TypeScript config and every file of src/, and nothing else', async () => {
    const entries = zipEntries(await readFile(zipPath)).map((e) => e.name);
    assert.deepEqual(entries.slice().sort(), files);
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      assert.ok(entries.includes(needed), `${needed} is missing from the deploy zip`);
    }
    for (const source of await walk(join(ROOT, 'src'))) assert.ok(entries.includes(relative(ROOT, source)), `${relative(ROOT, source)} is missing`);
    for (const prefix of ['test/', 'terraform/', 'node_modules/', 'bench/', 'scripts/', 'dist/', '.git/', 'coverage/']) {
      assert.deepEqual(
        entries.filter((e) => e.startsWith(prefix)),
        [],
        `the zip holds files under ${prefix}`,
      );
    }
    assert.deepEqual(
      entries.filter((f) => !/^(package(-lock)?\.json|tsconfig(\.build)?\.json|src\/.+)$/.test(f)),
      [],
      'files the function does not need would be uploaded',
    );
  });

  it('builds with gcp-build and serves exportSystemActivity with the environment Terraform sets', async () => {
    // What Cloud Build does: unpack, install (the repository's node_modules stand in for
    // `npm ci`), run the gcp-build script; then the runtime loads package.json's main.
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    assert.equal(pkg.scripts['gcp-build'], 'npm run build');
    assert.equal(pkg.scripts.build, 'tsc -p tsconfig.build.json');
    const app = join(work, 'app');
    for (const entry of zipEntries(await readFile(zipPath))) {
      await mkdir(dirname(join(app, entry.name)), { recursive: true });
      await writeFile(join(app, entry.name), entry.data());
    }
    await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: app });
    assert.ok((await stat(join(app, pkg.main))).isFile(), `the build wrote ${pkg.main}`);

    const environment = await evaluate(example, 'local.function_environment');
    assert.ok(environment.ok);
    // Load main as the framework does, then serve the registered function on loopback.
    const script = [
      "import { readFileSync } from 'node:fs';",
      "import { pathToFileURL } from 'node:url';",
      "await import(pathToFileURL(JSON.parse(readFileSync('package.json', 'utf8')).main).href);",
      "const { getTestServer } = await import('@google-cloud/functions-framework/testing');",
      "const server = getTestServer('exportSystemActivity');",
      "server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));",
    ].join('\n');
    server = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, METADATA_SERVER_DETECTION: 'none', ...(environment.value as Record<string, string>) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the function did not start:\n${output}`)), 20_000);
      server!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /LISTENING (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      server!.on('exit', (code) => reject(new Error(`the function exited (${code}):\n${output}`)));
    });
    // A method the handler refuses before it touches Looker or Google: proves the HTTP path.
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'PUT' });
    assert.equal(response.status, 405);
    assert.equal(((await response.json()) as { code: string }).code, 'method_not_allowed');
    assert.doesNotMatch(output, /configuration is invalid/, 'the function refused the environment Terraform sets');
  });
});

/**
 * archive_file's walk (hashicorp/archive 2.5+, zip_archiver.go): filepath.Walk over the source,
 * each path relative to it matched with doublestar.PathMatch against every exclude; a matching
 * directory is skipped whole, symlinks are followed.
 */
async function archiveFiles(root: string, patterns: RegExp[], dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const rel = relative(root, path);
    if (patterns.some((p) => p.test(rel))) continue;
    if ((await stat(path)).isDirectory()) found.push(...(await archiveFiles(root, patterns, path)));
    else found.push(rel);
  }
  return found.sort();
}

/** doublestar.PathMatch for the syntax the excludes use: `*`, `?`, `[...]` and `**` as a whole segment. */
function globMatcher(pattern: string): RegExp {
  if (/[{}\\]/.test(pattern)) throw new Error(`exclude ${pattern}: this emulation covers *, ?, [...] and ** segments only`);
  const segments = pattern.split('/');
  const source = segments
    .map((segment, i) => {
      const last = i === segments.length - 1;
      // `**/` matches zero or more directories; a final `**` everything below.
      if (segment === '**') return last ? '.*' : '(?:[^/]+/)*';
      if (segment.includes('**')) throw new Error(`exclude ${pattern}: ** inside a name is not emulated`);
      const body = segment
        .replace(/[.+^$()|]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\[!/g, '[^');
      return last ? body : `${body}/`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(path)));
    else found.push(path);
  }
  return found;
}

async function writeZip(names: string[], path: string): Promise<void> {
  const zip = new yazl.ZipFile();
  // Fixed times, as archive_file writes them, so equal trees give equal hashes.
  for (const name of names) zip.addFile(join(ROOT, name), name, { mtime: new Date(1980, 0, 1) });
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'close');
}

/** The entries of a zip, read from its central directory (stored or deflated). */
function zipEntries(zip: Buffer): { name: string; data: () => Buffer }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: { name: string; data: () => Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({
      name,
      data: () => {
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + size);
        return method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
      },
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
