/**
 * What the specs of the gRPC fakes (Secret Manager, Cloud Tasks) share: a Google Node client
 * pointed at a fake's plaintext gRPC address or at its REST face in `fallback` mode, the code and
 * details a failed call rejects with, and gcloud run offline against a fake's REST face.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';

const run = promisify(execFile);

/** A Google client's options for a fake's `127.0.0.1:PORT`: plaintext, no TLS. */
export function insecureGrpc(address: string) {
  const [host, port] = address.split(':');
  return { apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure() };
}

/**
 * A Google client's options for its REST `fallback` mode against a fake's `http://127.0.0.1:PORT`,
 * with no credentials. `A` is that client's AuthClient type: google-gax bundles its own
 * google-auth-library, so the class is the same but the type is not.
 */
export function restFallback<A>(url: string) {
  return {
    fallback: true,
    protocol: 'http',
    apiEndpoint: '127.0.0.1',
    port: Number(new URL(url).port),
    authClient: new PassThroughClient() as unknown as A,
  };
}

/** The gRPC code and details a call fails with; fails the spec if the call succeeds. */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    const { code, details } = error as { code: number; details: string };
    return { code, details };
  }
  assert.fail('the call succeeded');
}

export interface GcloudConfig {
  /** The throwaway `CLOUDSDK_CONFIG` folder; a spec may put its own files there. */
  dir: string;
  /**
   * Runs gcloud with `args` and `--access-token-file` (no login, no prompts), `env` on top of
   * this process's; resolves to its stdout, rejects with its stderr on a non-zero exit.
   */
  gcloud(args: string[], env: Record<string, string>): Promise<string>;
  /** Deletes the folder. */
  remove(): void;
}

/** A fresh gcloud config folder (named after `prefix`) holding an access-token file. */
export function gcloudConfig(prefix: string): GcloudConfig {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const token = join(dir, 'token');
  writeFileSync(token, 'local-token');
  return {
    dir,
    async gcloud(args, env) {
      const { stdout } = await run('gcloud', [...args, `--access-token-file=${token}`], {
        env: { ...process.env, CLOUDSDK_CONFIG: dir, CLOUDSDK_CORE_DISABLE_PROMPTS: '1', ...env },
        timeout: 60_000,
      });
      return stdout;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
