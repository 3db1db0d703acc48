/**
 * What a call answers, from what its explores ended as: one table, one function. Cloud
 * Scheduler retries 503 and 409 and stops at 500, so a retry must be asked for whenever any
 * explore could pass on one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { emptyExplore } from '../../src/pipeline/explore.js';
import { callStatus, exploreOutcome, instanceOutcomes, type Outcome } from '../../src/pipeline/outcome.js';
import type { ExploreSummary, WindowSummary } from '../../src/pipeline/types.js';

const cases: [readonly Outcome[], ReturnType<typeof callStatus>][] = [
  [[], { status: 'succeeded', httpStatus: 200, retryable: false }],
  [['succeeded', 'succeeded'], { status: 'succeeded', httpStatus: 200, retryable: false }],
  [['succeeded', 'partial'], { status: 'partial', httpStatus: 200, retryable: false }],
  [['partial', 'snapshot-missed'], { status: 'partial', httpStatus: 503, retryable: true }],
  [['succeeded', 'busy'], { status: 'busy', httpStatus: 409, retryable: true }],
  [['busy', 'snapshot-missed'], { status: 'busy', httpStatus: 503, retryable: true }],
  [['succeeded', 'transient'], { status: 'failed', httpStatus: 503, retryable: true }],
  [['succeeded', 'terminal'], { status: 'failed', httpStatus: 500, retryable: false }],
  // A terminal failure never masks what a retry can still pass.
  [['transient', 'terminal'], { status: 'failed', httpStatus: 503, retryable: true }],
  [['terminal', 'snapshot-missed'], { status: 'failed', httpStatus: 503, retryable: true }],
  [['terminal', 'busy'], { status: 'failed', httpStatus: 409, retryable: true }],
  [['terminal', 'terminal', 'partial'], { status: 'failed', httpStatus: 500, retryable: false }],
];

describe('the status a call answers', () => {
  for (const [outcomes, expected] of cases)
    it(`is ${expected.httpStatus} ${expected.status} for ${outcomes.join(' + ') || 'nothing'}`, () => {
      assert.deepEqual(callStatus(outcomes), expected);
      // The order of the explores does not matter.
      assert.deepEqual(callStatus([...outcomes].reverse()), expected);
    });
});

const history = explores.get('history')!;
const user = explores.get('user')!;
const failedWindow = (transient: boolean): WindowSummary => ({
  window: 'dt=2026-11-20',
  kind: 'new',
  start: '2026-11-20T00:00:00.000Z',
  end: '2026-11-21T00:00:00.000Z',
  status: 'failed',
  error: { message: 'Looker answered 503', transient, code: 'looker_error' },
});
const summary = (explore = history, fields: Partial<ExploreSummary> = {}): ExploreSummary => ({
  ...emptyExplore(explore),
  ...fields,
});

describe("an explore's outcome", () => {
  it('is what its typed errors say, never its messages', () => {
    assert.equal(
      exploreOutcome(summary(history, { status: 'failed', windows: [failedWindow(true)] })),
      'transient',
    );
    assert.equal(
      exploreOutcome(summary(history, { status: 'failed', windows: [failedWindow(false)] })),
      'terminal',
    );
    // A failure while planning is the explore's own error.
    assert.equal(
      exploreOutcome(
        summary(history, {
          status: 'failed',
          error: { message: '[transient] looks transient but is not', transient: false, code: 'integrity' },
        }),
      ),
      'terminal',
    );
    // Any transient failure among terminal ones makes a retry worth it.
    assert.equal(
      exploreOutcome(
        summary(history, { status: 'failed', windows: [failedWindow(false), failedWindow(true)] }),
      ),
      'transient',
    );
  });

  it('is a missed snapshot when the budget skipped a snapshot (a retry today still takes it)', () => {
    assert.equal(
      exploreOutcome(summary(user, { status: 'skipped', takeableToday: true })),
      'snapshot-missed',
    );
    assert.equal(
      exploreOutcome(summary(user, { status: 'partial', takeableToday: true })),
      'snapshot-missed',
    );
    // An incremental explore skipped by the budget waits for the next call.
    assert.equal(exploreOutcome(summary(history, { status: 'skipped' })), 'partial');
    assert.equal(exploreOutcome(summary(history, { status: 'deferred' })), 'partial');
    assert.equal(exploreOutcome(summary(history, { status: 'busy' })), 'busy');
    assert.equal(exploreOutcome(summary(history)), 'succeeded');
  });

  it("of an instance that never reached its explores is its own failure's", () => {
    const instance = { instance: 'us', dataset: 'd', explores: [] };
    assert.deepEqual(
      instanceOutcomes({
        ...instance,
        status: 'failed',
        error: { message: 'Firestore down', transient: true, code: 'firestore_error' },
      }),
      ['transient'],
    );
    assert.deepEqual(instanceOutcomes({ ...instance, status: 'busy' }), ['busy']);
    assert.deepEqual(
      instanceOutcomes({
        ...instance,
        status: 'failed',
        error: { message: 'shared collection', transient: false, code: 'config' },
      }),
      ['terminal'],
    );
  });
});
