/**
 * Retry timing from RetryConfig's documentation (queue.proto): the interval starts at
 * min_backoff, doubles max_doublings times, then grows linearly by min_backoff * 2^max_doublings,
 * capped at max_backoff. Example from the docs: min 10 s, max 300 s, 3 doublings ->
 * 10, 20, 40, 80, 160, 240, 300, 300, ...
 */
import type { RetryConfig } from './model.js';

/** The delay before retry number `retry` (1 = the retry after the first failed attempt). */
export function retryDelayMs(config: RetryConfig, retry: number): number {
  const { minBackoffMs, maxBackoffMs, maxDoublings } = config;
  const doublings = retry - 1;
  const delay =
    doublings <= maxDoublings
      ? minBackoffMs * 2 ** doublings
      : minBackoffMs * 2 ** maxDoublings * (retry - maxDoublings);
  return Math.min(delay, maxBackoffMs);
}

/**
 * Whether a task that failed its `attempts`-th attempt gets no more. The docs: "Once
 * max_retry_duration time has passed *and* the task has been attempted max_attempts times, no
 * further attempts will be made"; -1 attempts and a zero duration each mean unlimited.
 */
export function retriesExhausted(
  config: RetryConfig,
  attempts: number,
  sinceFirstAttemptMs: number,
): boolean {
  const { maxAttempts, maxRetryDurationMs } = config;
  const attemptsDone = maxAttempts !== -1 && attempts >= maxAttempts;
  const durationDone = maxRetryDurationMs > 0 && sinceFirstAttemptMs >= maxRetryDurationMs;
  if (maxAttempts === -1) return durationDone;
  if (maxRetryDurationMs === 0) return attemptsDone;
  return attemptsDone && durationDone;
}
