import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addUsage, allowanceOf, currentUsage } from '../../src/pipeline/query-budget.js';

const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('the monthly Looker query budget', () => {
  it('gives each day an even share of what the month has left', () => {
    // 1,000 calls, 30 days in November, nothing spent: 33 a day.
    const first = allowanceOf(1000, undefined, at('2026-11-01'));
    assert.equal(first.allowanceToday, 33);
    assert.equal(first.leftToday, 33);
    // 400 spent before the 21st leaves 600 for 10 days.
    const usage = { month: '2026-11', calls: 400, day: '2026-11-20', dayCalls: 30 };
    assert.equal(allowanceOf(1000, usage, at('2026-11-21')).allowanceToday, 60);
  });

  it('counts what today already spent against today only', () => {
    const usage = { month: '2026-11', calls: 420, day: '2026-11-21', dayCalls: 20 };
    const allowance = allowanceOf(1000, usage, at('2026-11-21'));
    // The day began with 600 left for 10 days: 60 today, 20 of them spent.
    assert.equal(allowance.allowanceToday, 60);
    assert.equal(allowance.leftToday, 40);
  });

  it('starts every month afresh', () => {
    const usage = { month: '2026-11', calls: 1000, day: '2026-11-30', dayCalls: 40 };
    assert.deepEqual(currentUsage(usage, at('2026-12-01')), {
      month: '2026-12',
      calls: 0,
      day: '2026-12-01',
      dayCalls: 0,
    });
    assert.equal(allowanceOf(1000, usage, at('2026-11-30')).leftToday, 0);
    assert.equal(allowanceOf(1000, usage, at('2026-12-01')).leftToday, 32);
  });

  it('has no limit at 0', () => {
    const allowance = allowanceOf(
      0,
      { month: '2026-11', calls: 10 ** 6, day: '2026-11-21', dayCalls: 5 },
      at('2026-11-21'),
    );
    assert.equal(allowance.leftToday, Infinity);
    assert.equal(allowance.usedThisMonth, 10 ** 6);
  });

  it('never lets a month spend more than its budget, whatever each day spends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 31, maxLength: 31 }),
        (limit, appetite) => {
          let usage;
          let spent = 0;
          for (let day = 1; day <= 31; day++) {
            const now = at(`2026-12-${String(day).padStart(2, '0')}`);
            const left = allowanceOf(limit, usage, now).leftToday;
            const calls = Math.floor(left * appetite[day - 1]!);
            usage = addUsage(usage, calls, now);
            spent += calls;
          }
          assert.ok(spent <= limit, `${spent} > ${limit}`);
          assert.equal(usage!.calls, spent);
        },
      ),
    );
  });
});
