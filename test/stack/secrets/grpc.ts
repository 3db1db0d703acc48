/**
 * The gRPC face of the Secret Manager fake, built from the protos that ship with
 * `@google-cloud/secret-manager`, so the messages are exactly the ones the Node client encodes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { FaultInjector } from '../faults.js';
import { isMethodName, permissionDenied, type SecretRequest, type SecretStore } from './store.js';
import { ApiError, CODES, codeForHttpStatus } from './status.js';

const SERVICE = 'google.cloud.secretmanager.v1.SecretManagerService';

let cachedService: grpc.ServiceDefinition | undefined;

function loadService(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const require = createRequire(import.meta.url);
  const clientRoot = dirname(require.resolve('@google-cloud/secret-manager/package.json'));
  // google-gax's package.json is not exported; its main entry sits in build/src/.
  const gaxRoot = join(dirname(require.resolve('google-gax', { paths: [clientRoot] })), '..', '..');
  const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [join(clientRoot, 'build/protos'), join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const service = definition[SERVICE] as grpc.ServiceDefinition | undefined;
  if (!service) throw new Error(`${SERVICE} is missing from the shipped protos`);
  cachedService = service;
  return service;
}

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

function rpcError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ApiError) return { code: CODES[error.code].grpc, details: error.message };
  // A bug in the fake: say so without echoing anything a request carried.
  return { code: grpc.status.INTERNAL, details: 'Internal error in the Secret Manager fake.' };
}

/** Starts the gRPC server on 127.0.0.1; resolves to it and its port. */
export async function startGrpc(
  store: SecretStore,
  faults: FaultInjector,
  port = 0,
): Promise<{ server: grpc.Server; port: number }> {
  const service = loadService();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, definition] of Object.entries(service)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<SecretRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      void (async () => {
        // Faults match `POST /google.cloud.secretmanager.v1.SecretManagerService/Method`, the
        // HTTP/2 request gRPC really makes.
        const fault = faults.take('POST', definition.path);
        if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === 'status') {
          const code = codeForHttpStatus(fault.status);
          if (fault.message !== undefined) throw new ApiError(code, fault.message);
          if (code === 'PERMISSION_DENIED' && isMethodName(method))
            throw permissionDenied(method, call.request);
          throw new ApiError(code);
        }
        // A gRPC client sees a dropped connection as UNAVAILABLE and an undecodable message as INTERNAL.
        if (fault?.kind === 'cut') throw new ApiError('UNAVAILABLE', 'Connection dropped.');
        if (fault?.kind === 'body') throw new ApiError('INTERNAL', 'Failed to parse server response.');
        if (!isMethodName(method))
          throw new ApiError('UNIMPLEMENTED', `${method} is not emulated by the fake.`);
        return toWire(store.call(method, call.request));
      })().then(
        (response) => callback(null, response),
        (error: unknown) => callback(rpcError(error), null),
      );
    };
  }
  const server = new grpc.Server();
  server.addService(service, implementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  return { server, port: bound };
}
