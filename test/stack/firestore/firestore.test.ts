/**
 * The Firestore emulator launcher: Google's emulator JVM through `@google-cloud/firestore`, and
 * the promise that no JVM outlives its owner.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Firestore } from '@google-cloud/firestore';
import { freePort, startFirestoreEmulator, type FirestoreEmulator } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const run = promisify(execFile);
const here = new URL('.', import.meta.url).pathname;
const repo = new URL('../../../', import.meta.url).pathname;

/** Running, as opposed to gone or a zombie waiting for a parent to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of emulator JVMs listening on this port, from the process table. */
async function jvmsOnPort(port: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', `cloud-firestore-emulator.jar.* --port=${port}$`]).catch(
    () => ({
      stdout: '',
    }),
  );
  return stdout.split('\n').filter(Boolean).map(Number);
}

/** A client as the product builds one for the emulator, without touching process.env. */
function client(emulator: FirestoreEmulator, projectId: string): Firestore {
  return new Firestore({
    projectId,
    host: emulator.host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
  });
}

describe('Firestore emulator', () => {
  let emulator: FirestoreEmulator;
  let startMs: number;

  before(async () => {
    const started = Date.now();
    emulator = await startFirestoreEmulator();
    startMs = Date.now() - started;
  });
  after(() => emulator.close());

  // How fast it starts is a benchmark figure (startMs is logged), not a spec: a loaded machine
  // may take longer. What is specified is that it is ready when start resolves.
  it('is ready when start resolves and reads back what it was sent', async (t) => {
    t.diagnostic(`ready after ${startMs} ms`);
    assert.match(emulator.host, /^127\.0\.0\.1:\d+$/);
    const db = client(emulator, 'emulator-spec');
    try {
      const ref = db.collection('things').doc('a');
      await ref.set({ n: 1, at: new Date('2026-01-02T03:04:05Z') });
      const snapshot = await ref.get();
      assert.equal(snapshot.get('n'), 1);
      assert.equal(snapshot.get('at').toDate().toISOString(), '2026-01-02T03:04:05.000Z');
    } finally {
      await db.terminate();
    }
  });

  it('isolates transactions: two that read then write one document really contend', async () => {
    const db = client(emulator, 'emulator-spec');
    try {
      const ref = db.collection('counters').doc('c');
      await ref.set({ n: 0 });
      let attempts = 0;
      let reads = 0;
      const increment = () =>
        db.runTransaction(async (tx) => {
          attempts += 1;
          const snapshot = await tx.get(ref);
          reads += 1;
          // Hold the read until the other transaction has read too (or a while has passed), so
          // both write over the same version.
          for (let waited = 0; reads < 2 && waited < 1000; waited += 20) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          tx.set(ref, { n: (snapshot.get('n') as number) + 1 });
        });
      await Promise.all([increment(), increment()]);
      assert.equal((await ref.get()).get('n'), 2, 'an increment was lost');
      assert.ok(attempts > 2, `no transaction was retried (${attempts} attempts)`);
    } finally {
      await db.terminate();
    }
  });

  it('reset(projectId) deletes that project’s documents only', async () => {
    const mine = client(emulator, 'reset-me');
    const other = client(emulator, 'keep-me');
    try {
      await mine.doc('state/a').set({ x: 1 });
      await mine.doc('state/b/sub/c').set({ x: 2 });
      await other.doc('state/a').set({ x: 3 });
      await emulator.reset('reset-me');
      assert.equal((await mine.collection('state').get()).size, 0);
      assert.equal((await mine.doc('state/b/sub/c').get()).exists, false);
      assert.equal((await other.doc('state/a').get()).get('x'), 3);
    } finally {
      await Promise.all([mine.terminate(), other.terminate()]);
    }
  });
});

describe('Firestore emulator lifecycle', () => {
  it('close() ends the JVM and frees the port; a second close() is harmless', async () => {
    const emulator = await startFirestoreEmulator();
    const port = Number(emulator.host.split(':')[1]);
    assert.deepEqual(await jvmsOnPort(port), [emulator.pid], 'one JVM, the one we hold');
    await emulator.close();
    await emulator.close();
    assert.equal(alive(emulator.pid), false, 'the JVM is still running');
    assert.deepEqual(await jvmsOnPort(port), []);
    await assert.rejects(fetch(`${emulator.url}/`));
  });

  it('fails with the emulator’s own output when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(startFirestoreEmulator({ port }), (error: Error) => {
        assert.equal(error.name, 'FirestoreEmulatorError');
        assert.match(error.message, /exited before it was ready/);
        assert.match(error.message, /BindException: Address already in use/);
        return true;
      });
      assert.deepEqual(await jvmsOnPort(port), []);
    } finally {
      blocker.close();
    }
  });

  it('gives up after readyTimeoutMs with a clear error and kills what it started', async () => {
    const port = await freePort();
    await assert.rejects(startFirestoreEmulator({ port, readyTimeoutMs: 50 }), (error: Error) => {
      assert.equal(error.name, 'FirestoreEmulatorError');
      assert.match(error.message, new RegExp(`did not answer on http://127.0.0.1:${port} within 50 ms`));
      return true;
    });
    assert.deepEqual(await jvmsOnPort(port), []);
  });

  it('says how to install the emulator when the SDK has no emulator jar', async () => {
    // A stand-in gcloud that reports an SDK root without the emulator in it.
    const bin = mkdtempSync(join(tmpdir(), 'fake-gcloud-'));
    writeFileSync(join(bin, 'gcloud'), `#!/bin/sh\necho ${bin}\n`);
    chmodSync(join(bin, 'gcloud'), 0o755);
    try {
      const script = `import('${join(here, 'index.ts')}').then((m) => m.startFirestoreEmulator()).then(
        () => process.exit(0), (e) => { console.log(e.name + ': ' + e.message); process.exit(1); });`;
      const error = await run(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: repo,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        timeout: 30_000,
      }).then(
        () => assert.fail('it started an emulator from an SDK that has none'),
        (e: { stdout: string }) => e.stdout,
      );
      assert.match(
        error,
        /FirestoreEmulatorError: The Firestore emulator is not installed: .*cloud-firestore-emulator\.jar is missing/,
      );
      assert.match(error, /gcloud components install cloud-firestore-emulator/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  for (const ending of ['process.exit', 'SIGTERM', 'SIGINT'] as const) {
    it(`kills the JVM when its Node process ends by ${ending}`, async () => {
      const script = `import('${join(here, 'index.ts')}').then(async (m) => {
        const e = await m.startFirestoreEmulator();
        console.log('pid=' + e.pid);
        ${
          // The exit waits a moment so the test sees the JVM alive first.
          ending === 'process.exit'
            ? 'setTimeout(() => process.exit(0), 1500);'
            : 'setInterval(() => {}, 1000);'
        }
      });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const pid = await new Promise<number>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no pid within 20 s: ${output}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /pid=(\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      try {
        assert.ok(alive(pid));
        if (ending !== 'process.exit') child.kill(ending);
        await exited;
        // SIGKILL is immediate, but the kernel may need a moment to reap the JVM.
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(alive(pid), false, 'the JVM outlived its Node process');
      } finally {
        if (alive(pid)) process.kill(-pid, 'SIGKILL');
      }
    });
  }
});
