/**
 * What a task call answers, from the summary of its run: the status Cloud Tasks acts on, and
 * when the next part is enqueued. The run itself is end to end in test/integration/fan-out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { createLogger } from '../../src/log.js';
import { emptyExplore } from '../../src/pipeline/explore.js';
import type { ExploreSummary, RunSummary } from '../../src/pipeline/types.js';
import type { TaskPayload } from '../../src/tasks/payload.js';
import type { TaskQueue } from '../../src/tasks/queue.js';
import { runTask, taskStatusCode } from '../../src/tasks/worker.js';
import { Writable } from 'node:stream';

const task: TaskPayload = { v: 1, instance: 'us', explore: 'history', planDay: '2026-11-24', part: 3 };
const silent = createLogger(new Writable({ write: (_c, _e, done) => done() }), 'debug');

function summaryWith(
  explore: Partial<ExploreSummary>,
  status: RunSummary['status'] = 'succeeded',
): RunSummary {
  return {
    runId: 'r',
    mode: 'scheduled',
    dryRun: false,
    status,
    // What the task answers is read from the explores' typed outcomes, not from these.
    httpStatus: 200,
    retryable: false,
    lookerQueries: 0,
    durationMs: 0,
    instances: [
      {
        instance: 'us',
        dataset: 'd',
        status: status === 'busy' ? 'busy' : status,
        explores: [{ ...emptyExplore(explores.get('history')!), ...explore }],
      },
    ],
  };
}

async function outcome(summary: RunSummary) {
  const enqueued: TaskPayload[] = [];
  const queue: TaskQueue = { enqueue: async (_q, payload) => (enqueued.push(payload), 'enqueued') };
  const result = await runTask(task, {
    run: async () => summary,
    queue,
    queueOf: () => 'projects/p/locations/l/queues/q',
    logger: silent,
  });
  return { status: result.status, code: taskStatusCode(result), parts: enqueued.map((p) => p.part) };
}

const window = (status: 'loaded' | 'failed' | 'skipped', transient = true) => ({
  window: 'w',
  kind: 'initial' as const,
  start: '',
  end: '',
  status,
  ...(status === 'failed' && { error: { message: 'it failed', transient, code: 'looker_error' } }),
});

describe('a task call', () => {
  it('is done when its explore is', async () => {
    assert.deepEqual(await outcome(summaryWith({ windows: [window('loaded')] })), {
      status: 'done',
      code: 200,
      parts: [],
    });
  });

  it('hands on to the next part when the budget stopped it between windows', async () => {
    const summary = summaryWith(
      { status: 'partial', windows: [window('loaded'), window('skipped')] },
      'partial',
    );
    assert.deepEqual(await outcome(summary), { status: 'continued', code: 200, parts: [4] });
  });

  it('hands on too when the window in flight outlived the grace, once an earlier window landed', async () => {
    const summary = summaryWith(
      { status: 'failed', outOfTime: true, windows: [window('loaded'), window('failed'), window('skipped')] },
      'failed',
    );
    assert.deepEqual(await outcome(summary), { status: 'continued', code: 200, parts: [4] });
  });

  it('is retried by the queue when its first window already outlived the grace', async () => {
    const summary = summaryWith({ status: 'failed', outOfTime: true, windows: [window('failed')] }, 'failed');
    assert.deepEqual(await outcome(summary), { status: 'retry', code: 503, parts: [] });
  });

  it('answers 409 when another task holds the explore, 503 for transient and 200 for terminal failures', async () => {
    assert.deepEqual(await outcome(summaryWith({ status: 'busy' }, 'busy')), {
      status: 'busy',
      code: 409,
      parts: [],
    });
    assert.deepEqual(
      await outcome(summaryWith({ status: 'failed', windows: [window('failed', true)] }, 'failed')),
      { status: 'retry', code: 503, parts: [] },
    );
    assert.deepEqual(
      await outcome(summaryWith({ status: 'failed', windows: [window('failed', false)] }, 'failed')),
      { status: 'failed', code: 200, parts: [] },
    );
  });

  it('waits for tomorrow when the query budget deferred it', async () => {
    assert.deepEqual(await outcome(summaryWith({ status: 'deferred' }, 'partial')), {
      status: 'done',
      code: 200,
      parts: [],
    });
  });
});
