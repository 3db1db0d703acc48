/**
 * The only HTTP code of the fake: a small router over `/bigquery/v2/...`, JSON bodies in and
 * out (bigint as JSON strings never reach here: resources hold strings), Google's error bodies,
 * and the shared fault injector applied before any handler runs.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults.js';
import { ApiError, errorBody, reasonForStatus } from './errors.js';

export interface ApiRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface ApiReply {
  status?: number;
  /** JSON-serialised; absent for an empty body (204). */
  body?: unknown;
}

export type Handler = (request: ApiRequest) => ApiReply | Promise<ApiReply>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export const API_PREFIX = '/bigquery/v2';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Routes `METHOD /projects/:projectId/...` (paths below `/bigquery/v2`) to handlers. */
export class Router {
  readonly #routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | { allowed: string[] } | undefined {
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params };
    }
    return allowed.length ? { allowed } : undefined;
  }
}

/** The request listener: faults first, then the route, errors as Google's JSON error bodies. */
export function listener(router: Router, faults: FaultInjector) {
  return (req: IncomingMessage, res: ServerResponse) => {
    serve(router, faults, req, res).catch((error: unknown) => {
      const failure =
        error instanceof ApiError
          ? error
          : new ApiError(500, 'backendError', 'Backend error in the BigQuery fake.');
      if (!(error instanceof ApiError)) console.error('BigQuery fake:', error);
      if (!res.headersSent) send(res, failure.status, errorBody(failure));
      else res.destroy();
    });
  };
}

async function serve(
  router: Router,
  faults: FaultInjector,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const fault = faults.take(method, url.pathname);
  let cutAfter: number | undefined;
  if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
  if (fault?.kind === 'status') {
    req.resume();
    const failure = new ApiError(
      fault.status,
      reasonForStatus(fault.status),
      fault.message ?? `Injected fault: HTTP ${fault.status}`,
    );
    return send(res, fault.status, errorBody(failure), undefined, fault.headers);
  }
  if (fault?.kind === 'body') {
    req.resume();
    res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json; charset=UTF-8' });
    res.end(fault.body);
    return;
  }
  if (fault?.kind === 'cut') cutAfter = fault.afterBytes;

  if (url.pathname.startsWith('/upload/'))
    throw new ApiError(
      501,
      'notImplemented',
      'Media uploads (loads from local files) are not supported by the BigQuery fake; load from gs:// URIs.',
    );
  if (!url.pathname.startsWith(`${API_PREFIX}/`))
    throw new ApiError(
      404,
      'notFound',
      `Not found: ${url.pathname} (the BigQuery API is under ${API_PREFIX})`,
    );
  const path = url.pathname.slice(API_PREFIX.length);
  const route = router.match(method, path);
  if (!route)
    throw new ApiError(
      404,
      'notFound',
      `Not found: ${method} ${url.pathname} is not part of the BigQuery fake`,
    );
  if ('allowed' in route)
    throw new ApiError(405, 'httpMethodNotAllowed', `Method ${method} is not allowed on ${url.pathname}`);
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? await readJson(req) : (req.resume(), {});
  const reply = await route.handler({ method, url, params: route.params, body, headers: req.headers });
  send(res, reply.status ?? (reply.body === undefined ? 204 : 200), reply.body, cutAfter);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  cutAfter?: number,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': bytes.length,
    ...headers,
  });
  if (cutAfter === undefined) {
    res.end(bytes);
    return;
  }
  // A connection that dies mid-body: the client has headers and part of the JSON.
  res.write(bytes.subarray(0, Math.min(cutAfter, bytes.length)), () => res.destroy());
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, 'invalid', 'Request body too large for the BigQuery fake.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'parseError', 'Parse Error');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ApiError(400, 'invalid', 'Invalid JSON payload received. Expected an object.');
  return parsed as Record<string, unknown>;
}
