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

/** Aborts when any of `signals` does (undefined ones ignored). */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}
