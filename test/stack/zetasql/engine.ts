/**
 * Google's ZetaSQL reference implementation (the GoogleSQL analyzer and evaluator) as a small
 * typed service: the `remote_server` binary shipped by `@fivetrandevelopers/zetasql`, started
 * lazily on loopback at the first call, spoken to over gRPC with the package's own protos.
 *
 * The analyzer is configured as BigQuery runs GoogleSQL: every language feature ZetaSQL has,
 * external product mode (INT64/FLOAT64 names, no INT32/UINT types), UTC as the default zone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  composeRewrites,
  positionalParameterEdits,
  renameTable,
  rewrite,
  tablePathSites,
  type Edit,
  type RewrittenStatement,
} from './rewrite.js';
import {
  plainValue,
  typeOf,
  typeProto,
  valueProto,
  type Column,
  type SqlType,
  type SqlValue,
  type TypeProto,
  type ValueProto,
} from './values.js';

/** A table the statement may read: its path as the statement writes it, columns and (to evaluate) rows. */
export interface TableInput {
  path: string[];
  columns: Column[];
  /** One array per row, values in column order (plain forms of values.ts). */
  rows?: SqlValue[][];
}

/** A query parameter: named (`@name`) when `name` is given, else positional (`?`), in order. */
export interface ParameterInput {
  name?: string;
  type: SqlType;
  value: SqlValue;
}

export interface StatementInput {
  tables?: TableInput[];
  parameters?: ParameterInput[];
}

/** What `analyze` answers. */
export interface Analysis {
  /** The query's output columns in order (`$col1`, ... for anonymous ones). */
  columns: Column[];
  /** Per table read (as given in `tables`), the names of the columns the statement uses, in table order. */
  reads: { path: string[]; columns: string[] }[];
}

export interface QueryOutput {
  columns: Column[];
  rows: SqlValue[][];
}

/**
 * `invalid`: the engine refused the statement (syntax, names, types, or an error while
 * evaluating it, e.g. division by zero); terminal for that statement. `unsupported`: valid
 * GoogleSQL the reference evaluator does not evaluate (nondeterministic functions such as
 * APPROX_QUANTILES), or tables whose rows exceed the server's 4 MiB request limit; terminal too. `engine`: the server could not start or answer; the
 * statement was not judged.
 */
export class ZetaSqlError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unsupported' | 'engine',
    message: string,
  ) {
    super(message);
    this.name = 'ZetaSqlError';
  }
}

export interface ZetaSqlOptions {
  /** How long the server may take to accept connections (ms); default 30 s. */
  startTimeoutMs?: number;
}

type Call = (
  request: unknown,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => void;
type ServiceClient = grpc.Client & Record<string, Call>;

const packageDir = path.dirname(
  createRequire(import.meta.url).resolve('@fivetrandevelopers/zetasql/package.json'),
);
const serverDir = path.join(packageDir, 'lib', 'zetasql');

/** The binary for this platform, as the package names them. */
function serverBinary(): string {
  if (process.platform === 'linux' && process.arch === 'x64') return path.join(serverDir, 'remote_server.so');
  if (process.platform === 'linux' && process.arch === 'arm64')
    return path.join(serverDir, 'remote_server_arm.so');
  if (process.platform === 'darwin')
    return path.join(serverDir, process.arch === 'arm64' ? 'remote_server_arm' : 'remote_server');
  throw new ZetaSqlError(
    'engine',
    `@fivetrandevelopers/zetasql ships no server for ${process.platform}/${process.arch}`,
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Running {
  child: ChildProcess;
  client: ServiceClient;
  language: unknown;
}

export class ZetaSql {
  #running: Promise<Running> | undefined;
  #closed = false;
  readonly #startTimeoutMs: number;

  constructor(options: ZetaSqlOptions = {}) {
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  /** Starts the server now rather than at the first call (to time it, or to fail early). */
  async start(): Promise<void> {
    await this.#server();
  }

  /** The table paths a statement reads, as written (CTE names excluded); `?` parameters are allowed. */
  async tableNames(sql: string): Promise<string[][]> {
    const { language } = await this.#server();
    const named = rewrite(sql, positionalParameterEdits(sql, positionalName));
    const response = (await this.#call(
      'ExtractTableNamesFromStatement',
      { sql_statement: named.sql, options: language },
      named.locate,
    )) as { table_name?: { table_name_segment?: string[] }[] };
    return (response.table_name ?? []).map((t) => t.table_name_segment ?? []);
  }

  /**
   * Analyzes a query over the given tables' columns: its output columns and the columns it
   * reads of each table. Only queries are accepted (other statements: `Statement not supported`).
   */
  async analyze(sql: string, input: StatementInput = {}): Promise<Analysis> {
    const tables = input.tables ?? [];
    const statement = await this.#forLocalService(sql, tables, input.parameters);
    const response = (await this.#call(
      'Analyze',
      {
        options: await this.#analyzerOptions(input.parameters),
        simple_catalog: await this.#catalog(tables),
        sql_statement: statement.sql,
      },
      statement.locate,
    )) as { resolved_statement?: unknown };
    return {
      columns: outputColumns(response.resolved_statement),
      reads: tableReads(response.resolved_statement, tables),
    };
  }

  /** Evaluates a query over the given tables' rows: its columns and rows. */
  async evaluate(sql: string, input: StatementInput = {}): Promise<QueryOutput> {
    const tables = input.tables ?? [];
    const statement = await this.#forLocalService(sql, tables, input.parameters);
    const response = (await this.#call(
      'EvaluateQuery',
      {
        sql: statement.sql,
        options: await this.#analyzerOptions(input.parameters),
        simple_catalog: await this.#catalog(tables),
        table_content: Object.fromEntries(
          tables.map((t, i) => [
            rootName(i),
            {
              table_data: {
                row: (t.rows ?? []).map((r) => ({
                  cell: t.columns.map((c, j) => valueProto(c.type, r[j] ?? null)),
                })),
              },
            },
          ]),
        ),
        params: namedParameters(input.parameters).map((p) => ({
          name: p.name,
          value: valueProto(p.type, p.value),
        })),
      },
      statement.locate,
    )) as {
      content?: { table_data?: { row?: { cell?: ValueProto[] }[] } };
      prepared?: { columns?: { name?: string; type?: TypeProto }[] };
    };
    const columns = (response.prepared?.columns ?? []).map((c) => ({
      name: c.name ?? '',
      type: typeOf(c.type ?? {}),
    }));
    const rows = (response.content?.table_data?.row ?? []).map((r) =>
      columns.map((c, j) => plainValue(c.type, (r.cell ?? [])[j] ?? {})),
    );
    return { columns, rows };
  }

  /** The statement as the local service can take it (rewrite.ts). */
  async #forLocalService(
    sql: string,
    tables: TableInput[],
    parameters: ParameterInput[] = [],
  ): Promise<RewrittenStatement> {
    const positional = parameters.some((p) => !p.name);
    const named = rewrite(sql, positional ? positionalParameterEdits(sql, positionalName) : []);
    const parsed = await this.#call(
      'Parse',
      { sql_statement: named.sql, options: (await this.#server()).language },
      named.locate,
    );
    const keyOf = (p: string[]) => p.join('\u0000').toLowerCase();
    const index = new Map(tables.map((t, i) => [keyOf(t.path), i]));
    const edits: Edit[] = [];
    for (const site of tablePathSites(parsed)) {
      const i = index.get(keyOf(site.path));
      if (i !== undefined) edits.push(renameTable(site, rootName(i)));
    }
    return composeRewrites(named, rewrite(named.sql, edits));
  }

  /** Stops the server (if it started); later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#running;
    this.#running = undefined;
    if (!running) return;
    const { child, client } = await running.catch(() => ({ child: undefined, client: undefined }));
    client?.close();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  #server(): Promise<Running> {
    if (this.#closed) return Promise.reject(new ZetaSqlError('engine', 'the ZetaSQL server was closed'));
    // A failed start is not kept: the next call tries again.
    this.#running ??= this.#launch().catch((error: unknown) => {
      this.#running = undefined;
      throw error;
    });
    return this.#running;
  }

  async #launch(): Promise<Running> {
    const port = await freePort();
    const child = spawn(serverBinary(), ['127.0.0.1', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    // The server must not outlive a test process that forgets close().
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const definition = protoLoader.loadSync('local_service.proto', {
      includeDirs: [path.join(serverDir, 'protos')],
      keepCase: true,
      longs: String,
      enums: String,
      bytes: Buffer,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      zetasql: { local_service: { ZetaSqlLocalService: new (...args: unknown[]) => ServiceClient } };
    };
    const client = new loaded.zetasql.local_service.ZetaSqlLocalService(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
      { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    );
    const failed = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(new ZetaSqlError('engine', `the ZetaSQL server exited (${signal ?? code}) ${stderr.trim()}`)),
      );
      // A binary that cannot be run (missing, not executable) is an 'error' event, not an exit.
      child.once('error', (error) =>
        reject(new ZetaSqlError('engine', `the ZetaSQL server could not be started: ${error.message}`)),
      );
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([
        new Promise<void>((resolve, reject) =>
          client.waitForReady(Date.now() + this.#startTimeoutMs, (error) =>
            error
              ? reject(new ZetaSqlError('engine', `the ZetaSQL server did not start: ${error.message}`))
              : resolve(),
          ),
        ),
        failed,
      ]);
      const running: Running = { child, client, language: undefined };
      const language = (await this.#callOn(client, 'GetLanguageOptions', {
        maximum_features: true,
      })) as Record<string, unknown>;
      running.language = { ...language, product_mode: 'PRODUCT_EXTERNAL' };
      return running;
    } catch (error) {
      client.close();
      child.kill('SIGKILL');
      throw error;
    }
  }

  async #call(method: string, request: unknown, locate?: (message: string) => string): Promise<unknown> {
    const { client } = await this.#server();
    return this.#callOn(client, method, request, locate);
  }

  #callOn(
    client: ServiceClient,
    method: string,
    request: unknown,
    locate: (message: string) => string = (message) => message,
  ): Promise<unknown> {
    return new Promise((resolve, reject) =>
      client[method]!.call(client, request, (error, response) => {
        if (!error) return resolve(response);
        reject(new ZetaSqlError(errorKind(error.code), locate(error.details || error.message)));
      }),
    );
  }

  async #analyzerOptions(parameters?: ParameterInput[]) {
    const { language } = await this.#server();
    return {
      language_options: language,
      default_timezone: 'UTC',
      error_message_mode: 'ERROR_MESSAGE_ONE_LINE',
      // Table scans then list only the columns the statement uses (what `reads` answers).
      prune_unused_columns: true,
      query_parameters: namedParameters(parameters).map((p) => ({ name: p.name, type: typeProto(p.type) })),
    };
  }

  async #catalog(tables: TableInput[]) {
    const { language } = await this.#server();
    return {
      name: 'root',
      builtin_function_options: { language_options: language },
      table: tables.map((t, i) => ({
        name: rootName(i),
        column: t.columns.map((c) => ({ name: c.name, type: typeProto(c.type) })),
      })),
    };
  }
}

/** The kind of a failed call, from its gRPC status (INVALID_ARGUMENT and OUT_OF_RANGE carry the engine's judgement). */
function errorKind(code: grpc.status): ZetaSqlError['kind'] {
  if (code === grpc.status.INVALID_ARGUMENT || code === grpc.status.OUT_OF_RANGE) return 'invalid';
  // RESOURCE_EXHAUSTED: the request (the tables' rows) is over the server's 4 MiB message limit.
  if (code === grpc.status.UNIMPLEMENTED || code === grpc.status.RESOURCE_EXHAUSTED) return 'unsupported';
  return 'engine';
}

const rootName = (index: number) => `__table_${index}`;
const positionalName = (position: number) => `__parameter_${position}`;

/** Positional parameters under the names their `?` are rewritten to. */
function namedParameters(parameters: ParameterInput[] = []) {
  let position = 0;
  return parameters.map((p) => ({ ...p, name: p.name ?? positionalName(++position) }));
}

/** The output columns of a resolved query statement (ResolvedQueryStmt.output_column_list). */
/** Every ResolvedTableScan of a resolved statement: the table (a `__table_<i>`) and the columns it scans. */
function tableReads(resolved: unknown, tables: TableInput[]): Analysis['reads'] {
  const read = new Map<number, Set<string>>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const record = node as Record<string, unknown>;
    const scan = record.resolved_table_scan_node as
      { parent?: { column_list?: { name?: string }[] }; table?: { name?: string } } | undefined;
    const index = /^__table_(\d+)$/.exec(scan?.table?.name ?? '')?.[1];
    if (scan && index !== undefined) {
      const columns = read.get(Number(index)) ?? new Set<string>();
      for (const column of scan.parent?.column_list ?? []) if (column.name) columns.add(column.name);
      read.set(Number(index), columns);
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(resolved);
  return [...read.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, columns]) => {
      const table = tables[index]!;
      return {
        path: table.path,
        columns: table.columns.map((c) => c.name).filter((name) => columns.has(name)),
      };
    });
}

function outputColumns(resolved: unknown): Column[] {
  const query = (resolved as { resolved_query_stmt_node?: { output_column_list?: unknown[] } } | undefined)
    ?.resolved_query_stmt_node;
  return (query?.output_column_list ?? []).map((item) => {
    const output = item as { name?: string; column?: { type?: TypeProto } };
    return { name: output.name ?? '', type: typeOf(output.column?.type ?? {}) };
  });
}
