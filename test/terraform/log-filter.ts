import assert from 'node:assert/strict';

/**
 * The Logging query language subset the module's filters use: terms joined by AND, each
 * `field="text"` (equality), `field!="text"` (NOT equality: an entry without the field matches
 * too, as `NOT field="text"` does in Logging) or `field=~"re2"` (a regular expression search).
 */
export function logFilterMatches(filter: string, entry: Record<string, unknown>): boolean {
  return filter.split(' AND ').every((term) => {
    const m = /^([\w.]+)(=~|!=|=)"((?:[^"\\]|\\.)*)"$/.exec(term.trim());
    assert.ok(m, `filter term ${term} is outside the subset this check reads`);
    const actual = m[1]!.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], entry);
    const expected = JSON.parse(`"${m[3]!}"`) as string;
    if (m[2] === '!=') return actual !== expected;
    if (typeof actual !== 'string') return false;
    return m[2] === '=' ? actual === expected : new RegExp(expected).test(actual);
  });
}

/** A log entry as Cloud Logging stores a line a function wrote on stdout. */
export function functionEntry(jsonPayload: Record<string, unknown>, service = 'looker-activity-export') {
  return { resource: { type: 'cloud_run_revision', labels: { service_name: service, revision_name: `${service}-00001-abc` } }, jsonPayload };
}
