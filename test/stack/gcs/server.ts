import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { unlink } from 'node:fs/promises';
import { closeServer, listenOnLoopback } from '../loopback.js';
import { FaultInjector } from '../faults.js';
import { NotFound, ObjectHasher, ObjectStore, type StoredObject } from './store.js';

export interface GcsFake {
  url: string;
  faults: FaultInjector;
  createBucket(name: string): void;
  /** The latest generation's bytes; throws NotFound (`code === 'NotFound'`). */
  openObject(bucket: string, name: string): Promise<Readable>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

interface UploadSession {
  bucket: string;
  name: string;
  contentType?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  ifGenerationMatch?: number;
  path: string;
  hasher: ObjectHasher;
}

class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the Cloud Storage JSON API fake on 127.0.0.1 (see README.md beside this file). */
export async function startGcsFake(options: { port?: number; dataDir?: string } = {}): Promise<GcsFake> {
  const store = await ObjectStore.open(options.dataDir);
  const faults = new FaultInjector();
  const sessions = new Map<string, UploadSession>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof GcsError
          ? error
          : new GcsError(500, 'backendError', error instanceof Error ? error.message : 'internal error');
      if (!res.headersSent) sendError(res, failure);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    // STORAGE_EMULATOR_HOST clients drop the /storage/v1 prefix of the JSON API.
    const path = url.pathname.replace(/^\/storage\/v1(?=\/)/, '');
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      req.resume();
      return sendError(
        res,
        new GcsError(
          fault.status,
          fault.status === 429 ? 'rateLimitExceeded' : 'backendError',
          fault.message ?? `Injected ${fault.status}`,
        ),
      );
    }
    if (fault?.kind === 'cut' && method !== 'GET') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= fault.afterBytes) req.socket.destroy();
      });
    }
    const cutAfter = fault?.kind === 'cut' ? fault.afterBytes : undefined;

    let m: RegExpExecArray | null;
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname)))
      return upload(req, res, url, decodeURIComponent(m[1]!));
    if (method === 'POST' && path === '/b') return insertBucket(req, res);
    if (method === 'GET' && path === '/b')
      return sendJson(res, 200, {
        kind: 'storage#buckets',
        items: [...store.buckets.values()].map(bucketResource),
      });
    if ((m = /^\/b\/([^/]+)$/.exec(path))) {
      const bucket = requireBucket(decodeURIComponent(m[1]!));
      if (method === 'GET') return sendJson(res, 200, bucketResource(bucket));
      if (method === 'DELETE') {
        if (store.list(bucket.name).length)
          throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
        store.buckets.delete(bucket.name);
        return void res.writeHead(204).end();
      }
    }
    if (method === 'GET' && (m = /^\/b\/([^/]+)\/o$/.exec(path)))
      return listObjects(res, url, decodeURIComponent(m[1]!));
    if ((m = /^(?:\/download\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      requireBucket(bucket);
      const object = store.get(bucket, name);
      if (method === 'DELETE') {
        if (!object) throw notFound(bucket, name);
        checkPreconditions(url, object);
        await store.delete(bucket, name);
        return void res.writeHead(204).end();
      }
      if (method === 'GET') {
        if (!object) throw notFound(bucket, name);
        checkPreconditions(url, object);
        if (url.searchParams.get('alt') === 'media' || url.pathname.startsWith('/download/'))
          return download(req, res, object, cutAfter);
        return sendJson(res, 200, objectResource(object, `http://${req.headers.host}`));
      }
    }
    throw new GcsError(404, 'notFound', `Not Found: ${method} ${url.pathname} is not emulated`);
  }

  function requireBucket(name: string) {
    const bucket = store.buckets.get(name);
    if (!bucket) throw new GcsError(404, 'notFound', 'The specified bucket does not exist.');
    return bucket;
  }

  async function insertBucket(req: IncomingMessage, res: ServerResponse) {
    const body = JSON.parse((await readAll(req)).toString() || '{}') as { name?: string };
    if (!body.name) throw new GcsError(400, 'required', 'Required');
    if (store.buckets.has(body.name))
      throw new GcsError(
        409,
        'conflict',
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    const bucket = { name: body.name, timeCreated: new Date().toISOString() };
    store.buckets.set(body.name, bucket);
    sendJson(res, 200, bucketResource(bucket));
  }

  function listObjects(res: ServerResponse, url: URL, bucketName: string) {
    requireBucket(bucketName);
    const prefix = url.searchParams.get('prefix') ?? '';
    const delimiter = url.searchParams.get('delimiter');
    const maxResults = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
    const start = url.searchParams.get('pageToken') ?? '';
    const items: StoredObject[] = [];
    const prefixes = new Set<string>();
    let nextPageToken: string | undefined;
    for (const object of store.list(bucketName)) {
      if (!object.name.startsWith(prefix) || object.name <= start) continue;
      if (delimiter) {
        const rest = object.name.slice(prefix.length);
        const at = rest.indexOf(delimiter);
        if (at >= 0) {
          prefixes.add(prefix + rest.slice(0, at + delimiter.length));
          continue;
        }
      }
      if (items.length === maxResults) {
        nextPageToken = items.at(-1)!.name;
        break;
      }
      items.push(object);
    }
    sendJson(res, 200, {
      kind: 'storage#objects',
      items: items.map((o) => objectResource(o, url.origin)),
      ...(prefixes.size ? { prefixes: [...prefixes].sort() } : {}),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string) {
    requireBucket(bucket);
    const type = url.searchParams.get('uploadType');
    const method = req.method ?? 'POST';
    if (type === 'resumable' && method === 'POST') {
      const meta = JSON.parse((await readAll(req)).toString() || '{}') as Partial<UploadSession> & {
        name?: string;
      };
      const name = url.searchParams.get('name') ?? meta.name;
      if (!name) throw new GcsError(400, 'required', 'Required: object name');
      const id = randomUUID();
      sessions.set(id, {
        bucket,
        name,
        contentType: meta.contentType ?? (req.headers['x-upload-content-type'] as string | undefined),
        contentEncoding: meta.contentEncoding,
        metadata: meta.metadata,
        ifGenerationMatch: numberParam(url, 'ifGenerationMatch'),
        path: store.newFilePath(),
        hasher: new ObjectHasher(),
      });
      const location = `http://${req.headers.host}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': 0 }).end();
      return;
    }
    if (type === 'resumable' && (method === 'PUT' || method === 'POST')) return resumeUpload(req, res, url);
    if (type === 'resumable' && method === 'DELETE') {
      const session = sessions.get(url.searchParams.get('upload_id') ?? '');
      if (session) {
        sessions.delete(url.searchParams.get('upload_id')!);
        await unlink(session.path).catch(() => undefined);
      }
      return void res.writeHead(499).end();
    }
    if (type === 'media' && method === 'POST') {
      const name = url.searchParams.get('name');
      if (!name) throw new GcsError(400, 'required', 'Required: object name');
      const hasher = new ObjectHasher();
      const path = store.newFilePath();
      await store.writeFile(req, path, hasher);
      precondition(bucket, name, numberParam(url, 'ifGenerationMatch'));
      const object = await store.commit(bucket, name, path, hasher, {
        contentType: req.headers['content-type'],
      });
      return sendJson(res, 200, objectResource(object, url.origin));
    }
    if (type === 'multipart' && method === 'POST') return multipartUpload(req, res, url, bucket);
    throw new GcsError(400, 'invalid', `Unsupported upload: ${method} uploadType=${type}`);
  }

  async function resumeUpload(req: IncomingMessage, res: ServerResponse, url: URL) {
    const id = url.searchParams.get('upload_id') ?? '';
    const session = sessions.get(id);
    if (!session) throw new GcsError(404, 'notFound', 'No such upload session');
    const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\*|\d+)$/.exec(
      // The Node client finishes an empty chunked upload with `bytes 0--1/0`: an empty last request.
      String(req.headers['content-range'] ?? 'bytes */*').replace(/^bytes 0--1\/0$/, 'bytes */0'),
    );
    if (!range)
      throw new GcsError(400, 'invalid', `Bad Content-Range: ${String(req.headers['content-range'])}`);
    const total = range[4] === '*' ? undefined : Number(range[4]);
    const received = session.hasher.size;
    if (range[1] !== '*') {
      const first = Number(range[2]);
      if (first > received)
        throw new GcsError(400, 'invalid', `Upload starts at ${first}, ${received} bytes received`);
      const skip = received - first; // a client resending bytes we already hold
      let skipped = 0;
      const fresh = async function* () {
        for await (const chunk of req as AsyncIterable<Buffer>) {
          if (skipped < skip) {
            const drop = Math.min(skip - skipped, chunk.length);
            skipped += drop;
            if (drop < chunk.length) yield chunk.subarray(drop);
          } else yield chunk;
        }
      };
      await store.writeFile(fresh(), session.path, session.hasher, 'a');
    } else {
      req.resume();
      await once(req, 'end');
    }
    // `bytes A-*/*`: the client streams the rest in this one request, whose end finishes the upload.
    const streamedToEnd = range[3] === '*';
    if (streamedToEnd || (total !== undefined && session.hasher.size >= total)) {
      sessions.delete(id);
      precondition(session.bucket, session.name, session.ifGenerationMatch);
      const object = await store.commit(session.bucket, session.name, session.path, session.hasher, session);
      return sendJson(res, 200, objectResource(object, `http://${req.headers.host}`));
    }
    const headers: Record<string, string | number> = { 'content-length': 0 };
    if (session.hasher.size > 0) headers.range = `bytes=0-${session.hasher.size - 1}`;
    res.writeHead(308, headers).end();
  }

  async function multipartUpload(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string) {
    const boundary = /boundary=["']?([^"';]+)["']?/.exec(String(req.headers['content-type']))?.[1];
    if (!boundary) throw new GcsError(400, 'invalid', 'multipart upload without a boundary');
    const body = await readAll(req);
    const parts = splitMultipart(body, boundary);
    if (parts.length < 2) {
      throw new GcsError(400, 'invalid', 'multipart upload needs metadata and media parts');
    }
    const meta = JSON.parse(parts[0]!.body.toString()) as {
      name?: string;
      contentType?: string;
      metadata?: Record<string, string>;
    };
    const name = meta.name ?? url.searchParams.get('name');
    if (!name) throw new GcsError(400, 'required', 'Required: object name');
    const hasher = new ObjectHasher();
    const path = store.newFilePath();
    await store.writeFile(Readable.from([parts[1]!.body]), path, hasher);
    precondition(bucket, name, numberParam(url, 'ifGenerationMatch'));
    const object = await store.commit(bucket, name, path, hasher, {
      contentType: meta.contentType ?? parts[1]!.contentType,
      metadata: meta.metadata,
    });
    sendJson(res, 200, objectResource(object, url.origin));
  }

  function precondition(bucket: string, name: string, ifGenerationMatch: number | undefined) {
    if (ifGenerationMatch === undefined) return;
    const current = store.get(bucket, name)?.generation ?? 0;
    if (current !== ifGenerationMatch)
      throw new GcsError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
      );
  }

  function checkPreconditions(url: URL, object: StoredObject) {
    const generation = numberParam(url, 'generation');
    if (generation !== undefined && generation !== object.generation)
      throw notFound(object.bucket, object.name);
    const match = numberParam(url, 'ifGenerationMatch');
    if (match !== undefined && match !== object.generation)
      throw new GcsError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
      );
  }

  async function download(
    req: IncomingMessage,
    res: ServerResponse,
    object: StoredObject,
    cutAfter?: number,
  ) {
    const headers: Record<string, string | number> = {
      'content-type': object.contentType,
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
      'x-goog-generation': String(object.generation),
      'x-goog-metageneration': String(object.metageneration),
      'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
      'x-goog-stored-content-length': String(object.size),
      'accept-ranges': 'bytes',
      etag: `"${object.md5Hash}"`,
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    let status = 200;
    let start = 0;
    let end = object.size - 1;
    if (range && object.size > 0) {
      start = range[1] ? Number(range[1]) : Math.max(0, object.size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), object.size - 1) : object.size - 1;
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${object.size}`;
    }
    headers['content-length'] = object.size === 0 ? 0 : end - start + 1;
    res.writeHead(status, headers);
    if (object.size === 0) return void res.end();
    let sent = 0;
    for await (const chunk of store.read(object, { start, end }) as AsyncIterable<Buffer>) {
      if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
        res.write(chunk.subarray(0, cutAfter - sent));
        res.socket?.destroy();
        return;
      }
      sent += chunk.length;
      if (!res.write(chunk)) await once(res, 'drain');
    }
    res.end();
  }

  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    createBucket(name) {
      if (!store.buckets.has(name)) store.buckets.set(name, { name, timeCreated: new Date().toISOString() });
    },
    async openObject(bucket, name) {
      const object = store.get(bucket, name);
      if (!object) throw new NotFound(`gs://${bucket}/${name} does not exist`);
      return store.read(object);
    },
    async reset() {
      faults.clear();
      for (const session of sessions.values()) await unlink(session.path).catch(() => undefined);
      sessions.clear();
      const buckets = [...store.buckets.values()];
      await store.clear();
      for (const bucket of buckets) store.buckets.set(bucket.name, bucket); // buckets outlive a reset; objects do not
    },
    async close() {
      await closeServer(server);
      await store.destroy();
    },
  };
}

function numberParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  return value === null ? undefined : Number(value);
}

function notFound(bucket: string, name: string): GcsError {
  return new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
}

function bucketResource(bucket: { name: string; timeCreated: string }) {
  return {
    kind: 'storage#bucket',
    id: bucket.name,
    name: bucket.name,
    location: 'US',
    storageClass: 'STANDARD',
    timeCreated: bucket.timeCreated,
    updated: bucket.timeCreated,
    metageneration: '1',
    iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
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
    etag: object.md5Hash,
    timeCreated: object.timeCreated,
    updated: object.updated,
    timeStorageClassUpdated: object.timeCreated,
    ...(object.metadata ? { metadata: object.metadata } : {}),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: GcsError) {
  sendJson(res, error.status, {
    error: {
      code: error.status,
      message: error.message,
      errors: [{ message: error.message, domain: 'global', reason: error.reason }],
    },
  });
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function splitMultipart(body: Buffer, boundary: string): { contentType?: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType?: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(at + delimiter.length, next);
    // Python's email package (gcloud) writes bare LF line ends; Node's client writes CRLF.
    const crlf = part.indexOf('\r\n\r\n');
    const lf = part.indexOf('\n\n');
    const headerEnd = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString();
      let content = part.subarray(headerEnd + (headerEnd === crlf ? 4 : 2));
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      else if (content.subarray(-1).toString() === '\n') content = content.subarray(0, -1);
      parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1], body: content });
    }
    at = next;
  }
  return parts;
}
