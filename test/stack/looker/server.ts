import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultInjector } from '../faults.js';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { ApiActivity } from './activity.js';
import { systemActivity } from './catalogue.js';
import type { DatasetSpec, Retention } from './dataset.js';
import { delimitedRowEncoder, jsonRowEncoder } from './encode.js';
import { exploreMetadata, modelMetadata, parseFieldSelection, selectFields } from './metadata.js';
import type { ServingOptions } from './model.js';
import { ApiError, MODEL_NAME, QueryRunError, runInlineQuery, type QueryResult } from './query.js';
import { apiUserRoles } from './roles.js';
import {
  SystemActivity,
  type LookerRow,
  type RemoveOptions,
  type RowMatch,
  type TruthOptions,
} from './system-activity.js';
import type { FieldSpec, Scalar } from './types.js';

export interface LookerFakeOptions {
  /** Port to listen on; a free one if omitted. */
  port?: number;
  /** The API key the fake accepts at `POST /api/4.0/login`. */
  clientId: string;
  clientSecret: string;
  /** Rows any result holds at most, whatever its limit (Looker without `download_without_limit`); silent. */
  rowCap?: number;
  /**
   * Per view (an explore's name means its base view, e.g. `history`, `user`, `scheduled_job`): how
   * many rows, over which span, from which seed. Defaults: each view's profile, ending at `now`.
   * A child view (`event_attribute`, `query_metrics`, ...) follows its parent's size.
   */
  datasets?: Record<string, Partial<DatasetSpec>>;
  /**
   * What Looker keeps, per view, applied at start and whenever the clock moves: `{ days: 90 }`
   * forgets rows older than that (and, on `history`, rows of scheduled tasks older than 7 days, as
   * Looker documents; `sooner: []` turns that off), `{ rows: 1_000_000 }` keeps the newest rows.
   * Child views go with their parents. Off unless given.
   */
  retention?: Retention;
  /** Milliseconds each `run_inline_query` waits before its first row (after planning). Default 0. */
  queryLatencyMs?: number;
  /**
   * System Activity queries served at once at most (Looker outside Elite System Activity: 1). A
   * query beyond it is refused with a `looker_error` result (the strict reading: Looker does not
   * document whether it queues or refuses). Default: no limit.
   */
  concurrentQueryLimit?: number;
  /**
   * Whether the API user's role grants `download_without_limit` (`GET /users/{id}/roles`).
   * Default: true unless `rowCap` is set.
   */
  downloadWithoutLimit?: boolean;
  /** Queries only see rows at least this many hours older than the fake's clock (System Activity's cache). */
  cacheStaleHours?: number;
  /** The fake's clock at start: relative filters, staleness and the default data span use it. Default: real now. */
  now?: Date;
  /** `expires_in` of issued tokens; they stop working after this many real seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** Most rows one query may buffer (sorts other than the cursor order, aggregates). Default 250,000. */
  maxBufferedRows?: number;
  /**
   * The numeric id of the user the API key belongs to: `GET /user` answers it (as the string
   * Looker 4.0 ids are) and recorded activity carries it as `history.user_id` / `event.user_id`.
   * Default 42.
   */
  apiUserId?: number;
  /**
   * Record the API user's own calls in System Activity, as Looker does: a `history` row per query
   * run, an `event` row per login and logout, at the fake's clock. Default true.
   */
  recordApiActivity?: boolean;
  /**
   * Joins declared `fields: []` in the model (`user_facts_role` in every explore, `role_group` in
   * `group`, `group_user` in history/event/event_attribute, `event_attribute_joiner`): `hidden`
   * (default) joins through them but exposes none of their fields, as Looker on the 2020 model
   * does (a query naming one is refused as an unknown field; `lookml_model_explore` lists none);
   * `exposed` serves their fields as any join's. Whether today's Looker still hides them is unknown.
   */
  hiddenJoins?: 'hidden' | 'exposed';
  /**
   * Whether the History explore joins `query_api_client_context` (Looker 25.18+: which API client
   * ran each query). Default true; false plays an older Looker, where its fields are unknown fields.
   */
  queryApiClientContext?: boolean;
}

/** One request the fake received: method, path (no query string, no body), and the status it answered. */
export interface LookerRequest {
  method: string;
  path: string;
  status?: number;
}

/** A `run_inline_query` body as the fake parsed it (a WriteQuery; the fake validates it after the hooks). */
export interface LookerQueryBody {
  model?: string;
  view?: string;
  fields?: string[] | null;
  filters?: Record<string, string | null> | null;
  sorts?: string[] | null;
  limit?: string | number | null;
  [parameter: string]: unknown;
}

/** Which query a hook sees: its running index (from 0, per start or `reset()`) and result format. */
export interface LookerQueryInfo {
  index: number;
  format: string;
}

/** Called for a `run_inline_query` (see `onQuery`); may be async, and may append, remove or move the clock. */
export type LookerQueryHook = (query: LookerQueryBody, info: LookerQueryInfo) => void | Promise<void>;

export interface QueryHookOptions {
  /**
   * `before` (default): after the body is parsed, before the query is planned, so what the hook
   * does is what this query sees. `after`: once the query has been answered (its last byte written,
   * or its error), so what the hook does is what the next query sees.
   */
  when?: 'before' | 'after';
}

/** The running fake: the FakeHandle of test/stack/CONTRACT.md plus Looker's test hooks. */
export interface LookerFake {
  url: string;
  faults: FaultInjector;
  /**
   * The rows a window `[from, to)` on the explore's cursor holds (all rows for explores without a
   * cursor), keyed and formatted as the json result gives them (the explore's base fields, in
   * declaration order, in cursor order). Ignores limits, the row cap and cache staleness: it is
   * what an exactly-once export must eventually deliver.
   */
  truth(explore: string, from?: Date, to?: Date, options?: TruthOptions): LookerRow[];
  /** Like `truth()`, over every row the fake ever held: rows Looker has since forgotten are included. */
  everHeld(explore: string, from?: Date, to?: Date, options?: TruthOptions): LookerRow[];
  /** Most `run_inline_query` calls served at the same time since start or `reset()`. */
  readonly maxConcurrentQueries: number;
  /** Queries refused because `concurrentQueryLimit` was reached. */
  readonly refusedQueries: number;
  /** Adds rows "as time passes" (keyed `view.field`, with the cursor time); merged into results in cursor order. */
  append(explore: string, rows: readonly LookerRow[]): void;
  /**
   * Removes rows as a deleted user or an ended session goes: rows of the explore's base view (or of
   * `options.view`, one of its joins) that `match` selects (a test on the row keyed `view.field`
   * as `truth()` gives it, or a list of `id`s) vanish from queries, joins and `truth()` from now
   * on; `everHeld()` keeps them. Their child rows go with them. Returns how many were removed.
   */
  remove(explore: string, match: RowMatch, options?: RemoveOptions): number;
  /**
   * Calls `hook` with the parsed body and running index of every `run_inline_query` (not those a
   * fault answers, not unparsable bodies), before it is planned or, with `when: 'after'`, once it
   * was answered. Hooks run in the order they were added. A `before` hook that throws makes the
   * query answer 500 with its message; an `after` hook's error goes to stderr. Returns a disposer;
   * `reset()` removes every hook.
   */
  onQuery(hook: LookerQueryHook, options?: QueryHookOptions): () => void;
  /** `run_inline_query` bodies parsed since start or `reset()` (the next hook index). */
  readonly queriesReceived: number;
  /**
   * Adds a field to an explore, as a LookML change would: `lookml_model_explore` lists it, queries
   * may select it, `truth()` includes it (values from its `value` generator; null on appended
   * rows). Throws if a served field has its name. Other fields' values do not change.
   */
  addField(explore: string, field: FieldSpec): void;
  /**
   * Removes a field: `view.name` of a dimension or `view.group` of a time group (every timeframe);
   * a bare name is read in the explore's base view. Queries naming it get Looker's unknown-field
   * `looker_error`; `truth()` and the metadata drop it. The cursor group cannot be removed.
   */
  removeField(explore: string, field: string): void;
  /** The API user's id (`apiUserId`), as recorded activity carries it. */
  readonly apiUserId: number;
  /** Moves the fake's clock (relative filters such as `1 day ago`, cache staleness, retention). */
  setNow(date: Date): void;
  readonly now: Date;
  /** Forgets every issued token, as if they had all expired: the next call with one answers 401. */
  expireTokens(): void;
  readonly tokensIssued: number;
  readonly requests: LookerRequest[];
  /** Bytes of query results handed to sockets so far: with back-pressure it trails what clients have read. */
  readonly resultBytes: number;
  /**
   * Forgets appended, recorded and removed rows, added and removed fields, tokens, requests, query
   * hooks and armed faults; the clock returns to its start.
   */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const API = '/api/4.0';
const DOCS = 'https://cloud.google.com/looker/docs/r/api';
const CHUNK_BYTES = 64 * 1024;

/** A stream ended because the client went away or a cut fault fired: nothing more to do. */
class StreamClosed extends Error {}

/**
 * Starts the Looker API 4.0 fake on 127.0.0.1. See README.md beside this file for what it
 * emulates and how faithfully.
 */
export async function startLookerFake(options: LookerFakeOptions): Promise<LookerFake> {
  const startNow = (options.now ?? new Date()).getTime();
  const apiUserId = options.apiUserId ?? 42;
  if (!Number.isSafeInteger(apiUserId) || apiUserId < 1)
    throw new Error('apiUserId must be a whole number >= 1');
  const recordActivity = options.recordApiActivity ?? true;
  const faults = new FaultInjector();
  const requests: LookerRequest[] = [];
  const tokens = new Map<string, number>();
  const ttlSeconds = options.tokenTtlSeconds ?? 3600;
  let tokensIssued = 0;
  let resultBytes = 0;
  let now = startNow;
  let activeQueries = 0;
  let maxConcurrentQueries = 0;
  let refusedQueries = 0;
  let queriesReceived = 0;
  const hooks: { hook: LookerQueryHook; when: 'before' | 'after' }[] = [];
  const serving: ServingOptions = {
    hiddenJoins: options.hiddenJoins ?? 'hidden',
    absentViews: new Set(options.queryApiClientContext === false ? ['query_api_client_context'] : []),
  };
  let instance = makeInstance();
  let activity = new ApiActivity(apiUserId);

  function makeInstance(): SystemActivity {
    const made = new SystemActivity(systemActivity(), options.datasets ?? {}, startNow, serving);
    made.setNow(startNow, options.retention);
    return made;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof StreamClosed) return;
      if (res.headersSent) return void res.destroy();
      sendError(res, error instanceof ApiError ? error : new ApiError(500, 'Internal server error'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const record: LookerRequest = { method, path: url.pathname };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') {
      await drain(req);
      const error = new ApiError(fault.status, fault.message ?? defaultMessage(fault.status));
      return sendError(res, error, fault.headers);
    }
    if (fault?.kind === 'body') {
      await drain(req);
      res.writeHead(200, {
        'content-type': fault.contentType ?? 'application/json; charset=utf-8',
      });
      return void res.end(fault.body);
    }
    const cut = fault?.kind === 'cut' ? fault.afterBytes : undefined;

    if (!url.pathname.startsWith(`${API}/`)) throw new ApiError(404, 'Not found');
    const path = url.pathname.slice(API.length);
    if (method === 'POST' && path === '/login') return login(req, res, url, cut);
    const token = authorize(req);
    const isQuery = method === 'POST' && path.startsWith('/queries/run/');
    if (!isQuery) await drain(req);

    if (method === 'DELETE' && path === '/logout') {
      tokens.delete(token);
      if (recordActivity) activity.session(instance, now, 'logout');
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET' && path === '/user') return sendJson(res, 200, me(apiUserId), {}, cut);
    const roles = /^\/users\/([^/]+)\/roles$/.exec(path);
    if (method === 'GET' && roles) {
      // Only the API user is known; Looker answers another id the caller may not see with 404.
      if (decodeURIComponent(roles[1]!) !== String(apiUserId)) throw new ApiError(404, 'Not found');
      const download = options.downloadWithoutLimit ?? options.rowCap === undefined;
      return sendJson(res, 200, apiUserRoles(download), {}, cut);
    }
    const fields = parseFieldSelection(url.searchParams.get('fields'));
    if (method === 'GET' && path === '/lookml_models')
      return sendJson(res, 200, selectFields([modelMetadata(instance.all())], fields), {}, cut);
    let match = /^\/lookml_models\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      if (decodeURIComponent(match[1]!) !== MODEL_NAME) throw new ApiError(404, 'Not found');
      return sendJson(res, 200, selectFields(modelMetadata(instance.all()), fields), {}, cut);
    }
    match = /^\/lookml_models\/([^/]+)\/explores\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const model =
        decodeURIComponent(match[1]!) === MODEL_NAME
          ? instance.find(decodeURIComponent(match[2]!))
          : undefined;
      if (!model) throw new ApiError(404, 'Not found');
      return sendJson(res, 200, selectFields(exploreMetadata(model), fields), {}, cut);
    }
    match = /^\/queries\/run\/([^/]+)$/.exec(path);
    if (method === 'POST' && match) return runQuery(req, res, url, decodeURIComponent(match[1]!), cut);
    throw new ApiError(404, 'Not found');
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL, cut?: number): Promise<void> {
    const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
    if (url.searchParams.has('client_id') || url.searchParams.has('client_secret'))
      throw new ApiError(
        400,
        'Pass client_id and client_secret in the form-encoded body, not the query string',
      );
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret)
      // Looker answers unknown API credentials with 404, not 401.
      throw new ApiError(404, 'Not found');
    const token = randomBytes(24).toString('base64url');
    if (recordActivity) activity.session(instance, now, 'login');
    tokens.set(token, Date.now() + ttlSeconds * 1000);
    tokensIssued += 1;
    const body = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ttlSeconds,
      refresh_token: null,
    };
    sendJson(res, 200, body, {}, cut);
  }

  function authorize(req: IncomingMessage): string {
    const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const expiry = match ? tokens.get(match[1]!) : undefined;
    if (!match || expiry === undefined || expiry <= Date.now()) {
      if (match && expiry !== undefined) tokens.delete(match[1]!);
      throw new ApiError(401, 'Requires authentication.');
    }
    return match[1]!;
  }

  async function runQuery(req: IncomingMessage, res: ServerResponse, url: URL, format: string, cut?: number) {
    if (format !== 'json' && format !== 'csv' && format !== 'txt')
      throw new ApiError(400, `Unsupported result format "${format}" (this fake serves json, csv and txt)`);
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8'));
    } catch (error) {
      throw error instanceof ApiError ? error : new ApiError(400, 'Could not parse the JSON request body');
    }
    const info: LookerQueryInfo = { index: queriesReceived++, format };
    const parsed = body as LookerQueryBody;
    for (const { hook } of hooks.filter((h) => h.when === 'before'))
      try {
        await hook(parsed, info);
      } catch (error) {
        throw new ApiError(
          500,
          `onQuery hook failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    try {
      await answerQuery(res, url, format, body, cut);
    } finally {
      for (const { hook } of hooks.filter((h) => h.when === 'after'))
        try {
          await hook(parsed, info);
        } catch (error) {
          console.error('Looker fake: an onQuery after-hook failed', error);
        }
    }
  }

  async function answerQuery(res: ServerResponse, url: URL, format: string, body: unknown, cut?: number) {
    const refuse = (message: string) => {
      // Looker reports a query it cannot run inside a 200 result.
      const text =
        format === 'json'
          ? JSON.stringify([{ looker_error: message }])
          : `looker_error\n${csvCell(message)}\n`;
      res.writeHead(200, { 'content-type': contentType(format) });
      res.end(text);
    };
    if (options.concurrentQueryLimit !== undefined && activeQueries >= options.concurrentQueryLimit) {
      refusedQueries++;
      return refuse(
        `System Activity runs at most ${options.concurrentQueryLimit} query at a time; ${activeQueries} already running`,
      );
    }
    activeQueries++;
    maxConcurrentQueries = Math.max(maxConcurrentQueries, activeQueries);
    try {
      await serveQuery(res, url, format, body, refuse, cut);
    } finally {
      activeQueries--;
    }
  }

  async function serveQuery(
    res: ServerResponse,
    url: URL,
    format: string,
    body: unknown,
    refuse: (message: string) => void,
    cut?: number,
  ) {
    let result: QueryResult;
    try {
      result = runInlineQuery(body, url.searchParams, {
        explore: (name) => instance.find(name),
        now,
        rowCap: options.rowCap,
        cacheStaleHours: options.cacheStaleHours,
        maxBufferedRows: options.maxBufferedRows ?? 250_000,
      });
    } catch (error) {
      if (!(error instanceof QueryRunError)) throw error;
      return refuse(error.message);
    }
    // Recorded once the query has been planned: its own rows are already fixed, so it never sees
    // its own history row; later queries do.
    if (recordActivity) activity.query(instance, now, { body, format });
    if (options.queryLatencyMs) await sleep(options.queryLatencyMs);
    await streamResult(res, result, format, cut, (bytes) => (resultBytes += bytes));
  }

  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    truth(explore, from, to, truthOptions) {
      return instance.truth(explore, from, to, truthOptions);
    },
    everHeld(explore, from, to, truthOptions) {
      return instance.everHeld(explore, from, to, truthOptions);
    },
    get maxConcurrentQueries() {
      return maxConcurrentQueries;
    },
    get refusedQueries() {
      return refusedQueries;
    },
    append(explore, rows) {
      instance.append(explore, rows);
    },
    remove(explore, match, removeOptions) {
      return instance.remove(explore, match, removeOptions);
    },
    onQuery(hook, hookOptions = {}) {
      const entry = { hook, when: hookOptions.when ?? 'before' };
      hooks.push(entry);
      return () => {
        const at = hooks.indexOf(entry);
        if (at >= 0) hooks.splice(at, 1);
      };
    },
    get queriesReceived() {
      return queriesReceived;
    },
    addField(explore, field) {
      instance.addField(explore, field);
    },
    removeField(explore, field) {
      instance.removeField(explore, field);
    },
    apiUserId,
    setNow(date) {
      now = date.getTime();
      instance.setNow(now, options.retention);
    },
    get now() {
      return new Date(now);
    },
    expireTokens() {
      tokens.clear();
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get resultBytes() {
      return resultBytes;
    },
    requests,
    async reset() {
      faults.clear();
      tokens.clear();
      requests.length = 0;
      tokensIssued = 0;
      resultBytes = 0;
      now = startNow;
      activeQueries = 0;
      maxConcurrentQueries = 0;
      refusedQueries = 0;
      queriesReceived = 0;
      hooks.length = 0;
      instance = makeInstance();
      activity = new ApiActivity(apiUserId);
    },
    async close() {
      await closeServer(server);
    },
  };
}

/**
 * Writes a result as it is produced: rows are encoded straight into ~64 KiB buffers, and a full
 * buffer is handed to the socket only once it has drained the previous ones, so memory stays flat
 * however many rows there are and a slow reader slows the generator down.
 */
async function streamResult(
  res: ServerResponse,
  result: QueryResult,
  format: string,
  cut: number | undefined,
  onWrite: (bytes: number) => void,
) {
  res.writeHead(200, { 'content-type': contentType(format) });
  const closed = new AbortController();
  res.once('close', () => closed.abort());
  let sent = 0;
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;

  const flush = async () => {
    let bytes = buffer.subarray(0, used);
    buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    if (cut !== undefined && sent + bytes.length >= cut) {
      bytes = bytes.subarray(0, Math.max(0, cut - sent));
      // Let the partial bytes reach the client, then break the connection mid-body.
      res.write(bytes, () => res.socket?.destroy());
      onWrite(bytes.length);
      throw new StreamClosed();
    }
    sent += bytes.length;
    onWrite(bytes.length);
    if (!res.write(bytes) && !closed.signal.aborted)
      await once(res, 'drain', { signal: closed.signal }).catch(() => undefined);
    if (closed.signal.aborted || res.destroyed) throw new StreamClosed();
  };
  const put = async (text: string) => {
    // UTF-8 never needs more than 3 bytes per UTF-16 unit of a JS string.
    if (used + text.length * 3 > buffer.length) {
      if (used > 0) await flush();
      if (text.length * 3 > buffer.length) buffer = Buffer.allocUnsafe(text.length * 3);
    }
    used += buffer.write(text, used);
  };

  let separator: string;
  let encode: (values: Scalar[]) => string;
  if (format === 'json') {
    encode = jsonRowEncoder(result.columns);
    await put('[');
    separator = ',\n';
  } else {
    const delimited = delimitedRowEncoder(result.columns, format as 'csv' | 'txt');
    encode = delimited.row;
    await put(delimited.header);
    separator = '';
  }
  let first = true;
  for (let values = result.next(); values !== undefined; values = result.next()) {
    const text = first ? encode(values) : separator + encode(values);
    first = false;
    // Awaiting only when a buffer is full keeps the per-row path synchronous.
    if (used + text.length * 3 > buffer.length) await put(text);
    else used += buffer.write(text, used);
  }
  if (format === 'json') await put(']');
  await flush();
  res.end();
}

function contentType(format: string): string {
  if (format === 'json') return 'application/json; charset=utf-8';
  return format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8';
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The API user the key belongs to (`GET /user`), enough for clients that check who they are. */
function me(id: number): Record<string, unknown> {
  return {
    // Looker 4.0 sends ids as strings.
    id: String(id),
    first_name: 'System Activity',
    last_name: 'Exporter',
    display_name: 'System Activity Exporter',
    email: 'exporter@example.com',
    is_disabled: false,
    role_ids: ['2'],
    locale: 'en',
  };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  cut?: number,
) {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    ...headers,
  });
  if (cut === undefined) return void res.end(bytes);
  res.write(bytes.subarray(0, Math.min(cut, bytes.length)), () => res.socket?.destroy());
}

function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}) {
  const documentation = `${DOCS}/${error.status === 401 ? 'authorization' : 'support'}`;
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: documentation,
  };
  if (error.errors)
    body.errors = error.errors.map((e) => ({
      ...e,
      documentation_url: documentation,
    }));
  sendJson(res, error.status, body, headers);
}

function defaultMessage(status: number): string {
  const messages: Record<number, string> = {
    400: 'Bad Request',
    401: 'Requires authentication.',
    403: 'Forbidden',
    404: 'Not found',
    422: 'Validation Failed',
    429: 'Too Many Requests',
    500: 'Internal server error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return messages[status] ?? `Error ${status}`;
}

/** The request body, refusing more than `limit` bytes (413) so a stray upload cannot fill memory. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and discards a body nobody needs, so keep-alive connections stay usable. */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}
