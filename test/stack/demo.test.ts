/**
 * `npm run demo -- --keep`: after the demo the stack stays up and the printed `gcloud storage`
 * and `bq` commands work as printed (pasted into a shell with a fresh HOME), reading what the demo
 * loaded; Ctrl-C then stops everything, the Firestore JVM included.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';

const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

it('npm run demo -- --keep leaves the stack up with paste-ready commands that work, and Ctrl-C stops it', async () => {
  const child = spawn('npm', ['run', '--silent', 'demo', '--', '--keep'], {
    cwd: repo,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (let waited = 0; !output.includes('# --- end ---'); waited += 200) {
      assert.ok(waited < 180_000 && child.exitCode === null, `no commands from the demo:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(output, /simulated clock/);
    const block = output.slice(
      output.indexOf('# --- paste-ready commands ---'),
      output.indexOf('# --- end ---'),
    );
    const commands = block.split('\n').slice(1).filter(Boolean);
    assert.equal(commands.length, 4, block);

    // A shell with nothing set up: its own HOME (no ~/.bigqueryrc, no gcloud login), stdin closed.
    const home = mkdtempSync(join(tmpdir(), 'demo-home-'));
    const env = { PATH: process.env.PATH!, HOME: home };
    const outputs: string[] = [];
    for (const command of commands) {
      const { stdout } = await run('bash', ['-c', `${command} < /dev/null`], { env, timeout: 60_000 });
      outputs.push(stdout);
    }
    const [objects, tables, head, count] = outputs as [string, string, string, string];
    assert.match(objects, /^gs:\/\/looker-export-staging\/system_activity\/history\/.+\.jsonl$/m);
    assert.match(tables, /^\s+history\s+TABLE/m);
    assert.match(head, /\|\s+id\s+\|\s+created_time\s+\|.*\|\s+looker_instance\s+\|/);
    const total = Number(/total (\d+) rows, \d+ distinct ids/.exec(output)?.[1]);
    assert.ok(total > 0, output);
    assert.match(count, new RegExp(`\\|\\s+${total}\\s+\\|`), 'bq counts what the demo reported');

    const port = /FIRESTORE_EMULATOR_HOST=127\.0\.0\.1:(\d+)/.exec(output)![1]!;
    const { stdout: jvm } = await run('pgrep', ['-f', `cloud-firestore-emulator.jar.* --port=${port}$`]);
    const jvmPid = Number(jvm.trim());
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    assert.match(output, /# SIGINT: stopping the local stack\n# local stack stopped/);
    for (let i = 0; i < 50 && alive(jvmPid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(jvmPid), false, 'the Firestore JVM outlived the demo');
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
