import { DependencyError, IntegrityError, UnreadableExploreError } from '../errors.js';
import {
  bigQuerySchema,
  lookerField,
  partitionColumn,
  SYSTEM_ACTIVITY_MODEL,
  type ColumnDefinition,
  type ColumnType,
  type ExploreDefinition,
} from '../explores/index.js';
import type { ILookmlModelExplore } from '@looker/sdk';
import { discoveredExplore } from '../explores/discovered.js';
import { EXPLORE_METADATA_FIELDS, reconcileSchema, type LookerFieldset } from '../explores/live-schema.js';
import type { Logger } from '../log.js';
import type { LookerUsage } from '../looker/client.js';
import type { RowFilter } from '../transform/jsonl.js';
import { exploreMasking, NO_MASKING } from '../transform/mask.js';
import { compileRowMapper, type RunMetadata, type SnapshotMetadata } from '../transform/row.js';
import type { PlannedWindow } from './plan.js';
import { unreadableFields } from './fields.js';
import { readWindow } from './read.js';
import { isoDay } from './windows.js';
import type { PreparedExplore, ReadContext, RunContext, StagedRead, WindowResult } from './types.js';

/**
 * Reads the explore's fields from Looker (falling back to the committed schema when Looker
 * cannot say), applies masking (dropped columns are never asked for), and learns the exporter's
 * own user so its rows can be left out.
 */
export async function prepareExplore(
  entry: ExploreDefinition,
  ctx: ReadContext,
  logger: Logger,
): Promise<PreparedExplore> {
  const { looker } = ctx.deps;
  let metadata;
  try {
    metadata = await looker.explore(SYSTEM_ACTIVITY_MODEL, entry.explore, EXPLORE_METADATA_FIELDS);
  } catch (error) {
    // Looker answers a login with an unknown API key 404 too: only the explore's own 404 says it is gone.
    if (error instanceof DependencyError && error.status === 404 && error.call !== 'login')
      throw new UnreadableExploreError(
        `Looker offers no explore ${entry.explore} in ${SYSTEM_ACTIVITY_MODEL}: ${entry.name} is skipped`,
        { cause: error },
      );
    // A discovered explore has no committed schema to fall back on.
    if (entry.discovered) throw error;
    logger.warn({ err: error }, 'could not read the explore from Looker; using the committed schema');
  }
  const explore = entry.discovered && metadata ? discover(entry, metadata) : entry;
  let columns: ColumnDefinition[] = [...explore.fields];
  let added: ColumnDefinition[] = [];
  let schemaReport: PreparedExplore['schemaReport'] = { source: 'committed', added: [], removed: [] };
  if (metadata) {
    const fieldset = (metadata.fields ?? {}) as LookerFieldset;
    const hidden = unreadableFields(explore, fieldset);
    if (hidden.length)
      throw new UnreadableExploreError(
        `the ${explore.explore} explore does not expose ${hidden.join(', ')}, which ${explore.name} is ` +
          `sorted, filtered or counted by (a join declared fields: [] hides its view): ${explore.name} is skipped`,
      );
    const live = reconcileSchema(explore, fieldset);
    columns = live.columns;
    added = live.added;
    schemaReport = { source: 'looker', added: live.added.map((c) => c.name), removed: live.removed };
    if (live.added.length)
      logger.info(
        { added: schemaReport.added },
        'Looker has fields the committed schema lacks; adding columns',
      );
    if (live.removed.length)
      logger.warn({ removed: live.removed }, 'Looker no longer has these fields; their columns stay NULL');
  }
  if (added.length && ctx.deps.loader?.tableSchema) {
    // A column an earlier run added keeps the type the table has: Looker may now describe the
    // field as another type, and a load in that type would be refused every day. Values are
    // converted to the table's type where they safely can, else loaded as NULL and counted.
    const table = new Map(
      ((await ctx.deps.loader.tableSchema(explore.name)) ?? []).map((f) => [f.name, columnType(f.type)]),
    );
    const retyped = new Map<ColumnDefinition, ColumnDefinition>();
    for (const column of added) {
      const type = table.get(column.name);
      if (type && type !== column.type) retyped.set(column, { ...column, type });
    }
    if (retyped.size) {
      logger.warn(
        {
          retyped: [...retyped].map(([was, now]) => ({
            column: now.name,
            looker: was.type,
            table: now.type,
          })),
        },
        "Looker's type of a column an earlier run added changed; the column keeps the table's type",
      );
      added = added.map((c) => retyped.get(c) ?? c);
      columns = columns.map((c) => retyped.get(c) ?? c);
    }
  }

  const rules = ctx.config.masking.rules;
  const masks = Object.keys(rules).some((key) => key.startsWith(`${explore.name}.`));
  const masking = masks
    ? exploreMasking(
        explore,
        rules,
        Object.entries(rules).some(([key, action]) => key.startsWith(`${explore.name}.`) && action === 'hash')
          ? await ctx.deps.maskingKey()
          : undefined,
      )
    : NO_MASKING;
  columns = columns.filter((column) => !masking.dropped.has(column.name));

  const filter: RowFilter = { requiredFields: columns.map((column) => lookerField(explore, column)) };
  const actor = explore.actorField && explore.fields.find((c) => c.name === explore.actorField);
  if (actor && ctx.config.looker.excludeOwnActivity && columns.includes(actor)) {
    const own = await ctx.ownUserId();
    const key = lookerField(explore, actor);
    filter.skip = (row) => row[key] !== null && row[key] !== undefined && String(row[key]) === own;
  }
  return {
    explore,
    columns,
    // The columns this run reads: a write never touches a column it did not read (a field Looker
    // dropped, or one masking drops, keeps what the archive holds).
    schema: bigQuerySchema({ ...explore, fields: columns.filter((c) => !added.includes(c)) }, added),
    mapRow: compileRowMapper(explore, columns, masking),
    filter,
    schemaReport,
  };
}

/** A discovered explore's entry from its metadata; one Looker shows nothing of cannot be read. */
function discover(placeholder: ExploreDefinition, metadata: ILookmlModelExplore): ExploreDefinition {
  try {
    return discoveredExplore(placeholder, metadata as Parameters<typeof discoveredExplore>[1]);
  } catch (error) {
    throw new UnreadableExploreError(`${(error as Error).message}: ${placeholder.name} is skipped`);
  }
}

/**
 * One window's path: read it from Looker into staged objects, write them into the table in one
 * atomic job, and verify what landed. Recording progress is the caller's, after this returns.
 */
export async function exportWindow(
  prepared: PreparedExplore,
  window: PlannedWindow,
  ctx: RunContext,
  parentLogger: Logger,
  signal: AbortSignal,
  meters: readonly LookerUsage[] = [],
): Promise<WindowResult> {
  const { explore } = prepared;
  const logger = parentLogger.child({ window: window.label });
  const instance = ctx.deps.instance.name;
  const result: WindowResult = {
    status: 'loaded',
    counted: window.counted,
    lookerQueries: 0,
    lookerBytes: 0,
  };
  if (window.counted === 0 && explore.mode === 'incremental') {
    // Looker holds nothing here: no read, no write, and nothing already archived is touched.
    logger.info('Looker counts no rows in the window; nothing read');
    return { ...result, status: 'empty', rows: 0, bytes: 0 };
  }

  const base = [ctx.config.gcs.prefix, explore.name, window.label, safeName(instance), ctx.runId]
    .filter(Boolean)
    .join('/');
  const metadata = windowMetadata(explore, window, ctx);
  const staged = await readWindow(prepared, window, metadata, base, ctx, logger, signal, meters);
  Object.assign(result, {
    proof: staged.proof,
    rows: staged.rows,
    bytes: staged.bytes,
    lookerQueries: staged.queries,
    lookerBytes: staged.bytesRead,
  });
  if (staged.pieces.length > 1) result.pieces = staged.pieces.length;
  if (staged.excluded) result.excludedOwnRows = staged.excluded;
  if (staged.nullKeys || staged.repeatedKeys) {
    if (staged.nullKeys) result.nullKeys = staged.nullKeys;
    if (staged.repeatedKeys) result.repeatedKeys = staged.repeatedKeys;
    logger.warn(
      { nullKeys: staged.nullKeys, repeatedKeys: staged.repeatedKeys, key: explore.primaryKey[0] },
      'rows whose key was NULL or repeated were given one from their identifying columns',
    );
  }
  if (Object.keys(staged.invalidValues).length) {
    result.invalidValues = { ...staged.invalidValues };
    logger.warn({ invalidValues: staged.invalidValues }, 'values BigQuery would reject were loaded as null');
  }
  result.gcsUri =
    staged.pieces.length === 1 ? staged.pieces[0]!.uri : `gs://${ctx.config.gcs.bucket}/${base}.*`;
  if (staged.rows === 0) {
    // Everything Looker sent was the exporter's own activity: nothing to write.
    logger.info({ gcsUri: result.gcsUri }, 'window has no rows to load');
    return { ...result, status: 'empty' };
  }

  const jobId = `looker_export_${ctx.runId}_${safeName(instance)}_${explore.name}_${window.label}`.replace(
    /[^A-Za-z0-9_-]/g,
    '_',
  );
  Object.assign(result, await writeWindow(prepared, window, staged, jobId, ctx, signal));
  result.jobId = jobId;
  logger.info(
    {
      counted: window.counted,
      rows: staged.rows,
      bytes: staged.bytes,
      lookerQueries: staged.queries,
      lookerBytes: staged.bytesRead,
      gcsUri: result.gcsUri,
      jobId,
      pieces: staged.pieces.length,
      inserted: result.inserted,
      updated: result.updated,
    },
    `window ${window.label} loaded`,
  );
  return result;
}

/**
 * Write and verify: the staged rows into the table in one atomic job (a snapshot replaces its
 * day's partition; an incremental window is merged by key within its range), which must account
 * for every staged row.
 */
async function writeWindow(
  prepared: PreparedExplore,
  window: PlannedWindow,
  staged: StagedRead,
  jobId: string,
  ctx: RunContext,
  signal: AbortSignal,
): Promise<Pick<WindowResult, 'inserted' | 'updated'>> {
  const { explore } = prepared;
  const sourceUris = staged.pieces.filter((p) => p.rows > 0).map((p) => p.uri);
  const labels = { app: 'looker-activity-export', explore: explore.name };
  if (explore.mode === 'snapshot') {
    const load = await ctx.deps.loader.load(
      {
        jobId,
        sourceUris,
        tableId: explore.name,
        partition: window.partition,
        schema: prepared.schema,
        partitionField: partitionColumn(explore),
        clusterBy: explore.clusterBy,
        labels,
        description: explore.description,
      },
      signal,
    );
    verifyWritten(jobId, staged.rows, load.outputRows);
    return {};
  }
  const merged = await ctx.deps.loader.merge(
    {
      jobId,
      sourceUris,
      tableId: explore.name,
      schema: prepared.schema,
      partitionField: partitionColumn(explore),
      range: { start: window.start, end: window.end },
      primaryKey: explore.primaryKey,
      clusterBy: explore.clusterBy,
      labels,
    },
    signal,
  );
  verifyWritten(jobId, staged.rows, merged.inserted + merged.updated, merged.stagedRows);
  return { inserted: merged.inserted, updated: merged.updated };
}

/** The columns every row of a window carries: where it came from, and its snapshot day. */
export function windowMetadata(
  explore: ExploreDefinition,
  window: PlannedWindow,
  ctx: Pick<ReadContext, 'runId' | 'now' | 'deps'>,
): RunMetadata | SnapshotMetadata {
  const metadata: RunMetadata = {
    looker_instance: ctx.deps.instance.name,
    export_run_id: ctx.runId,
    export_window_start: window.start.toISOString(),
    export_window_end: window.end.toISOString(),
    exported_at: ctx.now().toISOString(),
  };
  return explore.mode === 'snapshot' ? { ...metadata, snapshot_date: isoDay(window.start) } : metadata;
}

/** Verify: the write job accounted for every staged row, no more, no fewer. */
function verifyWritten(jobId: string, staged: number, written: number, loaded = staged): void {
  if (loaded !== staged)
    throw new IntegrityError(`job ${jobId} read ${loaded} staged rows, ${staged} were staged`);
  if (written !== staged)
    throw new IntegrityError(`job ${jobId} wrote ${written} rows, ${staged} were staged`);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A BigQuery column type as the API may name it, in the legacy names load schemas use. */
function columnType(type: string): ColumnType {
  const legacy: Record<string, ColumnType> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN' };
  return legacy[type] ?? (type as ColumnType);
}
