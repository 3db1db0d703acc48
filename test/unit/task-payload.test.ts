import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../src/errors.js';
import { continuationOf, parseTaskPayload, taskId, type TaskPayload } from '../../src/tasks/payload.js';

const daily: TaskPayload = { v: 1, instance: 'us', explore: 'history', planDay: '2026-11-24', part: 1 };

describe('task payloads and names', () => {
  it('names a task after its work alone, so the same plan twice is the same name', () => {
    assert.equal(taskId(daily), taskId({ ...daily }));
    assert.match(taskId(daily), /^[0-9a-f]{8}-history-20261124-daily-p1$/);
    assert.match(taskId(daily), /^[A-Za-z0-9_-]{1,500}$/, 'a valid Cloud Tasks task id');
  });

  it('gives every instance, explore, day, scope and part its own name', () => {
    const variants: TaskPayload[] = [
      daily,
      { ...daily, instance: 'emea' },
      { ...daily, explore: 'event' },
      { ...daily, planDay: '2026-11-25' },
      continuationOf(daily),
      { ...daily, backfill: { from: '2026-10-01', to: '2026-10-31' } },
      { ...daily, backfill: { from: '2026-10-01', to: '2026-10-30' } },
    ];
    assert.equal(new Set(variants.map(taskId)).size, variants.length);
  });

  it('refuses a malformed task, naming each problem', () => {
    assert.throws(
      () =>
        parseTaskPayload({
          v: 2,
          instance: 'us',
          explore: 'history',
          planDay: '24/11/2026',
          part: 0,
          extra: 1,
        }),
      (error: unknown) => {
        assert.ok(error instanceof BadRequestError);
        const text = error.problems.join('\n');
        for (const field of ['task.v', 'task.planDay', 'task.part', 'extra'])
          assert.match(text, new RegExp(field.replace('.', '\\.')));
        return true;
      },
    );
    assert.deepEqual(parseTaskPayload(daily), daily);
  });
});
