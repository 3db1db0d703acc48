#!/usr/bin/env node
/**
 * Local run: the reference pipeline's "local run", without Google Cloud. Streams one explore's
 * days from Looker into a local JSONL file (the same rows the function would stage in GCS).
 *
 *   npm run export -- --explore history --from 2026-11-01 --to 2026-11-02 --out ./history.jsonl
 *
 * Credentials: LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID, LOOKERSDK_CLIENT_SECRET, or a looker.ini
 * (`--ini`, section `--section`, default Looker) as the Looker SDK reads it. It reads exactly as
 * the function does (count first, pages verified against the count, live schema, masking, the
 * exporter's own activity left out), configured by the same variables: those marked `localRun`
 * in src/config/variables.ts (MASKING_KEY holds the HMAC key itself when a rule hashes).
 */
import { existsSync } from 'node:fs';
import { readIniConfig } from '@looker/sdk-node';
import { ExportError } from '../errors.js';
import { parseRunRequest } from '../http/request.js';
import { createLogger } from '../log.js';
import { CredentialCache } from '../looker/credentials.js';
import { LookerClient } from '../looker/client.js';
import { parseConfig } from '../config/index.js';
import { memoizeAsync } from '../memo.js';
import { countAll, countByDay } from '../pipeline/count.js';
import { packWindows, type PlannedWindow } from '../pipeline/plan.js';
import { readWindow } from '../pipeline/read.js';
import { newRunId } from '../pipeline/run.js';
import { prepareExplore, windowMetadata } from '../pipeline/window.js';
import { addDays, planSnapshot, startOfUtcDay } from '../pipeline/windows.js';
import { parseCommandLine } from './args.js';
import { FileStaging, localConfigEnv } from './local.js';
import type { ReadContext, RunContext } from '../pipeline/types.js';
import { timeoutSignal } from '../signals.js';

const USAGE = `usage: npm run export -- --explore NAME --from YYYY-MM-DD --to YYYY-MM-DD --out FILE [--ini looker.ini] [--section Looker] [--instance NAME]`;

export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  const logger = createLogger(undefined, env.LOG_LEVEL ?? 'info');
  const args = parseCommandLine(
    argv,
    {
      explore: { type: 'string', default: 'history' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      ini: { type: 'string', default: 'looker.ini' },
      section: { type: 'string', default: 'Looker' },
      instance: { type: 'string' },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
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
    const config = parseConfig(localConfigEnv(env, baseUrl, args.instance));
    const looker = new LookerClient({
      baseUrl: baseUrl.replace(/\/+$/, ''),
      timeoutMs: config.looker.timeoutMs,
      verifySsl:
        (env.LOOKERSDK_VERIFY_SSL ?? settings.verify_ssl ?? 'true').toString().toLowerCase() !== 'false',
      credentials: new CredentialCache(
        { read: async (name) => secrets.get(name)! },
        'client_id',
        'client_secret',
      ),
      logger,
    });
    const instance = config.instances[0]!;
    const ctx: ReadContext & Pick<RunContext, 'runAt'> = {
      config,
      staging: new FileStaging(args.out),
      runId: `local-${newRunId(new Date())}`,
      now: () => new Date(),
      runAt: new Date(),
      ownUserId: memoizeAsync(() => looker.myUserId()),
      deps: {
        instance,
        looker,
        maskingKey: async () => {
          if (!env.MASKING_KEY)
            throw new Error('MASKING_KEY (the HMAC key itself) is required when a masking rule hashes');
          return env.MASKING_KEY;
        },
      },
    };
    let rows = 0;
    try {
      // The function's read path: count, pack, prepare (live schema, masking, own activity),
      // then each window read with count verification, into one local file.
      const prepared = await prepareExplore(explore, ctx, logger);
      const windows: PlannedWindow[] =
        explore.mode === 'snapshot'
          ? planSnapshot({ initialLoadDone: false, watermark: null }, ctx.runAt).map((w) => ({
              ...w,
              counted: null,
            }))
          : packWindows(await countByDay(looker, explore, window), window, config.windowMaxRows, 'backfill');
      if (explore.mode === 'snapshot') {
        const counted = await countAll(looker, explore);
        windows[0] = { ...windows[0]!, counted: counted ?? null };
      }
      for (const planned of windows) {
        const staged = await readWindow(
          prepared,
          planned,
          windowMetadata(explore, planned, ctx),
          `${explore.name}/${planned.label}`,
          ctx,
          logger.child({ window: planned.label }),
          timeoutSignal(config.runBudgetMs),
        );
        rows += staged.rows;
        logger.info(
          {
            window: planned.label,
            counted: planned.counted,
            rows: staged.rows,
            excludedOwnRows: staged.excluded,
          },
          'window read',
        );
      }
    } finally {
      await looker.logout();
    }
    logger.info(
      { out: args.out, rows, lookerQueries: looker.usage.queries, lookerBytes: looker.usage.bytesRead },
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
