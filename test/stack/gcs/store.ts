import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CRC32C } from '@google-cloud/storage';

export interface StoredObject {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  md5Hash: string;
  crc32c: string;
  contentType: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  timeCreated: string;
  updated: string;
  path: string;
}

export class NotFound extends Error {
  readonly code = 'NotFound';
}

/** Incremental MD5 and CRC32C of bytes as they stream to disk. */
export class ObjectHasher {
  readonly #md5: Hash = createHash('md5');
  readonly #crc = new CRC32C();
  size = 0;
  update(chunk: Buffer): void {
    this.#md5.update(chunk);
    this.#crc.update(chunk);
    this.size += chunk.length;
  }
  digest(): { md5Hash: string; crc32c: string } {
    return { md5Hash: this.#md5.digest('base64'), crc32c: this.#crc.toString() };
  }
}

/** Buckets and objects; object bytes live in files under one temp directory, never in memory. */
export class ObjectStore {
  readonly buckets = new Map<string, { name: string; timeCreated: string }>();
  readonly #objects = new Map<string, StoredObject>();
  #generation = Date.now() * 1000;

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  static async open(dataDir?: string): Promise<ObjectStore> {
    return dataDir
      ? new ObjectStore(dataDir, false)
      : new ObjectStore(await mkdtemp(join(tmpdir(), 'gcs-fake-')), true);
  }

  newFilePath(): string {
    return join(this.dir, randomUUID());
  }

  /** Streams `source` into a new file, hashing as it goes. */
  async writeFile(
    source: AsyncIterable<Buffer> | Readable,
    path: string,
    hasher: ObjectHasher,
    flags = 'w',
  ): Promise<void> {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hasher.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(path, { flags }),
    );
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.#objects.get(`${bucket}\u0000${name}`);
  }

  /** Publishes a finished file as the next generation of `bucket/name`. */
  async commit(
    bucket: string,
    name: string,
    path: string,
    hasher: ObjectHasher,
    meta: { contentType?: string; contentEncoding?: string; metadata?: Record<string, string> },
  ): Promise<StoredObject> {
    const previous = this.get(bucket, name);
    const now = new Date().toISOString();
    const object: StoredObject = {
      bucket,
      name,
      generation: ++this.#generation,
      metageneration: 1,
      size: hasher.size,
      ...hasher.digest(),
      contentType: meta.contentType ?? 'application/octet-stream',
      contentEncoding: meta.contentEncoding,
      metadata: meta.metadata,
      timeCreated: now,
      updated: now,
      path,
    };
    this.#objects.set(`${bucket}\u0000${name}`, object);
    if (previous) await unlink(previous.path).catch(() => undefined);
    return object;
  }

  async delete(bucket: string, name: string): Promise<boolean> {
    const object = this.get(bucket, name);
    if (!object) return false;
    this.#objects.delete(`${bucket}\u0000${name}`);
    await unlink(object.path).catch(() => undefined);
    return true;
  }

  list(bucket: string): StoredObject[] {
    return [...this.#objects.values()]
      .filter((o) => o.bucket === bucket)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  read(object: StoredObject, range?: { start: number; end: number }): Readable {
    return createReadStream(object.path, range);
  }

  async clear(): Promise<void> {
    for (const object of this.#objects.values()) await unlink(object.path).catch(() => undefined);
    this.#objects.clear();
    this.buckets.clear();
  }

  async destroy(): Promise<void> {
    await this.clear();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}
