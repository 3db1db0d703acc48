/**
 * Google's canonical error codes (google.rpc.Code) with their gRPC number and HTTP status, so
 * one error raised by a fake's store reads the same over gRPC and over REST. Shared by every
 * fake with a gRPC face (Secret Manager, Cloud Tasks).
 */
export const CODES = {
  CANCELLED: { grpc: 1, http: 499, message: 'The operation was cancelled.' },
  UNKNOWN: { grpc: 2, http: 500, message: 'Unknown error.' },
  INVALID_ARGUMENT: { grpc: 3, http: 400, message: 'Request contains an invalid argument.' },
  DEADLINE_EXCEEDED: { grpc: 4, http: 504, message: 'Deadline expired before operation could complete.' },
  NOT_FOUND: { grpc: 5, http: 404, message: 'Requested entity was not found.' },
  ALREADY_EXISTS: { grpc: 6, http: 409, message: 'Requested entity already exists.' },
  PERMISSION_DENIED: { grpc: 7, http: 403, message: 'The caller does not have permission.' },
  RESOURCE_EXHAUSTED: { grpc: 8, http: 429, message: 'Resource has been exhausted (e.g. check quota).' },
  FAILED_PRECONDITION: { grpc: 9, http: 400, message: 'Precondition check failed.' },
  ABORTED: { grpc: 10, http: 409, message: 'The operation was aborted.' },
  OUT_OF_RANGE: { grpc: 11, http: 400, message: 'Operation was attempted past the valid range.' },
  UNIMPLEMENTED: { grpc: 12, http: 501, message: 'Operation is not implemented, or supported, or enabled.' },
  INTERNAL: { grpc: 13, http: 500, message: 'Internal error encountered.' },
  UNAVAILABLE: { grpc: 14, http: 503, message: 'The service is currently unavailable.' },
  DATA_LOSS: { grpc: 15, http: 500, message: 'Unrecoverable data loss or corruption.' },
  UNAUTHENTICATED: { grpc: 16, http: 401, message: 'Request had invalid authentication credentials.' },
} as const;

export type CodeName = keyof typeof CODES;

/** An error the way Google's API reports it: a canonical code and a message. */
export class ApiError extends Error {
  constructor(
    readonly code: CodeName,
    message: string = CODES[code].message,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Where two codes share an HTTP status (400, 409, 500), an injected status picks the common one.
const FROM_HTTP: Record<number, CodeName> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The canonical code an HTTP-style injected status stands for (UNKNOWN if none does). */
export function codeForHttpStatus(status: number): CodeName {
  return FROM_HTTP[status] ?? 'UNKNOWN';
}

/**
 * The error an injected `status` fault raises: its own `message` if it has one; else the
 * service's wording for that code where `worded` gives one (Secret Manager's PERMISSION_DENIED
 * names the permission and resource), else the code's canonical message.
 */
export function injectedError(
  status: number,
  message: string | undefined,
  worded?: (code: CodeName) => ApiError | undefined,
): ApiError {
  const code = codeForHttpStatus(status);
  if (message !== undefined) return new ApiError(code, message);
  return worded?.(code) ?? new ApiError(code);
}
