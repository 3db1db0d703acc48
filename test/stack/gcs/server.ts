import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultInjector } from '../faults.js';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { GcsError, invalid, noSuchObject, NotFound, reasonFor, required } from './errors.js';
import {
  checkConditions,
  compare,
  conditionsFrom,
  ObjectStore,
  type BucketRecord,
  type StoredObject,
} from './store.js';
import { hashesFromHeader, receiveMedia, receiveMultipart, ResumableUploads } from './uploads.js';

export interface GcsFakeOptions {
  /** Port on 127.0.0.1; a free one if omitted. */
  port?: number;
  /** Where object bytes are kept; a fresh temporary directory (removed by `close()`) if omitted. */
  dataDir?: string;
}

/** The handle of the Cloud Storage fake (see test/stack/CONTRACT.md and README.md beside this file). */
export interface GcsFake {
  /** JSON API base, e.g. `http://127.0.0.1:40123`: `new Storage({ apiEndpoint: url })`. */
  url: string;
  faults: FaultInjector;
  /** Creates a bucket if it does not exist. */
  createBucket(name: string): void;
  /** The latest generation's bytes; rejects with `NotFound` (`code === 'NotFound'`) if absent. */
  openObject(bucket: string, name: string): Promise<Readable>;
  /** Forgets every object, upload session and armed fault; buckets stay. */
  reset(): Promise<void>;
  /** Stops listening, drops connections and removes the bytes (and the directory if it made it). */
  close(): Promise<void>;
}

/** One request being served, with what an injected `cut` fault left of its byte budget. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  origin: string;
  /** Body bytes (received, then sent) before the socket is destroyed. */
  cutBudget?: number;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
const MAX_JSON_BODY = 1024 * 1024;

/**
 * Starts the Cloud Storage JSON API fake on 127.0.0.1: buckets, objects, media/multipart/resumable
 * uploads, downloads with ranges, listing, preconditions, Google's error bodies and injected
 * faults. Object bytes stream to files; nothing is held whole in memory.
 */
export async function startGcsFake(options: GcsFakeOptions = {}): Promise<GcsFake> {
  const store = await ObjectStore.open(options.dataDir);
  const uploads = new ResumableUploads(store);
  const faults = new FaultInjector();

  const server = createServer((req, res) => {
    const call: Call = {
      req,
      res,
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://fake'),
      origin: `http://${req.headers.host ?? '127.0.0.1'}`,
    };
    serve(call).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      // The fake's own message is useful in a test log; this is not a production service.
      const failure =
        error instanceof GcsError
          ? error
          : new GcsError(500, 'backendError', error instanceof Error ? error.message : String(error));
      return sendError(call, failure);
    });
  });

  async function serve(call: Call): Promise<void> {
    const { req, method, url } = call;
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') {
      req.resume();
      const { status } = fault;
      const error = new GcsError(status, reasonFor(status), fault.message ?? `Injected ${status}`);
      return sendError(call, error, { ...fault.headers });
    }
    if (fault?.kind === 'body') {
      req.resume();
      return send(call, 200, { 'content-type': fault.contentType ?? JSON_TYPE }, Buffer.from(fault.body));
    }
    if (fault?.kind === 'cut') call.cutBudget = fault.afterBytes;
    return route(call);
  }

  async function route(call: Call): Promise<void> {
    const { method, url } = call;
    let m: RegExpExecArray | null;
    // gcloud (apitools) starts resumable uploads under /resumable/upload/...
    if ((m = /^(?:\/resumable)?\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname)))
      return upload(call, decode(m[1]!));
    if (method === 'GET' && (m = /^\/download\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname)))
      return download(call, decode(m[1]!), decode(m[2]!));

    // `STORAGE_EMULATOR_HOST` clients address the JSON API without its /storage/v1 prefix.
    const path = url.pathname.replace(/^\/storage\/v1(?=\/)/, '');
    if (path === '/b') {
      if (method === 'GET') {
        const items = store.buckets().map((bucket) => bucketResource(bucket, call.origin));
        return sendJson(call, 200, { kind: 'storage#buckets', items });
      }
      if (method === 'POST') return insertBucket(call);
    }
    if ((m = /^\/b\/([^/]+)$/.exec(path))) {
      const bucket = decode(m[1]!);
      if (method === 'GET') return sendJson(call, 200, bucketResource(store.bucket(bucket), call.origin));
      if (method === 'DELETE') {
        store.deleteBucket(bucket);
        return send(call, 204);
      }
    }
    if (method === 'GET' && (m = /^\/b\/([^/]+)\/o$/.exec(path))) return listObjects(call, decode(m[1]!));
    if ((m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = decode(m[1]!);
      const name = decode(m[2]!);
      if (method === 'GET') {
        if (url.searchParams.get('alt') === 'media') return download(call, bucket, name);
        return sendJson(call, 200, objectResource(readable(call, bucket, name), call.origin));
      }
      if (method === 'DELETE') {
        readable(call, bucket, name); // a `generation` that is not the latest is 404
        await store.delete(bucket, name, conditionsFrom(url.searchParams));
        return send(call, 204);
      }
      if (method === 'PATCH') {
        const changes = (await readJson(call)) as Parameters<ObjectStore['patch']>[2];
        const object = store.patch(bucket, name, changes, conditionsFrom(url.searchParams));
        return sendJson(call, 200, objectResource(object, call.origin));
      }
    }
    throw new GcsError(501, 'notImplemented', `${method} ${url.pathname} is not emulated by the GCS fake.`);
  }

  async function insertBucket(call: Call): Promise<void> {
    const { name } = (await readJson(call)) as { name?: string };
    if (!name) throw required('bucket name');
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) throw invalid(`Invalid bucket name: '${name}'`);
    return sendJson(call, 200, bucketResource(store.insertBucket(name), call.origin));
  }

  /** The latest generation for a read, honouring `generation` (only the latest exists) and preconditions. */
  function readable(call: Call, bucket: string, name: string): StoredObject {
    const object = store.get(bucket, name);
    const generation = call.url.searchParams.get('generation');
    if (generation && Number(generation) !== object.generation) throw noSuchObject(bucket, name);
    checkConditions(object, conditionsFrom(call.url.searchParams));
    return object;
  }

  function listObjects(call: Call, bucket: string): Promise<void> {
    const query = call.url.searchParams;
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const startOffset = query.get('startOffset');
    const endOffset = query.get('endOffset');
    if (query.get('matchGlob')) throw new GcsError(501, 'notImplemented', 'matchGlob is not emulated.');
    const maxResults = Math.min(Math.max(Number(query.get('maxResults')) || 1000, 1), 1000);
    const token = query.get('pageToken') ? readPageToken(query.get('pageToken')!) : undefined;

    // Items and prefixes share one name-ordered sequence and one page size, as in the cloud.
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let last: PageToken | undefined;
    let more = false;
    for (const object of store.list(bucket, prefix)) {
      if (
        token &&
        (compare(object.name, token.after) <= 0 || (token.prefix && object.name.startsWith(token.after)))
      )
        continue;
      if (startOffset && compare(object.name, startOffset) < 0) continue;
      if (endOffset && compare(object.name, endOffset) >= 0) continue;
      const at = delimiter ? object.name.indexOf(delimiter, prefix.length) : -1;
      const entry: PageToken =
        at >= 0
          ? { after: object.name.slice(0, at + delimiter.length), prefix: true }
          : { after: object.name };
      if (entry.prefix && entry.after === last?.after) continue;
      if (items.length + prefixes.length === maxResults) {
        more = true;
        break;
      }
      if (entry.prefix) prefixes.push(entry.after);
      else items.push(object);
      last = entry;
    }
    return sendJson(call, 200, {
      kind: 'storage#objects',
      ...(more && last ? { nextPageToken: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(items.length ? { items: items.map((object) => objectResource(object, call.origin)) } : {}),
    });
  }

  async function upload(call: Call, bucket: string): Promise<void> {
    const { req, method, url } = call;
    const query = url.searchParams;
    const conditions = conditionsFrom(query);
    const uploadType = query.get('uploadType');
    const uploadId = query.get('upload_id');

    if (uploadType === 'resumable' && uploadId) {
      if (method === 'DELETE') {
        await uploads.cancel(uploadId);
        return send(call, 499); // what Cloud Storage answers to a cancelled session
      }
      if (method !== 'PUT' && method !== 'POST') throw invalid(`${method} on an upload session`);
      const step = await uploads.put(
        uploadId,
        header(req, 'content-range'),
        requestBody(call),
        hashesFromHeader(req.headers['x-goog-hash']),
      );
      if (step.done) return sendJson(call, 200, objectResource(step.object, call.origin));
      // 308 "Resume Incomplete" tells the client how much is persisted.
      return send(call, 308, step.persisted > 0 ? { range: `bytes=0-${step.persisted - 1}` } : {});
    }
    if (method !== 'POST') throw invalid(`${method} is not an upload`);
    store.bucket(bucket);

    if (uploadType === 'resumable') {
      const resource = (await readJson(call)) as {
        name?: string;
        contentType?: string;
        contentEncoding?: string;
        metadata?: Record<string, string>;
      };
      const name = query.get('name') ?? resource.name;
      if (!name) throw required('object name');
      const id = uploads.open({
        bucket,
        name,
        metadata: {
          contentType: resource.contentType ?? header(req, 'x-upload-content-type'),
          contentEncoding: resource.contentEncoding,
          metadata: resource.metadata,
        },
        conditions,
      });
      const location = `${call.origin}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      return send(call, 200, { location, 'x-guploader-uploadid': id });
    }
    if (uploadType === 'multipart') {
      const object = await receiveMultipart(
        store,
        bucket,
        query,
        header(req, 'content-type'),
        conditions,
        requestBody(call),
      );
      return sendJson(call, 200, objectResource(object, call.origin));
    }
    if (uploadType === 'media') {
      const name = query.get('name');
      if (!name) throw required('object name');
      const object = await receiveMedia(
        store,
        {
          bucket,
          name,
          metadata: {
            contentType: header(req, 'content-type'),
            contentEncoding: query.get('contentEncoding') ?? undefined,
          },
          conditions,
        },
        requestBody(call),
      );
      return sendJson(call, 200, objectResource(object, call.origin));
    }
    throw invalid(`Unsupported uploadType: ${uploadType ?? '(none)'}`);
  }

  async function download(call: Call, bucket: string, name: string): Promise<void> {
    const object = readable(call, bucket, name);
    const headers: OutgoingHttpHeaders = {
      'content-type': object.contentType,
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      'x-goog-generation': String(object.generation),
      'x-goog-metageneration': String(object.metageneration),
      'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
      'x-goog-stored-content-length': String(object.size),
      'x-goog-storage-class': 'STANDARD',
      'accept-ranges': 'bytes',
      'last-modified': new Date(object.updated).toUTCString(),
      etag: `"${Buffer.from(object.md5Hash, 'base64').toString('hex')}"`,
      'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
      // Bytes are served as stored: no decompressive transcoding (see README).
      ...(object.contentEncoding ? { 'content-encoding': object.contentEncoding } : {}),
    };
    const range = parseRange(header(call.req, 'range'), object.size);
    if (range === 'unsatisfiable')
      throw new GcsError(416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.', {
        'content-range': `bytes */${object.size}`,
      });
    if (object.size === 0) return send(call, 200, headers);
    const { start, end } = range ?? { start: 0, end: object.size - 1 };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${object.size}`;
    headers['content-length'] = end - start + 1;
    return send(call, range ? 206 : 200, headers, await store.read(object, { start, end }));
  }

  const port = await listenOnLoopback(server, options.port);
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    createBucket(name) {
      if (!store.hasBucket(name)) store.insertBucket(name);
    },
    async openObject(bucket, name) {
      // A generation replaced between lookup and open is retried once with the new latest.
      for (let attempt = 0; ; attempt++) {
        try {
          return await store.read(store.get(bucket, name));
        } catch (error) {
          if (!(error instanceof GcsError && error.status === 404)) throw error;
          if (attempt > 0 || !store.hasBucket(bucket) || !store.find(bucket, name))
            throw new NotFound(`gs://${bucket}/${name} does not exist`);
        }
      }
    },
    async reset() {
      faults.clear();
      await uploads.clear();
      await store.clear();
    },
    close() {
      closing ??= (async () => {
        await closeServer(server);
        await uploads.clear();
        await store.destroy();
      })();
      return closing;
    },
  };
}

interface PageToken {
  /** The last name (or prefix) returned: the next page starts after it. */
  after: string;
  /** `after` is a prefix: every name under it was already summarised. */
  prefix?: true;
}

function readPageToken(token: string): PageToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as PageToken;
    if (typeof parsed.after === 'string') return parsed;
  } catch {
    // not ours: answered below
  }
  throw invalid('Invalid pageToken.');
}

/** `Range: bytes=A-B | A- | -N` against an object of `size` bytes; undefined = the whole object. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '') || size === 0) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return end < start ? undefined : { start, end };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`Invalid percent-encoding in ${segment}`);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request body as chunks. Throws when the client went away before the end, so a truncated
 * body is never taken for a complete one; an injected `cut` destroys the socket after its budget.
 */
async function* requestBody(call: Call): AsyncGenerator<Buffer> {
  const { req } = call;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (call.cutBudget !== undefined && chunk.length >= call.cutBudget) {
      const partial = chunk.subarray(0, call.cutBudget);
      call.cutBudget = 0;
      if (partial.length) yield partial;
      req.socket.destroy();
      throw new Error('connection cut by an injected fault');
    }
    if (call.cutBudget !== undefined) call.cutBudget -= chunk.length;
    yield chunk;
  }
  if (!req.complete) throw new Error('the client went away before the end of the request');
}

async function readJson(call: Call): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of requestBody(call)) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw invalid('Request body too large.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString().trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GcsError(400, 'parseError', 'Parse Error');
  }
}

function sendJson(call: Call, status: number, value: unknown): Promise<void> {
  return send(call, status, { 'content-type': JSON_TYPE }, Buffer.from(JSON.stringify(value)));
}

function sendError(call: Call, error: GcsError, headers: OutgoingHttpHeaders = {}): Promise<void> {
  const body = {
    error: {
      code: error.status,
      message: error.message,
      errors: [{ message: error.message, domain: 'global', reason: error.reason }],
    },
  };
  return send(
    call,
    error.status,
    { ...error.headers, ...headers, 'content-type': JSON_TYPE },
    Buffer.from(JSON.stringify(body)),
  );
}

/**
 * Writes a response, honouring backpressure and an injected `cut`: once the budget is spent the
 * socket is destroyed right after the last allowed byte is flushed.
 */
async function send(
  call: Call,
  status: number,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | Readable,
): Promise<void> {
  const { res } = call;
  if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
  else if (!body) headers['content-length'] = 0;
  res.writeHead(status, headers);
  const chunks: Iterable<Buffer> | AsyncIterable<Buffer> = Buffer.isBuffer(body) ? [body] : (body ?? []);
  for await (const chunk of chunks) {
    if (call.cutBudget !== undefined && chunk.length >= call.cutBudget) {
      res.write(chunk.subarray(0, call.cutBudget), () => res.destroy());
      return;
    }
    if (call.cutBudget !== undefined) call.cutBudget -= chunk.length;
    if (!res.write(chunk)) await drainedOrClosed(res);
    if (res.destroyed) return;
  }
  res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function bucketResource(bucket: BucketRecord, origin: string) {
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    selfLink: `${origin}/storage/v1/b/${encodeURIComponent(bucket.name)}`,
    projectNumber: '0',
    name: bucket.name,
    timeCreated: bucket.timeCreated,
    updated: bucket.timeCreated,
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    iamConfiguration: {
      uniformBucketLevelAccess: { enabled: true },
      publicAccessPrevention: 'enforced',
    },
  };
}

function objectResource(object: StoredObject, origin: string) {
  const path = `b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}`;
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${origin}/storage/v1/${path}`,
    mediaLink: `${origin}/download/storage/v1/${path}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: String(object.generation),
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    ...(object.contentEncoding ? { contentEncoding: object.contentEncoding } : {}),
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64'),
    timeCreated: object.timeCreated,
    updated: object.updated,
    timeStorageClassUpdated: object.timeCreated,
    ...(object.metadata ? { metadata: object.metadata } : {}),
  };
}
