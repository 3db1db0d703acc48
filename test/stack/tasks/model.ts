/**
 * The Cloud Tasks v2 resources as the fake keeps them, with Google's defaults and limits from
 * queue.proto, task.proto and target.proto (shipped in `@google-cloud/tasks`). Durations and
 * timestamps are milliseconds here; the gRPC and REST faces convert (see wire.ts).
 */
import { ApiError } from '../grpc-status.js';

export type QueueState = 'RUNNING' | 'PAUSED';
export type HttpMethod = 'POST' | 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
export type View = 'BASIC' | 'FULL';

export interface RateLimits {
  maxDispatchesPerSecond: number;
  /** Output only: Google picks it from the rate. */
  maxBurstSize: number;
  maxConcurrentDispatches: number;
}

export interface RetryConfig {
  /** -1 = unlimited. */
  maxAttempts: number;
  /** 0 = unlimited task age. */
  maxRetryDurationMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  maxDoublings: number;
}

export interface QueueConfig {
  rateLimits: RateLimits;
  retryConfig: RetryConfig;
  /** Kept and echoed; the fake writes no logs. */
  stackdriverLoggingConfig?: { samplingRatio: number };
}

export interface StoredQueue extends QueueConfig {
  /** `projects/P/locations/L/queues/Q`. */
  name: string;
  id: string;
  state: QueueState;
  purgeTimeMs?: number;
}

export interface HttpRequestSpec {
  url: string;
  httpMethod: HttpMethod;
  headers: Record<string, string>;
  body: Buffer;
  oidcToken?: { serviceAccountEmail: string; audience: string };
}

export interface AttemptInfo {
  scheduleTimeMs: number;
  dispatchTimeMs: number;
  responseTimeMs?: number;
  responseStatus?: { code: number; message: string };
}

export interface StoredTask {
  name: string;
  id: string;
  queueName: string;
  httpRequest: HttpRequestSpec;
  scheduleTimeMs: number;
  createTimeMs: number;
  dispatchDeadlineMs: number;
  dispatchCount: number;
  responseCount: number;
  /** Responses that were not 5xx: X-CloudTasks-TaskExecutionCount. */
  executionCount: number;
  firstAttempt?: AttemptInfo;
  lastAttempt?: AttemptInfo;
  /** The previous attempt's HTTP status, for X-CloudTasks-TaskPreviousResponse. */
  previousResponse?: number;
  /** Why the previous attempt failed, for X-CloudTasks-TaskRetryReason. */
  retryReason?: string;
  /** Attempts in flight (RunTask may start one while another runs). */
  running: number;
}

// Google's answers for a queue created with nothing set (gcloud tasks queues describe).
export const DEFAULT_RATE = 500;
export const DEFAULT_CONCURRENCY = 1000;
export const DEFAULT_RETRY: RetryConfig = {
  maxAttempts: 100,
  maxRetryDurationMs: 0,
  minBackoffMs: 100,
  maxBackoffMs: 3_600_000,
  maxDoublings: 16,
};

export const DEFAULT_DISPATCH_DEADLINE_MS = 10 * 60_000;
export const MIN_DISPATCH_DEADLINE_MS = 15_000;
export const MAX_DISPATCH_DEADLINE_MS = 30 * 60_000;
/** "The maximum task size is 100KB." */
export const MAX_TASK_BYTES = 100 * 1024;
/** Google refuses schedule times more than 30 days ahead. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3_600_000;

const PROJECT = '[A-Za-z0-9:.-]+';
const LOCATION = '[A-Za-z0-9-]+';
export const LOCATION_NAME = new RegExp(`^projects/(${PROJECT})/locations/(${LOCATION})$`);
export const QUEUE_NAME = new RegExp(
  `^projects/${PROJECT}/locations/${LOCATION}/queues/([A-Za-z0-9-]{1,100})$`,
);
export const TASK_NAME = new RegExp(
  `^(projects/${PROJECT}/locations/${LOCATION}/queues/[A-Za-z0-9-]{1,100})/tasks/([A-Za-z0-9_-]{1,500})$`,
);

/**
 * Google derives the burst from the rate; only its default pair (500/s -> 100) is documented by
 * example, so the fake extends that ratio (rate / 5, at least 1): the strict end for bursts.
 */
export function burstFor(rate: number): number {
  return Math.max(1, Math.ceil(rate / 5));
}

export function defaultConfig(): QueueConfig {
  return {
    rateLimits: {
      maxDispatchesPerSecond: DEFAULT_RATE,
      maxBurstSize: burstFor(DEFAULT_RATE),
      maxConcurrentDispatches: DEFAULT_CONCURRENCY,
    },
    retryConfig: { ...DEFAULT_RETRY },
  };
}

/** Input for a queue as a face decoded it: any field may be missing (proto3: unset = default). */
export interface QueueInput {
  name?: string;
  rateLimits?: { maxDispatchesPerSecond?: number; maxConcurrentDispatches?: number; maxBurstSize?: number };
  retryConfig?: {
    maxAttempts?: number;
    maxRetryDuration?: number;
    minBackoff?: number;
    maxBackoff?: number;
    maxDoublings?: number;
  };
  stackdriverLoggingConfig?: { samplingRatio?: number };
  appEngineRoutingOverride?: unknown;
}

const invalid = (message: string) => new ApiError('INVALID_ARGUMENT', message);

/** A proto3 scalar: unset and zero mean "the default". */
function given(value: number | undefined): value is number {
  return value !== undefined && value !== null && Number(value) !== 0;
}

/**
 * The queue's configuration after applying `input` on `base` for the fields `paths` names
 * (camelCase field paths; all of them when undefined), with Google's limits checked.
 */
export function applyQueueInput(base: QueueConfig, input: QueueInput, paths?: string[]): QueueConfig {
  const next: QueueConfig = structuredClone(base);
  const want = (path: string) =>
    paths === undefined || paths.some((p) => p === path || path.startsWith(`${p}.`));
  const rl = input.rateLimits ?? {};
  const rc = input.retryConfig ?? {};
  const fresh = defaultConfig();

  const pick = <T>(
    path: string,
    value: number | undefined,
    fallback: T,
    convert: (v: number) => T,
  ): T | undefined => (want(path) ? (given(value) ? convert(Number(value)) : fallback) : undefined);

  const rate = pick('rateLimits.maxDispatchesPerSecond', rl.maxDispatchesPerSecond, DEFAULT_RATE, Number);
  if (rate !== undefined) {
    if (!(rate > 0) || rate > 500) throw invalid('max_dispatches_per_second must be in (0, 500].');
    next.rateLimits.maxDispatchesPerSecond = rate;
  }
  next.rateLimits.maxBurstSize = burstFor(next.rateLimits.maxDispatchesPerSecond);
  const concurrency = pick(
    'rateLimits.maxConcurrentDispatches',
    rl.maxConcurrentDispatches,
    DEFAULT_CONCURRENCY,
    Number,
  );
  if (concurrency !== undefined) {
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 5000)
      throw invalid('max_concurrent_dispatches must be in [1, 5000].');
    next.rateLimits.maxConcurrentDispatches = concurrency;
  }

  const attempts = pick('retryConfig.maxAttempts', rc.maxAttempts, fresh.retryConfig.maxAttempts, Number);
  if (attempts !== undefined) {
    if (!Number.isInteger(attempts) || attempts < -1) throw invalid('max_attempts must be >= -1.');
    next.retryConfig.maxAttempts = attempts;
  }
  const durations: [keyof RetryConfig, string, number | undefined][] = [
    ['maxRetryDurationMs', 'retryConfig.maxRetryDuration', rc.maxRetryDuration],
    ['minBackoffMs', 'retryConfig.minBackoff', rc.minBackoff],
    ['maxBackoffMs', 'retryConfig.maxBackoff', rc.maxBackoff],
  ];
  for (const [key, path, value] of durations) {
    // A duration of 0 is a value for max_retry_duration (unlimited) but unset for the backoffs.
    const ms = pick(path, value, fresh.retryConfig[key], Number);
    if (ms === undefined) continue;
    if (ms < 0) throw invalid(`${path} must not be negative.`);
    next.retryConfig[key] = ms;
  }
  const doublings = pick('retryConfig.maxDoublings', rc.maxDoublings, fresh.retryConfig.maxDoublings, Number);
  if (doublings !== undefined) {
    if (!Number.isInteger(doublings) || doublings < 0) throw invalid('max_doublings must be >= 0.');
    next.retryConfig.maxDoublings = doublings;
  }
  if (next.retryConfig.minBackoffMs > next.retryConfig.maxBackoffMs)
    throw invalid('min_backoff must be less than or equal to max_backoff.');

  if (want('stackdriverLoggingConfig.samplingRatio') && input.stackdriverLoggingConfig) {
    const ratio = Number(input.stackdriverLoggingConfig.samplingRatio ?? 0);
    if (!(ratio >= 0 && ratio <= 1)) throw invalid('sampling_ratio must be in [0, 1].');
    next.stackdriverLoggingConfig = { samplingRatio: ratio };
  }
  return next;
}

/** The field paths UpdateQueue understands (camelCase, as REST sends them). */
export const QUEUE_PATHS = [
  'rateLimits',
  'rateLimits.maxDispatchesPerSecond',
  'rateLimits.maxConcurrentDispatches',
  'retryConfig',
  'retryConfig.maxAttempts',
  'retryConfig.maxRetryDuration',
  'retryConfig.minBackoff',
  'retryConfig.maxBackoff',
  'retryConfig.maxDoublings',
  'stackdriverLoggingConfig',
  'stackdriverLoggingConfig.samplingRatio',
];
/** Output-only paths: a mask may name them; their values are ignored as documented. */
export const OUTPUT_ONLY_PATHS = ['name', 'state', 'purgeTime', 'rateLimits.maxBurstSize'];
