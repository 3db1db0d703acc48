import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CRC32C } from '@google-cloud/storage';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { FaultInjector, type Fault } from '../faults.js';

export interface SecretManagerFake {
  /** `127.0.0.1:PORT` of the gRPC endpoint (what the Node client uses). */
  address: string;
  /** Base URL of the REST endpoint (what gcloud uses). */
  restUrl: string;
  faults: FaultInjector;
  /** Adds a new version, which becomes `latest`. */
  setSecret(name: string, value: string): void;
  /** Disables the latest version (access fails FAILED_PRECONDITION). */
  disableLatest(name: string): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

interface Version {
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: Date;
}

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const HTTP_TO_GRPC: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  409: grpc.status.ALREADY_EXISTS,
  429: grpc.status.RESOURCE_EXHAUSTED,
  500: grpc.status.INTERNAL,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};
const GRPC_TO_HTTP: Record<number, number> = Object.fromEntries(
  Object.entries(HTTP_TO_GRPC).map(([h, g]) => [g, Number(h)]),
);
const GRPC_NAME = Object.fromEntries(
  Object.entries(grpc.status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v, k]),
);

function loadService(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url);
  const clientRoot = dirname(require.resolve('@google-cloud/secret-manager/package.json'));
  // google-gax's exports hide its package.json; its entry point is build/src/index.js.
  const gaxProtos = join(dirname(require.resolve('google-gax', { paths: [clientRoot] })), '..', 'protos');
  const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [join(clientRoot, 'build/protos'), gaxProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: {
      cloud: { secretmanager: { v1: { SecretManagerService: { service: grpc.ServiceDefinition } } } };
    };
  };
  return loaded.google.cloud.secretmanager.v1.SecretManagerService.service;
}

/** Starts the Secret Manager fake: gRPC (the Node client) and REST (gcloud) over one store. */
export async function startSecretManagerFake(options: {
  port?: number;
  restPort?: number;
  projectId: string;
  secrets: Record<string, string>;
}): Promise<SecretManagerFake> {
  const faults = new FaultInjector();
  let secrets = new Map<string, Version[]>();
  const seed = () => {
    secrets = new Map();
    for (const [name, value] of Object.entries(options.secrets)) addVersion(name, value);
  };
  function addVersion(name: string, value: string): number {
    const versions = secrets.get(name) ?? [];
    versions.push({ data: Buffer.from(value), state: 'ENABLED', createTime: new Date() });
    secrets.set(name, versions);
    return versions.length;
  }
  seed();

  function parseName(name: string): { project: string; secret: string; version?: string } {
    const m = /^projects\/([^/]+)\/secrets\/([^/]+)(?:\/versions\/([^/]+))?$/.exec(name);
    if (!m) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid resource name: ${name}`);
    return { project: m[1]!, secret: m[2]!, version: m[3] };
  }

  function access(name: string) {
    const { project, secret, version } = parseName(name);
    if (project !== options.projectId && project !== 'looker-export-local')
      throw new RpcError(grpc.status.PERMISSION_DENIED, `Permission denied on project ${project}`);
    const versions = secrets.get(secret);
    if (!versions)
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Secret [projects/${project}/secrets/${secret}] not found or has no versions.`,
      );
    let number: number;
    if (!version || version === 'latest') {
      number = versions.length; // latest is the newest version, whatever its state
    } else {
      number = Number(version);
      if (!Number.isInteger(number) || number < 1 || number > versions.length) {
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `Secret Version [projects/${project}/secrets/${secret}/versions/${version}] not found.`,
        );
      }
    }
    const found = versions[number - 1]!;
    if (found.state !== 'ENABLED') {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `Secret Version [projects/${project}/secrets/${secret}/versions/${number}] is in ${found.state} state.`,
      );
    }
    const crc = new CRC32C();
    crc.update(found.data);
    return {
      name: `projects/${project}/secrets/${secret}/versions/${number}`,
      payload: { data: found.data, dataCrc32c: String(crc.valueOf() >>> 0) },
    };
  }

  async function applyFault(method: string, path: string): Promise<void> {
    const fault: Fault | undefined = faults.take(method, path);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status')
      throw new RpcError(
        HTTP_TO_GRPC[fault.status] ?? grpc.status.UNKNOWN,
        fault.message ?? `Injected ${fault.status}`,
      );
  }

  // gRPC: what @google-cloud/secret-manager speaks.
  const grpcServer = new grpc.Server();
  const unary =
    (path: string, body: (request: Record<string, unknown>) => unknown) =>
    (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      applyFault('RPC', path)
        .then(() => callback(null, body(call.request)))
        .catch((error: unknown) =>
          callback(
            {
              code: error instanceof RpcError ? error.code : grpc.status.INTERNAL,
              details: (error as Error).message,
            } as grpc.ServiceError,
            null,
          ),
        );
    };
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not emulated' } as grpc.ServiceError, null);
  const service = loadService();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service)) handlers[method] = unimplemented;
  Object.assign(handlers, {
    AccessSecretVersion: unary('AccessSecretVersion', (request) => access(String(request.name))),
    AddSecretVersion: unary('AddSecretVersion', (request) => {
      const { secret, project } = parseName(String(request.parent));
      if (!secrets.has(secret))
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `Secret [projects/${project}/secrets/${secret}] not found.`,
        );
      const data = (request.payload as { data?: Buffer } | undefined)?.data ?? Buffer.alloc(0);
      const number = addVersion(secret, data.toString());
      return { name: `projects/${project}/secrets/${secret}/versions/${number}`, state: 'ENABLED' };
    }),
    CreateSecret: unary('CreateSecret', (request) => {
      const id = String(request.secretId);
      if (secrets.has(id))
        throw new RpcError(
          grpc.status.ALREADY_EXISTS,
          `Secret [${request.parent}/secrets/${id}] already exists.`,
        );
      secrets.set(id, []);
      return { name: `${request.parent}/secrets/${id}`, replication: { automatic: {} } };
    }),
    GetSecret: unary('GetSecret', (request) => {
      const { project, secret } = parseName(String(request.name));
      if (!secrets.has(secret))
        throw new RpcError(
          grpc.status.NOT_FOUND,
          `Secret [projects/${project}/secrets/${secret}] not found.`,
        );
      return { name: `projects/${project}/secrets/${secret}`, replication: { automatic: {} } };
    }),
  });
  grpcServer.addService(service, handlers);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(
      `127.0.0.1:${options.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (error, port) => (error ? reject(error) : resolve(port)),
    ),
  );

  // REST: what gcloud speaks (`.../v1/projects/P/secrets/S/versions/V:access`).
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    (async () => {
      await applyFault(req.method ?? 'GET', url.pathname);
      const m = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/:]+):access$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const result = access(m[1]!);
        return send(200, {
          name: result.name,
          payload: { data: result.payload.data.toString('base64'), dataCrc32c: result.payload.dataCrc32c },
        });
      }
      throw new RpcError(grpc.status.NOT_FOUND, `Not emulated: ${req.method} ${url.pathname}`);
    })().catch((error: unknown) => {
      const code = error instanceof RpcError ? error.code : grpc.status.INTERNAL;
      send(GRPC_TO_HTTP[code] ?? (code === grpc.status.FAILED_PRECONDITION ? 400 : 500), {
        error: {
          code: GRPC_TO_HTTP[code] ?? 400,
          message: (error as Error).message,
          status: GRPC_NAME[code],
        },
      });
    });
  });
  const restPort = await listenOnLoopback(http, options.restPort);

  return {
    address: `127.0.0.1:${grpcPort}`,
    restUrl: `http://127.0.0.1:${restPort}`,
    faults,
    setSecret(name, value) {
      addVersion(name, value);
    },
    disableLatest(name) {
      const versions = secrets.get(name);
      if (!versions?.length) throw new Error(`no secret ${name}`);
      versions.at(-1)!.state = 'DISABLED';
    },
    async reset() {
      faults.clear();
      seed();
    },
    async close() {
      await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      grpcServer.forceShutdown();
      await closeServer(http);
    },
  };
}
