import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { FaultInjector } from '../faults.js';
import { ApiError, Catalog, tableResource, type Table } from './catalog.js';
import { runLoad, type JobError, type LoadConfig, type ReadObject } from './load.js';
import { runQuery, type QueryResult } from './query.js';
import { canonicalType, formatValue, type SchemaField } from './values.js';

export interface BigQueryFakeOptions {
  port?: number;
  /** Reads a `gs://bucket/name` source of a load job (the GCS fake's `openObject`). */
  readObject: ReadObject;
  /** How long a job stays PENDING before it runs, so clients really poll (ms). */
  jobDelayMs?: number;
}

interface Job {
  kind: 'bigquery#job';
  id: string;
  jobReference: { projectId: string; jobId: string; location: string };
  configuration: {
    load?: LoadConfig;
    query?: { query: string; defaultDataset?: { datasetId: string }; useLegacySql?: boolean };
    labels?: Record<string, string>;
  };
  status: { state: 'PENDING' | 'RUNNING' | 'DONE'; errorResult?: JobError; errors?: JobError[] };
  statistics: {
    creationTime: string;
    startTime?: string;
    endTime?: string;
    load?: Record<string, string>;
    query?: Record<string, unknown>;
  };
  user_email: string;
  result?: QueryResult;
}

export interface BigQueryFake {
  url: string;
  faults: FaultInjector;
  /** Rows of a table as plain objects (INTEGER as bigint, TIMESTAMP as micros), for test oracles. */
  rows(datasetId: string, tableId: string, projectId?: string): Record<string, unknown>[];
  readonly jobs: readonly Job[];
  /** The next load job ends DONE with this error (a backend error, a quota error). */
  failNextLoad(error: JobError): void;
  /** Load jobs stay RUNNING until this is set back to false. */
  stallJobs(stalled: boolean): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the BigQuery REST API v2 fake on 127.0.0.1 (see README.md beside this file). */
export async function startBigQueryFake(options: BigQueryFakeOptions): Promise<BigQueryFake> {
  let catalog = new Catalog();
  const faults = new FaultInjector();
  const jobs = new Map<string, Job>();
  let nextLoadFailure: JobError | undefined;
  let stalled = false;
  const stallWaiters: (() => void)[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof ApiError
          ? error
          : new ApiError(500, 'backendError', error instanceof Error ? error.message : 'internal error');
      if (!res.headersSent) sendError(res, failure);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      req.resume();
      throw new ApiError(
        fault.status,
        fault.status === 429 ? 'rateLimitExceeded' : fault.status >= 500 ? 'backendError' : 'invalid',
        fault.message ?? `Injected ${fault.status}`,
      );
    }
    if (fault?.kind === 'cut') return void res.socket?.destroy();
    const path = url.pathname.replace(/^\/bigquery\/v2/, '');
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readJson(req) : {};
    let m: RegExpExecArray | null;

    if ((m = /^\/projects\/([^/]+)\/datasets$/.exec(path))) {
      const projectId = m[1]!;
      if (method === 'GET') {
        const datasets = [...catalog.datasets.values()].filter((d) => d.projectId === projectId);
        return sendJson(res, 200, {
          kind: 'bigquery#datasetList',
          datasets: datasets.map((d) => ({
            kind: 'bigquery#dataset',
            id: `${projectId}:${d.datasetId}`,
            datasetReference: { projectId, datasetId: d.datasetId },
            location: d.location,
          })),
        });
      }
      const ref = (body.datasetReference ?? {}) as { datasetId?: string };
      if (!ref.datasetId || !/^[A-Za-z0-9_]{1,1024}$/.test(ref.datasetId))
        throw new ApiError(400, 'invalid', `Invalid dataset ID "${ref.datasetId ?? ''}".`);
      if (catalog.datasets.has(`${projectId}:${ref.datasetId}`))
        throw new ApiError(409, 'duplicate', `Already Exists: Dataset ${projectId}:${ref.datasetId}`);
      catalog.datasets.set(`${projectId}:${ref.datasetId}`, {
        projectId,
        datasetId: ref.datasetId,
        location: (body.location as string | undefined) ?? 'US',
        description: body.description as string | undefined,
        labels: body.labels as Record<string, string> | undefined,
        creationTime: Date.now(),
        tables: new Map(),
      });
      return sendJson(res, 200, datasetResource(projectId, ref.datasetId));
    }
    if ((m = /^\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path))) {
      const [, projectId, datasetId] = m as unknown as [string, string, string];
      const dataset = catalog.dataset(projectId, datasetId);
      if (method === 'GET') return sendJson(res, 200, datasetResource(projectId, datasetId));
      if (method === 'DELETE') {
        if (dataset.tables.size && url.searchParams.get('deleteContents') !== 'true') {
          throw new ApiError(400, 'resourceInUse', `Dataset ${projectId}:${datasetId} is still in use`);
        }
        catalog.datasets.delete(`${projectId}:${datasetId}`);
        return void res.writeHead(204).end();
      }
      if (method === 'PATCH' || method === 'PUT') {
        if (body.description !== undefined) dataset.description = body.description as string;
        if (body.labels !== undefined) dataset.labels = body.labels as Record<string, string>;
        return sendJson(res, 200, datasetResource(projectId, datasetId));
      }
    }
    if ((m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.exec(path))) {
      const [, projectId, datasetId] = m as unknown as [string, string, string];
      if (method === 'GET') {
        const tables = [...catalog.dataset(projectId, datasetId).tables.values()];
        return sendJson(res, 200, {
          kind: 'bigquery#tableList',
          totalItems: tables.length,
          tables: tables.map((t) => ({
            kind: 'bigquery#table',
            id: `${projectId}:${datasetId}.${t.tableId}`,
            tableReference: { projectId, datasetId, tableId: t.tableId },
            type: 'TABLE',
            ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
          })),
        });
      }
      const ref = (body.tableReference ?? {}) as { tableId?: string };
      if (!ref.tableId || !/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u.test(ref.tableId))
        throw new ApiError(400, 'invalid', `Invalid table ID "${ref.tableId ?? ''}".`);
      const table = catalog.createTable(projectId, datasetId, {
        tableId: ref.tableId,
        schema: (body.schema as { fields?: SchemaField[] } | undefined)?.fields ?? [],
        timePartitioning: body.timePartitioning as Table['timePartitioning'],
        clustering: body.clustering as Table['clustering'],
        description: body.description as string | undefined,
        labels: body.labels as Record<string, string> | undefined,
      });
      return sendJson(res, 200, tableResource(table));
    }
    if ((m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path))) {
      const [, projectId, datasetId, rawTableId] = m as unknown as [string, string, string, string];
      const tableId = decodeURIComponent(rawTableId);
      const table = catalog.table(projectId, datasetId, tableId);
      if (method === 'GET') return sendJson(res, 200, tableResource(table));
      if (method === 'DELETE') {
        catalog.dataset(projectId, datasetId).tables.delete(tableId);
        return void res.writeHead(204).end();
      }
      if (method === 'PATCH' || method === 'PUT') {
        const fields = (body.schema as { fields?: SchemaField[] } | undefined)?.fields;
        if (fields) {
          const dropped = table.schema.filter((f) => !fields.some((n) => n.name === f.name));
          if (dropped.length)
            throw new ApiError(
              400,
              'invalid',
              `Provided Schema does not match Table ${projectId}:${datasetId}.${tableId}. Cannot add fields (field: ${dropped[0]!.name})`,
            );
          table.schema = fields;
        }
        if (body.description !== undefined) table.description = body.description as string;
        if (body.labels !== undefined) table.labels = body.labels as Record<string, string>;
        table.lastModifiedTime = Date.now();
        return sendJson(res, 200, tableResource(table));
      }
    }
    if (
      method === 'GET' &&
      (m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/data$/.exec(path))
    ) {
      const table = catalog.table(m[1]!, m[2]!, decodeURIComponent(m[3]!));
      const selected = url.searchParams.get('selectedFields')?.split(',').filter(Boolean);
      const schema = selected ? table.schema.filter((f) => selected.includes(f.name)) : table.schema;
      const values = table.rows.map((r) => r.values);
      return sendJson(res, 200, {
        kind: 'bigquery#tableDataList',
        etag: String(table.lastModifiedTime),
        ...page(values, schema, url),
      });
    }
    if ((m = /^\/projects\/([^/]+)\/jobs$/.exec(path))) {
      const projectId = m[1]!;
      if (method === 'GET')
        return sendJson(res, 200, {
          kind: 'bigquery#jobList',
          jobs: [...jobs.values()].filter((j) => j.jobReference.projectId === projectId).map(jobResource),
        });
      return sendJson(res, 200, jobResource(insertJob(projectId, body, url)));
    }
    if ((m = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path)) && method === 'GET') {
      const job = jobs.get(`${m[1]}:${decodeURIComponent(m[2]!)}`);
      if (!job) throw new ApiError(404, 'notFound', `Not found: Job ${m[1]}:${decodeURIComponent(m[2]!)}`);
      return sendJson(res, 200, jobResource(job));
    }
    if ((m = /^\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/.exec(path)) && method === 'POST') {
      const job = jobs.get(`${m[1]}:${decodeURIComponent(m[2]!)}`);
      if (!job) throw new ApiError(404, 'notFound', `Not found: Job ${m[1]}:${m[2]}`);
      return sendJson(res, 200, { kind: 'bigquery#jobCancelResponse', job: jobResource(job) });
    }
    if ((m = /^\/projects\/([^/]+)\/queries$/.exec(path)) && method === 'POST') {
      const projectId = m[1]!;
      const job = insertJob(
        projectId,
        {
          jobReference: {
            projectId,
            jobId: `job_${randomUUID().replace(/-/g, '')}`,
            location: body.location,
          },
          configuration: {
            query: {
              query: body.query,
              defaultDataset: body.defaultDataset,
              useLegacySql: body.useLegacySql,
            },
          },
        },
        url,
        true,
      );
      return sendJson(res, 200, queryResponse(job, url));
    }
    if ((m = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path)) && method === 'GET') {
      const job = jobs.get(`${m[1]}:${decodeURIComponent(m[2]!)}`);
      if (!job) throw new ApiError(404, 'notFound', `Not found: Job ${m[1]}:${m[2]}`);
      return sendJson(res, 200, queryResponse(job, url));
    }
    throw new ApiError(404, 'notFound', `Not found: ${method} ${url.pathname} is not emulated`);
  }

  function insertJob(projectId: string, body: Record<string, unknown>, _url: URL, synchronous = false): Job {
    const ref = (body.jobReference ?? {}) as { jobId?: string; location?: string };
    const jobId = ref.jobId ?? `job_${randomUUID().replace(/-/g, '')}`;
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId))
      throw new ApiError(400, 'invalid', `Invalid job ID "${jobId}".`);
    if (jobs.has(`${projectId}:${jobId}`))
      throw new ApiError(
        409,
        'duplicate',
        `Already Exists: Job ${projectId}:${ref.location ?? 'US'}.${jobId}`,
      );
    const configuration = (body.configuration ?? {}) as Job['configuration'];
    if (!configuration.load && !configuration.query)
      throw new ApiError(400, 'invalid', 'This fake runs load and query jobs only');
    const job: Job = {
      kind: 'bigquery#job',
      id: `${projectId}:${ref.location ?? 'US'}.${jobId}`,
      jobReference: { projectId, jobId, location: ref.location ?? 'US' },
      configuration,
      status: { state: 'PENDING' },
      statistics: { creationTime: String(Date.now()) },
      user_email: 'local-stack@looker-export-local.iam.gserviceaccount.com',
    };
    jobs.set(`${projectId}:${jobId}`, job);
    if (configuration.query) {
      runQueryJob(job);
      if (!synchronous) return job;
    } else {
      setTimeout(() => void runLoadJob(job), options.jobDelayMs ?? 50);
    }
    return job;
  }

  function runQueryJob(job: Job) {
    job.statistics.startTime = String(Date.now());
    try {
      const query = job.configuration.query!;
      if (query.useLegacySql === true)
        throw new ApiError(400, 'invalidQuery', 'This fake runs GoogleSQL only; set useLegacySql to false');
      job.result = runQuery(
        catalog,
        job.jobReference.projectId,
        query.defaultDataset?.datasetId,
        query.query,
      );
      job.statistics.query = { totalBytesProcessed: '0', cacheHit: false, statementType: 'SELECT' };
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(400, 'invalidQuery', String(error));
      job.status.errorResult = { reason: failure.reason, message: failure.message };
      job.status.errors = [job.status.errorResult];
    }
    job.status.state = 'DONE';
    job.statistics.endTime = String(Date.now());
  }

  async function runLoadJob(job: Job) {
    job.status.state = 'RUNNING';
    job.statistics.startTime = String(Date.now());
    while (stalled) await new Promise<void>((resolve) => stallWaiters.push(resolve));
    const injected = nextLoadFailure;
    nextLoadFailure = undefined;
    if (injected) {
      job.status.errorResult = injected;
      job.status.errors = [injected];
    } else {
      try {
        const outcome = await runLoad(
          catalog,
          job.jobReference.projectId,
          job.configuration.load!,
          options.readObject,
        );
        job.statistics.load = outcome.statistics;
        if (outcome.errorResult) job.status.errorResult = outcome.errorResult;
        if (outcome.errors.length) job.status.errors = outcome.errors;
      } catch (error) {
        job.status.errorResult = {
          reason: 'backendError',
          message: `Error while reading data: ${(error as Error).message}`,
        };
        job.status.errors = [job.status.errorResult];
      }
    }
    job.status.state = 'DONE';
    job.statistics.endTime = String(Date.now());
  }

  function queryResponse(job: Job, url: URL) {
    if (job.status.errorResult) {
      throw new ApiError(400, job.status.errorResult.reason, job.status.errorResult.message);
    }
    const result = job.result ?? { schema: [], rows: [] };
    return {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: job.jobReference,
      jobComplete: job.status.state === 'DONE',
      schema: { fields: result.schema },
      cacheHit: false,
      totalBytesProcessed: '0',
      ...page(result.rows, result.schema, url),
    };
  }

  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    rows(datasetId, tableId, projectId) {
      const project =
        projectId ?? [...catalog.datasets.values()].find((d) => d.datasetId === datasetId)?.projectId ?? '';
      const table = catalog.findTable(project, datasetId, tableId);
      return table ? table.rows.map((r) => ({ ...r.values })) : [];
    },
    get jobs() {
      return [...jobs.values()];
    },
    failNextLoad(error) {
      nextLoadFailure = error;
    },
    stallJobs(value) {
      stalled = value;
      if (!value) stallWaiters.splice(0).forEach((resolve) => resolve());
    },
    async reset() {
      faults.clear();
      catalog = new Catalog();
      jobs.clear();
      nextLoadFailure = undefined;
      stalled = false;
      stallWaiters.splice(0).forEach((resolve) => resolve());
    },
    async close() {
      stalled = false;
      stallWaiters.splice(0).forEach((resolve) => resolve());
      await closeServer(server);
    },
  };

  function datasetResource(projectId: string, datasetId: string) {
    const dataset = catalog.dataset(projectId, datasetId);
    return {
      kind: 'bigquery#dataset',
      id: `${projectId}:${datasetId}`,
      etag: String(dataset.creationTime),
      datasetReference: { projectId, datasetId },
      location: dataset.location,
      creationTime: String(dataset.creationTime),
      lastModifiedTime: String(dataset.creationTime),
      ...(dataset.description ? { description: dataset.description } : {}),
      ...(dataset.labels ? { labels: dataset.labels } : {}),
    };
  }
}

function jobResource(job: Job) {
  const { result: _result, ...resource } = job;
  return { ...resource, status: { ...job.status }, statistics: { ...job.statistics } };
}

/** One page of rows in tabledata/getQueryResults form: every value a string, `{f:[{v}]}`. */
function page(values: Record<string, unknown>[], schema: SchemaField[], url: URL) {
  const start = Number(url.searchParams.get('pageToken') ?? url.searchParams.get('startIndex') ?? 0);
  const max = Number(url.searchParams.get('maxResults') ?? 10_000) || 10_000;
  const int64 = url.searchParams.get('formatOptions.useInt64Timestamp') === 'true';
  const types = schema.map((f) => canonicalType(f.type));
  const slice = values.slice(start, start + max);
  const next = start + slice.length;
  return {
    totalRows: String(values.length),
    ...(next < values.length ? { pageToken: String(next) } : {}),
    rows: slice.map((row) => ({
      f: schema.map((field, i) => ({ v: formatValue(types[i]!, row[field.name], int64) })),
    })),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError) {
  const status =
    {
      400: 'INVALID_ARGUMENT',
      404: 'NOT_FOUND',
      409: 'ALREADY_EXISTS',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
    }[error.status] ?? 'UNKNOWN';
  sendJson(res, error.status, {
    error: {
      code: error.status,
      message: error.message,
      errors: [
        {
          message: error.message,
          domain: 'global',
          reason: error.reason,
          ...(error.location ? { location: error.location } : {}),
        },
      ],
      status,
    },
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 'parseError', 'Parse Error');
  }
}
