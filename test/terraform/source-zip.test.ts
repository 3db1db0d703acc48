/**
 * The deploy zip: Terraform's archive_file excludes what .gcloudignore lists (one list for
 * `gcloud functions deploy` and Terraform). Built here the same way, it must hold what Cloud
 * Build needs to build and start the function, and nothing of the tests, stack or Terraform.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import yazl from 'yazl';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The exclusion list exactly as terraform/function.tf derives it from .gcloudignore. */
async function excludes(): Promise<string[]> {
  const lines = (await readFile(join(ROOT, '.gcloudignore'), 'utf8')).split('\n').map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/\/$/, ''));
}

/** archive_file semantics: a pattern matches a path or a directory above it; `*` within a name. */
function excluded(path: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return regex.test(path) || (!pattern.includes('/') && path.split('/').some((_, i, parts) => regex.test(parts.slice(i).join('/'))));
  });
}

async function sourceFiles(dir: string, patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path);
    if (excluded(rel, patterns)) continue;
    if (entry.isDirectory()) files.push(...(await sourceFiles(path, patterns)));
    else files.push(rel);
  }
  return files.sort();
}

describe('the function source zip', () => {
  it('holds the package, lockfile, TypeScript config and src/, and nothing else', async () => {
    const files = await sourceFiles(ROOT, await excludes());
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/index.ts']) {
      assert.ok(files.includes(needed), `${needed} is missing from the deploy zip`);
    }
    const stray = files.filter((f) => !/^(package(-lock)?\.json|tsconfig(\.build)?\.json|src\/.+\.(ts|json))$/.test(f));
    assert.deepEqual(stray, [], 'files the function does not need would be uploaded');

    const zip = new yazl.ZipFile();
    for (const file of files) zip.addFile(join(ROOT, file), file);
    zip.end();
    const out = join(tmpdir(), `function-source-${process.pid}.zip`);
    await new Promise<void>((resolve, reject) =>
      zip.outputStream
        .pipe(createWriteStream(out))
        .on('close', () => resolve())
        .on('error', reject),
    );
    assert.ok((await stat(out)).size > 10_000);
  });

  it('builds with the package’s gcp-build script, which Cloud Build runs', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    assert.equal(pkg.scripts['gcp-build'], 'npm run build');
    assert.equal(pkg.main, 'dist/src/index.js');
  });
});
