#!/usr/bin/env node
/**
 * Local run: the reference pipeline's "local run", without Google Cloud. Streams one explore's
 * days from Looker into a local JSONL file (the same rows the function would stage in GCS).
 *
 *   npm run export -- --explore history --from 2026-11-01 --to 2026-11-02 --out ./history.jsonl
 *
 * Credentials: LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID, LOOKERSDK_CLIENT_SECRET, or a looker.ini
 * (`--ini`, section `--section`, default Looker) as the Looker SDK reads it.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readIniConfig } from '@looker/sdk-node';
import { ExportError } from '../errors.js';
import { parseRunRequest } from '../http/request.js';
import { createLogger } from '../log.js';
import { CredentialCache } from '../looker/credentials.js';
import { LookerClient } from '../looker/client.js';
import { extractWindow, progressLogger, windowQuery } from '../pipeline/extract.js';
import { addDays, startOfUtcDay } from '../pipeline/windows.js';
import type { ExtractStats } from '../transform/jsonl.js';
import { compileRowMapper } from '../transform/row.js';

const USAGE = `usage: npm run export -- --explore NAME --from YYYY-MM-DD --to YYYY-MM-DD --out FILE [--ini looker.ini] [--section Looker] [--instance NAME]`;

export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  const logger = createLogger(undefined, env.LOG_LEVEL ?? 'info');
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        explore: { type: 'string', default: 'history' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        ini: { type: 'string', default: 'looker.ini' },
        section: { type: 'string', default: 'Looker' },
        instance: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    if (!args.out || !args.from || !args.to) throw new Error(`--from, --to and --out are required\n${USAGE}`);
    const request = parseRunRequest({ explores: [args.explore], from: args.from, to: args.to });
    const explore = request.explores![0]!;
    const window = { start: request.backfill!.from, end: addDays(startOfUtcDay(request.backfill!.to), 1) };
    const settings = existsSync(args.ini) ? readIniConfig(args.ini, 'LOOKERSDK', args.section) : {};
    const baseUrl = env.LOOKERSDK_BASE_URL ?? settings.base_url;
    const clientId = env.LOOKERSDK_CLIENT_ID ?? settings.client_id;
    const clientSecret = env.LOOKERSDK_CLIENT_SECRET ?? settings.client_secret;
    if (!baseUrl || !clientId || !clientSecret) {
      throw new Error(
        `Looker credentials not found: set LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET, or write ${args.ini}`,
      );
    }
    const secrets = new Map([
      ['client_id', clientId],
      ['client_secret', clientSecret],
    ]);
    const looker = new LookerClient({
      baseUrl: baseUrl.replace(/\/+$/, ''),
      timeoutMs: 600_000,
      verifySsl:
        (env.LOOKERSDK_VERIFY_SSL ?? settings.verify_ssl ?? 'true').toString().toLowerCase() !== 'false',
      credentials: new CredentialCache(
        { read: async (name) => secrets.get(name)! },
        'client_id',
        'client_secret',
      ),
      logger,
    });
    const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
    const progress = progressLogger((fields) => logger.info(fields, 'extract progress'));
    try {
      const snapshot = explore.mode === 'snapshot';
      await extractWindow({
        looker,
        // A snapshot explore is current state: it is read whole, whatever the dates.
        query: windowQuery(explore, snapshot ? {} : window),
        mapRow: compileRowMapper(explore),
        metadata: {
          looker_instance: args.instance ?? new URL(baseUrl).hostname,
          export_run_id: 'local',
          export_window_start: window.start.toISOString(),
          export_window_end: window.end.toISOString(),
          exported_at: new Date().toISOString(),
          ...(snapshot ? { snapshot_date: new Date().toISOString().slice(0, 10) } : {}),
        },
        stats,
        onProgress: progress,
        sink: () => createWriteStream(args.out!),
      });
    } finally {
      await looker.logout();
    }
    progress(stats);
    logger.info(
      { out: args.out, rows: stats.rows, bytes: stats.bytes, invalidValues: stats.invalidValues },
      'local export finished',
    );
    return 0;
  } catch (error) {
    const message = error instanceof ExportError || error instanceof Error ? error.message : String(error);
    logger.error({ err: error }, 'local export failed');
    process.stderr.write(`${message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
