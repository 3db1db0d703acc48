/**
 * A budget combined from a timeout and the call's deadline must fire on time even when the
 * garbage collector runs in between: on Node 20 an `AbortSignal.timeout` referenced only through
 * `AbortSignal.any` may be collected and never fire (nodejs/node#57736); on Node 24 (24.16 to at
 * least 24.21) a composite nobody listens to loses its source's abort when a collection runs
 * before anyone reads it (nodejs/node#65995).
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { anySignal, timeoutSignal } from '../../src/signals.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timeoutSignal', () => {
  it('fires through anySignal after a garbage collection', async () => {
    const never = new AbortController();
    const budget = anySignal(timeoutSignal(100), never.signal);
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(10);
    }
    await sleep(200);
    // The timeout has fired; a collection before the first read must not lose it.
    gc();
    assert.equal(budget.aborted, true);
    assert.equal((budget.reason as DOMException).name, 'TimeoutError');
  });

  it('does not fire early, and anySignal ignores absent signals', async () => {
    const signal = anySignal(undefined, timeoutSignal(300));
    await sleep(50);
    assert.equal(signal.aborted, false);
  });
});
