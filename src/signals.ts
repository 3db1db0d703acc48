/**
 * Abort signals that fire on time. `AbortSignal.timeout` is not used: on Node 20 a timeout
 * signal referenced only as a source of `AbortSignal.any` can be garbage-collected before it
 * fires (nodejs/node#57736), so a budget combined that way may never end. Here the timer holds
 * the controller, so the signal lives until it fires; the timer does not keep the process alive.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    Math.max(0, Math.floor(ms)),
  ).unref();
  return controller.signal;
}

/**
 * Aborts when any of `signals` does (undefined ones ignored). The composite gets an abort
 * listener of its own: on Node 24 (24.16 to 24.21 at least) a composite nobody listens to follows
 * its sources lazily and misses a source's abort when a garbage collection runs before anyone
 * reads it, staying unaborted for good (nodejs/node#65995; here: a run budget that never ended).
 * One that is listened to is kept in step by its sources, as DOM's garbage-collection rule for
 * dependent signals requires; the `once` listener goes when it fires.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const signal = AbortSignal.any(signals.filter((source): source is AbortSignal => source !== undefined));
  signal.addEventListener('abort', () => {}, { once: true });
  return signal;
}
