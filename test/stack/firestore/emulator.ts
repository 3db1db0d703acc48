import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface FirestoreEmulator {
  /** `127.0.0.1:PORT`, the value of FIRESTORE_EMULATOR_HOST. */
  host: string;
  pid: number;
  /** Deletes every document of a project. */
  reset(projectId: string): Promise<void>;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A test runner or Ctrl-C that ends this process must not leave a JVM behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The Cloud SDK root, as gcloud itself reports it. */
export function cloudSdkRoot(): string {
  try {
    return execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      timeout: 30_000,
    }).trim();
  } catch {
    throw new Error(
      'The Google Cloud SDK (gcloud) is required for the Firestore emulator; install it and put gcloud on PATH',
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Google's real Firestore emulator: the JVM directly, so one process owns it and
 * stopping it leaves nothing behind (gcloud's wrapper leaves bash and java running).
 */
export async function startFirestoreEmulator(
  options: { port?: number; readyTimeoutMs?: number } = {},
): Promise<FirestoreEmulator> {
  const jar = join(cloudSdkRoot(), 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar');
  if (!existsSync(jar)) {
    throw new Error(
      `The Firestore emulator is not installed (${jar} is missing): gcloud components install cloud-firestore-emulator`,
    );
  }
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const child = spawn(
    'java',
    [
      '-Duser.language=en',
      '-cp',
      jar,
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      '--host=127.0.0.1',
      `--port=${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`The Firestore emulator exited (${child.exitCode}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`http://${host}/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `The Firestore emulator was not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    host,
    pid: child.pid!,
    async reset(projectId) {
      const res = await fetch(
        `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
      if (!res.ok) throw new Error(`Firestore emulator reset failed: HTTP ${res.status}`);
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
