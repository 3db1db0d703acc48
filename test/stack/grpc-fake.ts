/**
 * What the fakes with a gRPC face (Secret Manager, Cloud Tasks) share: the service loaded from
 * the protos a Google client package ships, with google-gax's common protos on the include path
 * (so the messages are exactly the ones that client encodes); unary handlers that apply armed
 * faults as a gRPC client would see them; and the start and stop of both faces on 127.0.0.1.
 * What a service answers, and how its REST face routes, stay in its own folder.
 */
import { createRequire } from 'node:module';
import type { Server as HttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { FaultInjector } from './faults.js';
import { ApiError, CODES, injectedError, type CodeName } from './grpc-status.js';
import { closeServer, listenOnLoopback } from './loopback.js';

const loaded = new Map<string, grpc.ServiceDefinition>();

/**
 * The definition of `service` (e.g. `google.cloud.tasks.v2.CloudTasks`) from `proto`, a path
 * under `clientRoot/build/protos` where `clientRoot` is the folder of the client package that
 * ships it. Loaded once per service.
 */
export function loadService(clientRoot: string, proto: string, service: string): grpc.ServiceDefinition {
  const cached = loaded.get(service);
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // google-gax's package.json is not exported; its main entry sits in build/src/.
  const gaxRoot = join(dirname(require.resolve('google-gax', { paths: [clientRoot] })), '..', '..');
  const definition = protoLoader.loadSync(proto, {
    includeDirs: [join(clientRoot, 'build/protos'), join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const found = definition[service] as grpc.ServiceDefinition | undefined;
  if (!found) throw new Error(`${service} is missing from the shipped protos`);
  loaded.set(service, found);
  return found;
}

/** How one fake answers over gRPC; `M` names the methods it emulates. */
export interface GrpcFace<M extends string> {
  service: grpc.ServiceDefinition;
  /** The fake's name in the INTERNAL error a bug of its own turns into (`Cloud Tasks`). */
  name: string;
  /** Whether the fake emulates `method`; any other answers UNIMPLEMENTED. */
  emulates(method: string): method is M;
  /** Answers one call: the decoded request in, the message to encode out; throws an ApiError. */
  call(method: M, request: unknown): unknown;
  /** The service's own wording for an injected status that has no message (see injectedError). */
  worded?(code: CodeName, method: string, request: unknown): ApiError | undefined;
}

function rpcError(error: unknown, name: string): Partial<grpc.StatusObject> {
  if (error instanceof ApiError) return { code: CODES[error.code].grpc, details: error.message };
  // A bug in the fake: say so without echoing anything a request carried.
  return { code: grpc.status.INTERNAL, details: `Internal error in the ${name} fake.` };
}

/** Starts the plaintext gRPC server on 127.0.0.1 (a free port unless one is given). */
export async function startGrpc<M extends string>(
  face: GrpcFace<M>,
  faults: FaultInjector,
  port = 0,
): Promise<{ server: grpc.Server; port: number }> {
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, definition] of Object.entries(face.service)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      void (async () => {
        // Faults match `POST /package.Service/Method`, the HTTP/2 request gRPC really makes.
        const fault = faults.take('POST', definition.path);
        if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === 'status') {
          throw injectedError(fault.status, fault.message, (code) =>
            face.worded?.(code, method, call.request),
          );
        }
        // A gRPC client sees a dropped connection as UNAVAILABLE and an undecodable message as INTERNAL.
        if (fault?.kind === 'cut') throw new ApiError('UNAVAILABLE', 'Connection dropped.');
        if (fault?.kind === 'body') throw new ApiError('INTERNAL', 'Failed to parse server response.');
        if (!face.emulates(method))
          throw new ApiError('UNIMPLEMENTED', `${method} is not emulated by the fake.`);
        return face.call(method, call.request);
      })().then(
        (response) => callback(null, response),
        (error: unknown) => callback(rpcError(error, face.name), null),
      );
    };
  }
  const server = new grpc.Server();
  server.addService(face.service, implementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    ),
  );
  return { server, port: bound };
}

export interface Faces {
  /** `127.0.0.1:PORT` of the plaintext gRPC endpoint. */
  address: string;
  /** Base URL of the REST endpoint (`http://127.0.0.1:PORT`). */
  url: string;
  /** Runs `onClose`, then stops both servers, dropping open connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fake's gRPC face (on `ports.port`), then listens with its REST server (on
 * `ports.restPort`), both on 127.0.0.1 and a free port where none is given; both faces take
 * their faults from `faults`. If either fails to start, what did start is stopped before the
 * error is thrown.
 */
export async function startFaces<M extends string>(
  ports: { port?: number; restPort?: number },
  options: { faults: FaultInjector; grpc: GrpcFace<M>; rest: HttpServer; onClose?: () => void },
): Promise<Faces> {
  let grpcServer: grpc.Server | undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      options.onClose?.();
      // Clients keep their channels open; a graceful shutdown would wait for them.
      grpcServer?.forceShutdown();
      await closeServer(options.rest);
    })());

  try {
    const started = await startGrpc(options.grpc, options.faults, ports.port);
    grpcServer = started.server;
    const restPort = await listenOnLoopback(options.rest, ports.restPort);
    return { address: `127.0.0.1:${started.port}`, url: `http://127.0.0.1:${restPort}`, close };
  } catch (error) {
    await close();
    throw error;
  }
}
