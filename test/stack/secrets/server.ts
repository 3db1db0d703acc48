import { FaultInjector } from '../faults.js';
import { startFaces } from '../grpc-fake.js';
import { grpcFace } from './grpc.js';
import { createRestServer } from './rest.js';
import { SecretStore } from './store.js';

export interface SecretManagerFakeOptions {
  /** gRPC port (the Node client); a free one if omitted. */
  port?: number;
  /** REST port (gcloud, the client's `fallback` mode); a free one if omitted. */
  restPort?: number;
  /** The one project the fake serves; requests for any other are PERMISSION_DENIED. */
  projectId: string;
  /**
   * Google names resources by project number in its answers (`projects/123.../secrets/S/versions/1`)
   * and accepts either in requests. Set this to get that behaviour; without it the id is echoed.
   */
  projectNumber?: string;
  /** Secret id -> value; each becomes a secret with one version (version 1). */
  secrets: Record<string, string>;
}

export interface SecretManagerFake {
  /** `127.0.0.1:PORT` of the plaintext gRPC endpoint (the Node client, `SECRET_MANAGER_API_ENDPOINT`). */
  address: string;
  /** Base URL of the REST endpoint, e.g. `CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER=${restUrl}/`. */
  restUrl: string;
  /** The same as `restUrl`: the one http URL the fake has. */
  url: string;
  /**
   * Faults for both faces. gRPC calls match `POST /google.cloud.secretmanager.v1.SecretManagerService/Method`;
   * REST calls match their own method and path (`GET /v1/projects/P/secrets/S/versions/latest:access`).
   * A status maps to the canonical code (403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
   * 500 INTERNAL, 503 UNAVAILABLE, ...); over gRPC `cut` is UNAVAILABLE and `body` INTERNAL.
   */
  faults: FaultInjector;
  /** Adds a new version holding `value` (creating the secret if needed); it becomes `latest`. */
  setSecret(name: string, value: string): void;
  /** Disables the newest version, so accessing `latest` fails FAILED_PRECONDITION. */
  disableLatest(name: string): void;
  /** Back to the seeded secrets (one version each), no armed faults. */
  reset(): Promise<void>;
  /** Stops both servers, dropping open connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Secret Manager fake: one store served over gRPC and over REST on 127.0.0.1. It
 * never logs, and its error messages never carry a secret's value.
 */
export async function startSecretManagerFake(options: SecretManagerFakeOptions): Promise<SecretManagerFake> {
  const store = new SecretStore(options.projectId, options.projectNumber);
  store.seed(options.secrets);
  const faults = new FaultInjector();

  const faces = await startFaces(options, {
    faults,
    grpc: grpcFace(store),
    rest: createRestServer(store, faults),
  });
  return {
    ...faces,
    restUrl: faces.url,
    faults,
    setSecret: (name, value) => void store.put(name, value),
    disableLatest: (name) => store.disableLatest(name),
    async reset() {
      faults.clear();
      store.seed(options.secrets);
    },
  };
}
