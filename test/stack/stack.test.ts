/** The local stack as a whole: `npm run stack` starts it, prints its variables, and leaves nothing behind. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run stack', () => {
  it('starts every service, prints where they are, and stops on Ctrl-C leaving no process behind', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/stack/cli.ts'], {
      cwd: new URL('../../', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 30 s:\n${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('local stack ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const startSeconds = (Date.now() - started) / 1000;
    const env = Object.fromEntries([...output.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    for (const name of [
      'LOOKER_BASE_URL',
      'GCS_API_ENDPOINT',
      'BIGQUERY_API_ENDPOINT',
      'SECRET_MANAGER_API_ENDPOINT',
      'FIRESTORE_EMULATOR_HOST',
    ]) {
      assert.ok(env[name], `${name} not printed`);
    }
    assert.doesNotMatch(output, /local-secret-/, 'the Looker client secret was printed');

    // Every printed endpoint answers.
    assert.equal((await fetch(`${env.LOOKER_BASE_URL}/api/4.0/lookml_models/system__activity`)).status, 401);
    assert.equal((await fetch(`${env.GCS_API_ENDPOINT}/storage/v1/b/looker-export-staging`)).status, 200);
    assert.equal(
      (
        await fetch(
          `${env.BIGQUERY_API_ENDPOINT}/bigquery/v2/projects/${env.GOOGLE_CLOUD_PROJECT}/datasets/${env.BQ_DATASET}`,
        )
      ).status,
      200,
    );
    assert.equal((await fetch(`http://${env.FIRESTORE_EMULATOR_HOST}/`)).status, 200);

    const java = await new Promise<number[]>((resolve) => {
      const ps = spawn('pgrep', [
        '-f',
        `cloud-firestore-emulator.jar.*--port=${env.FIRESTORE_EMULATOR_HOST!.split(':')[1]}`,
      ]);
      let pids = '';
      ps.stdout.on('data', (c: Buffer) => (pids += c.toString()));
      ps.on('close', () => resolve(pids.split('\n').filter(Boolean).map(Number)));
    });
    assert.equal(java.length, 1, 'one JVM runs the emulator');

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(alive(java[0]!), false, 'the Firestore JVM outlived the stack');
    await assert.rejects(fetch(`${env.LOOKER_BASE_URL}/`), 'the Looker fake still listens');
    assert.ok(startSeconds < 15, `the stack took ${startSeconds} s to start`);
  });
});
