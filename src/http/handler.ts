import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { BadRequestError, ConflictError, ExportError } from '../errors.js';
import type { Exporter } from '../exporter.js';
import type { Logger } from '../log.js';
import { httpStatusOf, type Preflight } from '../preflight/index.js';
import { planStatusCode } from '../tasks/planner.js';
import { parseHttpRequest, queryToBody } from './request.js';

export interface HandlerOptions {
  /** Resolved on first use, so a bad configuration fails the request with a clear log, not silently. */
  exporter: () => Exporter;
  /** Answers `{"check": true}`; resolved on first use like the exporter. */
  preflight?: () => Preflight;
  logger: Logger;
  projectId?: string;
  now?: () => Date;
}

/**
 * The only HTTP-aware code: validates the call, runs the export, and maps the outcome to a
 * status Cloud Scheduler understands: 2xx done, 409 another run is going, 4xx bad request (do
 * not retry), 503 a transient failure (retry), 500 a failure that needs an operator.
 *
 * Bodies reach it parsed by functions-framework (see readBody for what that means for bad ones).
 */
export function createHttpHandler(options: HandlerOptions): HttpFunction {
  return async (req: Request, res: Response) => {
    const logger = options.logger.child(traceFields(req, options.projectId));
    try {
      const request = parseHttpRequest(readBody(req), options.now?.());
      if (request.kind === 'check') {
        if (!options.preflight)
          throw new PreflightUnavailable(['this function has no preflight check wired']);
        const report = await options.preflight().check({ explores: request.explores }, { logger });
        res.status(httpStatusOf(report)).json(report);
        return;
      }
      const exporter = options.exporter();
      if (exporter.mode === 'fan-out') {
        // Fan-out mode: this call plans and enqueues; task calls do the work.
        const plan = await exporter.plan(request.run, { logger });
        res.status(planStatusCode(plan)).json(plan);
        return;
      }
      const summary = await exporter.run(request.run, { logger });
      res.status(summary.httpStatus).json(summary);
    } catch (error) {
      const { status, body } = errorResponse(error);
      if (status >= 500) logger.error({ err: error }, 'export request failed');
      else logger.warn({ status, error: body.error }, 'export request refused');
      res.status(status).json(body);
    }
  };
}

class MethodNotAllowed extends BadRequestError {}
class UnsupportedMediaType extends BadRequestError {}
class PayloadTooLarge extends BadRequestError {}
class PreflightUnavailable extends BadRequestError {}

/** The largest request body accepted: a run request is a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The request as a body to validate. functions-framework has read and parsed the body before
 * the function runs (it offers no hook before its parsers, and its limit is 1 GB; Cloud Run
 * refuses requests over 32 MiB before they reach it), so the size is checked here, from the
 * Content-Length or the bytes read. A body that says JSON but does not parse never gets here:
 * the framework's parser answers it 400 itself.
 */
export function readBody(req: Request): unknown {
  if (req.method === 'GET') return queryToBody(req.query as Record<string, unknown>);
  if (req.method !== 'POST')
    throw new MethodNotAllowed([`method ${req.method} is not allowed; use POST (or GET)`]);
  const declared = Number(req.get('content-length') ?? Number.NaN);
  const bytes = Math.max(Number.isFinite(declared) ? declared : 0, req.rawBody?.length ?? 0);
  if (bytes > MAX_BODY_BYTES)
    throw new PayloadTooLarge([`body is ${bytes} bytes; at most ${MAX_BODY_BYTES}`]);
  // The framework's parsers read only bodies with a content type: one without is left unread.
  const unread = req.rawBody === undefined && (bytes > 0 || req.get('transfer-encoding') !== undefined);
  const raw = req.rawBody;
  if (!unread && (!raw || raw.length === 0 || raw.toString().trim() === '')) return {};
  if (unread || !req.is('application/json')) {
    throw new UnsupportedMediaType([
      `content type ${req.get('content-type') ?? '(none)'} is not application/json`,
    ]);
  }
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new BadRequestError(['body must be a JSON object']);
  }
  return req.body;
}

export function errorResponse(error: unknown): {
  status: number;
  body: { error: string; code: string; problems?: readonly string[] };
} {
  if (error instanceof MethodNotAllowed)
    return { status: 405, body: { error: error.message, code: 'method_not_allowed' } };
  if (error instanceof UnsupportedMediaType)
    return { status: 415, body: { error: error.message, code: 'unsupported_media_type' } };
  if (error instanceof PayloadTooLarge)
    return { status: 413, body: { error: error.message, code: 'payload_too_large' } };
  if (error instanceof PreflightUnavailable)
    return { status: 501, body: { error: error.message, code: 'not_implemented' } };
  if (error instanceof BadRequestError)
    return { status: 400, body: { error: error.message, code: error.code, problems: error.problems } };
  if (error instanceof ConflictError)
    return { status: 409, body: { error: error.message, code: error.code } };
  if (error instanceof ExportError)
    return { status: error.transient ? 503 : 500, body: { error: error.message, code: error.code } };
  // Unknown errors may carry anything in their message; the log has the details.
  return { status: 500, body: { error: 'internal error; see the function logs', code: 'internal' } };
}

export function traceFields(req: Request, projectId?: string): Record<string, string> {
  const header = req.get('x-cloud-trace-context');
  const trace = header?.split('/')[0];
  return trace && projectId
    ? { 'logging.googleapis.com/trace': `projects/${projectId}/traces/${trace}` }
    : {};
}
