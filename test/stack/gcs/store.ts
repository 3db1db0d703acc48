import { createHash, randomUUID, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Crc32c } from './crc32c.js';
import { conditionNotMet, GcsError, noSuchBucket, noSuchObject } from './errors.js';

/** Object metadata a client may set at upload time or with PATCH. */
export interface ObjectMetadata {
  contentType?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
}

export interface StoredObject extends ObjectMetadata {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
  /** The file holding this generation's bytes. */
  path: string;
}

export interface BucketRecord {
  name: string;
  timeCreated: string;
}

/** Generation and metageneration preconditions, as the JSON API's query parameters carry them. */
export interface Conditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
  ifMetagenerationMatch?: number;
  ifMetagenerationNotMatch?: number;
}

export function conditionsFrom(query: URLSearchParams): Conditions {
  const read = (key: string) => {
    const value = query.get(key);
    return value === null || value === '' ? undefined : Number(value);
  };
  return {
    ifGenerationMatch: read('ifGenerationMatch'),
    ifGenerationNotMatch: read('ifGenerationNotMatch'),
    ifMetagenerationMatch: read('ifMetagenerationMatch'),
    ifMetagenerationNotMatch: read('ifMetagenerationNotMatch'),
  };
}

/** Throws 412 `conditionNotMet` unless every given condition holds for `object` (absent = generation 0). */
export function checkConditions(object: StoredObject | undefined, conditions: Conditions): void {
  const generation = object?.generation ?? 0;
  const { ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch, ifMetagenerationNotMatch } =
    conditions;
  if (ifGenerationMatch !== undefined && generation !== ifGenerationMatch) throw conditionNotMet();
  if (ifGenerationNotMatch !== undefined && generation === ifGenerationNotMatch) throw conditionNotMet();
  if (ifMetagenerationMatch !== undefined && object?.metageneration !== ifMetagenerationMatch)
    throw conditionNotMet();
  if (
    ifMetagenerationNotMatch !== undefined &&
    (!object || object.metageneration === ifMetagenerationNotMatch)
  )
    throw conditionNotMet();
}

/**
 * Bytes on their way to becoming an object: appended to one file in one or more requests, with
 * MD5 and CRC32C updated chunk by chunk, so nothing is ever held whole in memory.
 */
export class StagedFile {
  readonly #md5: Hash = createHash('md5');
  readonly #crc = new Crc32c();
  #size = 0;
  #digest?: { md5Hash: string; crc32c: string };

  constructor(readonly path: string) {}

  /** Bytes persisted so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends everything `source` yields. If `source` fails (a client gone mid-request) the bytes
   * received before the failure are still written and counted, as Cloud Storage keeps what it
   * got of a resumable chunk, and the failure is rethrown.
   */
  async append(source: AsyncIterable<Buffer>): Promise<void> {
    const out = createWriteStream(this.path, { flags: 'a' });
    let failure: unknown;
    try {
      for await (const chunk of source) {
        if (this.#digest) throw new Error('bytes appended to a finished object');
        this.#md5.update(chunk);
        this.#crc.update(chunk);
        this.#size += chunk.length;
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } catch (error) {
      failure = error;
    }
    out.end();
    await finished(out);
    if (failure !== undefined) throw failure;
  }

  /** Final hashes (base64, as in the object resource); nothing may be appended afterwards. */
  digest(): { md5Hash: string; crc32c: string } {
    this.#digest ??= { md5Hash: this.#md5.digest('base64'), crc32c: this.#crc.toBase64() };
    return this.#digest;
  }

  async discard(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

/**
 * Buckets and the latest generation of each object. Object bytes live in files under one
 * directory; this class owns their lifetime (a replaced or deleted generation's file is removed).
 */
export class ObjectStore {
  readonly #buckets = new Map<string, BucketRecord>();
  readonly #objects = new Map<string, Map<string, StoredObject>>();
  #lastGeneration = 0;

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  /** A store in `dataDir`, or in a fresh temporary directory that `destroy()` removes. */
  static async open(dataDir?: string): Promise<ObjectStore> {
    if (!dataDir) return new ObjectStore(await mkdtemp(join(tmpdir(), 'gcs-fake-')), true);
    await mkdir(dataDir, { recursive: true });
    return new ObjectStore(dataDir, false);
  }

  stage(): StagedFile {
    return new StagedFile(join(this.dir, `${randomUUID()}.part`));
  }

  /** Creates a bucket; 409 `conflict` if it exists. */
  insertBucket(name: string): BucketRecord {
    if (this.#buckets.has(name))
      throw new GcsError(
        409,
        'conflict',
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    const bucket = { name, timeCreated: new Date().toISOString() };
    this.#buckets.set(name, bucket);
    this.#objects.set(name, new Map());
    return bucket;
  }

  hasBucket(name: string): boolean {
    return this.#buckets.has(name);
  }

  /** The bucket, or 404 `notFound`. */
  bucket(name: string): BucketRecord {
    const bucket = this.#buckets.get(name);
    if (!bucket) throw noSuchBucket();
    return bucket;
  }

  buckets(): BucketRecord[] {
    return [...this.#buckets.values()].sort((a, b) => compare(a.name, b.name));
  }

  /** Deletes an empty bucket; 409 `conflict` if it still holds objects. */
  deleteBucket(name: string): void {
    this.bucket(name);
    if (this.#objects.get(name)!.size > 0)
      throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
    this.#buckets.delete(name);
    this.#objects.delete(name);
  }

  /** The latest generation, or undefined; 404 if the bucket does not exist. */
  find(bucket: string, name: string): StoredObject | undefined {
    this.bucket(bucket);
    return this.#objects.get(bucket)!.get(name);
  }

  /** The latest generation, or 404 `notFound`. */
  get(bucket: string, name: string): StoredObject {
    const object = this.find(bucket, name);
    if (!object) throw noSuchObject(bucket, name);
    return object;
  }

  /**
   * Publishes a complete staged file as the next generation of `bucket/name`, if `conditions`
   * hold at this moment (the staged file is discarded when they do not).
   */
  async commit(
    bucket: string,
    name: string,
    staged: StagedFile,
    metadata: ObjectMetadata,
    conditions: Conditions,
  ): Promise<StoredObject> {
    let previous: StoredObject | undefined;
    try {
      previous = this.find(bucket, name);
      checkConditions(previous, conditions);
    } catch (error) {
      await staged.discard();
      throw error;
    }
    const now = new Date().toISOString();
    const object: StoredObject = {
      bucket,
      name,
      generation: this.#nextGeneration(),
      metageneration: 1,
      size: staged.size,
      ...staged.digest(),
      contentType: metadata.contentType || 'application/octet-stream',
      ...(metadata.contentEncoding ? { contentEncoding: metadata.contentEncoding } : {}),
      ...(metadata.metadata ? { metadata: { ...metadata.metadata } } : {}),
      timeCreated: now,
      updated: now,
      path: staged.path,
    };
    this.#objects.get(bucket)!.set(name, object);
    // Readers that already opened the old file keep reading it: unlinking does not cut them off.
    if (previous) await unlink(previous.path).catch(() => undefined);
    return object;
  }

  /** Updates metadata in place (a new metageneration, same generation); `null` custom values remove keys. */
  patch(
    bucket: string,
    name: string,
    changes: {
      contentType?: string;
      contentEncoding?: string;
      metadata?: Record<string, string | null> | null;
    },
    conditions: Conditions,
  ): StoredObject {
    const object = this.get(bucket, name);
    checkConditions(object, conditions);
    if (changes.contentType !== undefined) object.contentType = changes.contentType;
    if (changes.contentEncoding !== undefined) object.contentEncoding = changes.contentEncoding;
    if (changes.metadata === null) delete object.metadata;
    else if (changes.metadata) {
      const merged: Record<string, string> = { ...object.metadata };
      for (const [key, value] of Object.entries(changes.metadata)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      object.metadata = merged;
    }
    object.metageneration += 1;
    object.updated = new Date().toISOString();
    return object;
  }

  /** Deletes the latest generation; 404 if absent, 412 if `conditions` fail. */
  async delete(bucket: string, name: string, conditions: Conditions): Promise<void> {
    const object = this.get(bucket, name);
    checkConditions(object, conditions);
    this.#objects.get(bucket)!.delete(name);
    await unlink(object.path).catch(() => undefined);
  }

  /** Objects of a bucket whose names start with `prefix`, in name order. */
  list(bucket: string, prefix = ''): StoredObject[] {
    this.bucket(bucket);
    return [...this.#objects.get(bucket)!.values()]
      .filter((object) => object.name.startsWith(prefix))
      .sort((a, b) => compare(a.name, b.name));
  }

  /**
   * The bytes of this generation, or the inclusive byte range `start..end` of them. The file is
   * open before this resolves, so a later replace or delete does not cut the reader off; a
   * generation replaced before that is 404.
   */
  async read(object: StoredObject, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const file = await open(object.path, 'r');
      return file.createReadStream(range);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchObject(object.bucket, object.name);
      throw error;
    }
  }

  /** Forgets every object (and their files); buckets stay unless `buckets` is true. */
  async clear({ buckets = false } = {}): Promise<void> {
    for (const objects of this.#objects.values()) {
      for (const object of objects.values()) await unlink(object.path).catch(() => undefined);
      objects.clear();
    }
    if (buckets) {
      this.#buckets.clear();
      this.#objects.clear();
    }
  }

  /** Removes every file; the temporary directory too when the store created it. */
  async destroy(): Promise<void> {
    await this.clear({ buckets: true });
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  #nextGeneration(): number {
    // Cloud Storage generations are microsecond timestamps; strictly increasing here.
    this.#lastGeneration = Math.max(this.#lastGeneration + 1, Date.now() * 1000);
    return this.#lastGeneration;
  }
}

/** Cloud Storage orders names by their UTF-8 bytes, which differs from UTF-16 order past the BMP. */
export function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
