import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type Catalog, type StoredRow, type Table, validateSchema } from './catalog.js';
import { canonicalType, convertValue, dayPartition, ValueError, type SchemaField } from './values.js';

export type ReadObject = (bucket: string, name: string) => Promise<Readable>;

export interface LoadConfig {
  sourceUris: string[];
  sourceFormat?: string;
  destinationTable: { projectId?: string; datasetId: string; tableId: string };
  schema?: { fields: SchemaField[] };
  createDisposition?: string;
  writeDisposition?: string;
  timePartitioning?: Table['timePartitioning'];
  clustering?: Table['clustering'];
  maxBadRecords?: number;
  ignoreUnknownValues?: boolean;
  schemaUpdateOptions?: string[];
  autodetect?: boolean;
}

export interface JobError {
  reason: string;
  message: string;
  location?: string;
}

export interface LoadOutcome {
  errors: JobError[];
  errorResult?: JobError;
  statistics: {
    inputFiles: string;
    inputFileBytes: string;
    outputRows: string;
    badRecords: string;
    outputBytes: string;
  };
}

/**
 * Runs a load job the way BigQuery does, atomically: every row of every source is parsed and
 * validated first; only if the job succeeds does the destination change.
 */
export async function runLoad(
  catalog: Catalog,
  projectId: string,
  config: LoadConfig,
  readObject: ReadObject,
): Promise<LoadOutcome> {
  const statistics = {
    inputFiles: '0',
    inputFileBytes: '0',
    outputRows: '0',
    badRecords: '0',
    outputBytes: '0',
  };
  const fail = (error: JobError, errors: JobError[] = [error]): LoadOutcome => ({
    errorResult: error,
    errors,
    statistics,
  });
  const format = config.sourceFormat ?? 'CSV';
  if (format !== 'NEWLINE_DELIMITED_JSON')
    return fail({ reason: 'invalid', message: `Source format ${format} is not supported by this fake` });

  const destination = config.destinationTable;
  const destProject = destination.projectId ?? projectId;
  const [tableId, decorator] = destination.tableId.split('$') as [string, string | undefined];
  let existing: Table | undefined;
  try {
    catalog.dataset(destProject, destination.datasetId);
    existing = catalog.findTable(destProject, destination.datasetId, tableId);
  } catch (error) {
    return fail({ reason: 'notFound', message: (error as Error).message });
  }
  const write = config.writeDisposition ?? 'WRITE_APPEND';
  const create = config.createDisposition ?? 'CREATE_IF_NEEDED';
  if (!existing && create === 'CREATE_NEVER') {
    return fail({
      reason: 'notFound',
      message: `Not found: Table ${destProject}:${destination.datasetId}.${tableId}`,
    });
  }
  const given = config.schema?.fields;
  if (!existing && !given?.length)
    return fail({ reason: 'invalid', message: 'No schema specified on job or table.' });
  try {
    validateSchema(given ?? []);
  } catch (error) {
    return fail({ reason: 'invalid', message: (error as Error).message });
  }

  // The schema rows are read with, and the table's schema after the job.
  let schema = existing?.schema ?? given!;
  if (existing && given?.length) {
    const replacingTable = write === 'WRITE_TRUNCATE' && !decorator;
    const added = given.filter((f) => !existing!.schema.some((e) => e.name === f.name));
    const changed = given.filter((f) =>
      existing!.schema.some((e) => e.name === f.name && canonicalType(e.type) !== canonicalType(f.type)),
    );
    if (!replacingTable && changed.length) {
      return fail({
        reason: 'invalid',
        message: `Provided Schema does not match Table ${destProject}:${destination.datasetId}.${tableId}. Field ${changed[0]!.name} has changed type`,
      });
    }
    if (!replacingTable && added.length && !config.schemaUpdateOptions?.includes('ALLOW_FIELD_ADDITION')) {
      return fail({
        reason: 'invalid',
        message: `Provided Schema does not match Table ${destProject}:${destination.datasetId}.${tableId}. Cannot add fields (field: ${added[0]!.name})`,
      });
    }
    schema = replacingTable ? given : [...existing.schema, ...added];
  }
  const partitioning =
    existing && !(write === 'WRITE_TRUNCATE' && !decorator)
      ? existing.timePartitioning
      : (config.timePartitioning ?? existing?.timePartitioning);
  if (decorator && !partitioning)
    return fail({
      reason: 'invalid',
      message: `Cannot load into partition ${decorator} of a table that is not partitioned`,
    });
  if (decorator && !/^(\d{8}|\d{10}|\d{6}|\d{4}|__NULL__|__UNPARTITIONED__)$/.test(decorator)) {
    return fail({ reason: 'invalid', message: `Invalid partition decorator ${decorator}` });
  }

  const types = new Map(schema.map((f) => [f.name, canonicalType(f.type)]));
  const required = schema.filter((f) => f.mode === 'REQUIRED').map((f) => f.name);
  const partitionField = partitioning?.field;
  const maxBad = config.maxBadRecords ?? 0;
  const rows: StoredRow[] = [];
  const errors: JobError[] = [];
  let badRecords = 0;
  let inputBytes = 0;
  let outputBytes = 0;

  for (const uri of config.sourceUris) {
    const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) return fail({ reason: 'invalid', message: `Invalid source URI ${uri}` });
    let source: Readable;
    try {
      source = await readObject(match[1]!, match[2]!);
    } catch {
      return fail({ reason: 'notFound', message: `Not found: URI ${uri}` });
    }
    const decoded = await decompressIfGzip(source, (bytes) => (inputBytes += bytes));
    let position = 0;
    for await (const line of createInterface({ input: decoded, crlfDelay: Infinity })) {
      const start = position;
      position += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new ValueError('Expected a JSON object');
        const values: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
          const type = types.get(key);
          if (!type) {
            if (config.ignoreUnknownValues) continue;
            throw new ValueError(`No such field: ${key}.`);
          }
          if (value === null) continue;
          try {
            values[key] = convertValue(type, value);
          } catch (error) {
            throw new ValueError(
              `${(error as Error).message}${(error as Error).message.endsWith('for field') ? `: ${key}` : ''} Field: ${key}; Value: ${JSON.stringify(value)}`,
            );
          }
        }
        for (const name of required)
          if (values[name] === undefined) throw new ValueError(`Missing required field: ${name}.`);
        const partition = partitionField
          ? dayPartition(types.get(partitionField)!, values[partitionField]).slice(0, decorator?.length ?? 8)
          : '__UNPARTITIONED__';
        if (decorator && partition !== decorator) {
          return fail({
            reason: 'invalid',
            message: `Some rows belong to different partitions rather than destination partition ${decorator}`,
            location: uri,
          });
        }
        rows.push({ values, partition });
        outputBytes += line.length;
      } catch (error) {
        badRecords += 1;
        errors.push({
          reason: 'invalid',
          message: `Error while reading data, error message: JSON parsing error in row starting at position ${start}: ${(error as Error).message}`,
          location: uri,
        });
        if (badRecords > maxBad) {
          const summary = {
            reason: 'invalid',
            message: `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${rows.length + badRecords}; errors: ${badRecords}. Please look into the errors[] collection for more details.`,
          };
          return fail(summary, [summary, ...errors.slice(0, 5)]);
        }
      }
    }
  }

  statistics.inputFiles = String(config.sourceUris.length);
  statistics.inputFileBytes = String(inputBytes);
  statistics.outputRows = String(rows.length);
  statistics.badRecords = String(badRecords);
  statistics.outputBytes = String(outputBytes);

  // Commit: nothing above changed the catalog.
  let table = existing;
  if (!table) {
    table = catalog.createTable(destProject, destination.datasetId, {
      tableId,
      schema,
      timePartitioning: config.timePartitioning,
      clustering: config.clustering,
    });
  }
  const target = (row: StoredRow) => (decorator ? row.partition === decorator : true);
  const targetHasRows = table.rows.some(target);
  if (write === 'WRITE_EMPTY' && targetHasRows) {
    return fail({
      reason: 'duplicate',
      message: `Already Exists: Table ${destProject}:${destination.datasetId}.${destination.tableId}`,
    });
  }
  if (write === 'WRITE_TRUNCATE') {
    table.rows = table.rows.filter((row) => !target(row));
    if (!decorator) {
      table.timePartitioning = partitioning;
      table.clustering = config.clustering ?? table.clustering;
    }
  }
  table.schema = schema;
  table.rows.push(...rows);
  table.lastModifiedTime = Date.now();
  return { errors: errors.slice(0, 5), statistics };
}

/** BigQuery reads gzip-compressed sources transparently; detect them by their magic bytes. */
async function decompressIfGzip(source: Readable, onBytes: (bytes: number) => void): Promise<Readable> {
  const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* all(): AsyncGenerator<Buffer> {
    if (first.done) return;
    onBytes(first.value.length);
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      onBytes(next.value.length);
      yield next.value;
    }
  }
  const raw = Readable.from(all());
  if (first.done || first.value[0] !== 0x1f || first.value[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}
