/**
 * A Looker access token that runs out during a run: the SDK logs in again by itself shortly
 * before `expires_in`, and the run goes on with the new token, no request refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

let h: Harness;
before(async () => {
  // The SDK treats a token as expired 10 s before expires_in: 11 s leaves it one second.
  h = await startHarness({ stack: { looker: { tokenTtlSeconds: 11 } } });
});
after(async () => {
  await h?.stop();
});

describe('a Looker token that expires mid-run', () => {
  it('is replaced by a new login before Looker refuses it, and every window loads', async () => {
    // Each query takes longer than the token's useful second, so every window needs a new one.
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      times: 3,
      fault: { kind: 'delay', ms: 1200 },
    });
    // A window per day (each holds more than 100 rows): a count, then three reads.
    const res = await h.instance({ WINDOW_MAX_ROWS: '100' })({
      explores: ['history'],
      from: '2026-11-20',
      to: '2026-11-22',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.instances[0].explores[0].windows.map((w: { status: string }) => w.status),
      ['loaded', 'loaded', 'loaded'],
    );
    // One login for the first window, one more for each later window; never a refused request.
    assert.ok(h.stack.looker.tokensIssued >= 3, `${h.stack.looker.tokensIssued} tokens issued`);
    const refused = h.stack.looker.requests.filter((r) => r.status === 401);
    assert.deepEqual(refused, []);
    await assertTableMatchesSource(h, day('2026-11-20'), day('2026-11-23'));
  });
});
