/**
 * Count first: one cheap query asks Looker how many rows a range holds per UTC day (the
 * explore's `count` measure grouped by the cursor's date), so a run plans its windows from
 * Looker's own numbers and can prove each read delivered every counted row.
 */
import type { IWriteQuery } from '@looker/sdk';
import { IntegrityError } from '../errors.js';
import { SYSTEM_ACTIVITY_MODEL, type ExploreDefinition } from '../explores/index.js';
import type { LookerClient, LookerUsage } from '../looker/client.js';
import { LookerQueryError } from '../transform/jsonl.js';
import { countFields } from './fields.js';
import type { DayCounts } from './plan.js';
import { QUERY_PARAMS } from './extract.js';
import { addDays, isoDay, lookerTimeFilter } from './windows.js';

/** The counting query for `[start, end)` of an incremental explore: rows per cursor day. */
export function dayCountQuery(explore: ExploreDefinition, range: { start: Date; end: Date }): IWriteQuery {
  const fields = countFields(explore);
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    view: explore.explore,
    fields: [fields.date!, fields.count!],
    filters: { ...explore.filters, [fields.time!]: lookerTimeFilter(range) },
    sorts: [fields.date!],
    limit: '-1',
    query_timezone: 'UTC',
  };
}

/** The counting query of a snapshot explore: all its rows; undefined when it has no count. */
export function totalCountQuery(explore: ExploreDefinition): IWriteQuery | undefined {
  const fields = countFields(explore);
  if (fields.count === null) return undefined;
  return {
    model: SYSTEM_ACTIVITY_MODEL,
    view: explore.explore,
    fields: [fields.count],
    filters: { ...explore.filters },
    limit: '-1',
    query_timezone: 'UTC',
  };
}

/** Rows per day of `[start, end)`, from one Looker query. */
export async function countByDay(
  looker: LookerClient,
  explore: ExploreDefinition,
  range: { start: Date; end: Date },
  meters: readonly LookerUsage[] = [],
): Promise<DayCounts> {
  const fields = countFields(explore);
  const counts = new Map<string, number>();
  const lastDay = isoDay(addDays(range.end, -1));
  // One row per day, sorted by day: a silent cap can only cut the last days off. A result that
  // stops short of the range's last day is continued after its last day until one comes back
  // empty (a range whose last days hold rows, as every daily run's does, costs one query).
  for (let start = range.start; start < range.end;) {
    const rows = await smallQuery(looker, dayCountQuery(explore, { start, end: range.end }), meters);
    let last: string | undefined;
    for (const row of rows) {
      const day = row[fields.date!];
      const count = Number(row[fields.count!]);
      if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isSafeInteger(count))
        throw new IntegrityError(
          `Looker's count of ${explore.name} has a row without ${fields.date} or ${fields.count}: ${JSON.stringify(row).slice(0, 200)}`,
        );
      counts.set(day, (counts.get(day) ?? 0) + count);
      if (last === undefined || day > last) last = day;
    }
    if (last === undefined || last >= lastDay) break;
    start = addDays(new Date(`${last}T00:00:00Z`), 1);
  }
  return counts;
}

/** All rows of a snapshot explore, from one Looker query; undefined when it has no count measure. */
export async function countAll(
  looker: LookerClient,
  explore: ExploreDefinition,
  meters: readonly LookerUsage[] = [],
): Promise<number | undefined> {
  const fields = countFields(explore);
  const query = totalCountQuery(explore);
  if (!query) return undefined;
  const rows = await smallQuery(looker, query, meters);
  if (rows.length === 0) return 0;
  const count = Number(rows[0]![fields.count!]);
  if (rows.length !== 1 || !Number.isSafeInteger(count))
    throw new IntegrityError(
      `Looker's count of ${explore.name} is not one number: ${JSON.stringify(rows).slice(0, 200)}`,
    );
  return count;
}

/** Runs a query whose result is small (counts), parsed whole. */
async function smallQuery(
  looker: LookerClient,
  query: IWriteQuery,
  meters: readonly LookerUsage[],
): Promise<Record<string, unknown>[]> {
  const text = await looker.streamQuery(
    'json',
    query,
    async (body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
    QUERY_PARAMS,
    meters,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IntegrityError(`Looker's count result is not JSON: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed))
    throw new IntegrityError(`Looker's count result is not an array: ${text.slice(0, 200)}`);
  for (const row of parsed)
    if (row && typeof row === 'object' && 'looker_error' in row)
      throw new LookerQueryError(String((row as { looker_error: unknown }).looker_error));
  return parsed as Record<string, unknown>[];
}
