import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../src/errors.js';
import { parseRunRequest, queryToBody } from '../../src/http/request.js';

const now = new Date('2026-11-24T03:00:00Z');

function problemsOf(body: unknown): readonly string[] {
  try {
    parseRunRequest(body, now);
  } catch (error) {
    assert.ok(error instanceof BadRequestError, String(error));
    return error.problems;
  }
  assert.fail('expected a BadRequestError');
}

describe('parseRunRequest', () => {
  it('leaves the explores to the configured default when the body names none', () => {
    const request = parseRunRequest({}, now);
    assert.equal(request.explores, undefined);
    assert.equal(request.backfill, undefined);
    assert.equal(request.dryRun, false);
    assert.deepEqual(parseRunRequest(undefined, now), request);
  });

  it('reads a backfill of whole days', () => {
    const request = parseRunRequest(
      { explores: ['content_usage'], from: '2026-10-01', to: '2026-10-31', dryRun: true },
      now,
    );
    assert.deepEqual(request.backfill, {
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2026-10-31T00:00:00Z'),
    });
    assert.equal(request.dryRun, true);
  });

  const refused: [string, unknown, RegExp][] = [
    ['an unknown explore', { explores: ['nope'] }, /unknown explore "nope"/],
    ['an empty explore list', { explores: [] }, /at least one explore/],
    ['explores that is not a list', { explores: 'content_usage' }, /explores/],
    ['a repeated explore', { explores: ['content_usage', 'content_usage'] }, /must not repeat/],
    ['from without to', { from: '2026-10-01' }, /from and to go together/],
    ['from after to', { from: '2026-10-02', to: '2026-10-01' }, /is after/],
    ['a date that is not a date', { from: '2026-02-30', to: '2026-03-01' }, /not a real date/],
    ['a date in another format', { from: '10/01/2026', to: '2026-10-02' }, /YYYY-MM-DD/],
    ['today, which is not complete', { from: '2026-11-20', to: '2026-11-24' }, /before today/],
    ['a range over the limit', { from: '2024-01-01', to: '2026-01-01' }, /at most 400 days/],
    ['dryRun that is not a boolean', { dryRun: 'yes' }, /dryRun/],
    ['an unknown field', { explore: 'content_usage' }, /unknown field\(s\): explore/],
    ['a number for a date', { from: 20261001, to: '2026-10-02' }, /from/],
  ];
  for (const [what, body, expected] of refused) {
    it(`refuses ${what}`, () => {
      assert.match(problemsOf(body).join('\n'), expected);
    });
  }

  it('reads a GET query string as the same request', () => {
    assert.deepEqual(
      queryToBody({ explores: 'content_usage, history', dryRun: 'true', from: '2026-10-01' }),
      {
        explores: ['content_usage', 'history'],
        dryRun: true,
        from: '2026-10-01',
      },
    );
  });
});
