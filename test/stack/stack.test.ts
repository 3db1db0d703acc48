/**
 * The local stack as a whole: `startStack()` in process and `npm run stack` as a child, each
 * judged through Google's clients (gcloud run with only what the CLI printed), and neither
 * leaving a process or a port behind.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { CloudTasksClient } from '@google-cloud/tasks';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { freePort } from './firestore/index.js';
import { startStack, type Stack } from './index.js';
import { insecureGrpc } from './spec-helpers.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** The variables of CONTRACT.md's table that the stack sets (LOOKER_VERIFY_SSL, LOOKER_TIMEOUT_SECONDS stay unset). */
const CONTRACT_ENV = [
  'LOOKER_BASE_URL',
  'LOOKER_CLIENT_ID_SECRET',
  'LOOKER_CLIENT_SECRET_SECRET',
  'LOOKER_INSTANCE_NAME',
  'GOOGLE_CLOUD_PROJECT',
  'GCS_BUCKET',
  'BQ_DATASET',
  'BQ_LOCATION',
  'FIRESTORE_COLLECTION',
  'GCS_API_ENDPOINT',
  'BIGQUERY_API_ENDPOINT',
  'SECRET_MANAGER_API_ENDPOINT',
  'FIRESTORE_EMULATOR_HOST',
  'CLOUD_TASKS_API_ENDPOINT',
  'METADATA_SERVER_DETECTION',
];

/** What `npm run stack` prints besides the contract's variables: gcloud pointed at the fakes' REST faces. */
const GCLOUD_ENV = [
  'CLOUDSDK_CONFIG',
  'CLOUDSDK_CORE_PROJECT',
  'CLOUDSDK_AUTH_ACCESS_TOKEN_FILE',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER',
  'CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS',
];

/** The one child of a process (npm's shell). */
function childOf(pid: number): number {
  return Number(
    execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')[0],
  );
}

/** Running, as opposed to gone or a zombie waiting for a parent to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function jvmsOnPort(port: string | number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', `cloud-firestore-emulator.jar.* --port=${port}$`]).catch(
    () => ({
      stdout: '',
    }),
  );
  return stdout.split('\n').filter(Boolean).map(Number);
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const portOf = (endpoint: string) => Number(/:(\d+)\/?$/.exec(endpoint)![1]);

function secretClient(env: Record<string, string>): SecretManagerServiceClient {
  const [host, port] = env.SECRET_MANAGER_API_ENDPOINT!.split(':');
  return new SecretManagerServiceClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
  });
}

async function readSecret(client: SecretManagerServiceClient, env: Record<string, string>, name: string) {
  const [version] = await client.accessSecretVersion({
    name: `projects/${env.GOOGLE_CLOUD_PROJECT}/secrets/${name}/versions/latest`,
  });
  return Buffer.from(version.payload!.data as Uint8Array).toString();
}

async function lookerLogin(baseUrl: string, clientId: string, clientSecret: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/4.0/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }),
  });
  await res.arrayBuffer();
  return res.status;
}

function firestoreClient(env: Record<string, string>): Firestore {
  return new Firestore({
    projectId: env.GOOGLE_CLOUD_PROJECT,
    host: env.FIRESTORE_EMULATOR_HOST,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
  });
}

describe('startStack()', () => {
  let stack: Stack;
  let startMs: number;

  before(async () => {
    const started = Date.now();
    stack = await startStack();
    startMs = Date.now() - started;
  });
  after(() => stack.stop());

  it('starts in well under 15 s and sets exactly the variables of the contract', () => {
    assert.ok(startMs < 15_000, `started in ${startMs} ms`);
    assert.deepEqual(Object.keys(stack.env).sort(), [...CONTRACT_ENV].sort());
    assert.equal(stack.projectId, 'looker-export-local');
    assert.deepEqual(
      {
        project: stack.env.GOOGLE_CLOUD_PROJECT,
        bucket: stack.env.GCS_BUCKET,
        dataset: stack.env.BQ_DATASET,
        location: stack.env.BQ_LOCATION,
        collection: stack.env.FIRESTORE_COLLECTION,
        ids: [stack.env.LOOKER_CLIENT_ID_SECRET, stack.env.LOOKER_CLIENT_SECRET_SECRET],
        metadata: stack.env.METADATA_SERVER_DETECTION,
      },
      {
        project: 'looker-export-local',
        bucket: 'looker-export-staging',
        dataset: 'looker_system_activity',
        location: 'US',
        collection: 'looker_activity_export',
        ids: ['looker-client-id', 'looker-client-secret'],
        metadata: 'none',
      },
    );
  });

  it('points every variable at a live service, through Google’s clients', async () => {
    const { env } = stack;
    // Secret Manager holds the Looker fake's credentials, and they log in.
    const secrets = secretClient(env);
    try {
      const clientId = await readSecret(secrets, env, env.LOOKER_CLIENT_ID_SECRET!);
      const clientSecret = await readSecret(secrets, env, env.LOOKER_CLIENT_SECRET_SECRET!);
      assert.equal(await lookerLogin(env.LOOKER_BASE_URL!, clientId, clientSecret), 200);
      assert.equal(await lookerLogin(env.LOOKER_BASE_URL!, clientId, 'wrong'), 404);
    } finally {
      await secrets.close();
    }

    const storage = new Storage({ apiEndpoint: env.GCS_API_ENDPOINT, projectId: env.GOOGLE_CLOUD_PROJECT });
    const [bucketExists] = await storage.bucket(env.GCS_BUCKET!).exists();
    assert.equal(bucketExists, true);

    const bigquery = new BigQuery({
      projectId: env.GOOGLE_CLOUD_PROJECT,
      apiEndpoint: env.BIGQUERY_API_ENDPOINT,
      authClient: new PassThroughClient(),
    });
    const [dataset] = await bigquery.dataset(env.BQ_DATASET!).get();
    assert.equal(dataset.metadata.location, env.BQ_LOCATION);

    const db = firestoreClient(env);
    try {
      await db.collection(env.FIRESTORE_COLLECTION!).doc('probe').set({ ok: true });
      assert.equal((await db.collection(env.FIRESTORE_COLLECTION!).doc('probe').get()).get('ok'), true);
    } finally {
      await db.terminate();
    }
  });

  it('reset() forgets data and faults but keeps the bucket, the dataset and the seeded secrets', async () => {
    const { env } = stack;
    const storage = new Storage({ apiEndpoint: env.GCS_API_ENDPOINT, projectId: env.GOOGLE_CLOUD_PROJECT });
    await storage.bucket(env.GCS_BUCKET!).file('staged.jsonl').save('{"a":1}\n', { resumable: false });
    const db = firestoreClient(env);
    const secrets = secretClient(env);
    try {
      await db.collection(env.FIRESTORE_COLLECTION!).doc('state').set({ watermark: 1 });
      stack.secrets.setSecret(env.LOOKER_CLIENT_SECRET_SECRET!, 'rotated');
      stack.looker.faults.add({ fault: { kind: 'status', status: 500 } });

      await stack.reset();

      assert.equal(stack.looker.faults.pending, 0);
      assert.equal((await storage.bucket(env.GCS_BUCKET!).file('staged.jsonl').exists())[0], false);
      assert.equal((await storage.bucket(env.GCS_BUCKET!).exists())[0], true);
      assert.equal((await db.collection(env.FIRESTORE_COLLECTION!).get()).size, 0);
      const bigquery = new BigQuery({
        projectId: env.GOOGLE_CLOUD_PROJECT,
        apiEndpoint: env.BIGQUERY_API_ENDPOINT,
        authClient: new PassThroughClient(),
      });
      assert.equal((await bigquery.dataset(env.BQ_DATASET!).exists())[0], true);
      const clientId = await readSecret(secrets, env, env.LOOKER_CLIENT_ID_SECRET!);
      const clientSecret = await readSecret(secrets, env, env.LOOKER_CLIENT_SECRET_SECRET!);
      assert.notEqual(clientSecret, 'rotated');
      assert.equal(await lookerLogin(env.LOOKER_BASE_URL!, clientId, clientSecret), 200);
    } finally {
      await Promise.all([db.terminate(), secrets.close()]);
    }
  });

  it('stop() closes every port and ends the Firestore JVM', async () => {
    const local = await startStack();
    const ports = [
      portOf(local.env.LOOKER_BASE_URL!),
      portOf(local.env.GCS_API_ENDPOINT!),
      portOf(local.env.BIGQUERY_API_ENDPOINT!),
      portOf(local.env.SECRET_MANAGER_API_ENDPOINT!),
      portOf(local.secrets.restUrl),
      portOf(local.env.FIRESTORE_EMULATOR_HOST!),
    ];
    for (const port of ports) assert.equal(await listening(port), true, `nothing on ${port}`);
    assert.deepEqual(await jvmsOnPort(ports[5]!), [local.firestore.pid]);
    await local.stop();
    await local.stop();
    for (const port of ports) assert.equal(await listening(port), false, `${port} still listens`);
    assert.equal(alive(local.firestore.pid), false, 'the Firestore JVM outlived stop()');
  });

  it('stops what did start and names the part when one fails', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const [looker, gcs, bigquery, secrets] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    try {
      await assert.rejects(
        startStack({
          looker: { port: looker },
          gcs: { port: gcs },
          bigquery: { port: bigquery },
          secrets: { port: secrets },
          firestore: { port: taken },
        }),
        /The local stack did not start \(firestore: The Firestore emulator exited before it was ready/,
      );
      for (const port of [looker, gcs, bigquery, secrets]) {
        assert.equal(await listening(port), false, `${port} was left listening`);
      }
      assert.deepEqual(await jvmsOnPort(taken), []);
    } finally {
      blocker.close();
    }
  });
});

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Starts the stack's CLI as a child in its own process group, as a terminal would run it. */
function startCli(command: string, args: string[]) {
  const child: Child = spawn(command, args, { cwd: repo, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    /** The printed variables, once the summary line is out. */
    async ready(): Promise<{ env: Record<string, string>; seconds: number }> {
      for (let waited = 0; !/^# local stack up in/m.test(output); waited += 50) {
        if (waited > 30_000 || child.exitCode !== null) {
          throw new Error(`no summary line from the stack:\n${output}\n${errors}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const env = Object.fromEntries(
        [...output.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      return { env, seconds: Number(/^# local stack up in ([\d.]+) s/m.exec(output)![1]) };
    },
    /** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

describe('npm run stack', () => {
  it('prints the contract’s variables, gcloud’s and no secret, and Ctrl-C leaves no process or port', async () => {
    const cli = startCli('npm', ['run', '--silent', 'stack']);
    try {
      const { env, seconds } = await cli.ready();
      assert.ok(seconds < 15, `took ${seconds} s to start`);
      assert.deepEqual(Object.keys(env).sort(), [...CONTRACT_ENV, ...GCLOUD_ENV].sort());

      // The values of the secrets are in the fake and nowhere in what was printed.
      const secrets = secretClient(env);
      let credentials: string[];
      try {
        credentials = await Promise.all(
          [env.LOOKER_CLIENT_ID_SECRET!, env.LOOKER_CLIENT_SECRET_SECRET!].map((name) =>
            readSecret(secrets, env, name),
          ),
        );
      } finally {
        await secrets.close();
      }
      assert.equal(await lookerLogin(env.LOOKER_BASE_URL!, credentials[0]!, credentials[1]!), 200);
      for (const value of credentials) assert.ok(!cli.output().includes(value), 'a secret value was printed');

      const firestorePort = portOf(env.FIRESTORE_EMULATOR_HOST!);
      const ports = [
        portOf(env.LOOKER_BASE_URL!),
        portOf(env.GCS_API_ENDPOINT!),
        portOf(env.BIGQUERY_API_ENDPOINT!),
        portOf(env.SECRET_MANAGER_API_ENDPOINT!),
        portOf(env.CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER!),
        firestorePort,
        portOf(env.CLOUD_TASKS_API_ENDPOINT!),
        portOf(env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS!),
      ];
      for (const port of ports) assert.equal(await listening(port), true, `nothing on ${port}`);
      const jvms = await jvmsOnPort(firestorePort);
      assert.equal(jvms.length, 1, 'one JVM runs the emulator');

      cli.interrupt();
      await cli.exited; // npm itself reports the SIGINT it was sent, whatever the script's status
      assert.match(cli.output(), /# SIGINT: stopping the local stack\n# local stack stopped\n/);
      for (let i = 0; i < 50 && alive(jvms[0]!); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(alive(jvms[0]!), false, 'the Firestore JVM outlived the stack');
      for (const port of ports) assert.equal(await listening(port), false, `${port} still listens`);
    } finally {
      cli.kill();
    }
  });

  it('writes a looker.ini that npm run export can use at once, and killing npm by its pid leaves no process', async () => {
    const cli = startCli('npm', ['run', '--silent', 'stack']);
    try {
      const { env } = await cli.ready();
      const ini = /^# looker\.ini for the Looker fake .*: (\S+)$/m.exec(cli.output())?.[1];
      assert.ok(ini, cli.output());
      assert.equal(statSync(ini).mode & 0o777, 0o600);
      const text = readFileSync(ini, 'utf8');
      assert.match(text, new RegExp(`^base_url=${env.LOOKER_BASE_URL}$`, 'm'));
      for (const value of [...text.matchAll(/^client_(?:id|secret)=(.+)$/gm)].map((m) => m[1]!))
        assert.ok(!cli.output().includes(value), 'a credential was printed');

      const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const out = join(mkdtempSync(join(tmpdir(), 'export-')), 'history.jsonl');
      await run(
        'npm',
        [
          'run',
          '--silent',
          'export',
          '--',
          '--ini',
          ini,
          '--explore',
          'history',
          '--from',
          day,
          '--to',
          day,
          '--out',
          out,
        ],
        { cwd: repo, env: { ...process.env, LOG_LEVEL: 'error' }, timeout: 30_000 },
      );
      const rows = readFileSync(out, 'utf8').split('\n').filter(Boolean);
      assert.ok(rows.length > 0, 'the export wrote no rows');
      assert.equal((JSON.parse(rows[0]!) as { created_time: string }).created_time.slice(0, 10), day);

      const node = Number(
        execFileSync('pgrep', ['-f', '-P', String(childOf(cli.child.pid!)), 'test/stack/cli.ts'])
          .toString()
          .trim() || 0,
      );
      assert.ok(node > 0, "the stack's node process was not found under npm's shell");
      const jvms = await jvmsOnPort(portOf(env.FIRESTORE_EMULATOR_HOST!));
      assert.equal(jvms.length, 1);
      // `npm run stack &` then `kill %1`: SIGTERM to npm alone, not to its process group.
      process.kill(cli.child.pid!, 'SIGTERM');
      for (let i = 0; i < 100 && [node, ...jvms].some(alive); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(alive(jvms[0]!), false, 'the Firestore JVM outlived npm');
      assert.equal(alive(node), false, "the stack's node process outlived npm");
      assert.equal(existsSync(ini), false, 'the looker.ini was left behind');
      assert.equal(await listening(portOf(env.LOOKER_BASE_URL!)), false);
    } finally {
      cli.kill();
    }
  });

  it('prints gcloud lines that work as pasted: a Cloud Tasks queue made and listed over REST, buckets, secrets', async () => {
    const cli = startCli('npm', ['run', '--silent', 'stack']);
    const home = mkdtempSync(join(tmpdir(), 'stack-gcloud-home-'));
    let folder: string | undefined;
    try {
      const { env } = await cli.ready();
      folder = dirname(env.CLOUDSDK_CONFIG!);
      // Only what was printed: the exports and the commented commands, run as a shell runs them.
      const commands = [...cli.output().matchAll(/^# {2,}(gcloud .+)$/gm)].map((m) => m[1]!);
      assert.deepEqual(
        commands.map((command) => command.split(' ').slice(0, 4).join(' ')),
        [
          'gcloud tasks queues create',
          'gcloud tasks queues list',
          'gcloud storage ls',
          'gcloud secrets list',
        ],
        cli.output(),
      );
      const tasksRest = env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS!;
      assert.match(tasksRest, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.notEqual(portOf(tasksRest), portOf(env.CLOUD_TASKS_API_ENDPOINT!), 'REST is not the gRPC port');
      const shell = (command: string) =>
        run('/bin/sh', ['-c', command], {
          // Isolation only: no variable of this process, a fresh HOME, no prompt, no update check.
          env: {
            PATH: process.env.PATH!,
            HOME: home,
            ...env,
            CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
            CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
          },
          timeout: 30_000,
        });

      const [create, list, ...rest] = commands as [string, string, string, string];
      const queue = /queues create (\S+)/.exec(create)![1]!;
      const location = /--location=(\S+)/.exec(list)![1]!;
      await shell(create);
      const [queues, buckets, secrets] = await Promise.all([list, ...rest].map(shell));
      const lines = queues!.stdout.trim().split('\n');
      assert.match(lines[0]!, /^QUEUE_NAME\s+STATE\s+MAX_NUM_OF_TASKS\s+MAX_RATE \(\/sec\)\s+MAX_ATTEMPTS$/);
      assert.deepEqual(
        lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2)),
        [[queue, 'RUNNING']],
      );
      assert.equal(buckets!.stdout.trim(), `gs://${env.GCS_BUCKET}/`);
      assert.match(secrets!.stdout, new RegExp(`^${env.LOOKER_CLIENT_ID_SECRET}\\s`, 'm'));
      assert.match(secrets!.stdout, new RegExp(`^${env.LOOKER_CLIENT_SECRET_SECRET}\\s`, 'm'));

      // The queue gcloud made over REST is the one the function's client sees over gRPC.
      const tasks = new CloudTasksClient(insecureGrpc(env.CLOUD_TASKS_API_ENDPOINT!));
      try {
        const [viaGrpc] = await tasks.listQueues({
          parent: `projects/${env.GOOGLE_CLOUD_PROJECT}/locations/${location}`,
        });
        assert.deepEqual(
          viaGrpc.map((q) => q.name),
          [`projects/${env.GOOGLE_CLOUD_PROJECT}/locations/${location}/queues/${queue}`],
        );
      } finally {
        await tasks.close();
      }

      cli.interrupt();
      await cli.exited;
      assert.equal(existsSync(env.CLOUDSDK_CONFIG!), false, 'the gcloud config was left behind');
    } finally {
      cli.kill();
      // A failure kills the CLI before it can remove its folder.
      for (const dir of [home, folder]) if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI exits 0 on SIGINT and on SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const cli = startCli(process.execPath, ['--import', 'tsx', 'test/stack/cli.ts']);
      try {
        const { env } = await cli.ready();
        const jvms = await jvmsOnPort(portOf(env.FIRESTORE_EMULATOR_HOST!));
        cli.child.kill(signal);
        assert.deepEqual(await cli.exited, { code: 0, signal: null });
        assert.equal(jvms.some(alive), false, `a JVM outlived ${signal}`);
      } finally {
        cli.kill();
      }
    }
  });
});
