import type { Writable } from 'node:stream';
import type { Storage } from '@google-cloud/storage';
import { DependencyError } from '../errors.js';
import { isNetworkError } from './network-errors.js';

/** A staged JSONL object, as GCS reports it after the upload finished. */
export interface StagedObject {
  uri: string;
  bucket: string;
  name: string;
  generation: string;
  size: number;
}

export class GcsStaging {
  constructor(
    private readonly storage: Storage,
    private readonly bucket: string,
  ) {}

  /**
   * A resumable upload of `name`. The object exists only once the stream has finished; if the
   * stream fails the upload is never finalised, so no partial object can be loaded.
   */
  openWrite(name: string, metadata: Record<string, string>): Writable {
    return this.storage.bucket(this.bucket).file(name).createWriteStream({
      resumable: true,
      validation: 'crc32c',
      contentType: 'application/x-ndjson',
      // One streamed request, no chunk buffer: memory stays flat. A failed upload is never
      // finalised, so the window fails whole and the next run repeats it.
      metadata: { metadata },
    });
  }

  /** The finished object's generation and size, to check against what was written. */
  async describe(name: string): Promise<StagedObject> {
    try {
      const [metadata] = await this.storage.bucket(this.bucket).file(name).getMetadata();
      return {
        uri: `gs://${this.bucket}/${name}`,
        bucket: this.bucket,
        name,
        generation: String(metadata.generation),
        size: Number(metadata.size),
      };
    } catch (error) {
      throw gcsError(`reading metadata of gs://${this.bucket}/${name}`, error);
    }
  }
}

export function gcsError(what: string, error: unknown): DependencyError {
  const code = Number((error as { code?: unknown }).code);
  const message = error instanceof Error ? error.message : String(error);
  // A connection that failed is transient; so is an error without an HTTP status (the upload
  // stream broke), while a 4xx answer (bad request, permission) stays terminal.
  const transient =
    isNetworkError(error) || !Number.isFinite(code) || code === 408 || code === 429 || code >= 500;
  return new DependencyError('gcs', `GCS ${what} failed: ${message}`, transient, {
    cause: error,
    status: Number.isFinite(code) ? code : undefined,
  });
}
