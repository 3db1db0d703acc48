/**
 * `npm run stack`: starts the local stack, prints `export NAME=value` lines that point the
 * function and Google's clients at it (never a secret's value: those live only in the Secret
 * Manager fake and in a `looker.ini` for the Looker fake, mode 0600 in a temporary folder, whose
 * path is printed), then `CLOUDSDK_` lines that point gcloud at the fakes' REST faces with a
 * throw-away configuration in that folder, and paste-ready gcloud commands (Cloud Tasks among
 * them), and on Ctrl-C or SIGTERM stops everything, the Firestore JVM included, and exits 0.
 * It also stops when its parent goes away: `kill <npm's pid>` kills npm and its shell but not
 * this process, which would otherwise keep the stack running with nobody to stop it.
 * `eval "$(npm run -s stack)"` cannot work (it never returns); copy the lines instead.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretManagerSource } from '../../src/secrets/index.js';
import { startStack, TASKS_LOCATION, type Stack } from './index.js';

const startedAt = performance.now();
let stack: Stack | undefined;
let signalled: string | undefined;
/** Holds the looker.ini and the gcloud configuration; removed when the stack stops. */
let folder: string | undefined;

// Installed before anything starts, so a Ctrl-C during startup still stops what did start.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stop(signal));
}
// With npm gone its pipe may be closed: a failed status line must not stop the clean-up.
process.stdout.on('error', () => undefined);
// Orphaned (npm and its shell killed): the kernel re-parents this process, so its ppid changes.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop('parent process gone');
}, 250).unref();

async function stop(reason: string): Promise<void> {
  if (signalled) return;
  signalled = reason;
  if (folder) rmSync(folder, { recursive: true, force: true });
  if (!stack) return; // still starting: stopped as soon as it is up
  console.log(`# ${reason}: stopping the local stack`);
  // A part that hangs must not keep the terminal: the JVM is killed on exit regardless.
  setTimeout(() => {
    console.error('# the stack did not stop within 10 s; exiting anyway');
    process.exit(1);
  }, 10_000).unref();
  try {
    await stack.stop();
  } catch (error) {
    console.error(`# stopping the local stack failed: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log('# local stack stopped');
  process.exit(0);
}

/** A looker.ini for the Looker fake, as `npm run export -- --ini PATH` reads it; only its path is printed. */
async function writeLookerIni(started: Stack, dir: string): Promise<string> {
  const secrets = new SecretManagerSource({
    projectId: started.projectId,
    apiEndpoint: started.secrets.address,
  });
  try {
    const [clientId, clientSecret] = await Promise.all(
      [started.env.LOOKER_CLIENT_ID_SECRET!, started.env.LOOKER_CLIENT_SECRET_SECRET!].map((name) =>
        secrets.read(name),
      ),
    );
    const path = join(dir, 'looker.ini');
    const ini = `[Looker]\nbase_url=${started.looker.url}\nclient_id=${clientId}\nclient_secret=${clientSecret}\nverify_ssl=true\n`;
    writeFileSync(path, ini, { mode: 0o600 });
    return path;
  } finally {
    await secrets.close();
  }
}

/**
 * What gcloud needs to reach the fakes over REST (gcloud speaks no plaintext gRPC): a throw-away
 * configuration folder in `dir` (so no real account or project is used or changed), the project,
 * a token file (the fakes take any token; this one is a placeholder, not a credential), and the
 * endpoint overrides, each an absolute URL ending in `/` as gcloud requires.
 */
function gcloudEnv(started: Stack, dir: string): Record<string, string> {
  const config = join(dir, 'gcloud');
  mkdirSync(config, { mode: 0o700 });
  const token = join(config, 'token');
  writeFileSync(token, 'local-stack-token', { mode: 0o600 });
  return {
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_CORE_PROJECT: started.projectId,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: token,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${started.gcs.url}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER: `${started.secrets.restUrl}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS: `${started.tasks.url}/`,
  };
}

let iniPath: string | undefined;
let gcloud: Record<string, string> | undefined;
try {
  stack = await startStack();
  folder = mkdtempSync(join(tmpdir(), 'looker-stack-'));
  iniPath = await writeLookerIni(stack, folder);
  gcloud = gcloudEnv(stack, folder);
} catch (error) {
  console.error(`# ${(error as Error).message}`);
  if (folder) rmSync(folder, { recursive: true, force: true });
  await stack?.stop().catch(() => undefined);
  process.exit(1);
}
if (signalled) {
  const signal = signalled;
  signalled = undefined;
  await stop(signal);
} else {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  for (const [name, value] of Object.entries({ ...stack.env, ...gcloud }))
    console.log(`export ${name}=${value}`);
  console.log(
    `# looker.ini for the Looker fake (mode 0600, removed when the stack stops): ${iniPath}\n` +
      `#   npm run export -- --ini ${iniPath} --explore history --from YYYY-MM-DD --to YYYY-MM-DD --out history.jsonl`,
  );
  // The stack makes no Cloud Tasks queue (Terraform does in the cloud): the first line makes one
  // as fan-out mode names it (TASKS_QUEUE_PREFIX-instance), so the list shows something.
  console.log(
    `# gcloud with the CLOUDSDK_ variables above (a throw-away config, removed when the stack stops); ` +
      `the stack has no Cloud Tasks queue, the first line makes one:\n` +
      `#   gcloud tasks queues create looker-activity-export-${stack.env.LOOKER_INSTANCE_NAME} --location=${TASKS_LOCATION}\n` +
      `#   gcloud tasks queues list --location=${TASKS_LOCATION}\n` +
      `#   gcloud storage ls\n` +
      `#   gcloud secrets list`,
  );
  const port = (address: string) => address.replace(/^.*:/, '');
  console.log(
    `# local stack up in ${seconds} s on 127.0.0.1: Looker ${port(stack.looker.url)}, GCS ${port(stack.gcs.url)}, ` +
      `BigQuery ${port(stack.bigquery.url)}, Secret Manager ${port(stack.secrets.address)} (gRPC) ` +
      `${port(stack.secrets.restUrl)} (REST), Firestore ${port(stack.firestore.host)}, ` +
      `Cloud Tasks ${port(stack.tasks.address)} (gRPC) ${port(stack.tasks.url)} (REST); Ctrl-C stops it`,
  );
}
