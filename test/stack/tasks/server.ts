import { FaultInjector } from '../faults.js';
import { startFaces } from '../grpc-fake.js';
import { CloudTasksApi } from './api.js';
import { Dispatcher, type DispatchRecord, type DroppedTask } from './dispatcher.js';
import { MIN_DISPATCH_DEADLINE_MS } from './model.js';
import { OIDC_ISSUER, OidcSigner, type Jwk } from './oidc.js';
import { grpcFace } from './grpc.js';
import { createRestServer } from './rest.js';
import { TaskStore } from './store.js';

export interface CloudTasksFakeOptions {
  /** gRPC port (the Node client, `CLOUD_TASKS_API_ENDPOINT`); a free one if omitted. */
  port?: number;
  /** REST port (gcloud, the client's `fallback` mode); a free one if omitted. */
  restPort?: number;
  /**
   * How long a finished or deleted task's name stays reserved (CreateTask with it fails
   * ALREADY_EXISTS). Google: about an hour, up to several; default: the fake's lifetime.
   */
  tombstoneMs?: number;
  /** How long a deleted queue's name stays reserved (Google: 7 days); default: the fake's lifetime. */
  queueTombstoneMs?: number;
  /**
   * The lowest dispatch_deadline CreateTask accepts. Google's floor is 15 s; a spec may lower it
   * to watch a deadline cancel an attempt quickly (a documented deviation).
   */
  minDispatchDeadlineMs?: number;
}

export interface CloudTasksFake {
  /** `127.0.0.1:PORT` of the plaintext gRPC endpoint (`CLOUD_TASKS_API_ENDPOINT`). */
  address: string;
  /** Base URL of the REST endpoint: `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS=${url}/`. */
  url: string;
  /**
   * Faults for the API (not for dispatches). gRPC calls match
   * `POST /google.cloud.tasks.v2.CloudTasks/Method`; REST calls their own method and path.
   */
  faults: FaultInjector;
  /** Every dispatch attempt, in start order; `endedMs` is unset while one is in flight. */
  dispatches: readonly DispatchRecord[];
  /** Tasks deleted because their retries ran out. */
  dropped: readonly DroppedTask[];
  /** The most attempts the queue (by id) ever had in flight at once. */
  maxInFlight(queueId: string): number;
  /**
   * Resolves when no task is pending (scheduled in the future or paused included) or running in
   * any queue; rejects after `timeoutMs` (default 10 s) naming what is still busy.
   */
  idle(timeoutMs?: number): Promise<void>;
  /** The key OIDC tokens are signed with: verify a worker's `Authorization: Bearer` with it. */
  oidc: { issuer: string; kid: string; publicKeyPem: string; jwks: { keys: Jwk[] } };
  /** Forgets queues, tasks, tombstones, records and armed faults; cancels attempts in flight. */
  reset(): Promise<void>;
  /** Stops both servers and every attempt; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Cloud Tasks v2 fake: queues and HTTP tasks served over gRPC and REST on 127.0.0.1,
 * dispatched to their workers with Google's headers, OIDC tokens, rate limits and retries.
 */
export async function startCloudTasksFake(options: CloudTasksFakeOptions = {}): Promise<CloudTasksFake> {
  const lifetime = Number.POSITIVE_INFINITY;
  const store = new TaskStore(options.tombstoneMs ?? lifetime, options.queueTombstoneMs ?? lifetime);
  const signer = new OidcSigner();
  const dispatcher = new Dispatcher(store, signer);
  const api = new CloudTasksApi(store, dispatcher, {
    minDispatchDeadlineMs: options.minDispatchDeadlineMs ?? MIN_DISPATCH_DEADLINE_MS,
  });
  const faults = new FaultInjector();

  const faces = await startFaces(options, {
    faults,
    grpc: grpcFace(api),
    rest: createRestServer(api, faults),
    onClose: () => {
      dispatcher.reset();
      store.clear();
    },
  });
  return {
    ...faces,
    faults,
    dispatches: dispatcher.dispatches,
    dropped: dispatcher.dropped,
    maxInFlight: (queueId) => dispatcher.maxInFlight(queueId),
    idle: (timeoutMs = 10_000) => dispatcher.whenIdle(timeoutMs),
    oidc: { issuer: OIDC_ISSUER, kid: signer.kid, publicKeyPem: signer.publicKeyPem, jwks: signer.jwks },
    async reset() {
      faults.clear();
      store.clear();
      dispatcher.reset();
    },
  };
}
