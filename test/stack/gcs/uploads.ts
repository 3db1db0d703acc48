import { randomUUID } from 'node:crypto';
import { GcsError, invalid, required } from './errors.js';
import {
  checkConditions,
  type Conditions,
  type ObjectMetadata,
  type ObjectStore,
  type StagedFile,
  type StoredObject,
} from './store.js';

/** Where an upload goes and what it must satisfy when it completes. */
export interface UploadTarget {
  bucket: string;
  name: string;
  metadata: ObjectMetadata;
  conditions: Conditions;
}

/** Hashes a client declared (metadata `md5Hash`/`crc32c`, or the `X-Goog-Hash` header). */
export interface DeclaredHashes {
  md5Hash?: string;
  crc32c?: string;
}

/** The outcome of one request on a resumable session. */
export type ResumableStep =
  | { done: true; object: StoredObject }
  /** Not finished yet: answer 308 with `Range: bytes=0-(persisted-1)` (no Range when 0). */
  | { done: false; persisted: number };

interface Session {
  target: UploadTarget;
  staged: StagedFile;
  /** Set once finalised: later requests on the session get the object again, as in the cloud. */
  object?: StoredObject;
  /** Requests on one session run one after the other (a retry may arrive before the cut one is cleaned up). */
  tail: Promise<unknown>;
}

/**
 * Resumable upload sessions: `open` (the initiating POST), then `put` for each chunk, status
 * query or final request, or `cancel`. Bytes go straight to the session's staged file.
 */
export class ResumableUploads {
  readonly #sessions = new Map<string, Session>();

  constructor(private readonly store: ObjectStore) {}

  /** Starts a session; preconditions are checked now and again when the upload completes. */
  open(target: UploadTarget): string {
    checkConditions(this.store.find(target.bucket, target.name), target.conditions);
    const id = randomUUID();
    this.#sessions.set(id, { target, staged: this.store.stage(), tail: Promise.resolve() });
    return id;
  }

  /**
   * Applies one PUT: `contentRange` as sent (`bytes A-B/T`, `bytes A-*\/*`, `bytes *\/T`; absent
   * means the whole object in this request). Bytes the session already holds are skipped, so a
   * client may resend a chunk. The body's failure (client gone) keeps what arrived and rethrows.
   */
  put(
    id: string,
    contentRange: string | undefined,
    body: AsyncIterable<Buffer>,
    declared: DeclaredHashes = {},
  ): Promise<ResumableStep> {
    const session = this.#sessions.get(id);
    if (!session) return Promise.reject(new GcsError(404, 'notFound', 'No such upload session.'));
    const step = session.tail.then(() => this.#put(session, id, contentRange, body, declared));
    session.tail = step.catch(() => undefined);
    return step;
  }

  async #put(
    session: Session,
    id: string,
    contentRange: string | undefined,
    body: AsyncIterable<Buffer>,
    declared: DeclaredHashes,
  ): Promise<ResumableStep> {
    if (!this.#sessions.has(id)) throw new GcsError(404, 'notFound', 'No such upload session.');
    const range = parseContentRange(contentRange);
    if (session.object) {
      await drain(body);
      return { done: true, object: session.object };
    }
    const { staged } = session;
    if (range.first === undefined) await drain(body);
    else {
      if (range.first > staged.size)
        throw invalid(`Upload resumed at byte ${range.first} but only ${staged.size} bytes were received.`);
      await staged.append(skip(body, staged.size - range.first));
    }
    if (range.total !== undefined && staged.size > range.total)
      throw invalid(`Received ${staged.size} bytes, more than the declared total of ${range.total}.`);
    const complete = range.total !== undefined ? staged.size === range.total : range.toEnd;
    if (!complete) return { done: false, persisted: staged.size };

    const { bucket, name, metadata, conditions } = session.target;
    try {
      await verifyHashes(staged, declared);
      // Kept on the session so a client whose final response was lost can ask again.
      session.object = await this.store.commit(bucket, name, staged, metadata, conditions);
    } catch (error) {
      this.#sessions.delete(id); // the staged bytes are gone: the session cannot be resumed
      throw error;
    }
    return { done: true, object: session.object };
  }

  /** Cancels a session (its bytes are dropped); false if it did not exist. */
  async cancel(id: string): Promise<boolean> {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    await session.tail;
    if (!session.object) await session.staged.discard();
    return true;
  }

  /** Drops every open session and its bytes. */
  async clear(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((id) => this.cancel(id)));
  }
}

interface ContentRange {
  /** First byte of this request's body; undefined for a status query. */
  first?: number;
  /** The object's total size, when the client declares it. */
  total?: number;
  /** The request's body runs to the end of the object (`A-*`, or no header at all). */
  toEnd: boolean;
}

function parseContentRange(header: string | undefined): ContentRange {
  if (header === undefined) return { first: 0, toEnd: true };
  // `bytes 0--1/0` is how the Node client finishes an empty chunked upload.
  const m = /^bytes (?:\*|(\d+)-(-?\d+|\*))\/(\*|\d+)$/.exec(header.trim());
  if (!m) throw invalid(`Invalid Content-Range header: ${header}`);
  return {
    first: m[1] === undefined ? undefined : Number(m[1]),
    total: m[3] === '*' ? undefined : Number(m[3]),
    toEnd: m[2] === '*',
  };
}

/**
 * A media upload (`uploadType=media`): the whole request body is the object.
 */
export async function receiveMedia(
  store: ObjectStore,
  target: UploadTarget,
  body: AsyncIterable<Buffer>,
): Promise<StoredObject> {
  store.bucket(target.bucket);
  return receive(store, target, body, {});
}

/**
 * A multipart upload (`uploadType=multipart`, `multipart/related`): a JSON metadata part, then the
 * media part, which is streamed to disk as it is parsed. Accepts CRLF (Node) and bare LF
 * (Python's email package, used by gcloud) line ends.
 */
export async function receiveMultipart(
  store: ObjectStore,
  bucket: string,
  query: URLSearchParams,
  contentType: string | undefined,
  conditions: Conditions,
  body: AsyncIterable<Buffer>,
): Promise<StoredObject> {
  store.bucket(bucket);
  // Python's email package (gcloud) quotes the boundary with single quotes.
  const boundary = /boundary=(?:"([^"]+)"|'([^']+)'|([^;\s]+))/i.exec(contentType ?? '');
  if (!boundary) throw invalid('A multipart upload needs a multipart/related Content-Type with a boundary.');
  const dashBoundary = Buffer.from(`--${boundary[1] ?? boundary[2] ?? boundary[3]}`);
  const delimiter = Buffer.concat([LF, dashBoundary]);
  const reader = new ByteReader(body[Symbol.asyncIterator]());

  await reader.readUntil(dashBoundary, 64 * 1024); // preamble
  await reader.readUntil(LF, 1024);
  await readPartHeaders(reader);
  const metadataPart = stripCr(await reader.readUntil(delimiter, 1024 * 1024));
  if ((await reader.readUntil(LF, 1024)).toString().startsWith('--'))
    throw invalid('A multipart upload needs a metadata part and a media part.');
  const mediaHeaders = await readPartHeaders(reader);
  if (/base64/i.test(mediaHeaders['content-transfer-encoding'] ?? ''))
    throw new GcsError(501, 'notImplemented', 'base64 media parts are not emulated.');

  let resource: ObjectMetadata & DeclaredHashes & { name?: string };
  try {
    resource = metadataPart.length ? JSON.parse(metadataPart.toString()) : {};
  } catch {
    throw invalid('The metadata part is not valid JSON.');
  }
  const name = resource.name ?? query.get('name');
  if (!name) throw required('object name');
  const target: UploadTarget = {
    bucket,
    name,
    metadata: {
      contentType: resource.contentType ?? mediaHeaders['content-type'],
      contentEncoding: resource.contentEncoding,
      metadata: resource.metadata,
    },
    conditions,
  };
  const object = await receive(store, target, reader.streamUntil(delimiter), resource);
  await drain(reader.rest()); // the closing `--` and any epilogue
  return object;
}

async function receive(
  store: ObjectStore,
  target: UploadTarget,
  body: AsyncIterable<Buffer>,
  declared: DeclaredHashes,
): Promise<StoredObject> {
  const staged = store.stage();
  try {
    await staged.append(body);
    await verifyHashes(staged, declared);
  } catch (error) {
    await staged.discard();
    throw error;
  }
  return store.commit(target.bucket, target.name, staged, target.metadata, target.conditions);
}

/** Rejects (and drops) bytes whose hashes differ from what the client said it sent. */
async function verifyHashes(staged: StagedFile, declared: DeclaredHashes): Promise<void> {
  const actual = staged.digest();
  for (const key of ['crc32c', 'md5Hash'] as const) {
    const expected = declared[key];
    if (expected && expected !== actual[key]) {
      await staged.discard();
      throw invalid(
        `Provided ${key === 'crc32c' ? 'CRC32C' : 'MD5'} "${expected}" doesn't match calculated "${actual[key]}".`,
      );
    }
  }
}

/** Hashes from an `X-Goog-Hash: crc32c=...,md5=...` header. */
export function hashesFromHeader(header: string | string[] | undefined): DeclaredHashes {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return {
    crc32c: /crc32c=([^,\s]+)/.exec(text)?.[1],
    md5Hash: /md5=([^,\s]+)/.exec(text)?.[1],
  };
}

const LF = Buffer.from('\n');

async function readPartHeaders(reader: ByteReader): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (;;) {
    const line = stripCr(await reader.readUntil(LF, 16 * 1024)).toString();
    if (line === '') return headers;
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
}

/** Pulls chunks from a body and finds delimiters in them without buffering more than needed. */
class ByteReader {
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  async #fill(): Promise<void> {
    if (this.#ended) throw invalid('The multipart body ended before its closing boundary.');
    const next = await this.source.next();
    if (next.done) this.#ended = true;
    else this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, next.value]) : next.value;
  }

  /** The bytes before `needle` (which is consumed too), refusing to hold more than `limit`. */
  async readUntil(needle: Buffer, limit: number): Promise<Buffer> {
    for (;;) {
      const at = this.#buffer.indexOf(needle);
      if (at >= 0) {
        const before = this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at + needle.length);
        return before;
      }
      if (this.#buffer.length > limit) throw invalid('A multipart header or metadata part is too large.');
      await this.#fill();
    }
  }

  /**
   * Streams the bytes before `needle` (consumed) minus a CR right before it, which belongs to the
   * delimiter. Holds back needle + 1 bytes: enough never to have passed on that CR or a prefix
   * of the needle.
   */
  async *streamUntil(needle: Buffer): AsyncGenerator<Buffer> {
    const holdBack = needle.length + 1;
    for (;;) {
      const at = this.#buffer.indexOf(needle);
      if (at >= 0) {
        const content = stripCr(this.#buffer.subarray(0, at));
        this.#buffer = this.#buffer.subarray(at + needle.length);
        if (content.length) yield content;
        return;
      }
      if (this.#buffer.length > holdBack) {
        const ready = this.#buffer.subarray(0, this.#buffer.length - holdBack);
        this.#buffer = this.#buffer.subarray(ready.length);
        yield ready;
      }
      await this.#fill();
    }
  }

  async *rest(): AsyncGenerator<Buffer> {
    if (this.#buffer.length) yield this.#buffer;
    this.#buffer = Buffer.alloc(0);
    for (let next = await this.source.next(); !next.done; next = await this.source.next()) yield next.value;
  }
}

/** Drops the first `count` bytes of `source` (a chunk the session already holds, resent). */
async function* skip(source: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of source) {
    if (left >= chunk.length) left -= chunk.length;
    else {
      yield left ? chunk.subarray(left) : chunk;
      left = 0;
    }
  }
}

async function drain(source: AsyncIterable<Buffer>): Promise<void> {
  for await (const _chunk of source);
}
