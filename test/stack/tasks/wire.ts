/**
 * Between the fake's values (durations and timestamps in ms, bytes as Buffer) and the two wire
 * forms: proto objects as @grpc/proto-loader gives them ({seconds, nanos}) and proto3 JSON as
 * REST carries it ("10s", RFC 3339, base64). Field names decide: the Cloud Tasks messages use
 * each name for one type only.
 */
import { ApiError } from '../grpc-status.js';

const DURATIONS = new Set(['maxRetryDuration', 'minBackoff', 'maxBackoff', 'dispatchDeadline']);
const TIMESTAMPS = new Set(['scheduleTime', 'createTime', 'purgeTime', 'dispatchTime', 'responseTime']);
const BYTES = new Set(['body']);
/** Maps whose keys are the caller's: never interpreted. */
const OPAQUE = new Set(['headers']);

type Convert = (key: string, value: unknown) => unknown;

function walk(value: unknown, convert: Convert): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array)
    return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, convert));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = OPAQUE.has(key) ? v : (convert(key, v) ?? walk(v, convert));
  }
  return out;
}

interface ProtoTime {
  seconds?: string | number;
  nanos?: number;
}

const fromProtoTime = (v: ProtoTime) => Number(v.seconds ?? 0) * 1000 + (v.nanos ?? 0) / 1e6;
const toProtoTime = (ms: number) => {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
};

/** A decoded gRPC request in the fake's values. */
export function fromGrpc<T>(request: unknown): T {
  return walk(request, (key, v) => {
    if ((DURATIONS.has(key) || TIMESTAMPS.has(key)) && v && typeof v === 'object') return fromProtoTime(v);
    if (BYTES.has(key) && v instanceof Uint8Array) return Buffer.from(v);
    return undefined;
  }) as T;
}

export function toGrpc(response: unknown): unknown {
  return walk(response, (key, v) =>
    (DURATIONS.has(key) || TIMESTAMPS.has(key)) && typeof v === 'number' ? toProtoTime(v) : undefined,
  );
}

const invalidJson = (key: string, what: string) =>
  new ApiError('INVALID_ARGUMENT', `Invalid value at '${key}': expected ${what}.`);

/** A proto3 JSON request body in the fake's values. */
export function fromJson<T>(body: unknown): T {
  return walk(body, (key, v) => {
    if (DURATIONS.has(key)) {
      const match = typeof v === 'string' ? /^(-?\d+(?:\.\d{1,9})?)s$/.exec(v) : null;
      if (!match) throw invalidJson(key, 'a duration such as "10s" or "0.100s"');
      return Number(match[1]) * 1000;
    }
    if (TIMESTAMPS.has(key)) {
      const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) throw invalidJson(key, 'an RFC 3339 timestamp');
      return ms;
    }
    if (BYTES.has(key)) {
      if (typeof v !== 'string') throw invalidJson(key, 'base64 bytes');
      return Buffer.from(v, 'base64');
    }
    return undefined;
  }) as T;
}

const seconds = (ms: number) => `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(3)}s`;
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A response in proto3 JSON: default scalar values (0, '', false) are left out, as Google does. */
export function toJson(response: unknown): unknown {
  const drop = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(drop);
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== 0 && v !== '' && v !== false)
        .map(([k, v]) => [k, OPAQUE.has(k) ? v : drop(v)]),
    );
  };
  const converted = walk(response, (key, v) => {
    if (DURATIONS.has(key) && typeof v === 'number') return seconds(v);
    if (TIMESTAMPS.has(key) && typeof v === 'number') return rfc3339(v);
    if (BYTES.has(key) && Buffer.isBuffer(v)) return v.toString('base64');
    return undefined;
  });
  return drop(converted);
}
