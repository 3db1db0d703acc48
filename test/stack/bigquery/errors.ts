/**
 * Google's error shapes for BigQuery: the HTTP error body of a failed API call, and the
 * `{reason, message, location?}` entries of a job's `status.errorResult` / `status.errors`.
 */

/** One entry of `status.errors` (and the `errorResult` of a failed job). */
export interface JobError {
  reason: string;
  message: string;
  location?: string;
}

/** A failed API call: the status, Google's `reason` and the message BigQuery would give. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly location?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJobError(): JobError {
    return {
      reason: this.reason,
      message: this.message,
      ...(this.location ? { location: this.location } : {}),
    };
  }
}

/** Shorthands for the errors BigQuery answers most. */
export const notFound = (message: string) => new ApiError(404, 'notFound', message);
export const invalid = (message: string, location?: string) =>
  new ApiError(400, 'invalid', message, location);
export const duplicate = (message: string) => new ApiError(409, 'duplicate', message);
export const invalidQuery = (message: string) => new ApiError(400, 'invalidQuery', message);

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The `reason` BigQuery gives with a bare HTTP status (used for injected faults). */
export function reasonForStatus(status: number): string {
  if (status === 400) return 'invalid';
  if (status === 401) return 'authError';
  if (status === 403) return 'accessDenied';
  if (status === 404) return 'notFound';
  if (status === 409) return 'duplicate';
  if (status === 412) return 'conditionNotMet';
  if (status === 429) return 'rateLimitExceeded';
  if (status === 501) return 'notImplemented';
  if (status === 504) return 'timeout';
  return status >= 500 ? 'backendError' : 'invalid';
}

/** `{error:{code,message,errors:[{message,domain,reason,location?}],status}}`, as Google's APIs answer. */
export function errorBody(error: ApiError) {
  return {
    error: {
      code: error.status,
      message: error.message,
      errors: [
        {
          message: error.message,
          domain: 'global',
          reason: error.reason,
          ...(error.location ? { location: error.location, locationType: 'other' } : {}),
        },
      ],
      status: STATUS_NAMES[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
    },
  };
}
