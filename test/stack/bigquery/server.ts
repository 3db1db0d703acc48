import { createServer } from 'node:http';
import { FaultInjector } from '../faults.js';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { Catalog } from './catalog.js';
import { formatTimestampIso } from './civil-time.js';
import type { JobError } from './errors.js';
import { listener } from './http.js';
import { EngineQueries } from './engine-query.js';
import { JobRunner, jobResource } from './jobs.js';
import type { ListObjects, ReadObject } from './load-job.js';
import { routes } from './routes.js';
import type { Field } from './schema.js';
import { scan, TableStore } from './storage.js';
import type { Stored, StoredRecord } from './values.js';

export interface BigQueryFakeOptions {
  /** Port to listen on (127.0.0.1); a free one when omitted. */
  port?: number;
  /** Reads the object of a `gs://bucket/name` source (the GCS fake's `openObject`). */
  readObject: ReadObject;
  /** Lists object names under a prefix; needed only for wildcard source URIs (`gs://b/prefix*`). */
  listObjects?: ListObjects;
  /** How long a job stays PENDING, and RUNNING after its work, so clients really poll (ms, default 50). */
  jobDelayMs?: number;
  /**
   * Directory for table data (segment files); a fresh temporary one, removed on close, when
   * omitted. A given directory is kept on close (its files are removed with their tables).
   */
  dataDir?: string;
}

/** Where a table's rows are: per partition, its row count and segment files. */
export interface TableStorage {
  numRows: number;
  partitions: { partition: string; rows: number; files: string[] }[];
  /** Rows of the table held in memory between jobs: none, they are on disk. */
  residentRows: number;
}

/** A job as jobs.get returns it. */
export type JobResource = ReturnType<typeof jobResource>;

export interface BigQueryFake {
  url: string;
  faults: FaultInjector;
  /**
   * A table's rows as plain objects, for test oracles: every top-level column, NULL as null,
   * INTEGER as bigint, FLOAT as number, NUMERIC/BIGNUMERIC/DATE/DATETIME/TIME/BYTES/JSON as
   * BigQuery's canonical strings, TIMESTAMP as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, RECORD as an
   * object, REPEATED as an array. `partition` (`20261122`, `__NULL__`) keeps one partition.
   * Empty when the table does not exist.
   */
  rows(
    datasetId: string,
    tableId: string,
    options?: { projectId?: string; partition?: string },
  ): Record<string, unknown>[];
  /** Where a table's rows are stored (undefined when the table does not exist). */
  storage(datasetId: string, tableId: string, options?: { projectId?: string }): TableStorage | undefined;
  /** Every job, as jobs.get would answer now, oldest first. */
  readonly jobs: readonly JobResource[];
  /** The next load job to run ends DONE with this error (default: backendError), changing nothing. */
  failNextLoad(error?: JobError): void;
  /** While true, jobs that start stay RUNNING (a job that never finishes); false lets them go on. */
  stallJobs(stalled: boolean): void;
  /** Forgets datasets, tables, jobs and armed faults. */
  reset(): Promise<void>;
  /** Stops listening and every timer; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the BigQuery REST API v2 fake on 127.0.0.1 (what it emulates: README.md beside this
 * file). Load jobs read their `gs://` sources through `readObject`.
 */
export async function startBigQueryFake(options: BigQueryFakeOptions): Promise<BigQueryFake> {
  const store = TableStore.open(options.dataDir);
  const catalog = new Catalog(store);
  const faults = new FaultInjector();
  // Its ZetaSQL server starts only when a query needs it (engine-query.ts).
  const engine = new EngineQueries(catalog);
  const jobs = new JobRunner(
    catalog,
    {
      readObject: options.readObject,
      listObjects: options.listObjects,
      jobDelayMs: options.jobDelayMs ?? 50,
    },
    engine,
  );
  const server = createServer(listener(routes(catalog, jobs, engine), faults));
  let port: number;
  try {
    port = await listenOnLoopback(server, options.port);
  } catch (error) {
    store.close();
    throw error;
  }
  let closed = false;
  const findTable = (datasetId: string, tableId: string, projectId?: string) => {
    const dataset = projectId
      ? catalog.findDataset(projectId, datasetId)
      : catalog.allDatasets().find((d) => d.datasetId === datasetId);
    return dataset?.tables.get(tableId);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    rows(datasetId, tableId, rowOptions = {}) {
      const table = findTable(datasetId, tableId, rowOptions.projectId);
      if (!table) return [];
      const segments = table.data.segments(
        rowOptions.partition === undefined ? undefined : (p) => p === rowOptions.partition,
      );
      return [...scan(segments, table.schema)].map((row) => plainRow(table.schema, row.decode()));
    },
    storage(datasetId, tableId, storageOptions = {}) {
      const table = findTable(datasetId, tableId, storageOptions.projectId);
      if (!table) return undefined;
      return {
        numRows: table.data.count(),
        partitions: table.data
          .partitionIds()
          .sort()
          .map((partition) => ({
            partition,
            rows: table.data.count(partition),
            files: table.data.segments((p) => p === partition).map((s) => s.file),
          })),
        residentRows: table.data.residentRows,
      };
    },
    get jobs() {
      return jobs.all.map(jobResource);
    },
    failNextLoad(error = { reason: 'backendError', message: 'Backend error. Job aborted.' }) {
      jobs.failNextLoad(error);
    },
    stallJobs(stalled) {
      jobs.stall(stalled);
    },
    async reset() {
      faults.clear();
      jobs.reset();
      catalog.clear();
    },
    async close() {
      if (closed) return;
      closed = true;
      jobs.close();
      await closeServer(server);
      await engine.close();
      store.close();
    },
  };
}

function plainRow(fields: readonly Field[], row: StoredRecord): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, plainValue(f, row[f.name] ?? null)]));
}

function plainValue(field: Field, value: Stored): unknown {
  if (value === null) return null;
  if (field.mode === 'REPEATED')
    return (value as Stored[]).map((v) => plainValue({ ...field, mode: 'NULLABLE' }, v));
  if (field.type === 'RECORD') return plainRow(field.fields ?? [], value as StoredRecord);
  if (field.type === 'TIMESTAMP') return formatTimestampIso(value as bigint);
  return value;
}
