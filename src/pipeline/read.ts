/**
 * Read: one window from Looker into staged JSONL objects, one `pipeline()` per query, each row
 * staged once. Which page comes next, and when the read is proven complete, is the pager's.
 */
import { IntegrityError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LookerUsage } from '../looker/client.js';
import type { ExtractStats } from '../transform/jsonl.js';
import { withUniqueKeys, type RunMetadata, type SnapshotMetadata } from '../transform/row.js';
import { countFields, orderLevels } from './fields.js';
import { extractWindow, progressLogger, windowQuery } from './extract.js';
import { nextPage, PageObserver, pageRequest, rowKey, startPager } from './pager.js';
import type { PlannedWindow } from './plan.js';
import type { PreparedExplore, ReadContext, StagedRead } from './types.js';

/**
 * Reads `window` into staged objects named `{base}.pNNNNN.jsonl`, page by page as the pager
 * (`pager.ts`) directs: each page one query and one `pipeline()`, continued after its last row
 * while Looker may have cut it short, until a page proves the read complete (Looker's count met
 * exactly, or a page shorter than a limit within its cap). A read that cannot be proven is never
 * returned: the pager throws when it cannot continue after a row.
 */
export async function readWindow(
  prepared: PreparedExplore,
  window: PlannedWindow,
  metadata: RunMetadata | SnapshotMetadata,
  base: string,
  ctx: ReadContext,
  logger: Logger,
  signal: AbortSignal,
  meters: readonly LookerUsage[] = [],
): Promise<StagedRead> {
  const { explore } = prepared;
  const looker = ctx.deps.looker;
  const usage: LookerUsage = { queries: 0, bytesRead: 0 };
  const { keys } = countFields(explore);
  const levels = orderLevels(explore);
  const staged: StagedRead = {
    pieces: [],
    rows: 0,
    bytes: 0,
    excluded: 0,
    lookerRows: 0,
    invalidValues: {},
    queries: 0,
    bytesRead: 0,
    nullKeys: 0,
    repeatedKeys: 0,
  };
  // One mapper for the whole window: a key repeated across pages is seen as repeated.
  const mapRow = withUniqueKeys(explore, prepared.columns, prepared.mapRow);
  const what = `${explore.name} ${window.label}`;
  let pager = startPager({ levels, counted: window.counted, declaredCap: ctx.config.looker.rowCap });
  while (!pager.done) {
    const request = pageRequest(pager);
    const page = pager.pages;
    const observer = new PageObserver(request, levels, (row) => rowKey(row, keys));
    const name = `${base}.p${String(page).padStart(5, '0')}.jsonl`;
    const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
    await extractWindow({
      looker,
      query: windowQuery(explore, request, window, prepared.columns),
      mapRow,
      metadata,
      stats,
      filter: { ...prepared.filter, alreadyRead: (row) => observer.observe(row) },
      onProgress: progressLogger((progress) => logger.info({ ...progress, page }, 'extract progress')),
      sink: () =>
        ctx.staging.openWrite(name, {
          runId: ctx.runId,
          explore: explore.name,
          window: window.label,
          instance: ctx.deps.instance.name,
        }),
      signal,
      meters: [usage, ...meters],
    });
    const object = await ctx.staging.describe(name);
    if (object.size !== stats.bytes)
      throw new IntegrityError(
        `staged object ${object.uri} has ${object.size} bytes, ${stats.bytes} were written`,
      );
    staged.pieces.push({ uri: object.uri, rows: stats.rows });
    staged.rows += stats.rows;
    staged.bytes += stats.bytes;
    staged.excluded += stats.excluded ?? 0;
    staged.lookerRows += stats.rows + (stats.excluded ?? 0);
    staged.nullKeys += stats.nullKeys ?? 0;
    staged.repeatedKeys += stats.repeatedKeys ?? 0;
    for (const [column, count] of Object.entries(stats.invalidValues))
      staged.invalidValues[column] = (staged.invalidValues[column] ?? 0) + count;
    pager = nextPage(pager, observer.summary(), what);
    if (!pager.done)
      logger.info(
        { page, rows: stats.rows, reason: pager.reason, limit: pager.limit, depth: pager.frames.length - 1 },
        'page may be cut short by Looker; reading on after its last row',
      );
  }
  staged.queries = usage.queries;
  staged.bytesRead = usage.bytesRead;
  staged.proof = pager.proof!;
  if (window.counted !== null && staged.lookerRows < window.counted)
    logger.warn(
      { counted: window.counted, read: staged.lookerRows },
      'Looker returned fewer rows than it counted, and a page after the last row showed the read complete: rows vanished between the count and the read',
    );
  return staged;
}
