/**
 * Whatever arrives, the request parser answers with a request inside the documented limits or
 * a BadRequestError that says what is wrong: never another exception, never a bad request let
 * through. Runs are kept modest so the suite stays fast; a failure prints its seed and shrunk case.
 */
import assert from 'node:assert/strict';
import { parse as parseQueryString } from 'node:querystring';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BadRequestError } from '../../src/errors.js';
import { explores } from '../../src/explores/index.js';
import { parseRunRequest, queryToBody } from '../../src/http/request.js';
import { MAX_BACKFILL_DAYS, startOfUtcDay } from '../../src/pipeline/windows.js';
import type { RunRequest } from '../../src/pipeline/types.js';

const RUNS = { numRuns: 300 };
const KNOWN = [...explores.keys()];
const DAY_MS = 86_400_000;
const FIELDS = new Set(['explores', 'from', 'to', 'dryRun']);

/** The clock: any instant in a wide range (the function's own clock, never user input). */
const nowArb = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

/** Parses, and checks the outcome against the documented contract. */
function check(input: unknown, now: Date): RunRequest | undefined {
  let request: RunRequest;
  try {
    request = parseRunRequest(input, now);
  } catch (error) {
    assert.ok(error instanceof BadRequestError, `not a BadRequestError: ${String(error)}`);
    assert.ok(error.problems.length > 0 && error.problems.every((p) => p.trim() !== ''), 'an empty problem');
    assert.ok(error.message.length > 'Invalid request: '.length);
    return undefined;
  }
  // No explores: the run exports the configured default.
  if (request.explores) {
    assert.ok(request.explores.length > 0);
    assert.equal(
      new Set(request.explores.map((e) => e.name)).size,
      request.explores.length,
      'an explore repeated',
    );
    for (const explore of request.explores)
      assert.equal(explores.get(explore.name), explore, 'an unknown explore');
  }
  assert.equal(typeof request.dryRun, 'boolean');
  if (request.backfill) {
    const { from, to } = request.backfill;
    assert.ok(!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()));
    assert.equal(from.getTime() % DAY_MS, 0, 'from is not a UTC day');
    assert.equal(to.getTime() % DAY_MS, 0, 'to is not a UTC day');
    assert.ok(from <= to, 'from after to');
    assert.ok(to < startOfUtcDay(now), 'to is not before today');
    assert.ok((to.getTime() - from.getTime()) / DAY_MS + 1 <= MAX_BACKFILL_DAYS, 'over the limit');
  }
  return request;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** Dates as a client would write them: mostly right, sometimes subtly wrong. */
const dateString = fc.oneof(
  fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2110-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map(isoDay),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
    )
    .map(
      ([y, m, d]) =>
        `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
);
const exploreName = fc.oneof(
  fc.constantFrom(...KNOWN),
  fc.string(),
  fc.constantFrom('__proto__', 'toString', ' content_usage', ''),
);
/** Anything at all, for fields that expect one type. */
const wrongType = fc.oneof(fc.anything(), fc.jsonValue());

/** Bodies shaped like a run request, each field sometimes right, sometimes of a wrong type. */
const requestLike = fc.record(
  {
    explores: fc.oneof(
      fc.array(exploreName, { maxLength: 6 }),
      fc.uniqueArray(fc.constantFrom(...KNOWN)),
      wrongType,
    ),
    from: fc.oneof(dateString, wrongType),
    to: fc.oneof(dateString, wrongType),
    dryRun: fc.oneof(fc.boolean(), wrongType),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('parseRunRequest under fuzzing', () => {
  it('answers any JSON value with a valid request or a BadRequestError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), nowArb, (body, now) => {
        check(body, now);
      }),
      RUNS,
    );
  });

  it('answers any JavaScript value (strings, numbers, arrays, objects of odd prototypes) the same way', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withObjectString: true,
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
        }),
        nowArb,
        (body, now) => {
          check(body, now);
        },
      ),
      RUNS,
    );
  });

  it('keeps every limit on bodies shaped like a request', () => {
    fc.assert(
      fc.property(requestLike, nowArb, (body, now) => {
        check(body, now);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts every backfill inside the limits and refuses every one outside them', () => {
    fc.assert(
      fc.property(
        nowArb,
        fc.integer({ min: -5, max: 800 }),
        fc.integer({ min: -3, max: MAX_BACKFILL_DAYS + 3 }),
        (now, daysBack, span) => {
          const today = startOfUtcDay(now).getTime();
          const to = new Date(today - daysBack * DAY_MS);
          const from = new Date(to.getTime() - (span - 1) * DAY_MS);
          const request = check({ from: isoDay(from), to: isoDay(to) }, now);
          const inside = daysBack >= 1 && span >= 1 && span <= MAX_BACKFILL_DAYS;
          assert.equal(
            request !== undefined,
            inside,
            `${isoDay(from)}..${isoDay(to)} at ${now.toISOString()}`,
          );
        },
      ),
      RUNS,
    );
  });

  it('refuses huge explore lists without trouble', () => {
    fc.assert(
      fc.property(fc.integer({ min: 101, max: 20_000 }), exploreName, (length, name) => {
        assert.equal(check({ explores: Array.from({ length }, () => name) }, new Date()), undefined);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses any field it does not know', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'Explores', 'from '), fc.string())
          .filter((key) => !FIELDS.has(key)),
        fc.jsonValue(),
        (key, value) => {
          // As JSON.parse builds it: `__proto__` is an own key there, not the prototype.
          const body = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`) as unknown;
          assert.equal(check(body, new Date()), undefined, `accepted ${JSON.stringify(key)}`);
        },
      ),
      RUNS,
    );
  });
});

describe('the GET query string under fuzzing', () => {
  /** Query strings as they arrive: known and unknown keys, repeated keys, encodings. */
  const queryString = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('explores', 'from', 'to', 'dryRun', '__proto__', 'constructor'),
          fc.string(),
        ),
        fc.oneof(
          fc.constantFrom('true', 'false', 'TRUE', '', KNOWN.join(','), `${KNOWN[0]},${KNOWN[0]}`),
          dateString,
          fc.string(),
        ),
      ),
      { maxLength: 6 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

  it('answers any query string with a valid request or a BadRequestError', () => {
    fc.assert(
      fc.property(fc.oneof(queryString, fc.string()), nowArb, (raw, now) => {
        // node:querystring is the parser of Express 5 (`query parser: simple`), which the function framework uses.
        const query = parseQueryString(raw) as Record<string, unknown>;
        const request = check(queryToBody(query), now);
        if (request) {
          for (const key of Object.keys(query))
            assert.ok(FIELDS.has(key), `unknown parameter ${JSON.stringify(key)} accepted`);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
