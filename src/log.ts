import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** pino level -> Cloud Logging severity. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * Structured JSON lines for Cloud Logging: `severity`, `message`, `time`, and fields.
 * Errors are logged by message and code only, never with the objects they wrap (which may hold
 * request bodies with credentials).
 */
export function createLogger(
  destination?: pino.DestinationStream,
  level = process.env.LOG_LEVEL ?? 'info',
): Logger {
  return pino(
    {
      level,
      messageKey: 'message',
      base: undefined,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
      },
      serializers: { err: serializeError },
      redact: {
        paths: ['client_secret', 'clientSecret', '*.client_secret', '*.clientSecret', 'authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: true }),
  );
}

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') fields.code = code;
  return fields;
}
