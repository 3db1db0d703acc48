/**
 * Failures of the connection itself (refused, reset, timed out, hung up) say nothing about the
 * request: the service was unreachable for a moment, so trying again later can help. Google's
 * clients surface them with the socket's `code` on the error, on its `cause`, or inside an
 * AggregateError (Node tries each address of a host), so all of those are looked at.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NETWORK_MESSAGES = /socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT|other side closed/i;

export function isNetworkError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code, cause, errors, message } = error as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (typeof message === 'string' && NETWORK_MESSAGES.test(message)) return true;
  if (isNetworkError(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isNetworkError(inner, depth + 1));
}
