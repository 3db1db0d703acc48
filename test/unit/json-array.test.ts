import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonArrayError, JsonArraySplitter } from '../../src/transform/json-array.js';

const rows = [
  { a: 1, b: 'plain' },
  { a: 2, b: 'quote " and backslash \\ and brace } and bracket ]' },
  { a: 3, b: 'ünïcödé ☃ 📉 売上', nested: { x: [1, { y: '}' }] } },
  { a: 4, b: null, c: '\\"' },
];
const text = `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]`;

function split(chunks: Buffer[]): unknown[] {
  const splitter = new JsonArraySplitter();
  const out = chunks.flatMap((chunk) => splitter.push(chunk));
  splitter.end();
  return out;
}

describe('JsonArraySplitter', () => {
  it('yields each element of a JSON array, parsed, from one chunk', () => {
    assert.deepEqual(split([Buffer.from(text)]), rows);
  });

  it('gives the same result wherever the chunks are cut, even inside a UTF-8 character or an escape', () => {
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(split([bytes.subarray(0, cut), bytes.subarray(cut)]), rows, `cut at ${cut}`);
    }
    assert.deepEqual(split([...bytes].map((b) => Buffer.from([b]))), rows, 'one byte at a time');
  });

  it('accepts an empty array', () => {
    assert.deepEqual(split([Buffer.from(' [ ] ')]), []);
  });

  const broken: [string, string, RegExp][] = [
    ['a body that is not an array', '{"message":"error"}', /not a JSON array/],
    ['an empty body', '', /empty/],
    ['a truncated array', '[{"a":1},{"a":', /ends inside the array, after 1 elements/],
    ['an array that never closes', '[{"a":1}', /ends inside the array/],
    ['an element that is not an object', '[1,2]', /not an object/],
    ['invalid JSON inside an element', '[{"a":tru}]', /element 0 is not valid JSON/],
    ['data after the array', '[{"a":1}] x', /after the end/],
    ['a missing comma', '[{"a":1} {"a":2}]', /unexpected byte/],
  ];
  for (const [what, body, message] of broken) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => split([Buffer.from(body)]),
        (error: Error) => error instanceof JsonArrayError && message.test(error.message),
      );
    });
  }
});
