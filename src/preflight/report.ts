/** How one dependency fared: `warning` works, with a consequence the detail names. */
export type CheckStatus = 'ok' | 'failed' | 'warning';

/** One line of the preflight report. Never holds a secret value: only names, hosts and messages. */
export interface CheckResult {
  /** The Looker instance the check is about; absent for shared dependencies (bucket, Firestore). */
  instance?: string;
  /** Stable name: `secret`, `looker.login`, `looker.system_activity`, `looker.row_limit`, ... */
  check: string;
  /** The explore a `looker.explore_metadata` check read. */
  explore?: string;
  status: CheckStatus;
  /** What was checked and what was found. */
  detail: string;
  /** What to change to make it pass; empty when it passed. */
  fix: string;
  /** A failure that may pass on a later try without anyone changing anything. */
  retryable?: boolean;
}

export interface PreflightReport {
  /** `failed` if any check failed, else `warning` if any warned, else `ok`. */
  status: CheckStatus;
  /** Every failure may pass on retry (a timeout, an unavailable service): 503 rather than 500. */
  retryable: boolean;
  checks: CheckResult[];
}

export function summarise(checks: CheckResult[]): PreflightReport {
  const failed = checks.filter((c) => c.status === 'failed');
  const status: CheckStatus = failed.length
    ? 'failed'
    : checks.some((c) => c.status === 'warning')
      ? 'warning'
      : 'ok';
  return { status, retryable: failed.length > 0 && failed.every((c) => c.retryable === true), checks };
}

/**
 * The HTTP status of a report: 200 when nothing failed (warnings included: the export works),
 * 503 when every failure may pass on retry, 500 when one needs an operator, as for a run.
 */
export function httpStatusOf(report: PreflightReport): number {
  if (report.status !== 'failed') return 200;
  return report.retryable ? 503 : 500;
}

export const ok = (check: string, detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  ...extra,
  check,
  status: 'ok',
  detail,
  fix: '',
});
