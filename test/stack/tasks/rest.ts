/**
 * The REST face (`/v2/...`, proto3 JSON), as `gcloud tasks` and the Node client's `fallback`
 * mode speak it. URL shapes follow the `google.api.http` rules in cloudtasks.proto.
 */
import type { Server } from 'node:http';
import type { FaultInjector } from '../faults.js';
import { injectedError } from '../grpc-status.js';
import * as rest from '../rest-fake.js';
import type { CloudTasksApi, MethodName, TasksRequest } from './api.js';
import { fromJson, toJson } from './wire.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const LOC = 'projects/[^/]+/locations/[^/]+';
const QUEUE = `${LOC}/queues/[^/:]+`;
const TASK = `${QUEUE}/tasks/[^/:]+`;

type Route = rest.RestRoute<MethodName, TasksRequest>;

const int = (query: URLSearchParams, key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
const list = (parent: string, query: URLSearchParams): TasksRequest => ({
  parent,
  filter: query.get('filter') ?? undefined,
  pageSize: int(query, 'pageSize'),
  pageToken: query.get('pageToken') ?? undefined,
  responseView: query.get('responseView') ?? undefined,
});
const byName = (name: string, query: URLSearchParams, body: rest.JsonBody = {}): TasksRequest => ({
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

/** Creates (does not start) the REST server over the API. */
export function createRestServer(api: CloudTasksApi, faults: FaultInjector): Server {
  return rest.createRestFake(faults, 'Cloud Tasks', async (req, res, url, method, fault) => {
    if (fault?.kind === 'status') {
      rest.sendError(
        res,
        injectedError(fault.status, fault.message),
        'Cloud Tasks',
        fault.status,
        fault.headers,
      );
      return;
    }
    const { route: found, resource } = rest.findRoute(ROUTES, method, url.pathname);
    const body = method === 'GET' || method === 'DELETE' ? {} : await rest.readJson(req, MAX_BODY_BYTES);
    const response = toJson(api.call(found.rpc, found.request(resource, url.searchParams, body)));
    rest.sendAnswer(res, response, fault);
  });
}
