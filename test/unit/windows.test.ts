import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EPOCH,
  lookerTimeFilter,
  planBackfill,
  planScheduled,
  planSnapshot,
} from '../../src/pipeline/windows.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const labels = (windows: { label: string; kind: string }[]) => windows.map((w) => `${w.kind}:${w.label}`);

describe('planScheduled', () => {
  const now = new Date('2026-11-24T03:00:00Z');

  it('loads everything before today in one initial window on the first run', () => {
    const windows = planScheduled({ initialLoadDone: false, watermark: null }, now, 1);
    assert.equal(windows.length, 1);
    assert.deepEqual(windows[0], { kind: 'initial', start: EPOCH, end: day('2026-11-24'), label: 'initial' });
  });

  it('re-reads the settle day and loads the new complete day on a daily run', () => {
    const windows = planScheduled({ initialLoadDone: true, watermark: day('2026-11-23') }, now, 1);
    assert.deepEqual(labels(windows), ['settle:dt=2026-11-22', 'new:dt=2026-11-23']);
    assert.deepEqual(windows[1], {
      kind: 'new',
      start: day('2026-11-23'),
      end: day('2026-11-24'),
      partition: '20261123',
      label: 'dt=2026-11-23',
    });
  });

  it('catches up every day a skipped run missed, one window per day', () => {
    const windows = planScheduled({ initialLoadDone: true, watermark: day('2026-11-20') }, now, 1);
    assert.deepEqual(labels(windows), [
      'settle:dt=2026-11-19',
      'new:dt=2026-11-20',
      'new:dt=2026-11-21',
      'new:dt=2026-11-22',
      'new:dt=2026-11-23',
    ]);
  });

  it('only re-reads the settle period when run twice on the same day', () => {
    const windows = planScheduled({ initialLoadDone: true, watermark: day('2026-11-24') }, now, 1);
    assert.deepEqual(labels(windows), ['settle:dt=2026-11-23']);
  });

  it('honours a longer settle period, and none at all', () => {
    assert.equal(planScheduled({ initialLoadDone: true, watermark: day('2026-11-24') }, now, 3).length, 3);
    assert.deepEqual(planScheduled({ initialLoadDone: true, watermark: day('2026-11-24') }, now, 0), []);
  });

  it('treats a missing watermark as no initial load', () => {
    assert.equal(planScheduled({ initialLoadDone: true, watermark: null }, now, 1)[0]?.kind, 'initial');
  });
});

describe('planBackfill', () => {
  it('makes one window per day, both ends inclusive', () => {
    const windows = planBackfill(day('2026-10-30'), day('2026-11-02'));
    assert.deepEqual(
      windows.map((w) => w.partition),
      ['20261030', '20261031', '20261101', '20261102'],
    );
    assert.ok(
      windows.every((w) => w.kind === 'backfill' && w.end.getTime() - w.start.getTime() === 86_400_000),
    );
  });
});

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
