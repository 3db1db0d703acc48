/**
 * What the BigQuery fake's GoogleSQL engine costs at the demo's size (run by hand):
 *
 *   node --import tsx test/stack/bigquery/engine-probe.ts
 *
 * Starts the local stack, runs the demo's initial load (every explore, through the real
 * function), then creates the shipped views over what landed and times, on the fake: the
 * ZetaSQL server's start, one query per view (twice: the second shows the steady cost), and the
 * peak memory of the server process and of this process. Prints the rows of each table read.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { explores } from '../../../src/explores/index.js';
import { startHarness } from '../../support/harness.js';
import { loadViews, viewOrder } from '../../terraform/views.js';
import { ZetaSql } from '../zetasql/index.js';

const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/** Peak resident memory (VmHWM, KiB) of the ZetaSQL servers this process started. */
function serverPeakKib(): number {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s+remote_server/m.test(status)) continue;
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
      peak = Math.max(peak, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    } catch {
      // The process ended meanwhile.
    }
  }
  return peak;
}

const standalone = new ZetaSql();
let started = Date.now();
await standalone.start();
console.log(
  `ZetaSQL server start (empty): ${seconds(Date.now() - started)}, resident ${mib(serverPeakKib())}`,
);
await standalone.close();

const h = await startHarness({
  now: new Date(today.getTime() + 3 * 3_600_000),
  env: { EXPORT_EXPLORES: [...explores.keys()].join(',') },
});
try {
  started = Date.now();
  await h.call({});
  console.log(`demo initial load: ${seconds(Date.now() - started)}`);
  const dataset = h.config.bigquery.dataset;
  const bigquery = h.clients.bigquery;
  const [tables] = await bigquery.dataset(dataset).getTables();
  const counts: string[] = [];
  for (const table of tables) {
    const [metadata] = await table.getMetadata();
    counts.push(`${table.id} ${metadata.numRows}`);
  }
  console.log(`tables (rows): ${counts.join(', ')}`);

  const views = await loadViews();
  const byName = new Map(views.map((v) => [v.name, v]));
  const project = h.stack.projectId;
  const render = (name: string) =>
    byName.get(name)!.template.replaceAll('${project}', project).replaceAll('${dataset}', dataset);
  started = Date.now();
  for (const name of viewOrder(views))
    await bigquery.dataset(dataset).createTable(name, { view: render(name) });
  console.log(
    `create ${views.length} views (the first starts the ZetaSQL server): ${seconds(Date.now() - started)}`,
  );

  for (const name of viewOrder(views))
    for (const pass of ['first', 'second']) {
      started = Date.now();
      try {
        const [rows] = await bigquery.query({ query: `SELECT * FROM \`${project}.${dataset}.${name}\`` });
        console.log(`  ${name} (${pass}): ${rows.length} rows in ${seconds(Date.now() - started)}`);
      } catch (error) {
        console.log(
          `  ${name} (${pass}): refused in ${seconds(Date.now() - started)}: ${(error as Error).message.slice(0, 100)}`,
        );
      }
    }
  console.log(
    `peak resident: ZetaSQL server ${mib(serverPeakKib())}, this process ${mib(Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]))}`,
  );
} finally {
  await h.stop();
}
