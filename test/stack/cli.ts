/**
 * `npm run stack`: starts the local stack, prints the variables that point the function and
 * Google's clients at it, and stops everything (the Firestore JVM included) on Ctrl-C.
 */
import { startStack } from './index.js';

const started = Date.now();
const stack = await startStack();
for (const [name, value] of Object.entries(stack.env)) console.log(`export ${name}=${value}`);
console.log(
  `# local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: Looker ${stack.looker.url}, GCS ${stack.gcs.url}, ` +
    `BigQuery ${stack.bigquery.url}, Secret Manager ${stack.secrets.address} (REST ${stack.secrets.restUrl}), Firestore ${stack.firestore.host}. Ctrl-C stops it.`,
);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`# ${signal}: stopping the local stack`);
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
