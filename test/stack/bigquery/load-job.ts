/**
 * A load job from `gs://` newline-delimited JSON, run the way BigQuery runs it: sources are
 * streamed line by line, each row checked with the JSON load rules of values.ts and written to
 * new segment files on disk (storage.ts) as it comes; the job is atomic, so the destination
 * changes only when every check passed, in one synchronous commit that swaps the segments in.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  normalizeClustering,
  tableName,
  touch,
  type Catalog,
  type Clustering,
  type Table,
} from './catalog.js';
import { ApiError, duplicate, invalid, notFound, type JobError } from './errors.js';
import { JsonSyntaxError, parseJsonLine, readLines } from './json-line.js';
import {
  checkDecorator,
  describePartitioning,
  normalizePartitioning,
  partitionOfIngestion,
  partitionOfValue,
  samePartitioning,
  splitDecorator,
  UNPARTITIONED,
  type TimePartitioning,
} from './partitions.js';
import { evolveSchema, findField, normalizeSchema, type Field, type SchemaFieldInput } from './schema.js';
import type { Batch } from './storage.js';
import { convertRow, ValueError } from './values.js';

/** Reads `gs://bucket/name` (the GCS fake's `openObject`); rejects when the object does not exist. */
export type ReadObject = (bucket: string, name: string) => Promise<Readable>;
/** Names of the objects under a prefix, for wildcard URIs. */
export type ListObjects = (bucket: string, prefix: string) => Promise<string[]>;

/** `configuration.load` as clients send it. */
export interface LoadConfig {
  sourceUris?: string[];
  sourceFormat?: string;
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  schema?: { fields?: SchemaFieldInput[] };
  createDisposition?: string;
  writeDisposition?: string;
  timePartitioning?: unknown;
  clustering?: unknown;
  maxBadRecords?: number | string;
  ignoreUnknownValues?: boolean;
  schemaUpdateOptions?: string[];
  /** Used only when the job creates the table. */
  destinationTableProperties?: { description?: string; friendlyName?: string };
  autodetect?: boolean;
  compression?: string;
}

export interface LoadStatistics {
  inputFiles: string;
  inputFileBytes: string;
  outputRows: string;
  badRecords: string;
  outputBytes: string;
}

export interface LoadOutcome {
  errorResult?: JobError;
  /** Row errors of a successful job that skipped bad records, or the failure's details. */
  errors: JobError[];
  /** Present when the job succeeded. */
  statistics?: LoadStatistics;
}

export interface LoadContext {
  catalog: Catalog;
  projectId: string;
  location: string;
  readObject: ReadObject;
  listObjects?: ListObjects;
  isCancelled(): boolean;
}

/** Row errors listed in `status.errors`, at most. */
const MAX_LISTED_ROW_ERRORS = 20;
const READ_PREFIX = 'Error while reading data, error message: ';

class JobFailure extends Error {
  constructor(readonly errors: JobError[]) {
    super(errors[0]!.message);
  }
}

const fail = (error: ApiError | JobError, more: JobError[] = []): never => {
  const first = error instanceof ApiError ? error.toJobError() : error;
  throw new JobFailure([first, ...more]);
};

interface Plan {
  create: boolean;
  schema: Field[];
  partitioning?: TimePartitioning;
  clustering?: Clustering;
}

/** Runs one load job to its outcome; never throws. */
export async function runLoad(config: LoadConfig, context: LoadContext): Promise<LoadOutcome> {
  try {
    return await load(config, context);
  } catch (error) {
    if (error instanceof JobFailure) return { errorResult: error.errors[0], errors: error.errors };
    if (error instanceof ApiError) return { errorResult: error.toJobError(), errors: [error.toJobError()] };
    const failure = { reason: 'backendError', message: `Backend error: ${(error as Error).message}` };
    return { errorResult: failure, errors: [failure] };
  }
}

async function load(config: LoadConfig, context: LoadContext): Promise<LoadOutcome> {
  const { catalog } = context;
  const format = String(config.sourceFormat ?? 'CSV').toUpperCase();
  if (format !== 'NEWLINE_DELIMITED_JSON')
    fail(
      invalid(`Source format ${format} is not supported by the BigQuery fake; use NEWLINE_DELIMITED_JSON.`),
    );
  if (config.autodetect)
    fail(invalid('Schema autodetection is not supported by the BigQuery fake; give a schema.'));
  const uris = config.sourceUris;
  if (!Array.isArray(uris) || uris.length === 0)
    fail(invalid('Load configuration must specify at least one source URI'));
  const destination = config.destinationTable;
  if (!destination?.datasetId || !destination.tableId)
    fail(invalid('Load configuration must specify a destination table'));
  const projectId = destination!.projectId ?? context.projectId;
  const datasetId = destination!.datasetId!;
  const { tableId, decorator } = splitDecorator(destination!.tableId!);
  const name = tableName(projectId, datasetId, tableId);

  const dataset = catalog.findDataset(projectId, datasetId);
  if (!dataset) fail(notFound(`Not found: Dataset ${projectId}:${datasetId}`));
  if (dataset!.location !== context.location)
    fail(
      notFound(`Not found: Dataset ${projectId}:${datasetId} was not found in location ${context.location}`),
    );

  const write = String(config.writeDisposition ?? 'WRITE_APPEND').toUpperCase();
  const create = String(config.createDisposition ?? 'CREATE_IF_NEEDED').toUpperCase();
  if (!['WRITE_APPEND', 'WRITE_TRUNCATE', 'WRITE_EMPTY'].includes(write))
    fail(invalid(`Invalid value for writeDisposition: ${write}`));
  if (!['CREATE_IF_NEEDED', 'CREATE_NEVER'].includes(create))
    fail(invalid(`Invalid value for createDisposition: ${create}`));
  const updates = (config.schemaUpdateOptions ?? []).map((o) => String(o).toUpperCase());
  for (const option of updates)
    if (option !== 'ALLOW_FIELD_ADDITION' && option !== 'ALLOW_FIELD_RELAXATION')
      fail(invalid(`Invalid schema update option: ${option}`));
  if (updates.length && !(write === 'WRITE_APPEND' || (write === 'WRITE_TRUNCATE' && decorator))) {
    fail(
      invalid(
        'Schema update options should only be specified with WRITE_APPEND disposition, or with WRITE_TRUNCATE disposition on a table partition.',
      ),
    );
  }
  const maxBad = Number(config.maxBadRecords ?? 0);
  if (!Number.isInteger(maxBad) || maxBad < 0)
    fail(invalid(`Invalid value for maxBadRecords: ${String(config.maxBadRecords)}`));
  const given = config.schema?.fields ? normalizeSchema(config.schema.fields) : undefined;

  const makePlan = (existing: Table | undefined): Plan => {
    const replacingTable = write === 'WRITE_TRUNCATE' && !decorator;
    if (!existing) {
      if (create === 'CREATE_NEVER') throw notFound(`Not found: Table ${name}`);
      if (!given?.length) throw invalid('No schema specified on job or table.');
      const partitioning = normalizePartitioning(config.timePartitioning, given);
      if (decorator) checkDecorator(decorator, partitioning, name);
      return {
        create: true,
        schema: given,
        partitioning,
        clustering: normalizeClustering(config.clustering, given),
      };
    }
    const requested =
      config.timePartitioning === undefined || config.timePartitioning === null
        ? undefined
        : normalizePartitioning(config.timePartitioning, given?.length ? given : existing.schema);
    if (requested && !samePartitioning(requested, existing.timePartitioning)) {
      throw invalid(
        `Incompatible table partitioning specification. Expects partitioning specification ${describePartitioning(existing.timePartitioning)}, but input partitioning specification is ${describePartitioning(requested)}`,
      );
    }
    if (decorator) checkDecorator(decorator, existing.timePartitioning, name);
    let schema = existing.schema;
    if (given?.length) {
      schema =
        replacingTable || existing.schema.length === 0
          ? given
          : evolveSchema(existing.schema, given, {
              allowFieldAddition: updates.includes('ALLOW_FIELD_ADDITION'),
              allowFieldRelaxation: updates.includes('ALLOW_FIELD_RELAXATION'),
              tableName: name,
            });
    }
    const partitionField = existing.timePartitioning?.field;
    if (partitionField && !findField(schema, partitionField))
      throw invalid(
        `The field specified for time partitioning can not be found in the schema: ${partitionField}`,
      );
    const clustering =
      replacingTable && config.clustering
        ? normalizeClustering(config.clustering, schema)
        : existing.clustering;
    return { create: false, schema, partitioning: existing.timePartitioning, clustering };
  };

  let plan: Plan;
  try {
    plan = makePlan(catalog.findTable(projectId, datasetId, tableId));
  } catch (error) {
    return fail(error as ApiError);
  }
  // Rows go to new files as they are read; they are swapped in at commit, or removed.
  const batch = catalog.store.batch(plan.schema);
  try {
    return await loadRows(batch);
  } finally {
    batch.abort();
  }

  async function loadRows(batch: Batch): Promise<LoadOutcome> {
    const startedAt = new Date();
    const partitionField = plan.partitioning?.field
      ? findField(plan.schema, plan.partitioning.field)
      : undefined;
    let rows = 0;
    const rowErrors: JobError[] = [];
    let badRecords = 0;
    let inputBytes = 0;
    let inputFiles = 0;

    for (const uri of uris!) {
      for (const source of await expand(uri, context)) {
        const stream = await open(source, context);
        inputFiles += 1;
        let decoded: Readable | undefined;
        let rowNumber = 0;
        try {
          decoded = await decompressIfGzip(countBytes(stream, (n) => (inputBytes += n)));
          for await (const line of readLines(decoded)) {
            if (context.isCancelled())
              fail({
                reason: 'stopped',
                message: 'Job execution was cancelled: User requested cancellation',
              });
            const text = line.start === 0 ? line.text.replace(/^\uFEFF/, '') : line.text;
            if (text.trim() === '') continue;
            rowNumber += 1;
            try {
              const parsed = parseJsonLine(text);
              if (!(parsed instanceof Map))
                throw new ValueError('Only JSON objects are accepted as rows; found a non-object value.');
              const values = convertRow(plan.schema, parsed, {
                ignoreUnknownValues: config.ignoreUnknownValues === true,
              });
              let partition = UNPARTITIONED;
              if (plan.partitioning) {
                partition = partitionField
                  ? partitionOfValue(plan.partitioning, partitionField, values[partitionField.name] ?? null)
                  : (decorator ?? partitionOfIngestion(plan.partitioning, startedAt));
              }
              if (decorator && partition !== decorator) {
                fail(
                  invalid(
                    `Some rows belong to different partitions rather than destination partition ${decorator}`,
                    source.uri,
                  ),
                );
              }
              batch.add(partition, rows, values);
              rows += 1;
            } catch (error) {
              if (!(error instanceof ValueError || error instanceof JsonSyntaxError)) throw error;
              badRecords += 1;
              if (rowErrors.length < MAX_LISTED_ROW_ERRORS) {
                rowErrors.push({
                  reason: 'invalid',
                  location: source.uri,
                  message: `${READ_PREFIX}JSON parsing error in row starting at position ${line.start}: ${error.message}`,
                });
              }
              if (badRecords > maxBad) {
                const summary: JobError = {
                  reason: 'invalid',
                  location: source.uri,
                  message: `${READ_PREFIX}JSON table encountered too many errors, giving up. Rows: ${rowNumber}; errors: ${badRecords}. Please look into the errors[] collection for more details.`,
                };
                const processing: JobError = {
                  reason: 'invalid',
                  message: `${READ_PREFIX}JSON processing encountered too many errors, giving up. Rows: ${rowNumber}; errors: ${badRecords}; max bad: ${maxBad}; error percent: 0`,
                };
                fail(summary, [processing, ...rowErrors]);
              }
            }
          }
        } catch (error) {
          if (error instanceof JobFailure) throw error;
          const code = (error as { code?: string }).code ?? '';
          if (code.startsWith('Z_'))
            fail({
              reason: 'invalid',
              location: source.uri,
              message: `${READ_PREFIX}Failed to decompress gzip data: ${(error as Error).message}`,
            });
          fail({
            reason: 'backendError',
            location: source.uri,
            message: `${READ_PREFIX}${(error as Error).message}`,
          });
        } finally {
          decoded?.destroy();
          stream.destroy();
        }
      }
    }
    if (context.isCancelled())
      fail({ reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' });

    // Commit, synchronously: nothing above changed the catalog.
    let table = catalog.findTable(projectId, datasetId, tableId);
    let final: Plan;
    try {
      final = makePlan(table);
    } catch (error) {
      return fail(error as ApiError);
    }
    if (JSON.stringify(final.schema) !== JSON.stringify(plan.schema))
      fail({ reason: 'backendError', message: `Table ${name} changed while the job ran; retry the job.` });
    if (write === 'WRITE_EMPTY' && table && table.data.count(decorator) > 0)
      fail(duplicate(`Already Exists: Table ${name}`));
    if (!table) {
      try {
        table = catalog.createTable(projectId, datasetId, tableId, {
          schema: { fields: final.schema },
          timePartitioning: final.partitioning,
          clustering: final.clustering,
          description: config.destinationTableProperties?.description,
        });
      } catch (error) {
        return fail(error as ApiError);
      }
    }
    const outputBytes = batch.bytes;
    const dropped = table.data.commit({
      replaced: write === 'WRITE_TRUNCATE' ? (decorator === undefined ? 'all' : [decorator]) : [],
      added: batch.finish().values(),
      appended: true,
    });
    table.schema = final.schema;
    table.clustering = final.clustering;
    touch(table);
    catalog.store.discard(dropped);

    return {
      errors: rowErrors,
      statistics: {
        inputFiles: String(inputFiles),
        inputFileBytes: String(inputBytes),
        outputRows: String(rows),
        badRecords: String(badRecords),
        outputBytes: String(outputBytes),
      },
    };
  }
}

interface Source {
  uri: string;
  bucket: string;
  name: string;
}

/** A URI, or the objects a wildcard URI (`gs://b/prefix*suffix`, one `*`) matches, in name order. */
async function expand(uri: string, context: LoadContext): Promise<Source[]> {
  const match = typeof uri === 'string' ? /^gs:\/\/([^/]+)\/(.+)$/.exec(uri) : null;
  if (!match)
    return fail(
      invalid(`Invalid source URI: ${String(uri)}. Source URIs must be of the form gs://bucket/object`),
    );
  const [, bucket, name] = match as unknown as [string, string, string];
  if (/#\d+$/.test(name)) return fail(invalid(`Object generations are not supported in source URIs: ${uri}`));
  const star = name.indexOf('*');
  if (star < 0) return [{ uri, bucket, name }];
  if (name.indexOf('*', star + 1) >= 0)
    return fail(invalid(`Only one wildcard is allowed in a source URI: ${uri}`));
  if (!context.listObjects)
    return fail(invalid(`Wildcard source URIs need the listObjects option of the BigQuery fake: ${uri}`));
  const prefix = name.slice(0, star);
  const suffix = name.slice(star + 1);
  const names = (await context.listObjects(bucket, prefix))
    .filter((n) => n.startsWith(prefix) && n.endsWith(suffix) && n.length >= prefix.length + suffix.length)
    .sort();
  if (!names.length) return fail(notFound(`Not found: URI ${uri}`));
  return names.map((n) => ({ uri: `gs://${bucket}/${n}`, bucket, name: n }));
}

async function open(source: Source, context: LoadContext): Promise<Readable> {
  try {
    return await context.readObject(source.bucket, source.name);
  } catch {
    return fail(notFound(`Not found: URI ${source.uri}`));
  }
}

async function* countBytes(
  source: AsyncIterable<Buffer>,
  onBytes: (n: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    onBytes(buffer.length);
    yield buffer;
  }
}

/** BigQuery reads gzip-compressed sources transparently; they are told apart by their magic bytes. */
async function decompressIfGzip(source: AsyncGenerator<Buffer>): Promise<Readable> {
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    if (!ended) yield* source;
  }
  const raw = Readable.from(replay(), { objectMode: false });
  const first = Buffer.concat(head);
  if (first[0] !== 0x1f || first[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}
