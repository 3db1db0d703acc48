/**
 * The token bucket rate_limits documents: up to max_burst_size tokens, refilled continuously at
 * max_dispatches_per_second, one token per dispatch. Starts full.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private rate: number,
    private capacity: number,
    now = performance.now(),
  ) {
    this.#tokens = capacity;
    this.#at = now;
  }

  /** New limits keep the tokens already earned, up to the new capacity. */
  configure(rate: number, capacity: number, now = performance.now()): void {
    this.#refill(now);
    this.rate = rate;
    this.capacity = capacity;
    this.#tokens = Math.min(this.#tokens, capacity);
  }

  /** Takes a token if there is one; otherwise returns how many ms until there will be. */
  take(now = performance.now()): { ok: true } | { ok: false; waitMs: number } {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.#tokens) / this.rate) * 1000) };
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
  }
}
