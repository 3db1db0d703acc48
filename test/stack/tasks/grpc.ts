/**
 * The gRPC face: `google.cloud.tasks.v2.CloudTasks` built from the protos that ship with
 * `@google-cloud/tasks` (google-gax's protos on the include path), so the messages are exactly
 * the ones the Node client encodes. Methods the fake does not emulate answer UNIMPLEMENTED.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { FaultInjector } from '../faults.js';
import { ApiError, CODES, codeForHttpStatus } from '../secrets/status.js';
import { isMethodName, type CloudTasksApi, type TasksRequest } from './api.js';
import { fromGrpc, toGrpc } from './wire.js';

const SERVICE = 'google.cloud.tasks.v2.CloudTasks';

let cachedService: grpc.ServiceDefinition | undefined;

function loadService(): grpc.ServiceDefinition {
  if (cachedService) return cachedService;
  const require = createRequire(import.meta.url);
  // This package exports no package.json; its CommonJS entry sits in build/cjs/src/.
  const clientRoot = join(dirname(require.resolve('@google-cloud/tasks')), '..', '..', '..');
  // google-gax's package.json is not exported; its main entry sits in build/src/.
  const gaxRoot = join(dirname(require.resolve('google-gax', { paths: [clientRoot] })), '..', '..');
  const definition = protoLoader.loadSync('google/cloud/tasks/v2/cloudtasks.proto', {
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

function rpcError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ApiError) return { code: CODES[error.code].grpc, details: error.message };
  // A bug in the fake: say so without echoing what the request carried.
  return { code: grpc.status.INTERNAL, details: 'Internal error in the Cloud Tasks fake.' };
}

/** Starts the gRPC server on 127.0.0.1; resolves to it and its port. */
export async function startGrpc(
  api: CloudTasksApi,
  faults: FaultInjector,
  port = 0,
): Promise<{ server: grpc.Server; port: number }> {
  const service = loadService();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, definition] of Object.entries(service)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      void (async () => {
        // Faults match `POST /google.cloud.tasks.v2.CloudTasks/Method`, the HTTP/2 request gRPC makes.
        const fault = faults.take('POST', definition.path);
        if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === 'status') throw new ApiError(codeForHttpStatus(fault.status), fault.message);
        // A gRPC client sees a dropped connection as UNAVAILABLE and an undecodable message as INTERNAL.
        if (fault?.kind === 'cut') throw new ApiError('UNAVAILABLE', 'Connection dropped.');
        if (fault?.kind === 'body') throw new ApiError('INTERNAL', 'Failed to parse server response.');
        if (!isMethodName(method))
          throw new ApiError('UNIMPLEMENTED', `${method} is not emulated by the fake.`);
        return toGrpc(api.call(method, fromGrpc<TasksRequest>(call.request)));
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
