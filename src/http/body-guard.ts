import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body accepted: a run request is a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What reading the body found, for the handler to answer in its own JSON shape. */
export type BodyProblem =
  { kind: 'too_large'; bytes: number; declared: boolean } | { kind: 'malformed_json'; reason: string };

const PROBLEM = Symbol('bodyProblem');

interface GuardedRequest extends IncomingMessage {
  rawBody?: Buffer;
  body?: unknown;
  [PROBLEM]?: BodyProblem;
}

/** The problem the guard found with this request's body, if any. */
export function bodyProblem(req: object): BodyProblem | undefined {
  return (req as GuardedRequest)[PROBLEM];
}

/**
 * Reads the request body before functions-framework's body parsers do, so that
 *  - a body over MAX_BODY_BYTES is refused from its Content-Length without reading it, and a
 *    streamed (chunked) one as soon as it passes the limit, instead of being buffered whole
 *    (the framework's parsers accept 1 GB);
 *  - a body that says JSON but does not parse reaches the handler as a problem it answers in
 *    JSON, instead of Express's HTML error page with a stack trace.
 * On success `rawBody` and (for JSON) `body` are set as the framework would set them (its
 * parsers then skip the request: body-parser 2 skips a request whose body has been read).
 * Resolves once the request may go on; never rejects.
 */
export async function readGuardedBody(req: IncomingMessage): Promise<void> {
  const guarded = req as GuardedRequest;
  guarded.rawBody = Buffer.alloc(0);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    refuseUnread(guarded, { kind: 'too_large', bytes: declared, declared: true });
    return;
  }
  const raw = await readUpTo(req, MAX_BODY_BYTES);
  if (raw === 'aborted') return; // the client went away: nobody is left to answer
  if (typeof raw === 'number') {
    refuseUnread(guarded, { kind: 'too_large', bytes: raw, declared: false });
    return;
  }
  guarded.rawBody = raw;
  if (raw.length === 0 || !isJson(req.headers['content-type'])) return;
  const text = raw.toString('utf8');
  if (text.trim() === '') return;
  try {
    guarded.body = JSON.parse(text);
  } catch (error) {
    guarded[PROBLEM] = { kind: 'malformed_json', reason: parseFailure(error) };
  }
}

/**
 * Where JSON.parse gave up, without its message: V8 quotes the input in it ("Unexpected token
 * 'x', "..." is not valid JSON"), and a request body must not be echoed into logs or responses.
 */
function parseFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `unexpected character at position ${position}`;
  return /end of JSON input/.test(message) ? 'it ends too early' : 'unexpected content';
}

/**
 * The body, or the bytes seen when it passed `limit` (reading then stops, the stream paused and
 * never destroyed, so the answer can still be sent), or 'aborted'.
 */
function readUpTo(req: IncomingMessage, limit: number): Promise<Buffer | number | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | number | 'aborted') => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      finish(size);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onError = () => finish('aborted');
    req.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

/**
 * Marks a body that is not read any further. body-parser 2 skips a request it sees no body in
 * (neither Content-Length nor Transfer-Encoding), so those headers are dropped from the parsed
 * header object; Node's parser does not read it. Once the answer is sent Node discards the rest.
 */
function refuseUnread(req: GuardedRequest, problem: BodyProblem): void {
  req[PROBLEM] = problem;
  delete req.headers['content-length'];
  delete req.headers['transfer-encoding'];
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');
}

type Handle = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
let installed = false;

/**
 * Puts readGuardedBody in front of every Express application functions-framework creates.
 *
 * functions-framework 5 offers no hook before its body parsers (its issue #686), and its server
 * is `http.createServer(expressApp)`. Express copies `application.handle` into each app when the
 * app is created, so wrapping it here, before the framework builds its server (at `npm start`
 * after this module is loaded; in tests at `getTestServer`), puts the guard first. The Express
 * instance is the framework's own, resolved from its package. Idempotent.
 */
export function installBodyGuard(): void {
  if (installed) return;
  installed = true;
  const frameworkRequire = createRequire(
    createRequire(import.meta.url).resolve('@google-cloud/functions-framework'),
  );
  const application = (frameworkRequire('express') as { application: { handle: Handle } }).application;
  const handle = application.handle;
  application.handle = function guardedHandle(this: unknown, req, res, next) {
    void readGuardedBody(req).then(() => handle.call(this, req, res, next));
  };
}
