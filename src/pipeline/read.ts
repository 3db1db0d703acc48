/**
 * Read: one window from Looker into staged JSONL objects, one `pipeline()` per query, each row
 * read once. Pages continue strictly after the last row read, so a capped result costs one more
 * query and no re-read: incremental explores page by (cursor time, key), snapshots by key.
 */
import type { Writable } from 'node:stream';
import { IntegrityError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LookerUsage } from '../looker/client.js';
import type { ExtractStats } from '../transform/jsonl.js';
import type { RunMetadata, SnapshotMetadata } from '../transform/row.js';
import { countFields } from './count.js';
import { extractWindow, progressLogger, windowQuery, type QueryRange } from './extract.js';
import type { PlannedWindow } from './plan.js';
import type { InstanceDependencies, RunContext } from './run.js';
import type { PreparedExplore } from './window.js';
import { lookerTime } from './windows.js';

/** Where a read stages its pages: GCS in the function (GcsStaging), a local file in the CLI. */
export interface Staging {
  /** A stream whose successful end means the object exists, complete. */
  openWrite(name: string, metadata: Record<string, string>): Writable;
  /** The finished object's address and size, to check against what was written. */
  describe(name: string): Promise<{ uri: string; size: number }>;
}

/** What reading needs of a run: the function's RunContext, or the CLI's local one. */
export type ReadContext = Pick<RunContext, 'config' | 'staging' | 'runId' | 'now' | 'ownUserId'> & {
  deps: Pick<InstanceDependencies, 'instance' | 'looker' | 'maskingKey'>;
};

/** One staged object of a window. */
export interface StagedPiece {
  uri: string;
  rows: number;
}

/** What a window's read staged, and what it cost. */
export interface StagedRead {
  pieces: StagedPiece[];
  /** Rows staged. */
  rows: number;
  bytes: number;
  /** Rows Looker sent that were left out (the exporter's own activity). */
  excluded: number;
  /** Rows Looker sent: staged + excluded. What is compared with Looker's count. */
  lookerRows: number;
  invalidValues: Record<string, number>;
  /** Queries the read made (pages; retried attempts included). */
  queries: number;
  /** Result bytes read from Looker. */
  bytesRead: number;
}

const SECOND_MS = 1000;

/**
 * Reads `window` into staged objects named `{base}.pNNNNN.jsonl`. A page is continued when
 * Looker may have capped it: it returned the known cap (`LOOKER_ROW_CAP`), or fewer rows than
 * Looker counted have arrived so far (a silent cap: its size is then learned and used as the
 * page limit). At the end the rows read must reach Looker's count: fewer is never accepted
 * (more is fine: rows that arrived between the count and the read).
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
  const fields = countFields(explore);
  const staged: StagedRead = {
    pieces: [],
    rows: 0,
    bytes: 0,
    excluded: 0,
    lookerRows: 0,
    invalidValues: {},
    queries: 0,
    bytesRead: 0,
  };
  let limit = ctx.config.looker.rowCap > 0 ? ctx.config.looker.rowCap : undefined;

  const readPage = async (
    range: QueryRange,
    page: number,
    alreadyRead?: (row: Record<string, unknown>) => boolean,
  ): Promise<ExtractStats> => {
    const name = `${base}.p${String(page).padStart(5, '0')}.jsonl`;
    const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
    await extractWindow({
      looker,
      query: windowQuery(explore, range, prepared.columns, limit),
      mapRow: prepared.mapRow,
      metadata,
      stats,
      filter: { ...prepared.filter, keyField: fields.key, timeField: fields.time, alreadyRead },
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
    for (const [column, count] of Object.entries(stats.invalidValues))
      staged.invalidValues[column] = (staged.invalidValues[column] ?? 0) + count;
    return stats;
  };
  const sent = (stats: ExtractStats) => stats.rows + (stats.excluded ?? 0) + (stats.reread ?? 0);
  const fresh = (stats: ExtractStats) => stats.rows + (stats.excluded ?? 0);

  /**
   * True when the page may have been cut short by Looker. A page that reads to the end of the
   * window (or of the snapshot) and leaves the window short of Looker's count was capped, known
   * limit or not: Looker's cap is then learned as the page size.
   */
  const mayBeCapped = (stats: ExtractStats, toEnd: boolean): boolean => {
    const read = sent(stats);
    if (read === 0) return false;
    if (limit !== undefined && read >= limit) return true;
    if (toEnd && staged.lookerRows < window.counted) {
      logger.warn(
        { read, counted: window.counted, learnedCap: read },
        'Looker returned fewer rows than it counted: reading on with its cap as the page size',
      );
      limit = read;
      return true;
    }
    return false;
  };

  const lastKey = (stats: ExtractStats): number => {
    const key = Number(stats.lastKey);
    if (stats.lastKey === null || stats.lastKey === undefined || !Number.isSafeInteger(key))
      throw new IntegrityError(
        `Looker capped a page of ${explore.name} whose last row has no numeric ${fields.key} to continue after (${String(stats.lastKey)}): rows would be lost`,
        { terminal: true },
      );
    return key;
  };

  let page = 0;
  if (explore.mode === 'snapshot') {
    let after: number | undefined;
    for (;;) {
      const stats = await readPage({ after }, page++);
      if (!mayBeCapped(stats, true)) break;
      const key = lastKey(stats);
      if (after !== undefined && key <= after)
        throw new IntegrityError(`paging ${explore.name} by ${fields.key} made no progress after ${after}`, {
          terminal: true,
        });
      logger.info({ rows: stats.rows, after: key }, 'page may be capped; reading the next');
      after = key;
    }
  } else {
    // Pages over [from, end) sorted by (time, key). A capped page is continued from the start of
    // its last second, skipping the rows of that second already staged (a few rows read twice,
    // one query per page). Only when one second holds more rows than a page is that second
    // paged by key on its own, then the read goes on after it. Every row is staged once.
    let from = window.start;
    let boundary: { second: Date; time: string; key: number } | undefined;
    let inSecond = false;
    while (from < window.end) {
      const range: QueryRange = inSecond
        ? { start: boundary!.second, end: addSecond(boundary!.second), afterKey: boundary!.key }
        : { start: from, end: window.end };
      const seen = !inSecond && boundary ? overlapWith(boundary, fields.time!, fields.key) : undefined;
      const stats = await readPage(range, page++, seen);
      const capped = mayBeCapped(stats, !inSecond);
      if (inSecond) {
        if (!capped) {
          from = addSecond(boundary!.second);
          boundary = undefined;
          inSecond = false;
          continue;
        }
        const key = lastKey(stats);
        if (key <= boundary!.key)
          throw new IntegrityError(`paging ${explore.name} by ${fields.key} made no progress after ${key}`, {
            terminal: true,
          });
        boundary = { ...boundary!, key };
        continue;
      }
      if (!capped) break;
      if (boundary && fresh(stats) === 0) {
        // The whole page was the last second's rows already staged: that second holds more
        // rows than a page. Page it by key, then go on after it.
        logger.info(
          { second: boundary.time, afterKey: boundary.key },
          'one second holds more rows than a page; paging it by key',
        );
        inSecond = true;
        continue;
      }
      const second = secondOf(stats.lastTime, fields.time!);
      boundary = { second, time: lookerTime(second), key: lastKey(stats) };
      from = second;
      logger.info(
        { rows: stats.rows, second: boundary.time, afterKey: boundary.key },
        'page may be capped; continuing from its last second',
      );
    }
  }

  staged.queries = usage.queries;
  staged.bytesRead = usage.bytesRead;
  if (staged.lookerRows < window.counted)
    throw new IntegrityError(
      `Looker counted ${window.counted} rows of ${explore.name} in ${window.label} but returned ${staged.lookerRows}: the window is not accepted (it is read again on the next run)`,
    );
  return staged;
}

function addSecond(date: Date): Date {
  return new Date(date.getTime() + SECOND_MS);
}

/** Rows of the boundary second at or below its last staged key: staged by the previous page. */
function overlapWith(
  boundary: { time: string; key: number },
  timeField: string,
  keyField: string,
): (row: Record<string, unknown>) => boolean {
  return (row) => {
    const time = row[timeField];
    return (
      typeof time === 'string' && time.slice(0, 19) === boundary.time && Number(row[keyField]) <= boundary.key
    );
  };
}

/** The UTC second a Looker time value (`YYYY-MM-DD HH:MM:SS`) falls in. */
function secondOf(value: unknown, field: string): Date {
  const match = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(value) : null;
  if (!match)
    throw new IntegrityError(`the last row of a capped page has no usable ${field} (${String(value)})`, {
      terminal: true,
    });
  return new Date(`${match[1]}T${match[2]}Z`);
}
