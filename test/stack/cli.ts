/**
 * `npm run stack`: starts the local stack, prints `export NAME=value` lines that point the
 * function and Google's clients at it (never a secret's value: those live only in the Secret
 * Manager fake and in a `looker.ini` for the Looker fake, mode 0600 in a temporary folder, whose
 * path is printed), and on Ctrl-C or SIGTERM stops everything, the Firestore JVM included, and
 * exits 0. It also stops when its parent goes away: `kill <npm's pid>` kills npm and its shell
 * but not this process, which would otherwise keep the stack running with nobody to stop it.
 * `eval "$(npm run -s stack)"` cannot work (it never returns); copy the lines instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretManagerSource } from '../../src/secrets/index.js';
import { startStack, type Stack } from './index.js';

const startedAt = performance.now();
let stack: Stack | undefined;
let signalled: string | undefined;
let iniFolder: string | undefined;

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
  if (iniFolder) rmSync(iniFolder, { recursive: true, force: true });
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
async function writeLookerIni(started: Stack): Promise<string> {
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
    iniFolder = mkdtempSync(join(tmpdir(), 'looker-stack-'));
    const path = join(iniFolder, 'looker.ini');
    const ini = `[Looker]\nbase_url=${started.looker.url}\nclient_id=${clientId}\nclient_secret=${clientSecret}\nverify_ssl=true\n`;
    writeFileSync(path, ini, { mode: 0o600 });
    return path;
  } finally {
    await secrets.close();
  }
}

let iniPath: string | undefined;
try {
  stack = await startStack();
  iniPath = await writeLookerIni(stack);
} catch (error) {
  console.error(`# ${(error as Error).message}`);
  await stack?.stop().catch(() => undefined);
  process.exit(1);
}
if (signalled) {
  const signal = signalled;
  signalled = undefined;
  await stop(signal);
} else {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  for (const [name, value] of Object.entries(stack.env)) console.log(`export ${name}=${value}`);
  console.log(
    `# looker.ini for the Looker fake (mode 0600, removed when the stack stops): ${iniPath}\n` +
      `#   npm run export -- --ini ${iniPath} --explore history --from YYYY-MM-DD --to YYYY-MM-DD --out history.jsonl`,
  );
  const port = (address: string) => address.replace(/^.*:/, '');
  console.log(
    `# local stack up in ${seconds} s on 127.0.0.1: Looker ${port(stack.looker.url)}, GCS ${port(stack.gcs.url)}, ` +
      `BigQuery ${port(stack.bigquery.url)}, Secret Manager ${port(stack.secrets.address)} (gRPC) ` +
      `${port(stack.secrets.restUrl)} (REST), Firestore ${port(stack.firestore.host)}; Ctrl-C stops it`,
  );
}
