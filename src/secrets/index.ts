import { credentials } from '@grpc/grpc-js';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { CRC32C } from '@google-cloud/storage';
import { DependencyError } from '../errors.js';

/** Reads one secret's current value. */
export interface SecretSource {
  read(secret: string): Promise<string>;
}

export interface SecretManagerOptions {
  projectId: string;
  /** `host:port` of a plaintext gRPC endpoint (the local stack); the real service otherwise. */
  apiEndpoint?: string;
}

/** gRPC status codes worth retrying (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL). */
const TRANSIENT_GRPC_CODES = new Set([4, 8, 10, 13, 14]);

/**
 * Secret Manager access by secret name (`NAME` or `projects/P/secrets/NAME[/versions/V]`),
 * `latest` version unless one is named. Payload integrity is verified with its CRC32C, which the
 * client library leaves to the caller. Errors name the secret, never its value.
 */
export class SecretManagerSource implements SecretSource {
  readonly #client: SecretManagerServiceClient;
  readonly #projectId: string;

  constructor(options: SecretManagerOptions) {
    this.#projectId = options.projectId;
    this.#client = options.apiEndpoint ? localClient(options.apiEndpoint) : new SecretManagerServiceClient();
  }

  async read(secret: string): Promise<string> {
    const name = versionName(secret, this.#projectId);
    let response;
    try {
      [response] = await this.#client.accessSecretVersion({ name });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const details = (error as { details?: unknown }).details;
      throw new DependencyError(
        'secret-manager',
        `Cannot read secret ${name}: ${typeof details === 'string' && details ? details : 'access failed'} (gRPC code ${String(code)})`,
        typeof code === 'number' && TRANSIENT_GRPC_CODES.has(code),
        { cause: code },
      );
    }
    const data = response.payload?.data;
    if (!data || data.length === 0) {
      throw new DependencyError('secret-manager', `Secret ${name} has an empty payload`, false);
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const expected = response.payload?.dataCrc32c;
    if (expected !== undefined && expected !== null) {
      const crc = new CRC32C();
      crc.update(bytes);
      if (String(crc.valueOf() >>> 0) !== String(expected.valueOf?.() ?? expected)) {
        throw new DependencyError('secret-manager', `Secret ${name} failed its CRC32C check`, true);
      }
    }
    return bytes.toString('utf8').trim();
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Full version resource name for a short or full secret name. */
export function versionName(secret: string, projectId: string): string {
  const full = secret.startsWith('projects/') ? secret : `projects/${projectId}/secrets/${secret}`;
  return full.includes('/versions/') ? full : `${full}/versions/latest`;
}

function localClient(endpoint: string): SecretManagerServiceClient {
  const separator = endpoint.lastIndexOf(':');
  return new SecretManagerServiceClient({
    apiEndpoint: endpoint.slice(0, separator),
    port: Number(endpoint.slice(separator + 1)),
    // The local stack speaks plaintext gRPC; grpc-js is the transport the client already uses.
    sslCreds: credentials.createInsecure(),
  });
}
