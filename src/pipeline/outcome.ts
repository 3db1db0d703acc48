/**
 * What a call answers, from what each explore ended as: one function, so Cloud Scheduler (and
 * Cloud Tasks) retry exactly what can pass. Pure; the table of cases is its unit spec.
 */
import type { ErrorSummary } from '../errors.js';
import type { ExploreSummary, InstanceSummary, RunSummary } from './types.js';

/** How one explore (or an instance that never reached its explores) ended, for the call's status. */
export type Outcome =
  /** Done, or done for today: nothing a retry would add. */
  | 'succeeded'
  /** Incremental work left for the next call (budget, monthly query allowance): not lost. */
  | 'partial'
  /** Another run holds the lease: retry later. */
  | 'busy'
  /** A snapshot that did not land but can still be taken today: retry today. */
  | 'snapshot-missed'
  /** A failure a retry may pass (Looker 503, a network error, a window out of time). */
  | 'transient'
  /** A failure no retry fixes (a rejected load, a field Looker no longer has). */
  | 'terminal';

export interface CallStatus {
  status: RunSummary['status'];
  /** 503 when any retry may pass, else 409 when something was busy, else 500 when something failed, else 200. */
  httpStatus: 200 | 409 | 500 | 503;
  /** A retry of the call may help (503 or 409). */
  retryable: boolean;
}

/**
 * 503 whenever any outcome could pass on retry (a transient failure, a snapshot that can still
 * be taken today), so one terminal failure never stops Scheduler from retrying what can pass;
 * 409 when only a lease was busy; 500 only when every failure is terminal; 200 otherwise.
 */
export function callStatus(outcomes: readonly Outcome[]): CallStatus {
  const has = (outcome: Outcome) => outcomes.includes(outcome);
  const failed = has('transient') || has('terminal');
  const status: RunSummary['status'] = failed
    ? 'failed'
    : has('busy')
      ? 'busy'
      : has('partial') || has('snapshot-missed')
        ? 'partial'
        : 'succeeded';
  const httpStatus =
    has('transient') || has('snapshot-missed') ? 503 : has('busy') ? 409 : has('terminal') ? 500 : 200;
  return { status, httpStatus, retryable: httpStatus === 503 || httpStatus === 409 };
}

/** What an explore's summary comes to. */
export function exploreOutcome(explore: ExploreSummary): Outcome {
  if (explore.status === 'busy') return 'busy';
  if (explore.status === 'failed') {
    return failures(explore).some((error) => error.transient) ? 'transient' : 'terminal';
  }
  if (explore.takeableToday) return 'snapshot-missed';
  if (explore.status === 'partial' || explore.status === 'deferred' || explore.status === 'skipped')
    return 'partial';
  return 'succeeded';
}

/** What an instance's summary comes to: its own failure, or its explores'. */
export function instanceOutcomes(instance: InstanceSummary): Outcome[] {
  if (instance.status === 'busy' && instance.explores.length === 0) return ['busy'];
  if (instance.error && instance.explores.length === 0)
    return [instance.error.transient ? 'transient' : 'terminal'];
  return instance.explores.map(exploreOutcome);
}

/** Every error of an explore: its own (planning) and each failed window's. */
function failures(explore: ExploreSummary): ErrorSummary[] {
  return [
    ...(explore.error ? [explore.error] : []),
    ...explore.windows.flatMap((w) => (w.status === 'failed' && w.error ? [w.error] : [])),
  ];
}
