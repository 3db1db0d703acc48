/**
 * The exporter's error hierarchy. Every error says whether trying again can help (`transient`),
 * which decides the HTTP status Cloud Scheduler sees (503 retries, 500 does not help) and
 * whether a step is retried in-process. Messages never contain secret values.
 */
export abstract class ExportError extends Error {
  /** A later attempt may succeed without anyone changing anything. */
  abstract readonly transient: boolean;
  /** Stable machine-readable code, also used in the HTTP response. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment is wrong: the function cannot start until an operator fixes it. */
export class ConfigError extends ExportError {
  readonly transient = false;
  readonly code = 'config';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  }
}

/** The request is wrong; nothing was done. */
export class BadRequestError extends ExportError {
  readonly transient = false;
  readonly code = 'bad_request';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid request: ${problems.join('; ')}`);
  }
}

/** Another run holds the lease; this one did nothing. */
export class ConflictError extends ExportError {
  readonly transient = false;
  readonly code = 'conflict';
}

/** A dependency (Looker, Secret Manager, GCS, BigQuery, Firestore, Cloud Tasks) failed. */
export class DependencyError extends ExportError {
  readonly code: string;
  constructor(
    readonly service: 'looker' | 'secret-manager' | 'gcs' | 'bigquery' | 'firestore' | 'cloud-tasks',
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown; status?: number; retryAfterMs?: number; call?: string },
  ) {
    super(message, options);
    this.code = `${service}_error`;
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
    this.call = options?.call;
  }
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The API call that failed (`login`, `run_inline_query`, ...), for code that treats one apart. */
  readonly call: string | undefined;
}

/**
 * The data did not verify (row counts, malformed response): retrying re-reads it. `terminal`
 * marks what no retry can fix (rows Looker cannot be made to return), so Scheduler stops.
 */
export class IntegrityError extends ExportError {
  readonly transient: boolean;
  readonly code = 'integrity';
  constructor(message: string, options?: { cause?: unknown; terminal?: boolean }) {
    super(message, options);
    this.transient = !options?.terminal;
  }
}

/**
 * Looker does not offer what a table is read by (the explore, or a key, cursor, filter or count
 * field it hides or no longer has): no retry helps and nothing is lost by waiting, so a run skips
 * the table with this as its note and the preflight check reports it.
 */
export class UnreadableExploreError extends ExportError {
  readonly transient = false;
  readonly code = 'unreadable_explore';
}

/** True for errors worth retrying in-process or by Cloud Scheduler. */
export function isTransient(error: unknown): boolean {
  return error instanceof ExportError ? error.transient : false;
}

/**
 * An error as a summary carries it: what happened and whether trying again may help, as data
 * (never recovered from the message). Errors of unknown origin (a client that rejects with a
 * plain object, a bug) count as transient: one retry is cheaper than a lost day.
 */
export interface ErrorSummary {
  message: string;
  transient: boolean;
  code: string;
}

export function summarizeError(error: unknown): ErrorSummary {
  const message =
    error instanceof Error
      ? error.message
      : error && typeof error === 'object' && 'message' in error
        ? String((error as { message: unknown }).message)
        : String(error);
  if (error instanceof ExportError) return { message, transient: error.transient, code: error.code };
  return { message, transient: true, code: 'unknown' };
}
