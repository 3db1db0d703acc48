import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { BadRequestError, ConflictError, ExportError } from '../errors.js';
import type { Exporter } from '../exporter.js';
import type { Logger } from '../log.js';
import { httpStatusOf, type Preflight } from '../preflight/index.js';
import { bodyProblem, installBodyGuard, MAX_BODY_BYTES } from './body-guard.js';
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
 * Creating a handler puts the body guard in front of functions-framework's body parsers (see
 * body-guard.ts), so every bad request, a malformed or oversized body included, gets the same
 * JSON error shape.
 */
export function createHttpHandler(options: HandlerOptions): HttpFunction {
  installBodyGuard();
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

export function readBody(req: Request): unknown {
  if (req.method === 'GET') return queryToBody(req.query as Record<string, unknown>);
  if (req.method !== 'POST')
    throw new MethodNotAllowed([`method ${req.method} is not allowed; use POST (or GET)`]);
  const problem = bodyProblem(req);
  if (problem?.kind === 'too_large') {
    // The rest of the body is never read: tell the client not to reuse the connection.
    req.res?.setHeader('connection', 'close');
    throw new PayloadTooLarge([
      `body is ${problem.declared ? '' : 'over '}${problem.bytes} bytes${problem.declared ? ' (Content-Length)' : ''}; at most ${MAX_BODY_BYTES}`,
    ]);
  }
  const raw = req.rawBody;
  if (!raw || raw.length === 0 || raw.toString().trim() === '') return {};
  if (!req.is('application/json')) {
    throw new UnsupportedMediaType([
      `content type ${req.get('content-type') ?? '(none)'} is not application/json`,
    ]);
  }
  if (problem?.kind === 'malformed_json')
    throw new BadRequestError([`body is not valid JSON: ${problem.reason}`]);
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
