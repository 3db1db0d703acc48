/**
 * The gRPC face of the Secret Manager fake, built from the protos that ship with
 * `@google-cloud/secret-manager`, so the messages are exactly the ones the Node client encodes.
 * Faults match `POST /google.cloud.secretmanager.v1.SecretManagerService/Method`.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadService, type GrpcFace } from '../grpc-fake.js';
import {
  isMethodName,
  permissionDenied,
  type MethodName,
  type SecretRequest,
  type SecretStore,
} from './store.js';

/** Proto timestamps are {seconds, nanos}; the store speaks Date. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) {
    const ms = value.getTime();
    return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
  }
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toWire);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
}

/** `SecretManagerService` over the store. */
export function grpcFace(store: SecretStore): GrpcFace<MethodName> {
  const require = createRequire(import.meta.url);
  const clientRoot = dirname(require.resolve('@google-cloud/secret-manager/package.json'));
  return {
    service: loadService(
      clientRoot,
      'google/cloud/secretmanager/v1/service.proto',
      'google.cloud.secretmanager.v1.SecretManagerService',
    ),
    name: 'Secret Manager',
    emulates: isMethodName,
    call: (method, request) => toWire(store.call(method, request as SecretRequest)),
    // An injected 403 reads as Google words it: the permission and the resource it was for.
    worded: (code, method, request) =>
      code === 'PERMISSION_DENIED' && isMethodName(method)
        ? permissionDenied(method, request as SecretRequest)
        : undefined,
  };
}
