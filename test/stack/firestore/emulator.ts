/**
 * Google's real Firestore emulator (from the installed Cloud SDK), run as one JVM that this
 * process owns. `gcloud emulators firestore start` is avoided on purpose: killing that wrapper
 * leaves bash and java running.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface FirestoreEmulatorOptions {
  /** Port to listen on; a free one if omitted (and another is tried if it is taken meanwhile). */
  port?: number;
  /** How long the emulator may take to answer `GET /` (default 10 s; it takes 1 to 2 s here). */
  readyTimeoutMs?: number;
  /** After SIGTERM, how long `close()` waits before SIGKILL (default 2 s). */
  killGraceMs?: number;
}

export interface FirestoreEmulator {
  /** `127.0.0.1:PORT`: the value of FIRESTORE_EMULATOR_HOST. */
  host: string;
  /** `http://127.0.0.1:PORT`, for the emulator's own REST endpoints. */
  url: string;
  /** The JVM's process id (it leads its own process group). */
  pid: number;
  /** Deletes every document of one project (the emulator's DELETE documents endpoint). */
  reset(projectId: string): Promise<void>;
  /** Stops the JVM: SIGTERM, then SIGKILL after the grace period; resolves once it is gone. Idempotent. */
  close(): Promise<void>;
}

/** The emulator could not be found or started; the message says why and what to do. */
export class FirestoreEmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirestoreEmulatorError';
  }
}

const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const JAR = 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

// Every JVM started here and not yet gone. The JVMs lead their own process groups (so a
// terminal's Ctrl-C does not kill them behind our back mid-shutdown), which means nothing kills
// them for us: this process must, on every way out it can observe.
const running = new Set<ChildProcess>();
let guardsInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function installGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  // 'exit' runs for process.exit() and a normal end; only synchronous work is possible there.
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
  // A signal with no handler ends Node without 'exit'. Where nobody else handles it, kill the
  // JVMs and die of the same signal; where someone does (e.g. `npm run stack`), leave the
  // orderly stop to them.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      for (const child of running) killGroup(child, 'SIGKILL');
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

let sdkRoot: string | undefined;

function sdkError(error: unknown): FirestoreEmulatorError {
  return new FirestoreEmulatorError(
    `The Google Cloud SDK is needed for the Firestore emulator, but \`gcloud info\` failed (${(error as Error).message}). ` +
      'Install the Cloud SDK and put gcloud on PATH.',
  );
}

function checkedRoot(stdout: string): string {
  const root = stdout.trim();
  if (!root) throw new FirestoreEmulatorError('`gcloud info` reported no installation.sdk_root.');
  return (sdkRoot = root);
}

const SDK_ROOT_ARGS = ['info', '--format=value(installation.sdk_root)'];

/** The Cloud SDK root, as gcloud itself reports it (looked up once; blocks about half a second). */
export function cloudSdkRoot(): string {
  if (sdkRoot) return sdkRoot;
  try {
    return checkedRoot(execFileSync('gcloud', SDK_ROOT_ARGS, { encoding: 'utf8', timeout: 30_000 }));
  } catch (error) {
    throw error instanceof FirestoreEmulatorError ? error : sdkError(error);
  }
}

/** `cloudSdkRoot()` without blocking the event loop, so the other fakes start meanwhile. */
export async function findCloudSdkRoot(): Promise<string> {
  if (sdkRoot) return sdkRoot;
  const { stdout } = await promisify(execFile)('gcloud', SDK_ROOT_ARGS, { timeout: 30_000 }).catch(
    (error: unknown) => {
      throw sdkError(error);
    },
  );
  return checkedRoot(stdout);
}

/** A port that was free a moment ago on 127.0.0.1. */
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
 * Starts Google's Firestore emulator on 127.0.0.1 and resolves once it answers. Fails with a
 * `FirestoreEmulatorError` if the SDK or the emulator jar is missing, or if it is not ready in
 * time (the message ends with the emulator's last output). The JVM is killed when `close()` is
 * called, and also when this Node process exits or is ended by a signal it does not handle.
 */
export async function startFirestoreEmulator(
  options: FirestoreEmulatorOptions = {},
): Promise<FirestoreEmulator> {
  const jar = join(await findCloudSdkRoot(), JAR);
  if (!existsSync(jar)) {
    throw new FirestoreEmulatorError(
      `The Firestore emulator is not installed: ${jar} is missing. Install it with \`gcloud components install cloud-firestore-emulator\` ` +
        '(or the google-cloud-cli-firestore-emulator package).',
    );
  }
  installGuards();
  // A port picked by us can be taken before the JVM binds it; then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(jar, options.port ?? (await freePort()), options);
    } catch (error) {
      const retry = options.port === undefined && attempt < 3 && error instanceof PortTaken;
      if (!retry) throw error;
    }
  }
}

class PortTaken extends FirestoreEmulatorError {}

async function launch(
  jar: string,
  port: number,
  options: FirestoreEmulatorOptions,
): Promise<FirestoreEmulator> {
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const started = Date.now();
  const child = spawn(
    'java',
    ['-Duser.language=en', '-cp', jar, MAIN_CLASS, '--host=127.0.0.1', `--port=${port}`],
    // Its own process group: one kill(-pid) reaches the JVM and anything it forks.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const gone = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}`));
      running.delete(child);
      resolve();
    });
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null || !running.has(child);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (exited()) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.killGraceMs ?? 2000);
      await gone;
      clearTimeout(timer);
    })());

  const timeoutMs = options.readyTimeoutMs ?? 10_000;
  for (;;) {
    if (exited()) {
      await gone;
      const message = `The Firestore emulator exited before it was ready (${child.exitCode ?? child.signalCode}). Its last output:\n${tail}`;
      throw /BindException|Address already in use/i.test(tail)
        ? new PortTaken(message)
        : new FirestoreEmulatorError(message);
    }
    if (await answers(url)) break;
    if (Date.now() - started > timeoutMs) {
      await close();
      throw new FirestoreEmulatorError(
        `The Firestore emulator did not answer on ${url} within ${timeoutMs} ms. Its last output:\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Output is only kept for startup errors; stop buffering it.
  child.stdout!.removeListener('data', keep).resume();
  child.stderr!.removeListener('data', keep).resume();

  return {
    host,
    url,
    pid: child.pid!,
    async reset(projectId) {
      const res = await fetch(
        `${url}/emulator/v1/projects/${encodeURIComponent(projectId)}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
      if (!res.ok)
        throw new FirestoreEmulatorError(
          `Clearing ${projectId} in the Firestore emulator failed: HTTP ${res.status}`,
        );
    },
    close,
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
