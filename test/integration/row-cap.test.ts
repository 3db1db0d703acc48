/**
 * Looker drops rows beyond its cap without a word. A window that comes back with exactly the
 * cap is read again in halves until every piece is under it: no row is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
let h: Harness;
before(async () => {
  // 5000 history rows over 30 days (about 170 a day) behind a cap of 40 rows per query.
  h = await startHarness({ stack: { looker: { rowCap: 40 } }, env: { LOOKER_ROW_CAP: '40' } });
});
after(async () => {
  await h?.stop();
});

describe('a Looker row cap', () => {
  it('splits every capped window until each piece is under the cap, and loads every row once', async () => {
    const res = await h.call({ explores: ['history'], from: '2026-11-20', to: '2026-11-21' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const window of res.body.instances[0].explores[0].windows) {
      assert.ok(window.pieces >= 3, `window ${window.window} was read in ${window.pieces} pieces`);
    }
    await assertTableMatchesSource(h, day('2026-11-20'), day('2026-11-22'));
  });

  it('splits the initial load too', async () => {
    await h.reset();
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.instances[0].explores[0].windows[0].pieces > 70);
    await assertTableMatchesSource(h, day('2000-01-01'), day('2026-11-24'));
  });

  it('without splitting (LOOKER_ROW_CAP=0) the cap would lose rows silently: the reason it exists', async () => {
    await h.reset();
    const res = await h.instance({ LOOKER_ROW_CAP: '0' })({
      explores: ['history'],
      from: '2026-11-20',
      to: '2026-11-20',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.instances[0].explores[0].windows[0].rows, 40);
    assert.ok(h.stack.looker.truth('history', day('2026-11-20'), day('2026-11-21')).length > 40);
  });
});
