import { DependencyError } from '../errors.js';

/** HTTP statuses after which the same Looker request may succeed. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** A Looker API error with its HTTP status and Looker's own message (never request contents). */
export function lookerHttpError(
  what: string,
  status: number,
  body: string,
  retryAfter: string | null | undefined,
): DependencyError {
  return new DependencyError(
    'looker',
    `Looker ${what} failed with HTTP ${status}: ${lookerMessage(body)}`,
    TRANSIENT_STATUSES.has(status),
    {
      status,
      retryAfterMs: parseRetryAfter(retryAfter),
      call: what,
    },
  );
}

/** Looker's error bodies are `{message, documentation_url}`; fall back to a short excerpt. */
function lookerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: { field?: string; message?: string }[] };
    const details = (parsed.errors ?? [])
      .map((e) => `${e.field ?? ''} ${e.message ?? ''}`.trim())
      .filter(Boolean);
    if (typeof parsed.message === 'string') return [parsed.message, ...details].join('; ');
  } catch {
    // not JSON: an HTML page from a proxy, say
  }
  return body.replace(/\s+/g, ' ').slice(0, 200) || '(empty body)';
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** TLS failures no retry can fix: the certificate must change, or the operator must trust it. */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

/** A network-level failure (refused, reset, timed out, TLS) before Looker answered. */
export function lookerNetworkError(what: string, error: unknown): DependencyError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = String((cause as { code?: unknown } | undefined)?.code ?? '');
  const certificate = CERTIFICATE_ERRORS.test(code);
  return new DependencyError(
    'looker',
    `Looker ${what} failed before a response: ${reason}${certificate ? ' (TLS certificate not trusted: fix the certificate, add its CA with NODE_EXTRA_CA_CERTS, or as a last resort set LOOKER_VERIFY_SSL=false)' : ''}`,
    !certificate,
    { cause: error, call: what },
  );
}
