/**
 * The types the window path's steps share: a request, the context of a run, what each step
 * reports, and the summaries a call answers with. Steps import them from here; the
 * orchestrator (`run.ts`) imports the steps, never the reverse.
 */
import type { Writable } from 'node:stream';
import type { Config, LookerInstance } from '../config/index.js';
import type { ErrorSummary } from '../errors.js';
import type { BigQueryField, ColumnDefinition, ExploreDefinition } from '../explores/index.js';
import type { Logger } from '../log.js';
import type { LookerClient } from '../looker/client.js';
import type { LoadRequest, LoadResult, MergeRequest, MergeResult } from '../sinks/bigquery.js';
import type { StateStore } from '../state/store.js';
import type { RowFilter } from '../transform/jsonl.js';
import type { compileRowMapper } from '../transform/row.js';
import type { ExtractWindow } from './windows.js';

/** What one call asks for, already validated. */
export interface RunRequest {
  /** Explores to export; the configured default set when absent. */
  explores?: readonly ExploreDefinition[];
  /** Both set: a backfill of these days (inclusive), which never moves the daily watermark. */
  backfill?: { from: Date; to: Date };
  dryRun: boolean;
}

export type WindowStatus = 'loaded' | 'empty' | 'planned' | 'failed' | 'skipped';

export interface WindowSummary extends WindowResult {
  window: string;
  kind: ExtractWindow['kind'];
  start: string;
  end: string;
  status: WindowStatus;
  durationMs?: number;
  error?: ErrorSummary;
}

export interface ExploreSummary {
  explore: string;
  mode: ExploreDefinition['mode'];
  /**
   * `partial`: the time budget ran out (what is left is read next). `skipped`: the budget was
   * spent before the explore was planned (nothing asked of Looker). `deferred`: the instance's
   * monthly query budget allows no more today. `busy`: another run holds this explore's lease.
   * `failed`: its `error` (planning) or a window's says whether a retry may pass.
   */
  status: 'succeeded' | 'failed' | 'partial' | 'skipped' | 'deferred' | 'busy';
  rows: number;
  /** Looker query calls this explore spent (counts and pages, retried attempts included). */
  lookerQueries: number;
  /** Result bytes read from Looker. */
  lookerBytes: number;
  windows: WindowSummary[];
  watermark: string | null;
  /** Where the columns came from, and how Looker's fields differ from the committed schema. */
  schema?: { source: 'looker' | 'committed'; added: string[]; removed: string[] };
  /** Why nothing was planned, when nothing was. */
  note?: string;
  /** Why the explore failed before any window ran (reading progress, counting, a secret). */
  error?: ErrorSummary;
  /** A snapshot that did not land, which a retry today can still take (tomorrow it is gone). */
  takeableToday?: true;
  /** A window ran past the budget's grace and was aborted (nothing of it was recorded). */
  outOfTime?: true;
}

export interface InstanceSummary {
  instance: string;
  dataset: string;
  status: 'succeeded' | 'failed' | 'partial' | 'busy';
  /** Set when the instance failed before any explore ran (lease, state, session). */
  error?: ErrorSummary;
  /** The instance's monthly Looker query budget, after this run (absent when state was unreadable). */
  queryBudget?: QueryBudgetReport;
  explores: ExploreSummary[];
}

/** What a summary says of the monthly budget; `null` stands for "no limit". */
export interface QueryBudgetReport {
  month: string;
  limit: number | null;
  usedThisMonth: number;
  usedToday: number;
  allowanceToday: number | null;
  /** Query calls this run spent on the instance. */
  spent: number;
}

export interface RunSummary {
  runId: string;
  mode: 'scheduled' | 'backfill';
  dryRun: boolean;
  /**
   * `failed`: something failed (see `httpStatus` for whether a retry may pass). `busy`: another
   * run held a lease. `partial`: work is left for the next call (or a snapshot for a retry
   * today). See `callStatus` in outcome.ts.
   */
  status: 'succeeded' | 'failed' | 'partial' | 'busy';
  /** What the call answers: 503 when any retry may pass, 409 busy, 500 only terminal failures. */
  httpStatus: 200 | 409 | 500 | 503;
  /** A retry of the call may help (503 or 409). */
  retryable: boolean;
  /** Looker query calls the run spent, over every instance. */
  lookerQueries: number;
  durationMs: number;
  instances: InstanceSummary[];
}

/** What one Looker instance's export works with. */
export interface InstanceDependencies {
  instance: LookerInstance;
  looker: LookerClient;
  loader: TableWriter;
  state: StateStore;
  /** The HMAC key of hashed columns (read once, when a selected explore hashes). */
  maskingKey: () => Promise<string>;
}

export interface RunDependencies {
  config: Config;
  logger: Logger;
  staging: Staging;
  instances: readonly InstanceDependencies[];
  now?: () => Date;
  runId?: string;
}

/** Context shared by the explores of one instance in one run. */
export interface RunContext {
  config: Config;
  staging: Staging;
  deps: InstanceDependencies;
  runId: string;
  now: () => Date;
  /** The run's one planning instant: every explore plans "today" from it. */
  runAt: Date;
  /** The exporter's own Looker user id, asked once per run and instance. */
  ownUserId: () => Promise<string>;
  /** Query calls the instance may still spend today (monthly budget); Infinity without one. */
  queriesLeft: () => number;
}

/** Where a read stages its pages: GCS in the function (GcsStaging), a local file in the CLI. */
export interface Staging {
  /** A stream whose successful end means the object exists, complete. */
  openWrite(name: string, metadata: Record<string, string>): Writable;
  /** The finished object's address and size, to check against what was written. */
  describe(name: string): Promise<{ uri: string; size: number }>;
}

/** What reading needs of a run: the function's RunContext, or the CLI's local one. */
export type ReadContext = Pick<RunContext, 'config' | 'staging' | 'runId' | 'now' | 'ownUserId'> & {
  deps: Pick<InstanceDependencies, 'instance' | 'looker' | 'maskingKey'> &
    Partial<Pick<InstanceDependencies, 'loader'>>;
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
  /** Rows whose undeclared key was NULL, or repeated, staged with a stand-in key (`nullKeyFrom`). */
  nullKeys: number;
  repeatedKeys: number;
  /** What proved the read complete: Looker's count reached, or a page shorter than a limit within the cap. */
  proof?: 'count' | 'short-page';
}

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
  /** How many pages the window was read in, when Looker's row cap made it continue. */
  pieces?: number;
  /** Rows Looker counted in the window before reading it, at the table's grain; null: no count. */
  counted?: number | null;
  /** Rows whose undeclared key was NULL (`~hash`) or repeated (`key~hash`), loaded with a stand-in key. */
  nullKeys?: number;
  repeatedKeys?: number;
  /** What proved the read complete: `count` (Looker's count reached) or `short-page`. */
  proof?: 'count' | 'short-page';
  /** Looker query calls the window's read made, and the result bytes it read. */
  lookerQueries?: number;
  lookerBytes?: number;
  /** Rows the merge added, and rows it replaced (earlier copies of the same key). */
  inserted?: number;
  updated?: number;
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

/** Writes a window's staged rows into its table; BigQueryLoader implements it. */
export interface TableWriter {
  /** Incremental rows by primary key, inside `range`, in one atomic job (see BigQueryLoader.merge). */
  merge(request: MergeRequest, signal?: AbortSignal): Promise<MergeResult>;
  /** A snapshot day: replaces its own `snapshot_date` partition. */
  load(request: LoadRequest, signal?: AbortSignal): Promise<LoadResult>;
  /** The table's columns as BigQuery has them; undefined when it does not exist yet. */
  tableSchema?(tableId: string): Promise<BigQueryField[] | undefined>;
}
