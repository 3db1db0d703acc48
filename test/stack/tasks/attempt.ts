/**
 * One dispatch attempt: the task's HTTP request sent to the worker, cancelled at the dispatch
 * deadline. The attempt ends when the whole response has arrived (or the connection failed).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface OutgoingAttempt {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  deadlineMs: number;
  /** Aborted by the fake itself (reset, close). */
  signal: AbortSignal;
}

export type AttemptOutcome =
  { kind: 'response'; status: number } | { kind: 'timeout' } | { kind: 'error'; message: string };

const MAX_RESPONSE_BYTES = 1024 * 1024;

export function sendAttempt(attempt: OutgoingAttempt): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      attempt.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const url = new URL(attempt.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: attempt.method,
      // One connection per attempt, as a remote dispatcher's would be: no pooled socket
      // outlives the fake or carries one attempt's failure into the next.
      agent: false,
      headers: { ...attempt.headers, 'content-length': String(attempt.body.length) },
    });
    const timer = setTimeout(() => {
      finish({ kind: 'timeout' });
      req.destroy();
    }, attempt.deadlineMs);
    const onAbort = () => {
      finish({ kind: 'error', message: 'cancelled by the fake' });
      req.destroy();
    };
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => finish({ kind: 'error', message: error.message }));
    req.on('response', (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // The body is not kept: its arrival ends the attempt, or enough of it has come.
        if (size > MAX_RESPONSE_BYTES) {
          finish({ kind: 'response', status: res.statusCode ?? 0 });
          res.destroy();
        }
      });
      res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0 }));
      res.on('error', (error) => finish({ kind: 'error', message: error.message }));
      res.on('close', () => {
        if (!res.complete) finish({ kind: 'error', message: 'response cut short' });
      });
    });
    req.end(attempt.body);
  });
}
