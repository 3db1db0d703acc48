#!/usr/bin/env node
/**
 * `npm run check -- [--instance NAME]... [--explores a,b]`: the preflight check from a terminal,
 * through the same code as a `{"check": true}` call, with the function's environment variables.
 * Prints the JSON report on stdout and one line per check on stderr. Exit status: 0 when nothing
 * failed (warnings included), 1 when a check failed, 2 for bad arguments or configuration.
 */
import { createClients } from '../clients.js';
import { parseConfig } from '../config/index.js';
import { ExportError } from '../errors.js';
import { parseHttpRequest } from '../http/request.js';
import { createLogger } from '../log.js';
import { createPreflight, type PreflightReport } from '../preflight/index.js';
import { parseCommandLine } from './args.js';

const USAGE = 'usage: npm run check -- [--instance NAME]... [--explores a,b]';

export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      instance: { type: 'string', multiple: true },
      explores: { type: 'string' },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  // Logs go to stderr at warn and above: stdout is the report.
  const logger = createLogger(process.stderr, env.LOG_LEVEL ?? 'error');
  let clients;
  try {
    const request = parseHttpRequest({
      check: true,
      ...(args.explores ? { explores: args.explores.split(',').map((name) => name.trim()) } : {}),
    });
    const config = parseConfig(env);
    clients = createClients(config);
    const preflight = createPreflight(config, clients, logger);
    const report = await preflight.check({
      explores: request.kind === 'check' ? request.explores : undefined,
      instances: args.instance,
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(describe(report));
    return report.status === 'failed' ? 1 : 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ExportError ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await Promise.allSettled([clients?.firestore.terminate(), clients?.secrets.close()]);
  }
}

function describe(report: PreflightReport): string {
  const lines = report.checks.map((c) => {
    const where = [c.instance, c.explore].filter(Boolean).join(' ');
    const fix = c.fix ? `\n      fix: ${c.fix}` : '';
    return `${c.status.padEnd(7)} ${c.check}${where ? ` (${where})` : ''}: ${c.detail}${fix}`;
  });
  return `${lines.join('\n')}\npreflight: ${report.status}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
