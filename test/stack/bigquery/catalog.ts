import { canonicalType, type FieldType, type SchemaField } from './values.js';

export interface StoredRow {
  values: Record<string, unknown>;
  partition: string;
}

export interface Table {
  projectId: string;
  datasetId: string;
  tableId: string;
  schema: SchemaField[];
  timePartitioning?: { type: string; field?: string; expirationMs?: string };
  clustering?: { fields: string[] };
  description?: string;
  labels?: Record<string, string>;
  creationTime: number;
  lastModifiedTime: number;
  rows: StoredRow[];
}

export interface Dataset {
  projectId: string;
  datasetId: string;
  location: string;
  description?: string;
  labels?: Record<string, string>;
  creationTime: number;
  tables: Map<string, Table>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/** Datasets and tables of every project, in memory. */
export class Catalog {
  readonly datasets = new Map<string, Dataset>();

  dataset(projectId: string, datasetId: string): Dataset {
    const dataset = this.datasets.get(`${projectId}:${datasetId}`);
    if (!dataset) throw new ApiError(404, 'notFound', `Not found: Dataset ${projectId}:${datasetId}`);
    return dataset;
  }

  table(projectId: string, datasetId: string, tableId: string): Table {
    const table = this.dataset(projectId, datasetId).tables.get(tableId);
    if (!table) throw new ApiError(404, 'notFound', `Not found: Table ${projectId}:${datasetId}.${tableId}`);
    return table;
  }

  findTable(projectId: string, datasetId: string, tableId: string): Table | undefined {
    return this.datasets.get(`${projectId}:${datasetId}`)?.tables.get(tableId);
  }

  createTable(projectId: string, datasetId: string, resource: Partial<Table> & { tableId: string }): Table {
    const dataset = this.dataset(projectId, datasetId);
    if (dataset.tables.has(resource.tableId)) {
      throw new ApiError(
        409,
        'duplicate',
        `Already Exists: Table ${projectId}:${datasetId}.${resource.tableId}`,
      );
    }
    validateSchema(resource.schema ?? []);
    if (resource.timePartitioning?.field) {
      const field = (resource.schema ?? []).find((f) => f.name === resource.timePartitioning!.field);
      if (!field || !['DATE', 'DATETIME', 'TIMESTAMP'].includes(canonicalType(field.type))) {
        throw new ApiError(
          400,
          'invalid',
          `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${field?.type ?? 'missing'}.`,
        );
      }
    }
    const now = Date.now();
    const table: Table = {
      projectId,
      datasetId,
      tableId: resource.tableId,
      schema: resource.schema ?? [],
      timePartitioning: resource.timePartitioning,
      clustering: resource.clustering,
      description: resource.description,
      labels: resource.labels,
      creationTime: now,
      lastModifiedTime: now,
      rows: [],
    };
    dataset.tables.set(table.tableId, table);
    return table;
  }
}

export function validateSchema(fields: SchemaField[]): void {
  const seen = new Set<string>();
  for (const field of fields) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(field.name))
      throw new ApiError(400, 'invalid', `Invalid field name "${field.name}".`);
    if (seen.has(field.name.toLowerCase()))
      throw new ApiError(400, 'invalid', `Field ${field.name} already exists in schema`);
    seen.add(field.name.toLowerCase());
    canonicalTypeOrThrow(field.type);
  }
}

function canonicalTypeOrThrow(type: string): FieldType {
  try {
    return canonicalType(type);
  } catch (error) {
    throw new ApiError(400, 'invalid', (error as Error).message);
  }
}

export function tableResource(table: Table) {
  const numRows = table.rows.length;
  return {
    kind: 'bigquery#table',
    id: `${table.projectId}:${table.datasetId}.${table.tableId}`,
    etag: String(table.lastModifiedTime),
    tableReference: { projectId: table.projectId, datasetId: table.datasetId, tableId: table.tableId },
    schema: { fields: table.schema },
    ...(table.timePartitioning ? { timePartitioning: table.timePartitioning } : {}),
    ...(table.clustering ? { clustering: table.clustering } : {}),
    ...(table.description ? { description: table.description } : {}),
    ...(table.labels ? { labels: table.labels } : {}),
    numRows: String(numRows),
    numBytes: String(
      table.rows.reduce(
        (sum, row) =>
          sum + JSON.stringify(row.values, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).length,
        0,
      ),
    ),
    creationTime: String(table.creationTime),
    lastModifiedTime: String(table.lastModifiedTime),
    type: 'TABLE',
    location: 'US',
  };
}
