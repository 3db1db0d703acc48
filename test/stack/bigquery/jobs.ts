/**
 * Jobs: ids chosen by the client or generated, duplicates refused, and the PENDING -> RUNNING ->
 * DONE life BigQuery gives them, asynchronously, so clients really poll `jobs.get`. Load jobs
 * run through load-job.ts; MERGE through merge.ts; a SELECT of the streaming subset over a table
 * through query.ts; every other query through the GoogleSQL engine (engine-query.ts). Tests can
 * fail or stall jobs.
 */
import { randomBytes } from 'node:crypto';
import { normalizeLocation, type Catalog } from './catalog.js';
import type { EngineQueries } from './engine-query.js';
import { ApiError, duplicate, invalid, notFound, type JobError } from './errors.js';
import {
  runLoad,
  type ListObjects,
  type LoadConfig,
  type LoadStatistics,
  type ReadObject,
} from './load-job.js';
import { isMerge } from './merge-parser.js';
import { mergeTarget, readParameters, runMerge, type DmlStats } from './merge.js';
import { queryTable, runQuery, type QueryResult } from './query.js';

export type JobState = 'PENDING' | 'RUNNING' | 'DONE';

interface QueryConfig {
  query?: string;
  useLegacySql?: boolean;
  defaultDataset?: { projectId?: string; datasetId?: string };
  parameterMode?: string;
  queryParameters?: unknown[];
}

/** A job as the fake keeps it; `jobResource` renders it for the API. */
export interface Job {
  projectId: string;
  jobId: string;
  location: string;
  jobType: 'LOAD' | 'QUERY';
  configuration: {
    load?: LoadConfig;
    query?: QueryConfig;
    labels?: Record<string, string>;
    dryRun?: boolean;
  } & Record<string, unknown>;
  state: JobState;
  errorResult?: JobError;
  errors?: JobError[];
  creationTime: number;
  startTime?: number;
  endTime?: number;
  load?: LoadStatistics;
  query?: {
    totalBytesProcessed: number;
    referencedTable?: string;
    referencedTables?: string[];
    statementType: 'SELECT' | 'MERGE';
    dml?: DmlStats;
  };
  result?: QueryResult;
  cancelRequested: boolean;
  /** Settles when the job is DONE. */
  done: Promise<void>;
}

export interface JobRunnerOptions {
  readObject: ReadObject;
  listObjects?: ListObjects;
  /** How long a job stays PENDING, and RUNNING after its work, so clients see it move (ms). */
  jobDelayMs: number;
}

const USER = 'local-stack@looker-export-local.iam.gserviceaccount.com';
const CANCELLED: JobError = {
  reason: 'stopped',
  message: 'Job execution was cancelled: User requested cancellation',
};

export class JobRunner {
  readonly #jobs = new Map<string, Job & { finish: () => void }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #failNextLoad: JobError | undefined;
  #stalled = false;
  #stallWaiters: (() => void)[] = [];
  #closed = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly options: JobRunnerOptions,
    private readonly engine: EngineQueries,
  ) {}

  /** jobs.insert: validates, registers the job PENDING and schedules it (a dry run answers DONE); throws ApiError. */
  async insert(projectId: string, body: Record<string, unknown>): Promise<Job> {
    const reference = (body.jobReference ?? {}) as { jobId?: string; location?: string; projectId?: string };
    const jobId = reference.jobId ?? `job_${randomBytes(16).toString('base64url').replace(/-/g, '_')}`;
    if (typeof jobId !== 'string' || !/^[A-Za-z0-9_-]{1,1024}$/.test(jobId))
      throw invalid(
        `Invalid job ID "${String(jobId)}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
      );
    const configuration = { ...((body.configuration ?? {}) as Job['configuration']) };
    const kinds = ['load', 'query', 'copy', 'extract'].filter((k) => configuration[k] !== undefined);
    if (kinds.length !== 1)
      throw invalid(
        'Job configuration must contain exactly one job-specific configuration object (e.g., query, load, extract, copy).',
      );
    if (kinds[0] !== 'load' && kinds[0] !== 'query')
      throw new ApiError(
        501,
        'notImplemented',
        `${kinds[0]} jobs are not supported by the BigQuery fake; it runs load and query jobs.`,
      );
    const jobType = kinds[0] === 'load' ? 'LOAD' : 'QUERY';
    const location = reference.location
      ? normalizeLocation(reference.location)
      : this.#defaultLocation(projectId, configuration);
    if (configuration.dryRun) {
      if (jobType !== 'QUERY')
        throw invalid('Dry runs are supported for query jobs only by the BigQuery fake.');
      return this.#dryRun(projectId, jobId, location, configuration);
    }
    if (this.#jobs.has(`${projectId}:${jobId}`))
      throw duplicate(`Already Exists: Job ${projectId}:${location}.${jobId}`);
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const job = {
      projectId,
      jobId,
      location,
      jobType,
      configuration: { ...configuration, jobType },
      state: 'PENDING' as JobState,
      creationTime: Date.now(),
      cancelRequested: false,
      done,
      finish,
    } satisfies Job & { finish: () => void };
    this.#jobs.set(`${projectId}:${jobId}`, job);
    // A bug in the fake must end the job as BigQuery ends a job it cannot run, not crash the test process.
    this.#later(() =>
      this.#run(job).catch((error: unknown) =>
        this.#complete(job, {
          reason: 'backendError',
          message: `Backend error in the BigQuery fake: ${String(error)}`,
        }),
      ),
    );
    return job;
  }

  /** jobs.get; `location`, when given, must be the job's. */
  get(projectId: string, jobId: string, location?: string | null): Job {
    const job = this.#jobs.get(`${projectId}:${jobId}`);
    if (!job || (location && normalizeLocation(location) !== job.location))
      throw notFound(
        `Not found: Job ${projectId}:${location ? normalizeLocation(location) : (job?.location ?? 'US')}.${jobId}`,
      );
    return job;
  }

  /** Newest first, as jobs.list answers. */
  list(projectId: string): Job[] {
    return [...this.#jobs.values()]
      .filter((j) => j.projectId === projectId)
      .sort((a, b) => b.creationTime - a.creationTime);
  }

  get all(): Job[] {
    return [...this.#jobs.values()];
  }

  /** jobs.cancel: a job not yet DONE ends DONE with `stopped`; a load cancelled before its commit changes nothing. */
  cancel(projectId: string, jobId: string, location?: string | null): Job {
    const job = this.get(projectId, jobId, location);
    if (job.state !== 'DONE') {
      job.cancelRequested = true;
      if (job.state === 'PENDING' || this.#stalled) this.#complete(job, CANCELLED);
    }
    return job;
  }

  delete(projectId: string, jobId: string, location?: string | null): void {
    const job = this.get(projectId, jobId, location);
    if (job.state !== 'DONE')
      throw invalid(`Job ${projectId}:${job.location}.${jobId} is not complete and cannot be deleted.`);
    this.#jobs.delete(`${projectId}:${jobId}`);
  }

  /** Resolves when the job is DONE or after `timeoutMs`, whichever comes first. */
  async waitFor(job: Job, timeoutMs: number): Promise<void> {
    if (job.state === 'DONE') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([job.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  failNextLoad(error: JobError): void {
    this.#failNextLoad = error;
  }

  stall(stalled: boolean): void {
    this.#stalled = stalled;
    if (!stalled) this.#stallWaiters.splice(0).forEach((resume) => resume());
  }

  /** Forgets every job; running ones end as cancelled and never touch the catalog. */
  reset(): void {
    for (const job of this.#jobs.values()) if (job.state !== 'DONE') job.cancelRequested = true;
    this.#jobs.clear();
    this.#failNextLoad = undefined;
    this.stall(false);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.reset();
  }

  #later(action: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, this.options.jobDelayMs);
    this.#timers.add(timer);
  }

  #defaultLocation(projectId: string, configuration: Job['configuration']): string {
    try {
      if (configuration.load) {
        const destination = configuration.load.destinationTable;
        return (
          this.catalog.findDataset(destination?.projectId ?? projectId, destination?.datasetId ?? '')
            ?.location ?? 'US'
        );
      }
      const sql = configuration.query?.query ?? '';
      const ref = (isMerge(sql) ? mergeTarget : queryTable)(
        sql,
        projectId,
        configuration.query?.defaultDataset,
      );
      return this.catalog.findDataset(ref.projectId, ref.datasetId)?.location ?? 'US';
    } catch {
      return 'US';
    }
  }

  async #dryRun(
    projectId: string,
    jobId: string,
    location: string,
    configuration: Job['configuration'],
  ): Promise<Job> {
    const job: Job = {
      projectId,
      jobId,
      location,
      jobType: 'QUERY',
      configuration: { ...configuration, jobType: 'QUERY' },
      state: 'DONE',
      creationTime: Date.now(),
      cancelRequested: false,
      done: Promise.resolve(),
    };
    job.startTime = job.endTime = job.creationTime;
    const result = await this.#query(job, true); // throws ApiError: a dry run answers errors directly
    job.query = { ...queryStatistics(result), dml: undefined };
    return job;
  }

  /**
   * Runs the job's statement; a MERGE commits unless `dryRun`. One path per statement: MERGE
   * (merge.ts), a SELECT of the streaming subset over a stored table (query.ts: the product's
   * reads, which must scale), any other query (the GoogleSQL engine; a dry run only analyzes).
   */
  async #query(
    job: Job,
    dryRun = false,
  ): Promise<QueryResult & { dml?: DmlStats; referencedTables?: string[] }> {
    const config = job.configuration.query ?? {};
    if (config.useLegacySql === true)
      throw new ApiError(
        400,
        'invalidQuery',
        'Legacy SQL is not supported by the BigQuery fake; set useLegacySql to false.',
        'query',
      );
    if (typeof config.query !== 'string' || !config.query.trim())
      throw new ApiError(400, 'invalid', 'Query text is empty.');
    if (isMerge(config.query)) {
      const outcome = runMerge(this.catalog, config.query, {
        projectId: job.projectId,
        location: job.location,
        defaultDataset: config.defaultDataset,
        parameters: readParameters(config.parameterMode, config.queryParameters),
        dryRun,
      });
      // A DML statement answers no rows and no schema.
      return {
        schema: [],
        rows: [],
        table: outcome.table,
        referencedTables: [outcome.table, outcome.source],
        totalBytesProcessed: outcome.totalBytesProcessed,
        statementType: 'MERGE',
        dml: outcome.dml,
      };
    }
    if (!config.queryParameters?.length && this.#streams(config.query, job.projectId, config.defaultDataset))
      return runQuery(this.catalog, config.query, job.projectId, job.location, config.defaultDataset);
    const context = {
      projectId: job.projectId,
      location: job.location,
      defaultDataset: config.defaultDataset,
      parameterMode: config.parameterMode,
      queryParameters: config.queryParameters,
    };
    return dryRun ? this.engine.analyze(config.query, context) : this.engine.run(config.query, context);
  }

  /** Whether the streaming subset takes the query: its grammar parses it and it reads a stored table, not a view. */
  #streams(sql: string, projectId: string, defaultDataset: QueryConfig['defaultDataset']): boolean {
    try {
      const ref = queryTable(sql, projectId, defaultDataset);
      return !this.catalog.findTable(ref.projectId, ref.datasetId, ref.tableId)?.view;
    } catch {
      return false;
    }
  }

  async #run(job: Job & { finish: () => void }): Promise<void> {
    if (job.state === 'DONE') return;
    job.state = 'RUNNING';
    job.startTime = Date.now();
    while (this.#stalled && !job.cancelRequested)
      await new Promise<void>((resume) => this.#stallWaiters.push(resume));
    if (job.state !== 'RUNNING') return;
    if (job.cancelRequested) return this.#complete(job, CANCELLED);
    let failure: JobError | undefined;
    let errors: JobError[] | undefined;
    if (job.jobType === 'LOAD') {
      const injected = this.#failNextLoad;
      this.#failNextLoad = undefined;
      if (injected) failure = injected;
      else {
        const outcome = await runLoad(job.configuration.load!, {
          catalog: this.catalog,
          projectId: job.projectId,
          location: job.location,
          readObject: this.options.readObject,
          listObjects: this.options.listObjects,
          isCancelled: () => job.cancelRequested,
        });
        if (job.state !== 'RUNNING') return;
        failure = outcome.errorResult;
        errors = outcome.errors;
        job.load = outcome.statistics;
      }
    } else {
      try {
        const result = await this.#query(job);
        job.result = result;
        job.query = queryStatistics(result);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        failure = {
          reason: error.reason,
          message: error.message,
          ...(error.reason === 'invalidQuery' ? { location: 'query' } : {}),
        };
      }
    }
    this.#later(() => this.#complete(job, failure, errors));
  }

  #complete(job: Job, failure?: JobError, errors?: JobError[]): void {
    if (job.state === 'DONE') return;
    job.state = 'DONE';
    job.startTime ??= Date.now();
    job.endTime = Date.now();
    if (failure) {
      job.errorResult = failure;
      job.errors = errors?.length ? errors : [failure];
      job.load = undefined;
      job.result = undefined;
    } else if (errors?.length) job.errors = errors;
    (job as Job & { finish: () => void }).finish?.();
  }
}

function queryStatistics(
  result: QueryResult & { dml?: DmlStats; referencedTables?: string[] },
): NonNullable<Job['query']> {
  return {
    totalBytesProcessed: result.totalBytesProcessed,
    referencedTable: result.table,
    referencedTables: result.referencedTables,
    statementType: result.statementType ?? 'SELECT',
    dml: result.dml,
  };
}

/** DML statistics as BigQuery renders them (int64 as strings). */
export function dmlStatistics(dml: DmlStats) {
  return {
    numDmlAffectedRows: String(dml.insertedRowCount + dml.updatedRowCount + dml.deletedRowCount),
    dmlStats: {
      insertedRowCount: String(dml.insertedRowCount),
      deletedRowCount: String(dml.deletedRowCount),
      updatedRowCount: String(dml.updatedRowCount),
    },
  };
}

/** The job resource of jobs.insert/get/list. */
export function jobResource(job: Job) {
  const id = `${job.projectId}:${job.location}.${job.jobId}`;
  const statistics: Record<string, unknown> = { creationTime: String(job.creationTime) };
  if (job.startTime !== undefined) statistics.startTime = String(job.startTime);
  if (job.endTime !== undefined) statistics.endTime = String(job.endTime);
  if (job.state === 'DONE' && !job.errorResult) {
    if (job.load) statistics.load = { ...job.load };
    if (job.query) {
      const bytes = String(job.query.totalBytesProcessed);
      statistics.totalBytesProcessed = bytes;
      const refs = (
        job.query.referencedTables ?? (job.query.referencedTable ? [job.query.referencedTable] : [])
      )
        .map((name) => /^([^:]+):([^.]+)\.(.+)$/.exec(name))
        .flatMap((ref) => (ref ? [{ projectId: ref[1], datasetId: ref[2], tableId: ref[3] }] : []));
      statistics.query = {
        totalBytesProcessed: bytes,
        totalBytesBilled: bytes,
        cacheHit: false,
        statementType: job.query.statementType,
        totalSlotMs: '0',
        ...(refs.length ? { referencedTables: refs } : {}),
        ...(job.query.dml ? dmlStatistics(job.query.dml) : {}),
      };
    }
  }
  return {
    kind: 'bigquery#job',
    etag: Buffer.from(`${id}:${job.state}`).toString('base64').slice(0, 24),
    id,
    selfLink: `/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
    user_email: USER,
    principal_subject: `serviceAccount:${USER}`,
    configuration: job.configuration,
    jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
    statistics,
    status: {
      ...(job.errorResult ? { errorResult: job.errorResult } : {}),
      ...(job.errors ? { errors: job.errors } : {}),
      state: job.state,
    },
  };
}
