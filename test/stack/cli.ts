/**
 * `npm run stack`: starts the local stack, prints `export NAME=value` lines that point the
 * function and Google's clients at it (never a secret's value: those live only in the Secret
 * Manager fake), and on Ctrl-C or SIGTERM stops everything, the Firestore JVM included, and
 * exits 0. `eval "$(npm run -s stack)"` cannot work (it never returns); copy the lines instead.
 */
import { startStack, type Stack } from './index.js';

const startedAt = performance.now();
let stack: Stack | undefined;
let signalled: NodeJS.Signals | undefined;

// Installed before anything starts, so a Ctrl-C during startup still stops what did start.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stop(signal));
}

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (signalled) return;
  signalled = signal;
  if (!stack) return; // still starting: stopped as soon as it is up
  console.log(`# ${signal}: stopping the local stack`);
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

try {
  stack = await startStack();
} catch (error) {
  console.error(`# ${(error as Error).message}`);
  process.exit(1);
}
if (signalled) {
  const signal = signalled;
  signalled = undefined;
  await stop(signal);
} else {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  for (const [name, value] of Object.entries(stack.env)) console.log(`export ${name}=${value}`);
  const port = (address: string) => address.replace(/^.*:/, '');
  console.log(
    `# local stack up in ${seconds} s on 127.0.0.1: Looker ${port(stack.looker.url)}, GCS ${port(stack.gcs.url)}, ` +
      `BigQuery ${port(stack.bigquery.url)}, Secret Manager ${port(stack.secrets.address)} (gRPC) ` +
      `${port(stack.secrets.restUrl)} (REST), Firestore ${port(stack.firestore.host)}; Ctrl-C stops it`,
  );
}
