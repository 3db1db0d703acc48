/**
 * Fault injection shared by every fake in the local stack.
 *
 * A test arms a fault for the next N matching calls; the fake consults `take()` at the start of
 * each request and applies what it gets back. Faults are consumed in the order they were armed.
 */
export type Fault =
  /** Answer with this HTTP status (gRPC fakes map it to the matching gRPC code) and the service's own error body. */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> }
  /** Wait this long before handling the request normally. */
  | { kind: 'delay'; ms: number }
  /** Start the normal response, then destroy the socket after this many body bytes. */
  | { kind: 'cut'; afterBytes: number }
  /** Answer 200 with exactly this body (a malformed or truncated result that ends cleanly). */
  | { kind: 'body'; body: string; contentType?: string };

export interface FaultSpec {
  /** Which calls it applies to: a substring or pattern of `METHOD /path` (e.g. `POST /api/4.0/login`). All calls if omitted. */
  match?: string | RegExp;
  /** How many matching calls fail; 1 if omitted. */
  times?: number;
  fault: Fault;
}

interface ArmedFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultInjector {
  readonly #armed: ArmedFault[] = [];

  /** Arms a fault; returns `this` so several can be chained. */
  add(spec: FaultSpec): this {
    this.#armed.push({ spec, remaining: spec.times ?? 1 });
    return this;
  }

  /** The fault for this call, if one is armed for it; consumes one use. */
  take(method: string, path: string): Fault | undefined {
    const call = `${method.toUpperCase()} ${path}`;
    const index = this.#armed.findIndex(({ spec }) => matches(spec.match, call));
    if (index < 0) return undefined;
    const armed = this.#armed[index]!;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.spec.fault;
  }

  /** How many faults are still armed (tests assert they were all consumed). */
  get pending(): number {
    return this.#armed.reduce((sum, armed) => sum + armed.remaining, 0);
  }

  clear(): void {
    this.#armed.length = 0;
  }
}

function matches(match: string | RegExp | undefined, call: string): boolean {
  if (match === undefined) return true;
  return typeof match === 'string' ? call.includes(match) : match.test(call);
}
