/** What the local CLI needs to run the function's read path without Google Cloud. */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { variablesWhere } from '../config/variables.js';
import type { Staging } from '../pipeline/types.js';

/** Variables of the read path a user may set for a local run; the rest are the function's. */
export const READ_VARIABLES = variablesWhere((v) => v.localRun === true);

/**
 * The environment the config parser validates for a local run: the user's read-path variables,
 * and fixed stand-ins for what only a deployment has (bucket, dataset, secret names), so the
 * same parser checks the same rules.
 */
export function localConfigEnv(
  env: Record<string, string | undefined>,
  baseUrl: string,
  instanceName: string | undefined,
): Record<string, string | undefined> {
  const read = Object.fromEntries(READ_VARIABLES.map((name) => [name, env[name]]));
  return {
    ...read,
    GOOGLE_CLOUD_PROJECT: 'local-export',
    GCS_BUCKET: 'local-export',
    BQ_DATASET: 'local_export',
    LOOKER_BASE_URL: baseUrl,
    LOOKER_CLIENT_ID_SECRET: 'client_id',
    LOOKER_CLIENT_SECRET_SECRET: 'client_secret',
    LOOKER_INSTANCE_NAME: instanceName,
    MASKING_KEY_SECRET: 'local-masking-key',
  };
}

/** Stages every page of a local run into one JSONL file, in order. */
export class FileStaging implements Staging {
  readonly #sizes = new Map<string, number>();
  #started = false;

  constructor(private readonly path: string) {}

  openWrite(name: string): Writable {
    const file = createWriteStream(this.path, { flags: this.#started ? 'a' : 'w' });
    this.#started = true;
    let size = 0;
    const sizes = this.#sizes;
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        size += Buffer.byteLength(chunk);
        if (file.write(chunk)) done();
        else file.once('drain', () => done());
      },
      final(done) {
        file.end(() => {
          sizes.set(name, size);
          done();
        });
      },
      destroy(error, done) {
        file.destroy();
        done(error);
      },
    });
    file.on('error', (error) => sink.destroy(error));
    return sink;
  }

  describe(name: string): Promise<{ uri: string; size: number }> {
    const size = this.#sizes.get(name);
    if (size === undefined) return Promise.reject(new Error(`${name} was not written to ${this.path}`));
    return Promise.resolve({ uri: `file://${this.path}#${name}`, size });
  }
}
