/**
 * The REST face of the Secret Manager fake (`/v1/...`, proto3 JSON), as gcloud and the Node
 * client's `fallback` mode speak it. URL shapes follow the `google.api.http` rules in the protos.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Fault, FaultInjector } from '../faults.js';
import { permissionDenied, type MethodName, type SecretRequest, type SecretStore } from './store.js';
import { ApiError, CODES, codeForHttpStatus } from './status.js';

const MAX_BODY_BYTES = 1024 * 1024;

interface Route {
  method: string;
  pattern: RegExp;
  rpc: MethodName;
  /** Builds the request from the path's captured resource name, the query and the JSON body. */
  request(resource: string, query: URLSearchParams, body: Record<string, unknown>): SecretRequest;
}

const list = (parent: string, query: URLSearchParams): SecretRequest => ({
  parent,
  pageSize: query.has('pageSize') ? Number(query.get('pageSize')) : undefined,
  pageToken: query.get('pageToken') ?? undefined,
  filter: query.get('filter') ?? undefined,
});

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/:]+):access$/,
    rpc: 'AccessSecretVersion',
    request: (name) => ({ name }),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/:]+)$/,
    rpc: 'GetSecretVersion',
    request: (name) => ({ name }),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+)\/versions$/,
    rpc: 'ListSecretVersions',
    request: list,
  },
  {
    method: 'POST',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+):addVersion$/,
    rpc: 'AddSecretVersion',
    request: (parent, _query, body) => {
      const payload = (body.payload ?? {}) as { data?: unknown; dataCrc32c?: unknown };
      if (payload.data !== undefined && typeof payload.data !== 'string') {
        throw new ApiError('INVALID_ARGUMENT', "Invalid value at 'payload.data': expected base64 bytes.");
      }
      return {
        parent,
        payload: {
          data: Buffer.from(payload.data ?? '', 'base64'),
          dataCrc32c: payload.dataCrc32c as string | number | undefined,
        },
      };
    },
  },
  ...(['disable', 'enable', 'destroy'] as const).map((verb): Route => ({
    method: 'POST',
    pattern: new RegExp(`^/v1/(projects/[^/]+/secrets/[^/]+/versions/[^/:]+):${verb}$`),
    rpc: `${verb[0]!.toUpperCase()}${verb.slice(1)}SecretVersion` as MethodName,
    request: (name) => ({ name }),
  })),
  {
    method: 'GET',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+)$/,
    rpc: 'GetSecret',
    request: (name) => ({ name }),
  },
  {
    method: 'DELETE',
    pattern: /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+)$/,
    rpc: 'DeleteSecret',
    request: (name) => ({ name }),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/(projects\/[^/]+)\/secrets$/,
    rpc: 'ListSecrets',
    request: list,
  },
  {
    method: 'POST',
    pattern: /^\/v1\/(projects\/[^/]+)\/secrets$/,
    rpc: 'CreateSecret',
    request: (parent, query, body) => ({
      parent,
      secretId: query.get('secretId') ?? undefined,
      secret: body as SecretRequest['secret'],
    }),
  },
];

/** Proto3 JSON: timestamps as RFC 3339, bytes as base64. */
function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toJson);
  // proto3 JSON leaves out default values (the last page's nextPageToken, a false flag).
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== '' && v !== false && v !== undefined)
      .map(([k, v]) => [k, toJson(v)]),
  );
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError('INVALID_ARGUMENT', 'Request payload size exceeds the limit.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString();
  if (!text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown, headers?: Record<string, string>) {
  // Anything but an ApiError is a bug in the fake: never echo what the request carried.
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError('INTERNAL', 'Internal error in the Secret Manager fake.');
  const { http } = CODES[apiError.code];
  sendJson(res, http, { error: { code: http, message: apiError.message, status: apiError.code } }, headers);
}

/** Resource names arrive percent-encoded when a client escapes '/' or ':' defensively. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'Malformed percent-encoding in the request path.');
  }
}

/** Writes the head and the first bytes of the real answer, then drops the connection. */
function sendCut(res: ServerResponse, body: unknown, afterBytes: number) {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': text.length });
  res.write(text.subarray(0, afterBytes), () => res.destroy());
}

/** Creates (does not start) the REST server over the store. */
export function createRestServer(store: SecretStore, faults: FaultInjector): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const fault: Fault | undefined = faults.take(method, url.pathname);
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (fault?.kind === 'body') {
        res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json; charset=UTF-8' });
        res.end(fault.body);
        return;
      }
      const path = decodePath(url.pathname);
      const route = ROUTES.find((r) => r.method === method && r.pattern.test(path));
      if (!route) {
        throw new ApiError('NOT_FOUND', `The fake has no ${method} ${url.pathname}.`);
      }
      const resource = route.pattern.exec(path)![1]!;
      const request = route.request(resource, url.searchParams, method === 'GET' ? {} : await readJson(req));
      if (fault?.kind === 'status') {
        const code = codeForHttpStatus(fault.status);
        const error =
          fault.message !== undefined
            ? new ApiError(code, fault.message)
            : code === 'PERMISSION_DENIED'
              ? permissionDenied(route.rpc, request)
              : new ApiError(code);
        // The injected HTTP status is kept even where the canonical code maps to another one.
        const body = { error: { code: fault.status, message: error.message, status: error.code } };
        sendJson(res, fault.status, body, fault.headers);
        return;
      }
      const response = toJson(store.call(route.rpc, request));
      if (fault?.kind === 'cut') sendCut(res, response, fault.afterBytes);
      else sendJson(res, 200, response);
    })().catch((error: unknown) => sendError(res, error));
  });
}
