import { IntegrityError } from '../errors.js';
import {
  bigQuerySchema,
  lookerField,
  partitionColumn,
  SYSTEM_ACTIVITY_MODEL,
  type BigQueryField,
  type ColumnDefinition,
  type ExploreDefinition,
} from '../explores/index.js';
import { EXPLORE_METADATA_FIELDS, reconcileSchema, type LookerFieldset } from '../explores/live-schema.js';
import type { Logger } from '../log.js';
import type { ExtractStats, RowFilter } from '../transform/jsonl.js';
import { exploreMasking, NO_MASKING } from '../transform/mask.js';
import { compileRowMapper, type RunMetadata, type SnapshotMetadata } from '../transform/row.js';
import { extractWindow, progressLogger, windowQuery, type QueryRange } from './extract.js';
import type { RunContext } from './run.js';
import { isoDay, type ExtractWindow } from './windows.js';

/** What a loaded (or empty) window reports. */
export interface WindowResult {
  status: 'loaded' | 'empty' | 'planned' | 'failed' | 'skipped';
  rows?: number;
  bytes?: number;
  /** Rows of the exporter's own API user left out. */
  excludedOwnRows?: number;
  invalidValues?: Record<string, number>;
  gcsUri?: string;
  jobId?: string;
  /** How many pieces the window was read in, when Looker's row cap made it split. */
  pieces?: number;
}

/** An explore ready to be read: its columns as Looker has them today, masking and filters. */
export interface PreparedExplore {
  explore: ExploreDefinition;
  columns: ColumnDefinition[];
  schema: BigQueryField[];
  mapRow: ReturnType<typeof compileRowMapper>;
  filter: RowFilter;
  schemaReport: { source: 'looker' | 'committed'; added: string[]; removed: string[] };
}

/**
 * Reads the explore's fields from Looker (falling back to the committed schema when Looker
 * cannot say), applies masking (dropped columns are never asked for), and learns the exporter's
 * own user so its rows can be left out.
 */
export async function prepareExplore(
  explore: ExploreDefinition,
  ctx: RunContext,
  logger: Logger,
): Promise<PreparedExplore> {
  const { looker } = ctx.deps;
  let columns: ColumnDefinition[] = [...explore.fields];
  let added: ColumnDefinition[] = [];
  let schemaReport: PreparedExplore['schemaReport'] = { source: 'committed', added: [], removed: [] };
  try {
    const metadata = await looker.explore(SYSTEM_ACTIVITY_MODEL, explore.explore, EXPLORE_METADATA_FIELDS);
    const live = reconcileSchema(explore, (metadata.fields ?? {}) as LookerFieldset);
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
  } catch (error) {
    logger.warn({ err: error }, 'could not read the explore from Looker; using the committed schema');
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

  const filter: RowFilter = {};
  if (explore.mode === 'snapshot')
    filter.keyField = lookerField(
      explore,
      explore.fields.find((c) => c.name === explore.primaryKey[0])!,
    );
  const actor = explore.actorField && explore.fields.find((c) => c.name === explore.actorField);
  if (actor && ctx.config.looker.excludeOwnActivity && columns.includes(actor)) {
    const own = await ctx.ownUserId();
    const key = lookerField(explore, actor);
    filter.skip = (row) => row[key] !== null && row[key] !== undefined && String(row[key]) === own;
  }
  return {
    explore,
    columns,
    schema: bigQuerySchema(explore, added),
    mapRow: compileRowMapper(explore, columns, masking),
    filter,
    schemaReport,
  };
}

/**
 * Extracts one window into staged JSONL pieces, loads them into the window's partition, and
 * verifies the load wrote exactly the rows extracted.
 */
export async function exportWindow(
  prepared: PreparedExplore,
  window: ExtractWindow,
  ctx: RunContext,
  parentLogger: Logger,
  signal: AbortSignal,
): Promise<WindowResult> {
  const { explore } = prepared;
  const logger = parentLogger.child({ window: window.label });
  const instance = ctx.deps.instance.name;
  const runMetadata: RunMetadata = {
    looker_instance: instance,
    export_run_id: ctx.runId,
    export_window_start: window.start.toISOString(),
    export_window_end: window.end.toISOString(),
    exported_at: ctx.now().toISOString(),
  };
  const metadata: RunMetadata | SnapshotMetadata =
    explore.mode === 'snapshot' ? { ...runMetadata, snapshot_date: isoDay(window.start) } : runMetadata;
  const base = [ctx.config.gcs.prefix, explore.name, window.label, safeName(instance)]
    .filter(Boolean)
    .join('/');
  const pieces: { uri: string; rows: number }[] = [];
  const total: Required<Pick<ExtractStats, 'rows' | 'bytes' | 'invalidValues'>> & { excluded: number } = {
    rows: 0,
    bytes: 0,
    invalidValues: {},
    excluded: 0,
  };
  const rowCap = ctx.config.looker.rowCap;

  /** Extracts one query's rows into one staged object; true when Looker may have capped it. */
  const extractPiece = async (range: QueryRange, name: string): Promise<ExtractStats> => {
    const stats: ExtractStats = { rows: 0, bytes: 0, invalidValues: {} };
    await extractWindow({
      looker: ctx.deps.looker,
      query: windowQuery(explore, range, prepared.columns),
      mapRow: prepared.mapRow,
      metadata,
      stats,
      filter: prepared.filter,
      onProgress: progressLogger((fields) => logger.info({ ...fields, piece: name }, 'extract progress')),
      sink: () =>
        ctx.staging.openWrite(name, {
          runId: ctx.runId,
          explore: explore.name,
          window: window.label,
          instance,
        }),
      signal,
    });
    return stats;
  };
  const capped = (stats: ExtractStats) => rowCap > 0 && stats.rows + (stats.excluded ?? 0) >= rowCap;
  const keep = async (name: string, stats: ExtractStats) => {
    const staged = await ctx.staging.describe(name);
    if (staged.size !== stats.bytes)
      throw new IntegrityError(
        `staged object ${staged.uri} has ${staged.size} bytes, ${stats.bytes} were written`,
      );
    pieces.push({ uri: staged.uri, rows: stats.rows });
    total.rows += stats.rows;
    total.bytes += stats.bytes;
    total.excluded += stats.excluded ?? 0;
    for (const [column, count] of Object.entries(stats.invalidValues))
      total.invalidValues[column] = (total.invalidValues[column] ?? 0) + count;
  };

  /**
   * Looker drops rows beyond its cap silently, so a piece that comes back with exactly the cap
   * may be truncated: it is read again as two halves, recursively, until each is under the cap.
   */
  const extractRange = async (start: Date, end: Date): Promise<void> => {
    const whole = pieces.length === 0 && start === window.start && end === window.end;
    const name = whole ? `${base}.jsonl` : `${base}.${start.toISOString().replace(/[-:.]/g, '')}.jsonl`;
    const stats = await extractPiece({ start, end }, name);
    if (capped(stats)) {
      const spanSeconds = Math.floor((end.getTime() - start.getTime()) / 1000);
      if (spanSeconds < 2) {
        throw new IntegrityError(
          `Looker returned its row cap (${rowCap}) for the one second at ${start.toISOString()}: rows would be lost. Raise LOOKER_ROW_CAP to the instance's real limit, or give the API user the download_without_limit permission`,
        );
      }
      const middle = new Date(start.getTime() + Math.floor(spanSeconds / 2) * 1000);
      logger.info(
        { rows: stats.rows, rowCap, from: start.toISOString(), to: end.toISOString() },
        'piece reached the row cap; splitting it in two',
      );
      await extractRange(start, middle);
      await extractRange(middle, end);
      return;
    }
    await keep(name, stats);
  };

  /** A snapshot is read in key order; a capped page is continued after its last key. */
  const extractPages = async (): Promise<void> => {
    let after: ExtractStats['lastKey'];
    for (let page = 0; ; page++) {
      const name = page === 0 ? `${base}.jsonl` : `${base}.p${String(page).padStart(5, '0')}.jsonl`;
      const stats = await extractPiece({ after }, name);
      await keep(name, stats);
      if (!capped(stats)) return;
      if (stats.lastKey === undefined || stats.lastKey === null || stats.lastKey === after)
        throw new IntegrityError(
          `Looker returned its row cap (${rowCap}) but the last row has no ${explore.primaryKey[0]} to continue after: rows would be lost. Raise LOOKER_ROW_CAP to the instance's real limit`,
        );
      logger.info(
        { rows: stats.rows, rowCap, after: stats.lastKey },
        'page reached the row cap; reading the next',
      );
      after = stats.lastKey;
    }
  };

  if (explore.mode === 'snapshot') await extractPages();
  else await extractRange(window.start, window.end);

  const result: WindowResult = { status: 'loaded' };
  if (pieces.length > 1) result.pieces = pieces.length;
  if (total.excluded) result.excludedOwnRows = total.excluded;
  if (Object.keys(total.invalidValues).length) {
    result.invalidValues = { ...total.invalidValues };
    logger.warn({ invalidValues: total.invalidValues }, 'values BigQuery would reject were loaded as null');
  }
  const gcsUri = pieces.length === 1 ? pieces[0]!.uri : `gs://${ctx.config.gcs.bucket}/${base}.*`;
  if (total.rows === 0) {
    // Nothing to load: an empty day is a success, and an empty re-read never wipes loaded rows
    // (Looker prunes old System Activity; the archive in BigQuery must outlive it).
    logger.info({ gcsUri }, 'window is empty; nothing loaded');
    return { ...result, status: 'empty', rows: 0, bytes: 0, gcsUri };
  }

  const jobId = `looker_export_${ctx.runId}_${safeName(instance)}_${explore.name}_${window.label}`.replace(
    /[^A-Za-z0-9_-]/g,
    '_',
  );
  const load = await ctx.deps.loader.load(
    {
      jobId,
      sourceUris: pieces.filter((p) => p.rows > 0).map((p) => p.uri),
      tableId: explore.name,
      partition: window.partition,
      schema: prepared.schema,
      partitionField: partitionColumn(explore),
      clusterBy: explore.clusterBy,
      labels: { app: 'looker-activity-export', explore: explore.name },
    },
    signal,
  );
  if (load.outputRows !== total.rows)
    throw new IntegrityError(`load job ${jobId} wrote ${load.outputRows} rows, ${total.rows} were extracted`);
  logger.info(
    { rows: total.rows, bytes: total.bytes, gcsUri, jobId, pieces: pieces.length },
    `window ${window.label} loaded`,
  );
  return { ...result, rows: total.rows, bytes: total.bytes, gcsUri, jobId };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
