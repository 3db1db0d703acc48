/**
 * How long a running window may go on past the budget: a tenth of it, at least ten seconds and
 * at most five minutes (the function's timeout, and a task's dispatch deadline, must leave this
 * much after the budget).
 */
export function graceMs(budgetMs: number): number {
  return Math.min(Math.max(Math.round(budgetMs / 10), 10_000), 300_000);
}
