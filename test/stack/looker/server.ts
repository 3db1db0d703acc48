import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { FaultInjector, type Fault } from '../faults.js';
import { ExploreData, type DatasetSpec, type LookerRow } from './data.js';
import { fakeExplores, type FakeExplore } from './explores/index.js';
import { FilterSyntaxError, parseTimeFilter, valueMatcher } from './filters.js';

export interface LookerFakeOptions {
  port?: number;
  clientId: string;
  clientSecret: string;
  /** Rows a query can return at most, whatever its limit (Looker without `download_without_limit`). */
  rowCap?: number;
  /** Per explore: how many rows over which span; default each explore's own, ending at `now`. */
  datasets?: Record<string, Partial<DatasetSpec>>;
  /** Queries only see rows at least this many hours older than `now` (System Activity's cache). */
  cacheStaleHours?: number;
  /** The fake's clock: relative filters and the default data span use it. */
  now?: Date;
  tokenTtlSeconds?: number;
}

export interface LookerFake {
  url: string;
  faults: FaultInjector;
  /** The rows a window `[from, to)` on the explore's cursor holds, as the json result keys them. */
  truth(explore: string, from: Date, to: Date): LookerRow[];
  /** Adds rows "as time passes"; each must carry the explore's cursor time. */
  append(explore: string, rows: readonly LookerRow[]): void;
  setNow(date: Date): void;
  readonly tokensIssued: number;
  /** Every request's method and path (no bodies, no credentials). */
  readonly requests: { method: string; path: string }[];
  reset(): Promise<void>;
  close(): Promise<void>;
}

const MODEL = 'system__activity';
const DEFAULT_LIMIT = 5000;
const DOCS = 'https://cloud.google.com/looker/docs/r/err/4.0';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: { field: string; code: string; message: string }[],
  ) {
    super(message);
  }
}

/** Starts the Looker API 4.0 fake on 127.0.0.1 (see README.md beside this file for what it emulates). */
export async function startLookerFake(options: LookerFakeOptions): Promise<LookerFake> {
  const initialNow = options.now ?? new Date();
  const faults = new FaultInjector();
  const requests: { method: string; path: string }[] = [];
  const tokens = new Map<string, number>();
  let tokensIssued = 0;
  let now = initialNow.getTime();
  let data = makeData();

  function makeData(): Map<string, ExploreData> {
    const map = new Map<string, ExploreData>();
    for (const explore of fakeExplores.values()) {
      const spec = options.datasets?.[explore.name] ?? {};
      const end = spec.end ?? initialNow;
      const start = spec.start ?? new Date(end.getTime() - explore.defaults.days * 86_400_000);
      map.set(
        explore.name,
        new ExploreData(explore, { rows: spec.rows ?? explore.defaults.rows, start, end, seed: spec.seed }),
      );
    }
    return map;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendError(res, error instanceof HttpError ? error : new HttpError(500, 'Internal server error'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      await drain(req);
      return sendError(
        res,
        new HttpError(fault.status, fault.message ?? defaultMessage(fault.status)),
        fault.headers,
      );
    }
    if (fault?.kind === 'body') {
      await drain(req);
      res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json; charset=utf-8' });
      return void res.end(fault.body);
    }
    const cut = fault?.kind === 'cut' ? fault : undefined;

    if (method === 'POST' && url.pathname === '/api/4.0/login') return login(req, res, url);
    authorize(req);
    if (method === 'DELETE' && url.pathname === '/api/4.0/logout') {
      tokens.delete(bearer(req)!);
      res.writeHead(204).end();
      return;
    }
    let match = /^\/api\/4\.0\/queries\/run\/([a-z_]+)$/.exec(url.pathname);
    if (method === 'POST' && match) return runInlineQuery(req, res, url, match[1]!, cut);
    match = /^\/api\/4\.0\/lookml_models\/([^/]+)\/explores\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && match)
      return sendJson(
        res,
        200,
        exploreMetadata(decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)),
      );
    match = /^\/api\/4\.0\/lookml_models\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && match) return sendJson(res, 200, modelMetadata(decodeURIComponent(match[1]!)));
    throw new HttpError(404, 'Not found');
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readBody(req)).toString();
    if (url.searchParams.has('client_id') || url.searchParams.has('client_secret')) {
      throw new HttpError(
        400,
        'Credentials in query parameters are not accepted; send them in the form body',
      );
    }
    const form = new URLSearchParams(body);
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
      // Looker answers unknown API credentials with 404, not 401.
      throw new HttpError(404, 'Not found');
    }
    const token = randomBytes(20).toString('hex');
    const ttl = options.tokenTtlSeconds ?? 3600;
    tokens.set(token, Date.now() + ttl * 1000);
    tokensIssued += 1;
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl, refresh_token: null });
  }

  function authorize(req: IncomingMessage): void {
    const token = bearer(req);
    const expiry = token ? tokens.get(token) : undefined;
    if (expiry === undefined || expiry <= Date.now()) throw new HttpError(401, 'Requires authentication.');
  }

  function exploreOf(model: string, name: string): FakeExplore {
    const explore = model === MODEL ? fakeExplores.get(name) : undefined;
    if (!explore) throw new HttpError(404, 'Not found');
    return explore;
  }

  function exploreMetadata(model: string, name: string) {
    const explore = exploreOf(model, name);
    return {
      id: `${model}::${name}`,
      name,
      model_name: model,
      view_name: explore.view,
      label: title(name),
      hidden: false,
      fields: {
        dimensions: explore.fields.map((field) => ({
          name: `${explore.view}.${field.name}`,
          label: `${title(explore.view)} ${field.label}`,
          label_short: field.label,
          type: field.type,
          category: 'dimension',
          view: explore.view,
          is_numeric: field.type === 'number',
          is_timeframe: field.type.startsWith('date_'),
          dimension_group: field.type.startsWith('date_')
            ? `${explore.view}.${field.name.replace(/_(time|date)$/, '')}`
            : null,
          hidden: false,
          sortable: true,
          can_filter: true,
        })),
        measures: [],
        filters: [],
        parameters: [],
      },
    };
  }

  function modelMetadata(model: string) {
    if (model !== MODEL) throw new HttpError(404, 'Not found');
    return {
      name: MODEL,
      label: 'System Activity',
      project_name: 'system__activity',
      explores: [...fakeExplores.keys()].map((name) => ({ name, label: title(name), hidden: false })),
    };
  }

  async function runInlineQuery(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    format: string,
    cut?: Extract<Fault, { kind: 'cut' }>,
  ) {
    if (format !== 'json' && format !== 'csv')
      throw new HttpError(400, `Unsupported result format "${format}" in this fake`);
    let query: {
      model?: string;
      view?: string;
      fields?: string[];
      filters?: Record<string, string>;
      sorts?: string[];
      limit?: string | null;
    };
    try {
      query = JSON.parse((await readBody(req)).toString()) as typeof query;
    } catch {
      throw new HttpError(400, 'Could not parse JSON body');
    }
    if (!query.model || !query.view) {
      throw new HttpError(422, 'Validation Failed', [
        { field: query.model ? 'view' : 'model', code: 'missing_field', message: 'This field is required.' },
      ]);
    }
    const explore = exploreOf(query.model, query.view);
    const dataset = data.get(explore.name)!;
    const known = new Map(explore.fields.map((f) => [`${explore.view}.${f.name}`, f]));
    const fields = query.fields?.length ? query.fields : [...known.keys()];
    const unknown = fields.filter((f) => !known.has(f));
    if (unknown.length) {
      // Looker reports query errors inside a json result, with status 200.
      return sendJson(res, 200, [{ looker_error: `Unknown field(s): ${unknown.join(', ')}` }]);
    }

    let from = -Infinity;
    let to = Infinity;
    const predicates: ((row: LookerRow) => boolean)[] = [];
    for (const [field, expression] of Object.entries(query.filters ?? {})) {
      if (!known.has(field)) return sendJson(res, 200, [{ looker_error: `Unknown filter field: ${field}` }]);
      try {
        if (field === dataset.cursorKey) {
          const range = parseTimeFilter(expression, now);
          if (range.nulls === 'only') to = from; // generated cursor times are never null
          from = Math.max(from, range.from);
          to = Math.min(to, range.to);
        } else if (known.get(field)!.type.startsWith('date_')) {
          const range = parseTimeFilter(expression, now);
          predicates.push((row) => {
            const value = row[field];
            const ms = typeof value === 'string' ? Date.parse(`${value.replace(' ', 'T')}Z`) : NaN;
            return value === null
              ? range.nulls === 'only'
              : range.nulls !== 'only' && ms >= range.from && ms < range.to;
          });
        } else {
          const matches = valueMatcher(expression);
          predicates.push((row) => matches(row[field]));
        }
      } catch (error) {
        if (error instanceof FilterSyntaxError) {
          throw new HttpError(422, 'Validation Failed', [
            { field: `filters.${field}`, code: 'invalid', message: error.message },
          ]);
        }
        throw error;
      }
    }
    if (options.cacheStaleHours) to = Math.min(to, now - options.cacheStaleHours * 3_600_000);

    const sorts = query.sorts ?? [];
    const cursorSort = sorts.find((s) => s.split(' ')[0] === dataset.cursorKey);
    const otherSorts = sorts.filter((s) => s !== cursorSort);
    if (otherSorts.length)
      throw new HttpError(422, 'Validation Failed', [
        { field: 'sorts', code: 'invalid', message: 'this fake sorts by the cursor field only' },
      ]);
    const descending = cursorSort?.trim().endsWith(' desc') ?? false;

    const requested = url.searchParams.get('limit') ?? query.limit ?? String(DEFAULT_LIMIT);
    let limit = Number(requested);
    if (!Number.isInteger(limit) || limit === 0 || limit < -1) {
      throw new HttpError(422, 'Validation Failed', [
        { field: 'limit', code: 'invalid', message: `invalid limit ${requested}` },
      ]);
    }
    if (limit === -1) limit = Infinity;
    if (options.rowCap !== undefined) limit = Math.min(limit, options.rowCap);

    // Asking for every field in order (what the exporter does) needs no per-row copy.
    const allFields = fields.length === known.size && fields.every((f, i) => f === [...known.keys()][i]);
    function* selected(): Generator<LookerRow> {
      let emitted = 0;
      for (const row of dataset.rows(from, to, descending)) {
        if (predicates.length && !predicates.every((p) => p(row))) continue;
        if (allFields) yield row;
        else {
          const out: LookerRow = {};
          for (const field of fields) out[field] = row[field] ?? null;
          yield out;
        }
        if (++emitted >= limit) return;
      }
    }
    if (format === 'json') await streamJson(res, selected(), cut);
    else
      await streamCsv(
        res,
        selected(),
        fields.map((f) => `${title(explore.view)} ${known.get(f)!.label}`),
        fields,
        cut,
      );
  }

  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    truth(explore, from, to) {
      const dataset = data.get(explore);
      if (!dataset) throw new Error(`unknown explore ${explore}`);
      return [...dataset.rows(from.getTime(), to.getTime())];
    },
    append(explore, rows) {
      const dataset = data.get(explore);
      if (!dataset) throw new Error(`unknown explore ${explore}`);
      dataset.append(rows);
    },
    setNow(date) {
      now = date.getTime();
    },
    get tokensIssued() {
      return tokensIssued;
    },
    requests,
    async reset() {
      faults.clear();
      tokens.clear();
      requests.length = 0;
      tokensIssued = 0;
      now = initialNow.getTime();
      data = makeData();
    },
    async close() {
      await closeServer(server);
    },
  };
}

/** Writes rows as one JSON array, in ~64 KiB chunks, waiting whenever the client is slower. */
async function streamJson(res: ServerResponse, rows: Iterable<LookerRow>, cut?: { afterBytes: number }) {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const writer = chunkWriter(res, cut);
  let first = true;
  await writer.write('[');
  for (const row of rows) {
    await writer.write((first ? '' : ',\n') + JSON.stringify(row));
    first = false;
  }
  await writer.write(']');
  await writer.end();
}

async function streamCsv(
  res: ServerResponse,
  rows: Iterable<LookerRow>,
  header: string[],
  fields: string[],
  cut?: { afterBytes: number },
) {
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
  const writer = chunkWriter(res, cut);
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  await writer.write(header.map(cell).join(',') + '\n');
  for (const row of rows) await writer.write(fields.map((f) => cell(row[f])).join(',') + '\n');
  await writer.end();
}

function chunkWriter(res: ServerResponse, cut?: { afterBytes: number }) {
  const CHUNK = 64 * 1024;
  let pending = '';
  let sent = 0;
  async function flush(): Promise<void> {
    if (!pending) return;
    let buffer = Buffer.from(pending);
    pending = '';
    if (cut && sent + buffer.length >= cut.afterBytes) {
      buffer = buffer.subarray(0, Math.max(0, cut.afterBytes - sent));
      res.write(buffer);
      await new Promise((r) => setTimeout(r, 20));
      res.socket?.destroy();
      throw new Error('stream cut by fault injection');
    }
    sent += buffer.length;
    if (!res.write(buffer)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    if (res.destroyed) throw new Error('client went away');
  }
  return {
    async write(text: string) {
      pending += text;
      if (pending.length >= CHUNK) await flush();
    },
    async end() {
      await flush();
      res.end();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}) {
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: `${DOCS}/${error.status}`,
  };
  if (error.errors)
    body.errors = error.errors.map((e) => ({ ...e, documentation_url: `${DOCS}/${error.status}` }));
  sendJson(res, error.status, body, headers);
}

function defaultMessage(status: number): string {
  return (
    {
      401: 'Requires authentication.',
      404: 'Not found',
      429: 'Too Many Requests',
      500: 'Internal server error',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
    }[status] ?? `Error ${status}`
  );
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header);
  return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}

function title(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}
