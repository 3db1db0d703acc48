import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookerTimeFilter, planSnapshot } from '../../src/pipeline/windows.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('lookerTimeFilter', () => {
  it('writes a half-open range in the form Looker parses', () => {
    assert.equal(
      lookerTimeFilter({ start: day('2026-11-01'), end: day('2026-11-02') }),
      '2026-11-01 00:00:00 to 2026-11-02 00:00:00',
    );
  });
});

describe('planSnapshot', () => {
  const now = new Date('2026-11-24T03:00:00Z');
  it("plans today's snapshot when none was loaded today", () => {
    for (const watermark of [null, new Date('2026-11-20T00:00:00Z'), new Date('2026-11-24T00:00:00Z')]) {
      const [window, ...rest] = planSnapshot({ initialLoadDone: watermark !== null, watermark }, now);
      assert.deepEqual(rest, []);
      assert.deepEqual(window, {
        kind: 'snapshot',
        start: new Date('2026-11-24T00:00:00Z'),
        end: new Date('2026-11-25T00:00:00Z'),
        partition: '20261124',
        label: 'snapshot=2026-11-24',
      });
    }
  });
  it('plans nothing when today is already loaded', () => {
    assert.deepEqual(
      planSnapshot({ initialLoadDone: true, watermark: new Date('2026-11-25T00:00:00Z') }, now),
      [],
    );
  });
});
