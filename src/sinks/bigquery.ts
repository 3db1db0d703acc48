import type { BigQuery, Job } from '@google-cloud/bigquery';
import { DependencyError } from '../errors.js';
import type { BigQueryField } from '../explores/index.js';

export interface LoadRequest {
  jobId: string;
  sourceUris: readonly string[];
  tableId: string;
  /** `YYYYMMDD`: replace only this day partition; absent: replace the whole table. */
  partition?: string;
  schema: readonly BigQueryField[];
  partitionField: string;
  clusterBy?: readonly string[];
  labels?: Record<string, string>;
}

/** One incremental window's rows, written by primary key (placeholder until the merge writer lands). */
export interface MergeRequest {
  jobId: string;
  sourceUris: readonly string[];
  tableId: string;
  schema: readonly BigQueryField[];
  partitionField: string;
  range: { start: Date; end: Date };
  primaryKey: readonly string[];
  clusterBy?: readonly string[];
  labels?: Record<string, string>;
}

export interface MergeResult {
  jobId: string;
  stagedRows: number;
  inserted: number;
  updated: number;
}

export interface LoadResult {
  jobId: string;
  outputRows: number;
}

/** BigQuery errors worth retrying (per BigQuery's troubleshooting guide). */
const TRANSIENT_REASONS = new Set([
  'backendError',
  'rateLimitExceeded',
  'internalError',
  'jobBackendError',
  'jobInternalError',
]);

/**
 * Load jobs from staged JSONL, with an explicit schema, into day-partitioned tables.
 * A window's load replaces its partition (`table$YYYYMMDD`, WRITE_TRUNCATE), so a rerun of a
 * window never duplicates rows; the table is created on first load.
 */
export class BigQueryLoader {
  constructor(
    private readonly bigquery: BigQuery,
    private readonly datasetId: string,
    private readonly location: string,
  ) {}

  merge(request: MergeRequest, signal?: AbortSignal): Promise<MergeResult> {
    void signal;
    return Promise.reject(new Error(`merge into ${request.tableId} is not implemented yet`));
  }

  async load(request: LoadRequest, signal?: AbortSignal): Promise<LoadResult> {
    const destination = request.partition ? `${request.tableId}$${request.partition}` : request.tableId;
    const schema = request.partition
      ? mergeSchemas(await this.#tableSchema(request.tableId), request.schema)
      : request.schema;
    let job: Job;
    try {
      [job] = await this.bigquery.createJob({
        jobId: request.jobId,
        location: this.location,
        configuration: {
          labels: request.labels,
          load: {
            sourceUris: [...request.sourceUris],
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            destinationTable: {
              projectId: this.bigquery.projectId,
              datasetId: this.datasetId,
              tableId: destination,
            },
            schema: { fields: schema.map((field) => ({ ...field })) },
            timePartitioning: { type: 'DAY', field: request.partitionField },
            clustering: request.clusterBy?.length ? { fields: [...request.clusterBy] } : undefined,
            createDisposition: 'CREATE_IF_NEEDED',
            writeDisposition: 'WRITE_TRUNCATE',
            // A field Looker added since the table was made is added, not a failure.
            schemaUpdateOptions: request.partition ? ['ALLOW_FIELD_ADDITION'] : undefined,
            maxBadRecords: 0,
            ignoreUnknownValues: false,
          },
        },
      });
    } catch (error) {
      // A retried insert whose first attempt got through: follow the job that exists.
      if (Number((error as { code?: unknown }).code) === 409) {
        job = this.bigquery.job(request.jobId, { location: this.location });
      } else {
        throw bigQueryError(`starting load job ${request.jobId} into ${destination}`, error);
      }
    }
    const metadata = await waitForJob(job, signal).catch((error: unknown) => {
      throw bigQueryError(`load job ${request.jobId} into ${destination}`, error);
    });
    return { jobId: request.jobId, outputRows: Number(metadata.statistics?.load?.outputRows ?? 0) };
  }

  /** The table's columns, or undefined when it does not exist yet. */
  async #tableSchema(tableId: string): Promise<BigQueryField[] | undefined> {
    try {
      const [metadata] = (await this.bigquery
        .dataset(this.datasetId)
        .table(tableId)
        .getMetadata()) as unknown as [{ schema?: { fields?: BigQueryField[] } }];
      return metadata.schema?.fields ?? [];
    } catch (error) {
      if (Number((error as { code?: unknown }).code) === 404) return undefined;
      throw bigQueryError(`reading the schema of ${tableId}`, error);
    }
  }
}

/**
 * A partition load must name every column the table has: columns added by an earlier run (and
 * since gone from Looker) are kept, in the table's order, and new ones are appended.
 */
export function mergeSchemas(
  existing: readonly BigQueryField[] | undefined,
  wanted: readonly BigQueryField[],
): readonly BigQueryField[] {
  if (!existing?.length) return wanted;
  const names = new Set(existing.map((field) => field.name));
  return [...existing, ...wanted.filter((field) => !names.has(field.name))];
}

interface JobMetadata {
  status?: {
    state?: string;
    errorResult?: { reason?: string; message?: string };
    errors?: { reason?: string; message?: string; location?: string }[];
  };
  statistics?: { load?: { outputRows?: string } };
}

/** Polls until DONE (the client's `job.promise()` cannot be aborted), then surfaces BigQuery's errors. */
async function waitForJob(job: Job, signal?: AbortSignal, intervalMs = 500): Promise<JobMetadata> {
  for (;;) {
    const [metadata] = (await job.getMetadata()) as unknown as [JobMetadata];
    if (metadata.status?.state === 'DONE') {
      const failure = metadata.status.errorResult;
      if (failure) {
        const details = (metadata.status.errors ?? [])
          .slice(0, 5)
          .map((e) => e.message)
          .filter((m) => m && m !== failure.message);
        throw Object.assign(new Error([failure.message, ...details].join(' | ')), {
          reason: failure.reason,
          errors: metadata.status.errors,
        });
      }
      return metadata;
    }
    if (signal?.aborted)
      throw new Error(`job still ${metadata.status?.state ?? 'pending'} when the run's time budget ran out`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function bigQueryError(what: string, error: unknown): DependencyError {
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    (error as { reason?: string; errors?: { reason?: string }[] }).reason ??
    (error as { errors?: { reason?: string }[] }).errors?.[0]?.reason;
  const code = Number((error as { code?: unknown }).code);
  const transient =
    (reason !== undefined && TRANSIENT_REASONS.has(reason)) ||
    code === 429 ||
    code >= 500 ||
    /budget ran out/.test(message);
  return new DependencyError('bigquery', `BigQuery ${what} failed: ${message}`, transient, { cause: error });
}
