import type { OutgoingHttpHeaders } from 'node:http';

/** An error the fake answers with Google's JSON error body (status, `reason`, message). */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    /** Extra response headers (e.g. `Content-Range` on a 416). */
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
    this.name = 'GcsError';
  }
}

/** Thrown by `openObject` for a missing object or bucket; `code === 'NotFound'`. */
export class NotFound extends Error {
  readonly code = 'NotFound';
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

// Messages as Cloud Storage words them, so logs read the same against the fake and the cloud.
export const noSuchObject = (bucket: string, name: string) =>
  new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
export const noSuchBucket = () => new GcsError(404, 'notFound', 'The specified bucket does not exist.');
export const conditionNotMet = () =>
  new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
export const invalid = (message: string) => new GcsError(400, 'invalid', message);
export const required = (what: string) => new GcsError(400, 'required', `Required: ${what}`);

/** The `reason` Cloud Storage gives with a status, for injected faults. */
export function reasonFor(status: number): string {
  const reasons: Record<number, string> = {
    400: 'invalid',
    401: 'required',
    403: 'forbidden',
    404: 'notFound',
    408: 'requestTimeout',
    409: 'conflict',
    410: 'gone',
    412: 'conditionNotMet',
    429: 'rateLimitExceeded',
    503: 'backendError',
  };
  return reasons[status] ?? (status >= 500 ? 'backendError' : 'invalid');
}
