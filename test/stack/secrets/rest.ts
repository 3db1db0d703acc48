/**
 * The REST face of the Secret Manager fake (`/v1/...`, proto3 JSON), as gcloud and the Node
 * client's `fallback` mode speak it. URL shapes follow the `google.api.http` rules in the protos.
 */
import type { Server } from 'node:http';
import type { FaultInjector } from '../faults.js';
import { ApiError, injectedError } from '../grpc-status.js';
import * as rest from '../rest-fake.js';
import { permissionDenied, type MethodName, type SecretRequest, type SecretStore } from './store.js';

const MAX_BODY_BYTES = 1024 * 1024;

type Route = rest.RestRoute<MethodName, SecretRequest>;

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

/** Creates (does not start) the REST server over the store. */
export function createRestServer(store: SecretStore, faults: FaultInjector): Server {
  return rest.createRestFake(faults, 'Secret Manager', async (req, res, url, method, fault) => {
    const { route, resource } = rest.findRoute(ROUTES, method, url.pathname);
    const body = method === 'GET' ? {} : await rest.readJson(req, MAX_BODY_BYTES);
    const request = route.request(resource, url.searchParams, body);
    // An injected status applies once the request is known, so a 403 can name its resource.
    if (fault?.kind === 'status') {
      const error = injectedError(fault.status, fault.message, (code) =>
        code === 'PERMISSION_DENIED' ? permissionDenied(route.rpc, request) : undefined,
      );
      rest.sendError(res, error, 'Secret Manager', fault.status, fault.headers);
      return;
    }
    const response = toJson(store.call(route.rpc, request));
    rest.sendAnswer(res, response, fault);
  });
}
