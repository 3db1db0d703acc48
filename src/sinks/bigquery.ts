import type { BigQuery, Job } from '@google-cloud/bigquery';
import { DependencyError } from '../errors.js';
import type { BigQueryField } from '../explores/index.js';
import {
  mergeStatement,
  quoteTable,
  repeatedKeysQuery,
  windowParameters,
  type QueryParameter,
} from './merge-sql.js';
import { isNetworkError } from './network-errors.js';

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
  /** The table's description, should this load create it. */
  description?: string;
}

export interface LoadResult {
  jobId: string;
  outputRows: number;
}

/** One window's staged rows, to be written into `tableId` by primary key. */
export interface MergeRequest {
  /** Unique per window attempt; the staging table and the jobs are named from it. */
  jobId: string;
  /** gs:// JSONL objects of the window. */
  sourceUris: readonly string[];
  tableId: string;
  /** The window's columns; columns the table has beyond these are kept. */
  schema: readonly BigQueryField[];
  /** The DATE/DATETIME/TIMESTAMP column the table is day-partitioned on. */
  partitionField: string;
  /** Only target rows with `partitionField` in [start, end) are matched (and can be replaced). */
  range: { start: Date; end: Date };
  primaryKey: readonly string[];
  clusterBy?: readonly string[];
  labels?: Record<string, string>;
}

export interface MergeResult {
  /** The MERGE job's id (`request.jobId`). */
  jobId: string;
  /** Rows the staging load read from the window's objects. */
  stagedRows: number;
  /** Staged rows whose key the window's range did not hold yet. */
  inserted: number;
  /** Rows of the range replaced by their staged copy. */
  updated: number;
}

/** How long a staging table outlives a crashed run before BigQuery deletes it. */
const STAGING_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** BigQuery errors worth retrying (per BigQuery's troubleshooting guide). */
const TRANSIENT_REASONS = new Set([
  'backendError',
  'rateLimitExceeded',
  'internalError',
  'jobBackendError',
  'jobInternalError',
]);

/**
 * Writes staged JSONL, with an explicit schema, into day-partitioned tables. `merge` writes an
 * incremental window by primary key (a re-read never loses an archived row nor doubles one);
 * `load` replaces one partition (`table$YYYYMMDD`, WRITE_TRUNCATE), which suits a snapshot's own
 * `snapshot_date` day. Either creates the table when it is missing.
 */
export class BigQueryLoader {
  constructor(
    private readonly bigquery: BigQuery,
    private readonly datasetId: string,
    private readonly location: string,
  ) {}

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
            // Used only when the load creates the table (a discovered explore's first day).
            destinationTableProperties: request.description
              ? { description: request.description }
              : undefined,
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

  /**
   * Writes one window by primary key in one atomic MERGE job: staged rows replace the table's
   * rows with the same key inside `range`, rows the window no longer has stay, new rows are
   * added. The rows are first loaded into a staging table (same dataset, expiring after a day,
   * deleted afterwards) whose keys must be unique; the table is created, or given the window's
   * new columns, only once the staged rows passed that check. A rejected window changes no row.
   */
  async merge(request: MergeRequest, signal?: AbortSignal): Promise<MergeResult> {
    const existing = await this.#tableSchema(request.tableId);
    const schema = mergeSchemas(existing, request.schema);
    const partitionField = schema.find((field) => field.name === request.partitionField);
    if (!partitionField)
      throw new DependencyError(
        'bigquery',
        `BigQuery merge into ${request.tableId}: the schema has no partition column ${request.partitionField}`,
        false,
      );
    const stagingId = `_staging_${request.jobId.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const project = this.bigquery.projectId;
    // Every statement is written before anything is created, so a name BigQuery would refuse
    // (or that could break out of its quotes) fails the window without touching BigQuery.
    let staging: string, sql: string, keyCheck: string, parameters: QueryParameter[];
    try {
      staging = quoteTable(project, this.datasetId, stagingId);
      sql = mergeStatement({
        target: quoteTable(project, this.datasetId, request.tableId),
        staging,
        columns: schema.map((field) => field.name),
        updated: request.schema.map((field) => field.name),
        primaryKey: request.primaryKey,
        partitionField: request.partitionField,
      });
      keyCheck = repeatedKeysQuery(staging, request.primaryKey);
      parameters = windowParameters(partitionField, request.range);
    } catch (error) {
      throw new DependencyError(
        'bigquery',
        `BigQuery merge into ${request.tableId}: ${String(error)}`,
        false,
        {
          cause: error,
        },
      );
    }
    try {
      await this.#createStaging(stagingId, schema);
      const stagedRows = await this.#loadStaging(request, stagingId, schema, signal);
      await this.#refuseRepeatedKeys(request, keyCheck, signal);
      await this.#prepareTarget(request, existing, schema);
      const metadata = await this.#query(
        request.jobId,
        `merge into ${request.tableId}`,
        sql,
        request.labels,
        signal,
        parameters,
      );
      const dml = metadata.statistics?.query?.dmlStats;
      return {
        jobId: request.jobId,
        stagedRows,
        inserted: Number(dml?.insertedRowCount ?? 0),
        updated: Number(dml?.updatedRowCount ?? 0),
      };
    } finally {
      // Best effort: the table expires by itself if this fails.
      await this.bigquery
        .dataset(this.datasetId)
        .table(stagingId)
        .delete()
        .catch(() => undefined);
    }
  }

  async #createStaging(stagingId: string, schema: readonly BigQueryField[]): Promise<void> {
    try {
      await this.bigquery.dataset(this.datasetId).createTable(stagingId, {
        schema: { fields: schema.map((field) => ({ ...field })) },
        expirationTime: String(Date.now() + STAGING_LIFETIME_MS),
        labels: { purpose: 'staging' },
      });
    } catch (error) {
      // A retried window finds its staging table: the load below replaces its rows.
      if (Number((error as { code?: unknown }).code) !== 409)
        throw bigQueryError(`creating staging table ${stagingId}`, error);
    }
  }

  async #loadStaging(
    request: MergeRequest,
    stagingId: string,
    schema: readonly BigQueryField[],
    signal?: AbortSignal,
  ): Promise<number> {
    const jobId = `${request.jobId}_stage`;
    const job = await this.#startJob(jobId, `staging load into ${stagingId}`, {
      labels: request.labels,
      load: {
        sourceUris: [...request.sourceUris],
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        destinationTable: {
          projectId: this.bigquery.projectId,
          datasetId: this.datasetId,
          tableId: stagingId,
        },
        schema: { fields: schema.map((field) => ({ ...field })) },
        createDisposition: 'CREATE_NEVER',
        writeDisposition: 'WRITE_TRUNCATE',
        maxBadRecords: 0,
        ignoreUnknownValues: false,
      },
    });
    const metadata = await waitForJob(job, signal).catch((error: unknown) => {
      throw bigQueryError(`staging load ${jobId} into ${stagingId}`, error);
    });
    return Number(metadata.statistics?.load?.outputRows ?? 0);
  }

  /** MERGE would insert both copies of a new key (it fails only on a key the table has): refuse them first. */
  async #refuseRepeatedKeys(request: MergeRequest, keyCheck: string, signal?: AbortSignal): Promise<void> {
    const jobId = `${request.jobId}_keys`;
    await this.#query(jobId, 'staged key check', keyCheck, request.labels, signal);
    let rows: Record<string, unknown>[];
    try {
      [rows] = (await this.bigquery.job(jobId, { location: this.location }).getQueryResults()) as unknown as [
        Record<string, unknown>[],
      ];
    } catch (error) {
      throw bigQueryError(`reading the staged key check ${jobId}`, error);
    }
    if (!rows.length) return;
    const shown = rows
      .map((row) => `(${request.primaryKey.map((k) => showValue(row[k])).join(', ')}) x${String(row.copies)}`)
      .join(', ');
    throw new DependencyError(
      'bigquery',
      `BigQuery merge into ${request.tableId} refused: staged rows repeat the key (${request.primaryKey.join(', ')}): ${shown}`,
      false,
    );
  }

  /** Creates the day-partitioned, clustered table, or adds the window's new columns; never drops one. */
  async #prepareTarget(
    request: MergeRequest,
    existing: readonly BigQueryField[] | undefined,
    schema: readonly BigQueryField[],
  ): Promise<void> {
    const table = this.bigquery.dataset(this.datasetId).table(request.tableId);
    const fields = schema.map((field) => ({ ...field }));
    if (existing === undefined) {
      try {
        await table.create({
          schema: { fields },
          timePartitioning: { type: 'DAY', field: request.partitionField },
          clustering: request.clusterBy?.length ? { fields: [...request.clusterBy] } : undefined,
        });
        return;
      } catch (error) {
        if (Number((error as { code?: unknown }).code) !== 409)
          throw bigQueryError(`creating table ${request.tableId}`, error);
        // Created meanwhile by another attempt: add what it lacks, as for any existing table.
        existing = (await this.#tableSchema(request.tableId)) ?? [];
      }
    }
    const names = new Set(existing.map((field) => field.name));
    if (schema.every((field) => names.has(field.name))) return;
    try {
      await table.setMetadata({
        schema: { fields: mergeSchemas(existing, schema).map((field) => ({ ...field })) },
      });
    } catch (error) {
      throw bigQueryError(`adding columns to ${request.tableId}`, error);
    }
  }

  async #query(
    jobId: string,
    what: string,
    query: string,
    labels: Record<string, string> | undefined,
    signal?: AbortSignal,
    queryParameters?: QueryParameter[],
  ): Promise<JobMetadata> {
    const job = await this.#startJob(jobId, what, {
      labels,
      query: {
        query,
        useLegacySql: false,
        ...(queryParameters ? { parameterMode: 'NAMED', queryParameters } : {}),
      },
    });
    return waitForJob(job, signal).catch((error: unknown) => {
      throw bigQueryError(`${what} job ${jobId}`, error);
    });
  }

  /** Inserts a job; a retried insert whose first attempt got through (409) follows the job that exists. */
  async #startJob(jobId: string, what: string, configuration: Record<string, unknown>): Promise<Job> {
    try {
      const [job] = await this.bigquery.createJob({ jobId, location: this.location, configuration });
      return job;
    } catch (error) {
      if (Number((error as { code?: unknown }).code) === 409)
        return this.bigquery.job(jobId, { location: this.location });
      throw bigQueryError(`starting ${what} job ${jobId}`, error);
    }
  }

  /** The table's columns, or undefined when it does not exist yet. */
  async tableSchema(tableId: string): Promise<BigQueryField[] | undefined> {
    return this.#tableSchema(tableId);
  }

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
  statistics?: {
    load?: { outputRows?: string };
    query?: { dmlStats?: { insertedRowCount?: string; updatedRowCount?: string; deletedRowCount?: string } };
  };
}

/**
 * Polls until DONE (the client's `job.promise()` cannot be aborted), then surfaces BigQuery's
 * errors. The wait doubles from 100 ms up to `maxIntervalMs`: a window takes three short jobs
 * (staging load, key check, MERGE), which should not each cost a full interval.
 */
async function waitForJob(job: Job, signal?: AbortSignal, maxIntervalMs = 500): Promise<JobMetadata> {
  for (let intervalMs = 100; ; intervalMs = Math.min(intervalMs * 2, maxIntervalMs)) {
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
      // The job may still finish; it is atomic, and the next call repeats the window: transient.
      throw new DependencyError(
        'bigquery',
        `BigQuery job still ${metadata.status?.state ?? 'pending'} when the run's time budget ran out`,
        true,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A key value as the client returns it (DATE/DATETIME/TIMESTAMP as `{ value }` objects). */
function showValue(value: unknown): string {
  if (value && typeof value === 'object' && 'value' in value)
    return String((value as { value: unknown }).value);
  return JSON.stringify(value ?? null);
}

function bigQueryError(what: string, error: unknown): DependencyError {
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    (error as { reason?: string; errors?: { reason?: string }[] }).reason ??
    (error as { errors?: { reason?: string }[] }).errors?.[0]?.reason;
  const code = Number((error as { code?: unknown }).code);
  // An unreachable BigQuery (refused, reset, timed out) is transient; a job BigQuery ran and
  // rejected (bad data, schema mismatch, a duplicate match) carries its reason and is not.
  const transient =
    (error instanceof DependencyError && error.transient) ||
    isNetworkError(error) ||
    (reason !== undefined && TRANSIENT_REASONS.has(reason)) ||
    code === 429 ||
    code >= 500;
  return new DependencyError('bigquery', `BigQuery ${what} failed: ${message}`, transient, { cause: error });
}
