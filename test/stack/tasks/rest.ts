/**
 * The REST face (`/v2/...`, proto3 JSON), as `gcloud tasks` and the Node client's `fallback`
 * mode speak it. URL shapes follow the `google.api.http` rules in cloudtasks.proto.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults.js';
import { ApiError, CODES, codeForHttpStatus } from '../secrets/status.js';
import type { CloudTasksApi, MethodName, TasksRequest } from './api.js';
import { fromJson, toJson } from './wire.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const LOC = 'projects/[^/]+/locations/[^/]+';
const QUEUE = `${LOC}/queues/[^/:]+`;
const TASK = `${QUEUE}/tasks/[^/:]+`;

type Body = Record<string, unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  rpc: MethodName;
  request(resource: string, query: URLSearchParams, body: Body): TasksRequest;
}

const int = (query: URLSearchParams, key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
const list = (parent: string, query: URLSearchParams): TasksRequest => ({
  parent,
  filter: query.get('filter') ?? undefined,
  pageSize: int(query, 'pageSize'),
  pageToken: query.get('pageToken') ?? undefined,
  responseView: query.get('responseView') ?? undefined,
});
const byName = (name: string, query: URLSearchParams, body: Body = {}): TasksRequest => ({
  ...fromJson<TasksRequest>(body),
  name,
  responseView: (body.responseView as string | undefined) ?? query.get('responseView') ?? undefined,
});
/** `resource` is the path's one captured group: the resource name the RPC is about. */
const route = (
  method: string,
  resource: string,
  suffix: string,
  rpc: MethodName,
  request: Route['request'],
): Route => ({
  method,
  pattern: new RegExp(`^/v2/(${resource})${suffix}$`),
  rpc,
  request,
});

const ROUTES: Route[] = [
  route('GET', LOC, '/queues', 'ListQueues', list),
  route('POST', LOC, '/queues', 'CreateQueue', (parent, _q, body) => ({ parent, queue: fromJson(body) })),
  route('GET', QUEUE, '', 'GetQueue', (name) => ({ name })),
  route('PATCH', QUEUE, '', 'UpdateQueue', (name, query, body) => ({
    queue: { ...fromJson<object>(body), name },
    updateMask: { paths: (query.get('updateMask') ?? '').split(',').filter(Boolean) },
  })),
  route('DELETE', QUEUE, '', 'DeleteQueue', (name) => ({ name })),
  route('POST', QUEUE, ':purge', 'PurgeQueue', (name) => ({ name })),
  route('POST', QUEUE, ':pause', 'PauseQueue', (name) => ({ name })),
  route('POST', QUEUE, ':resume', 'ResumeQueue', (name) => ({ name })),
  route('GET', QUEUE, '/tasks', 'ListTasks', list),
  route('POST', QUEUE, '/tasks', 'CreateTask', (parent, _q, body) => ({
    ...fromJson<TasksRequest>(body),
    parent,
  })),
  route('GET', TASK, '', 'GetTask', byName),
  route('DELETE', TASK, '', 'DeleteTask', (name) => ({ name })),
  route('POST', TASK, ':run', 'RunTask', byName),
];

async function readJson(req: IncomingMessage): Promise<Body> {
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
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Body;
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

function sendError(
  res: ServerResponse,
  error: unknown,
  httpStatus?: number,
  headers?: Record<string, string>,
) {
  // Anything but an ApiError is a bug in the fake: never echo what the request carried.
  const apiError =
    error instanceof ApiError ? error : new ApiError('INTERNAL', 'Internal error in the Cloud Tasks fake.');
  const http = httpStatus ?? CODES[apiError.code].http;
  sendJson(res, http, { error: { code: http, message: apiError.message, status: apiError.code } }, headers);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new ApiError('INVALID_ARGUMENT', 'Malformed percent-encoding in the request path.');
  }
}

/** Creates (does not start) the REST server over the API. */
export function createRestServer(api: CloudTasksApi, faults: FaultInjector): Server {
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
      if (fault?.kind === 'status') {
        // The injected HTTP status is kept even where the canonical code maps to another one.
        const code = codeForHttpStatus(fault.status);
        sendError(res, new ApiError(code, fault.message), fault.status, fault.headers);
        return;
      }
      const path = decodePath(url.pathname);
      const found = ROUTES.find((r) => r.method === method && r.pattern.test(path));
      if (!found) throw new ApiError('NOT_FOUND', `The fake has no ${method} ${url.pathname}.`);
      const resource = found.pattern.exec(path)![1]!;
      const body = method === 'GET' || method === 'DELETE' ? {} : await readJson(req);
      const response = toJson(api.call(found.rpc, found.request(resource, url.searchParams, body)));
      if (fault?.kind === 'cut') {
        const text = Buffer.from(JSON.stringify(response));
        res.writeHead(200, {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': text.length,
        });
        res.write(text.subarray(0, fault.afterBytes), () => res.destroy());
        return;
      }
      sendJson(res, 200, response);
    })().catch((error: unknown) => sendError(res, error));
  });
}
