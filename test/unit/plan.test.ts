import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packWindows, scheduledRange, type DayCounts } from '../../src/pipeline/plan.js';
import { addDays, isoDay } from '../../src/pipeline/windows.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const counts = (entries: Record<string, number>): DayCounts => new Map(Object.entries(entries));
/** Counted rows of the days in `[start, end)`. */
function countedIn(counts: DayCounts, start: Date, end: Date): number {
  let total = 0;
  for (let d = start; d < end; d = addDays(d, 1)) total += counts.get(isoDay(d)) ?? 0;
  return total;
}
const shape = (windows: { label: string; counted: number | null; kind: string }[]) =>
  windows.map((w) => `${w.kind}:${w.label}:${w.counted}`);

describe('scheduledRange', () => {
  const now = new Date('2026-11-24T03:00:00Z');

  it('starts a first initial load at the earliest day Looker has (no start) and ends before today', () => {
    assert.deepEqual(scheduledRange({ initialLoadDone: false, watermark: null }, now, 1), {
      start: undefined,
      end: day('2026-11-24'),
      kind: 'initial',
    });
  });

  it('resumes an unfinished initial load at its watermark, without re-reading settle days', () => {
    assert.deepEqual(scheduledRange({ initialLoadDone: false, watermark: day('2026-09-10') }, now, 1), {
      start: day('2026-09-10'),
      end: day('2026-11-24'),
      kind: 'initial',
    });
  });

  it('re-reads the settle days before the watermark and everything after it on a daily run', () => {
    assert.deepEqual(scheduledRange({ initialLoadDone: true, watermark: day('2026-11-20') }, now, 1), {
      start: day('2026-11-19'),
      end: day('2026-11-24'),
      kind: 'daily',
    });
    assert.deepEqual(
      scheduledRange({ initialLoadDone: true, watermark: day('2026-11-24') }, now, 3).start,
      day('2026-11-21'),
    );
  });

  it('plans nothing on a second run of the day with no settle days (Elite System Activity)', () => {
    const range = scheduledRange({ initialLoadDone: true, watermark: day('2026-11-24') }, now, 0);
    assert.ok(range.start! >= range.end);
  });
});

describe('packWindows', () => {
  const range = { start: day('2026-11-01'), end: day('2026-11-06') };

  it('packs consecutive days up to the row budget, a day never split across windows', () => {
    const windows = packWindows(
      counts({ '2026-11-01': 40, '2026-11-02': 50, '2026-11-03': 30, '2026-11-04': 0, '2026-11-05': 100 }),
      range,
      100,
      'initial',
    );
    assert.deepEqual(shape(windows), [
      'initial:dt=2026-11-01..2026-11-02:90',
      'initial:dt=2026-11-03..2026-11-04:30',
      'initial:dt=2026-11-05:100',
    ]);
    assert.deepEqual(windows[0]!.start, day('2026-11-01'));
    assert.deepEqual(windows.at(-1)!.end, day('2026-11-06'));
    // Contiguous: each window starts where the previous ended.
    for (let i = 1; i < windows.length; i++) assert.deepEqual(windows[i]!.start, windows[i - 1]!.end);
  });

  it('gives a day above the budget a window of its own', () => {
    const windows = packWindows(counts({ '2026-11-02': 500, '2026-11-03': 1 }), range, 100, 'new');
    assert.deepEqual(shape(windows), [
      'new:dt=2026-11-01..2026-11-02:500',
      'new:dt=2026-11-03..2026-11-05:1',
    ]);
  });

  it('makes one empty window of a range without rows, so the watermark moves past it', () => {
    assert.deepEqual(shape(packWindows(counts({}), range, 100, 'new')), ['new:dt=2026-11-01..2026-11-05:0']);
  });

  it('starts at the earliest counted day when the range has no start', () => {
    const windows = packWindows(
      counts({ '2026-08-30': 3, '2026-11-02': 4 }),
      { end: day('2026-11-04') },
      1000,
      'initial',
    );
    assert.deepEqual(shape(windows), ['initial:dt=2026-08-30..2026-11-03:7']);
    assert.deepEqual(packWindows(counts({}), { end: day('2026-11-04') }, 1000, 'initial'), []);
  });

  it('every counted row of the range is in exactly one window', () => {
    const days = counts({ '2026-11-01': 7, '2026-11-02': 9, '2026-11-03': 2, '2026-11-05': 11 });
    for (const budget of [1, 5, 10, 16, 100]) {
      const windows = packWindows(days, range, budget, 'new');
      assert.equal(
        windows.reduce((sum, w) => sum + (w.counted ?? 0), 0),
        29,
      );
      for (const w of windows) assert.equal(w.counted, countedIn(days, w.start, w.end));
    }
  });
});
