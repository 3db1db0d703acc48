/**
 * Datasets and tables of every project, with the API's resources and validation. Metadata is
 * in memory; each table's rows are on disk, per partition (storage.ts), so decorators can
 * address them and a job reads only the partitions it needs.
 */
import { createHash } from 'node:crypto';
import { ApiError, duplicate, invalid, notFound } from './errors.js';
import { normalizePartitioning, type TimePartitioning } from './partitions.js';
import { findField, normalizeSchema, schemaResource, type Field, type SchemaFieldInput } from './schema.js';
import { TableData, type TableStore } from './storage.js';

export interface Clustering {
  fields: string[];
}

export interface Table {
  projectId: string;
  datasetId: string;
  tableId: string;
  schema: Field[];
  timePartitioning?: TimePartitioning;
  clustering?: Clustering;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  expirationTime?: string;
  creationTime: number;
  lastModifiedTime: number;
  /** Bumped on every change; the etag derives from it. */
  version: number;
  /** The rows: segment files by partition, and their metadata. */
  data: TableData;
  /** A view's GoogleSQL query (its schema is the query's, derived when it was created); a view has no rows. */
  view?: { query: string };
}

export interface Dataset {
  projectId: string;
  datasetId: string;
  location: string;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  defaultTableExpirationMs?: string;
  creationTime: number;
  lastModifiedTime: number;
  version: number;
  tables: Map<string, Table>;
}

/** The writable parts of a table resource, as tables.insert/patch/update take them. */
export interface TableInput {
  tableReference?: { projectId?: string; datasetId?: string; tableId?: string };
  schema?: { fields?: SchemaFieldInput[] };
  timePartitioning?: unknown;
  clustering?: unknown;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  expirationTime?: string;
  etag?: string;
  view?: { query?: string; useLegacySql?: boolean };
}

export const tableName = (projectId: string, datasetId: string, tableId: string) =>
  `${projectId}:${datasetId}.${tableId}`;

const etagOf = (...parts: (string | number)[]) =>
  createHash('md5').update(parts.join('\0')).digest('base64').slice(0, 22) + '==';

/** US and EU are upper case in BigQuery's answers; regions are lower case. */
export function normalizeLocation(location: unknown): string {
  if (typeof location !== 'string' || location === '') return 'US';
  return /^(us|eu)$/i.test(location) ? location.toUpperCase() : location.toLowerCase();
}

export class Catalog {
  readonly #datasets = new Map<string, Dataset>();

  constructor(readonly store: TableStore) {}

  datasets(projectId: string): Dataset[] {
    return [...this.#datasets.values()]
      .filter((d) => d.projectId === projectId)
      .sort((a, b) => a.datasetId.localeCompare(b.datasetId));
  }

  allDatasets(): Dataset[] {
    return [...this.#datasets.values()];
  }

  findDataset(projectId: string, datasetId: string): Dataset | undefined {
    const dataset = this.#datasets.get(`${projectId}:${datasetId}`);
    if (dataset) this.#dropExpiredTables(dataset);
    return dataset;
  }

  dataset(projectId: string, datasetId: string): Dataset {
    const dataset = this.findDataset(projectId, datasetId);
    if (!dataset) throw notFound(`Not found: Dataset ${projectId}:${datasetId}`);
    return dataset;
  }

  createDataset(
    projectId: string,
    input: {
      datasetReference?: { datasetId?: string };
      location?: string;
      description?: string;
      friendlyName?: string;
      labels?: Record<string, string>;
      defaultTableExpirationMs?: string;
    },
  ): Dataset {
    const datasetId = input.datasetReference?.datasetId;
    if (typeof datasetId !== 'string' || !/^[A-Za-z0-9_]{1,1024}$/.test(datasetId)) {
      throw invalid(
        `Invalid dataset ID "${String(datasetId ?? '')}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
      );
    }
    if (this.findDataset(projectId, datasetId))
      throw duplicate(`Already Exists: Dataset ${projectId}:${datasetId}`);
    const now = Date.now();
    const dataset: Dataset = {
      projectId,
      datasetId,
      location: normalizeLocation(input.location),
      description: input.description,
      friendlyName: input.friendlyName,
      labels: input.labels,
      defaultTableExpirationMs: input.defaultTableExpirationMs,
      creationTime: now,
      lastModifiedTime: now,
      version: 1,
      tables: new Map(),
    };
    this.#datasets.set(`${projectId}:${datasetId}`, dataset);
    return dataset;
  }

  deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): void {
    const dataset = this.dataset(projectId, datasetId);
    if (dataset.tables.size && !deleteContents)
      throw new ApiError(400, 'resourceInUse', `Dataset ${projectId}:${datasetId} is still in use`);
    for (const table of dataset.tables.values()) this.store.discard(table.data.clear());
    this.#datasets.delete(`${projectId}:${datasetId}`);
  }

  findTable(projectId: string, datasetId: string, tableId: string): Table | undefined {
    return this.findDataset(projectId, datasetId)?.tables.get(tableId);
  }

  table(projectId: string, datasetId: string, tableId: string): Table {
    const table = this.dataset(projectId, datasetId).tables.get(tableId);
    if (!table) throw notFound(`Not found: Table ${tableName(projectId, datasetId, tableId)}`);
    return table;
  }

  /** tables.insert, or a load job creating its destination: validates schema, partitioning and clustering. */
  createTable(projectId: string, datasetId: string, tableId: string, input: TableInput): Table {
    const dataset = this.dataset(projectId, datasetId);
    if (!/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u.test(tableId)) {
      throw invalid(
        `Invalid table ID "${tableId}". Table IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long. Also, Table decorators cannot be used.`,
      );
    }
    if (dataset.tables.has(tableId))
      throw duplicate(`Already Exists: Table ${tableName(projectId, datasetId, tableId)}`);
    const schema = normalizeSchema(input.schema?.fields);
    const now = Date.now();
    const table: Table = {
      projectId,
      datasetId,
      tableId,
      schema,
      timePartitioning: normalizePartitioning(input.timePartitioning, schema),
      clustering: normalizeClustering(input.clustering, schema),
      description: input.description,
      friendlyName: input.friendlyName,
      labels: input.labels,
      expirationTime: input.expirationTime,
      creationTime: now,
      lastModifiedTime: now,
      version: 1,
      data: new TableData(),
      ...(input.view?.query !== undefined ? { view: { query: input.view.query } } : {}),
    };
    dataset.tables.set(tableId, table);
    return table;
  }

  deleteTable(projectId: string, datasetId: string, tableId: string): void {
    const table = this.table(projectId, datasetId, tableId);
    this.dataset(projectId, datasetId).tables.delete(tableId);
    this.store.discard(table.data.clear());
  }

  /** All data and metadata go. */
  clear(): void {
    for (const dataset of this.#datasets.values())
      for (const table of dataset.tables.values()) this.store.discard(table.data.clear());
    this.#datasets.clear();
  }

  /** BigQuery deletes a table once its `expirationTime` (epoch ms) has passed; here, when next looked at. */
  #dropExpiredTables(dataset: Dataset, now = Date.now()): void {
    for (const [tableId, table] of dataset.tables)
      if (table.expirationTime !== undefined && Number(table.expirationTime) <= now) {
        dataset.tables.delete(tableId);
        this.store.discard(table.data.clear());
      }
  }
}

/** Marks a table changed (new etag, lastModifiedTime). */
export function touch(table: Table): void {
  table.version += 1;
  table.lastModifiedTime = Math.max(Date.now(), table.lastModifiedTime + 1);
}

export function touchDataset(dataset: Dataset): void {
  dataset.version += 1;
  dataset.lastModifiedTime = Math.max(Date.now(), dataset.lastModifiedTime + 1);
}

/** Validates `clustering` (at most four top-level, non-repeated columns of clusterable types). */
export function normalizeClustering(spec: unknown, schema: readonly Field[]): Clustering | undefined {
  if (spec === undefined || spec === null) return undefined;
  const names = (spec as { fields?: unknown }).fields;
  if (!Array.isArray(names) || names.length === 0) return undefined;
  if (names.length > 4) throw invalid(`Too many clustering fields: ${names.length}, only 4 are supported.`);
  return {
    fields: names.map((name) => {
      const field = findField(schema, String(name));
      if (!field)
        throw invalid(
          `The field specified for clustering cannot be found in the schema.  Invalid field: ${String(name)}.`,
        );
      if (field.mode === 'REPEATED' || ['RECORD', 'JSON', 'FLOAT'].includes(field.type))
        throw invalid(
          `Field ${field.name} is of type ${field.mode === 'REPEATED' ? 'REPEATED' : field.type} which is not supported for clustering.`,
        );
      return field.name;
    }),
  };
}

export function etagOfTable(table: Table): string {
  return etagOf(table.projectId, table.datasetId, table.tableId, table.creationTime, table.version);
}

export function etagOfDataset(dataset: Dataset): string {
  return etagOf(dataset.projectId, dataset.datasetId, dataset.creationTime, dataset.version);
}

/** The table resource of tables.get (of one partition when `partition` is given). */
export function tableResource(table: Table, location: string, partition?: string) {
  const numBytes = table.data.bytes({ partition });
  const numRows = table.data.count(partition);
  const id = tableName(table.projectId, table.datasetId, table.tableId);
  return {
    kind: 'bigquery#table',
    etag: etagOfTable(table),
    id,
    selfLink: `/bigquery/v2/projects/${table.projectId}/datasets/${table.datasetId}/tables/${encodeURIComponent(table.tableId)}`,
    tableReference: { projectId: table.projectId, datasetId: table.datasetId, tableId: table.tableId },
    ...(table.friendlyName !== undefined ? { friendlyName: table.friendlyName } : {}),
    ...(table.description !== undefined ? { description: table.description } : {}),
    ...(table.labels ? { labels: table.labels } : {}),
    schema: { fields: schemaResource(table.schema) },
    ...(table.timePartitioning ? { timePartitioning: table.timePartitioning } : {}),
    ...(table.clustering ? { clustering: table.clustering } : {}),
    numBytes: String(numBytes),
    numLongTermBytes: '0',
    numRows: String(numRows),
    creationTime: String(table.creationTime),
    ...(table.expirationTime !== undefined ? { expirationTime: table.expirationTime } : {}),
    lastModifiedTime: String(table.lastModifiedTime),
    type: table.view ? 'VIEW' : 'TABLE',
    ...(table.view ? { view: { query: table.view.query, useLegacySql: false } } : {}),
    location,
    numTotalLogicalBytes: String(numBytes),
    numActiveLogicalBytes: String(numBytes),
    numLongTermLogicalBytes: '0',
  };
}

/** One entry of tables.list. */
export function tableListEntry(table: Table) {
  return {
    kind: 'bigquery#table',
    id: tableName(table.projectId, table.datasetId, table.tableId),
    tableReference: { projectId: table.projectId, datasetId: table.datasetId, tableId: table.tableId },
    type: table.view ? 'VIEW' : 'TABLE',
    ...(table.view ? { view: { useLegacySql: false } } : {}),
    ...(table.friendlyName !== undefined ? { friendlyName: table.friendlyName } : {}),
    ...(table.labels ? { labels: table.labels } : {}),
    ...(table.timePartitioning ? { timePartitioning: table.timePartitioning } : {}),
    ...(table.clustering ? { clustering: table.clustering } : {}),
    creationTime: String(table.creationTime),
  };
}

export function datasetResource(dataset: Dataset) {
  return {
    kind: 'bigquery#dataset',
    etag: etagOfDataset(dataset),
    id: `${dataset.projectId}:${dataset.datasetId}`,
    selfLink: `/bigquery/v2/projects/${dataset.projectId}/datasets/${dataset.datasetId}`,
    datasetReference: { projectId: dataset.projectId, datasetId: dataset.datasetId },
    ...(dataset.friendlyName !== undefined ? { friendlyName: dataset.friendlyName } : {}),
    ...(dataset.description !== undefined ? { description: dataset.description } : {}),
    ...(dataset.labels ? { labels: dataset.labels } : {}),
    ...(dataset.defaultTableExpirationMs !== undefined
      ? { defaultTableExpirationMs: dataset.defaultTableExpirationMs }
      : {}),
    access: [{ role: 'OWNER', specialGroup: 'projectOwners' }],
    creationTime: String(dataset.creationTime),
    lastModifiedTime: String(dataset.lastModifiedTime),
    location: dataset.location,
    type: 'DEFAULT',
  };
}

export function datasetListEntry(dataset: Dataset) {
  return {
    kind: 'bigquery#dataset',
    id: `${dataset.projectId}:${dataset.datasetId}`,
    datasetReference: { projectId: dataset.projectId, datasetId: dataset.datasetId },
    ...(dataset.friendlyName !== undefined ? { friendlyName: dataset.friendlyName } : {}),
    ...(dataset.labels ? { labels: dataset.labels } : {}),
    location: dataset.location,
  };
}
