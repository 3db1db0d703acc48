/**
 * The REST resources of BigQuery API v2 the fake answers: projects.list, datasets, tables,
 * tabledata.list, jobs (insert/get/list/cancel/delete), jobs.query and jobs.getQueryResults.
 */
import {
  datasetListEntry,
  datasetResource,
  etagOfDataset,
  etagOfTable,
  normalizeClustering,
  normalizeLocation,
  tableListEntry,
  tableName,
  tableResource,
  touch,
  touchDataset,
  type Catalog,
  type TableInput,
} from './catalog.js';
import { offsetOf, page, selectFields, tokenFor, type RowSlicer } from './encoding.js';
import { ApiError, invalid } from './errors.js';
import { Router, type ApiRequest } from './http.js';
import type { EngineQueries } from './engine-query.js';
import { dmlStatistics, jobResource, type Job, type JobRunner } from './jobs.js';
import { checkDecorator, normalizePartitioning, samePartitioning, splitDecorator } from './partitions.js';
import { evolveSchema, normalizeSchema } from './schema.js';
import { scan } from './storage.js';
import type { StoredRecord } from './values.js';

/** Server-side wait of getQueryResults/jobs.query when the client gives no timeoutMs, as BigQuery's 10 s. */
const DEFAULT_QUERY_WAIT_MS = 10_000;

const bool = (value: string | null) => value === 'true' || value === '1';

/** Fails with 412 when `If-Match` names another etag, as BigQuery does for patch/update. */
function checkEtag(request: ApiRequest, current: string): void {
  const wanted = request.headers['if-match'];
  if (typeof wanted === 'string' && wanted !== '*' && wanted !== current)
    throw new ApiError(412, 'conditionNotMet', 'Precondition check failed.');
}

/** Offset paging of a list, with BigQuery's `nextPageToken`. */
function listPage<T>(items: T[], request: ApiRequest, defaultMax = 1000) {
  const token = request.url.searchParams.get('pageToken');
  const start = token ? offsetOf(token) : 0;
  const maxParam = Number(request.url.searchParams.get('maxResults') ?? NaN);
  const max = Number.isInteger(maxParam) && maxParam > 0 ? maxParam : defaultMax;
  const slice = items.slice(start, start + max);
  const next = start + slice.length;
  return {
    slice,
    ...(next < items.length ? { nextPageToken: tokenFor(next) } : {}),
  };
}

export function routes(catalog: Catalog, jobs: JobRunner, engine: EngineQueries): Router {
  /**
   * A view's schema is its query's, derived when it is created, as BigQuery does; a query the
   * engine refuses refuses the view. The API's default for `useLegacySql` is true: only
   * GoogleSQL views (`useLegacySql: false`) are supported.
   */
  const viewSchema = async (projectId: string, datasetId: string, view: NonNullable<TableInput['view']>) => {
    if (view.useLegacySql !== false)
      throw invalid(
        'Legacy SQL views are not supported by the BigQuery fake; set view.useLegacySql to false.',
      );
    if (typeof view.query !== 'string' || !view.query.trim()) throw invalid('The view query is empty.');
    const location = catalog.dataset(projectId, datasetId).location;
    try {
      return (await engine.analyze(view.query, { projectId, location })).schema;
    } catch (error) {
      if (error instanceof ApiError && error.reason === 'invalidQuery') throw invalid(error.message);
      throw error;
    }
  };

  const router = new Router();

  router.on('GET', '/projects', () => {
    const ids = [
      ...new Set([...catalog.allDatasets().map((d) => d.projectId), ...jobs.all.map((j) => j.projectId)]),
    ];
    return {
      body: {
        kind: 'bigquery#projectList',
        projects: ids.map((id) => ({
          kind: 'bigquery#project',
          id,
          numericId: '0',
          projectReference: { projectId: id },
          friendlyName: id,
        })),
        totalItems: ids.length,
      },
    };
  });

  // -- datasets ---------------------------------------------------------------------------
  router.on('GET', '/projects/:projectId/datasets', (request) => {
    const { slice, ...next } = listPage(catalog.datasets(request.params.projectId!), request);
    return {
      body: {
        kind: 'bigquery#datasetList',
        etag: String(slice.length),
        ...(slice.length ? { datasets: slice.map(datasetListEntry) } : {}),
        ...next,
      },
    };
  });
  router.on('POST', '/projects/:projectId/datasets', ({ params, body }) => ({
    body: datasetResource(catalog.createDataset(params.projectId!, body)),
  }));
  router.on('GET', '/projects/:projectId/datasets/:datasetId', ({ params }) => ({
    body: datasetResource(catalog.dataset(params.projectId!, params.datasetId!)),
  }));
  router.on('DELETE', '/projects/:projectId/datasets/:datasetId', ({ params, url }) => {
    catalog.deleteDataset(params.projectId!, params.datasetId!, bool(url.searchParams.get('deleteContents')));
    return {};
  });
  const updateDataset = (request: ApiRequest) => {
    const dataset = catalog.dataset(request.params.projectId!, request.params.datasetId!);
    checkEtag(request, etagOfDataset(dataset));
    const body = request.body as {
      location?: string;
      description?: string;
      friendlyName?: string;
      labels?: Record<string, string | null>;
      defaultTableExpirationMs?: string;
    };
    if (body.location !== undefined && normalizeLocation(body.location) !== dataset.location)
      throw invalid(`Cannot change dataset location from ${dataset.location} to ${body.location}`);
    const replace = request.method === 'PUT';
    if (replace || body.description !== undefined) dataset.description = body.description ?? undefined;
    if (replace || body.friendlyName !== undefined) dataset.friendlyName = body.friendlyName ?? undefined;
    if (replace || body.defaultTableExpirationMs !== undefined)
      dataset.defaultTableExpirationMs = body.defaultTableExpirationMs ?? undefined;
    if (replace || body.labels !== undefined)
      dataset.labels = mergeLabels(replace ? undefined : dataset.labels, body.labels);
    touchDataset(dataset);
    return { body: datasetResource(dataset) };
  };
  router.on('PATCH', '/projects/:projectId/datasets/:datasetId', updateDataset);
  router.on('PUT', '/projects/:projectId/datasets/:datasetId', updateDataset);

  // -- tables -----------------------------------------------------------------------------
  router.on('GET', '/projects/:projectId/datasets/:datasetId/tables', (request) => {
    const dataset = catalog.dataset(request.params.projectId!, request.params.datasetId!);
    const tables = [...dataset.tables.values()].sort((a, b) => a.tableId.localeCompare(b.tableId));
    const { slice, ...next } = listPage(tables, request);
    return {
      body: {
        kind: 'bigquery#tableList',
        etag: String(tables.length),
        ...(slice.length ? { tables: slice.map(tableListEntry) } : {}),
        ...next,
        totalItems: tables.length,
      },
    };
  });
  router.on('POST', '/projects/:projectId/datasets/:datasetId/tables', async ({ params, body }) => {
    let input = body as TableInput;
    const tableId = input.tableReference?.tableId;
    if (typeof tableId !== 'string' || tableId === '')
      throw invalid('Invalid table ID "". Table reference is required.');
    if (input.view)
      input = {
        ...input,
        schema: { fields: await viewSchema(params.projectId!, params.datasetId!, input.view) },
      };
    const table = catalog.createTable(params.projectId!, params.datasetId!, tableId, input);
    return { body: tableResource(table, catalog.dataset(params.projectId!, params.datasetId!).location) };
  });
  router.on('GET', '/projects/:projectId/datasets/:datasetId/tables/:tableId', ({ params }) => {
    const { tableId, decorator } = splitDecorator(params.tableId!);
    const table = catalog.table(params.projectId!, params.datasetId!, tableId);
    if (decorator)
      checkDecorator(decorator, table.timePartitioning, tableName(table.projectId, table.datasetId, tableId));
    return {
      body: tableResource(table, catalog.dataset(params.projectId!, params.datasetId!).location, decorator),
    };
  });
  router.on('DELETE', '/projects/:projectId/datasets/:datasetId/tables/:tableId', ({ params }) => {
    catalog.deleteTable(params.projectId!, params.datasetId!, params.tableId!);
    return {};
  });
  const updateTable = (request: ApiRequest) => {
    const { projectId, datasetId, tableId } = request.params as {
      projectId: string;
      datasetId: string;
      tableId: string;
    };
    const table = catalog.table(projectId, datasetId, tableId);
    checkEtag(request, etagOfTable(table));
    const body = request.body as TableInput & { labels?: Record<string, string | null> };
    const replace = request.method === 'PUT';
    const name = tableName(projectId, datasetId, tableId);
    let schema = table.schema;
    if (body.schema?.fields !== undefined) {
      const proposed = normalizeSchema(body.schema.fields);
      schema =
        table.schema.length === 0
          ? proposed
          : evolveSchema(table.schema, proposed, {
              allowFieldAddition: true,
              allowFieldRelaxation: true,
              tableName: name,
            });
    }
    let timePartitioning = table.timePartitioning;
    if (body.timePartitioning !== undefined || replace) {
      const requested = normalizePartitioning(body.timePartitioning, schema);
      if (!samePartitioning(requested, table.timePartitioning) && (requested || table.data.count() > 0))
        throw invalid(
          `Cannot change partitioning spec of table ${name} from ${JSON.stringify(table.timePartitioning ?? null)} to ${JSON.stringify(requested ?? null)}.`,
        );
      timePartitioning = requested ?? table.timePartitioning;
    }
    const clustering =
      body.clustering !== undefined || replace
        ? normalizeClustering(body.clustering, schema)
        : table.clustering;
    table.schema = schema;
    table.timePartitioning = timePartitioning;
    table.clustering = clustering;
    if (replace || body.description !== undefined) table.description = body.description ?? undefined;
    if (replace || body.friendlyName !== undefined) table.friendlyName = body.friendlyName ?? undefined;
    if (replace || body.expirationTime !== undefined) table.expirationTime = body.expirationTime ?? undefined;
    if (replace || body.labels !== undefined)
      table.labels = mergeLabels(replace ? undefined : table.labels, body.labels);
    touch(table);
    return { body: tableResource(table, catalog.dataset(projectId, datasetId).location) };
  };
  router.on('PATCH', '/projects/:projectId/datasets/:datasetId/tables/:tableId', updateTable);
  router.on('PUT', '/projects/:projectId/datasets/:datasetId/tables/:tableId', updateTable);

  // -- tabledata --------------------------------------------------------------------------
  router.on('GET', '/projects/:projectId/datasets/:datasetId/tables/:tableId/data', ({ params, url }) => {
    const { tableId, decorator } = splitDecorator(params.tableId!);
    const table = catalog.table(params.projectId!, params.datasetId!, tableId);
    // BigQuery's answer: a view has no rows of its own to list (query it instead).
    if (table.view) throw invalid('Cannot list a table of type VIEW.');
    if (decorator)
      checkDecorator(decorator, table.timePartitioning, tableName(table.projectId, table.datasetId, tableId));
    // Only the page's rows are decoded, streamed from the partition (or table) on disk.
    const segments = table.data.segments(decorator ? (p) => p === decorator : undefined);
    const rows: RowSlicer = {
      length: segments.reduce((sum, s) => sum + s.rows, 0),
      slice(start, end) {
        const out: StoredRecord[] = [];
        if (end <= start) return out;
        for (const row of scan(segments, table.schema, start)) {
          out.push(row.decode());
          if (out.length >= end - start) break;
        }
        return out;
      },
    };
    const fields = selectFields(table.schema, url.searchParams.get('selectedFields'));
    const q = url.searchParams;
    return {
      body: {
        kind: 'bigquery#tableDataList',
        etag: etagOfTable(table),
        ...page(
          rows,
          fields,
          { maxResults: q.get('maxResults'), pageToken: q.get('pageToken'), startIndex: q.get('startIndex') },
          {
            int64Timestamp: bool(q.get('formatOptions.useInt64Timestamp')),
          },
        ),
      },
    };
  });
  router.on('POST', '/projects/:projectId/datasets/:datasetId/tables/:tableId/insertAll', () => {
    throw new ApiError(
      501,
      'notImplemented',
      'Streaming inserts (tabledata.insertAll) are not supported by the BigQuery fake; use load jobs.',
    );
  });

  // -- jobs -------------------------------------------------------------------------------
  router.on('POST', '/projects/:projectId/jobs', async ({ params, body }) => ({
    body: jobResource(await jobs.insert(params.projectId!, body)),
  }));
  router.on('GET', '/projects/:projectId/jobs', (request) => {
    const q = request.url.searchParams;
    const states = q
      .getAll('stateFilter')
      .flatMap((s) => s.split(','))
      .map((s) => s.toUpperCase());
    const all = jobs
      .list(request.params.projectId!)
      .filter((j) => !states.length || states.includes(j.state));
    const { slice, ...next } = listPage(all, request);
    return {
      body: {
        kind: 'bigquery#jobList',
        etag: String(all.length),
        jobs: slice.map((job) => {
          const resource = jobResource(job);
          return {
            kind: resource.kind,
            id: resource.id,
            jobReference: resource.jobReference,
            state: job.state,
            ...(resource.status.errorResult ? { errorResult: resource.status.errorResult } : {}),
            statistics: resource.statistics,
            configuration: resource.configuration,
            status: resource.status,
            user_email: resource.user_email,
            principal_subject: resource.principal_subject,
          };
        }),
        ...next,
      },
    };
  });
  router.on('GET', '/projects/:projectId/jobs/:jobId', ({ params, url }) => ({
    body: jobResource(jobs.get(params.projectId!, params.jobId!, url.searchParams.get('location'))),
  }));
  router.on('POST', '/projects/:projectId/jobs/:jobId/cancel', ({ params, url }) => ({
    body: {
      kind: 'bigquery#jobCancelResponse',
      job: jobResource(jobs.cancel(params.projectId!, params.jobId!, url.searchParams.get('location'))),
    },
  }));
  router.on('DELETE', '/projects/:projectId/jobs/:jobId/delete', ({ params, url }) => {
    jobs.delete(params.projectId!, params.jobId!, url.searchParams.get('location'));
    return {};
  });

  // -- queries ----------------------------------------------------------------------------
  router.on('POST', '/projects/:projectId/queries', async ({ params, body }) => {
    const request = body as {
      query?: string;
      useLegacySql?: boolean;
      defaultDataset?: { projectId?: string; datasetId?: string };
      parameterMode?: string;
      queryParameters?: unknown[];
      maxResults?: number;
      timeoutMs?: number;
      location?: string;
      dryRun?: boolean;
      labels?: Record<string, string>;
      formatOptions?: { useInt64Timestamp?: boolean };
    };
    const job = await jobs.insert(params.projectId!, {
      jobReference: {
        projectId: params.projectId,
        ...(request.location ? { location: request.location } : {}),
      },
      configuration: {
        query: {
          query: request.query,
          useLegacySql: request.useLegacySql,
          defaultDataset: request.defaultDataset,
          parameterMode: request.parameterMode,
          queryParameters: request.queryParameters,
        },
        ...(request.labels ? { labels: request.labels } : {}),
        ...(request.dryRun ? { dryRun: true } : {}),
      },
    });
    if (request.dryRun) {
      return {
        body: {
          kind: 'bigquery#queryResponse',
          jobReference: { projectId: job.projectId, location: job.location },
          totalBytesProcessed: String(job.query?.totalBytesProcessed ?? 0),
          jobComplete: true,
          cacheHit: false,
        },
      };
    }
    await jobs.waitFor(job, Number(request.timeoutMs ?? DEFAULT_QUERY_WAIT_MS));
    return {
      body: queryResults(job, 'bigquery#queryResponse', {
        maxResults: request.maxResults,
        int64Timestamp: request.formatOptions?.useInt64Timestamp === true,
      }),
    };
  });
  router.on('GET', '/projects/:projectId/queries/:jobId', async ({ params, url }) => {
    const q = url.searchParams;
    const job = jobs.get(params.projectId!, params.jobId!, q.get('location'));
    if (job.jobType !== 'QUERY')
      throw invalid(`Job ${params.projectId}:${job.location}.${job.jobId} is not a query job.`);
    await jobs.waitFor(job, Number(q.get('timeoutMs') ?? DEFAULT_QUERY_WAIT_MS));
    return {
      body: queryResults(job, 'bigquery#getQueryResultsResponse', {
        maxResults: q.get('maxResults'),
        pageToken: q.get('pageToken'),
        startIndex: q.get('startIndex'),
        int64Timestamp: bool(q.get('formatOptions.useInt64Timestamp')),
      }),
    };
  });

  return router;
}

/** A query job's answer: its error as an HTTP error, `jobComplete: false` while running, else one page. */
function queryResults(
  job: Job,
  kind: string,
  request: {
    maxResults?: number | string | null;
    pageToken?: string | null;
    startIndex?: string | null;
    int64Timestamp: boolean;
  },
) {
  const jobReference = { projectId: job.projectId, jobId: job.jobId, location: job.location };
  if (job.errorResult) {
    const status =
      job.errorResult.reason === 'notFound'
        ? 404
        : job.errorResult.reason === 'stopped'
          ? 400
          : job.errorResult.reason === 'backendError'
            ? 500
            : 400;
    throw new ApiError(status, job.errorResult.reason, job.errorResult.message, job.errorResult.location);
  }
  if (job.state !== 'DONE' || !job.result) return { kind, jobReference, jobComplete: false };
  return {
    kind,
    etag: Buffer.from(`${job.jobId}:results`).toString('base64'),
    // A DML statement's answer has no schema, only its statistics.
    ...(job.query?.dml ? {} : { schema: { fields: job.result.schema } }),
    jobReference,
    ...page(job.result.rows, job.result.schema, request, { int64Timestamp: request.int64Timestamp }),
    totalBytesProcessed: String(job.result.totalBytesProcessed),
    ...(job.query?.dml ? dmlStatistics(job.query.dml) : {}),
    jobComplete: true,
    cacheHit: false,
  };
}

/** Patch semantics of labels: a null value removes a key. */
function mergeLabels(
  current: Record<string, string> | undefined,
  patch: Record<string, string | null> | undefined,
): Record<string, string> | undefined {
  if (!patch) return current;
  const merged: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return Object.keys(merged).length ? merged : undefined;
}
