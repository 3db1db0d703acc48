/**
 * What the REST faces of the fakes with a gRPC twin (Secret Manager, Cloud Tasks) share: the
 * request loop that applies `delay` and `body` faults, route matching on the decoded path,
 * proto3-JSON request bodies, and Google's JSON error body `{error: {code, message, status}}`.
 * Each fake keeps its own routes, its wire mapping and where its `status` and `cut` faults apply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Fault, FaultInjector } from './faults.js';
import { ApiError, CODES } from './grpc-status.js';

export type JsonBody = Record<string, unknown>;

/** The JSON object a request carries (`{}` when it has none); INVALID_ARGUMENT past `maxBytes`. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ApiError('INVALID_ARGUMENT', 'Request payload size exceeds the limit.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString();
  if (!text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonBody;
  } catch {
    // reported below
  }
  throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Google's error body for `error`, under its code's HTTP status unless `httpStatus` is given (an
 * injected status is kept even where the canonical code maps to another one). Anything but an
 * ApiError is a bug in the fake named `name`: never echo what the request carried.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  name: string,
  httpStatus?: number,
  headers?: Record<string, string>,
): void {
  const apiError =
    error instanceof ApiError ? error : new ApiError('INTERNAL', `Internal error in the ${name} fake.`);
  const http = httpStatus ?? CODES[apiError.code].http;
  sendJson(res, http, { error: { code: http, message: apiError.message, status: apiError.code } }, headers);
}

/** Writes the head and the first bytes of the real answer, then drops the connection. */
export function sendCut(res: ServerResponse, body: unknown, afterBytes: number): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': text.length });
  res.write(text.subarray(0, afterBytes), () => res.destroy());
}

/** 200 with `body`, or its first bytes and a dropped connection where a `cut` fault is armed. */
export function sendAnswer(res: ServerResponse, body: unknown, fault: Fault | undefined): void {
  if (fault?.kind === 'cut') sendCut(res, body, fault.afterBytes);
  else sendJson(res, 200, body);
}

/** A REST route onto the RPC `rpc`, whose request is `Req`. */
export interface RestRoute<M extends string = string, Req = unknown> {
  method: string;
  /** Matches the decoded path; its one captured group is the resource name the RPC is about. */
  pattern: RegExp;
  rpc: M;
  /** Builds the request from the path's resource name, the query and the JSON body. */
  request(resource: string, query: URLSearchParams, body: JsonBody): Req;
}

/** The first route for `method` and the path, with its resource; NOT_FOUND when none matches. */
export function findRoute<R extends RestRoute>(
  routes: readonly R[],
  method: string,
  pathname: string,
): { route: R; resource: string } {
  // Resource names arrive percent-encoded when a client escapes '/' or ':' defensively.
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'Malformed percent-encoding in the request path.');
  }
  const route = routes.find((r) => r.method === method && r.pattern.test(path));
  if (!route) throw new ApiError('NOT_FOUND', `The fake has no ${method} ${pathname}.`);
  return { route, resource: route.pattern.exec(path)![1]! };
}

/** Answers one request after the shared faults; `fault` is the armed one, if any (status or cut). */
export type RestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
  fault: Fault | undefined,
) => Promise<void>;

/**
 * Creates (does not start) a REST server for the fake named `name`: each request takes its fault
 * by method and path, waits out a `delay`, answers a `body` fault as it is, and otherwise goes to
 * `handle`; whatever `handle` throws becomes Google's error body.
 */
export function createRestFake(faults: FaultInjector, name: string, handle: RestHandler): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const fault = faults.take(method, url.pathname);
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (fault?.kind === 'body') {
        res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json; charset=UTF-8' });
        res.end(fault.body);
        return;
      }
      await handle(req, res, url, method, fault);
    })().catch((error: unknown) => sendError(res, error, name));
  });
}
