/**
 * The HTTP contract: bad input gets a 4xx naming what was wrong and changes nothing; no secret
 * ever reaches a response or a log line.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import fc from 'fast-check';
import * as functions from '@google-cloud/functions-framework';
import { createHttpHandler } from '../../src/http/handler.js';
import { startHarness, type Harness } from '../support/harness.js';
import { progressDoc } from '../support/oracle.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

function parsesAsJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}

async function assertNothingLoaded() {
  assert.equal(h.stack.looker.requests.length, 0, 'Looker was called');
  assert.equal(h.stack.bigquery.jobs.length, 0, 'a load job ran');
  const [objects] = await h.clients.storage.bucket(h.config.gcs.bucket).getFiles();
  assert.equal(objects.length, 0, 'an object was staged');
  assert.equal(await progressDoc(h.clients.firestore, h), undefined);
}

describe('bad requests', () => {
  const cases: [string, Parameters<Harness['call']>, number, RegExp][] = [
    ['an unknown explore', [{ explores: ['nope'] }], 400, /unknown explore "nope"/],
    ['from after to', [{ from: '2026-11-10', to: '2026-11-01' }], 400, /is after/],
    ['a range over the limit', [{ from: '2020-01-01', to: '2026-01-01' }], 400, /at most 400 days/],
    ['a backfill reaching today', [{ from: '2026-11-20', to: '2026-11-24' }], 400, /before today/],
    ['a wrong type', [{ dryRun: 'yes' }], 400, /dryRun/],
    ['an unknown field', [{ form: '2026-11-01' }], 400, /unknown field\(s\): form/],
    ['a JSON array', [undefined, { raw: '[1,2]' }], 400, /JSON object/],
    ['malformed JSON', [undefined, { raw: '{"from": ' }], 400, /body is not valid JSON/],
    [
      'a non-JSON content type',
      [undefined, { raw: 'from=2026-11-01', contentType: 'application/x-www-form-urlencoded' }],
      415,
      /not application\/json/,
    ],
    [
      'a huge body',
      [undefined, { raw: JSON.stringify({ explores: ['x'.repeat(20_000)] }) }],
      413,
      /at most 16384/,
    ],
    ['PUT with malformed JSON', [undefined, { method: 'put', raw: '{"from": ' }], 405, /use POST/],
    ['PUT', [undefined, { method: 'put' }], 405, /use POST/],
    ['DELETE', [undefined, { method: 'delete' }], 405, /use POST/],
    [
      'a GET with a __proto__ parameter',
      [undefined, { method: 'get', query: '__proto__=x&dryRun=true' }],
      400,
      /unknown field\(s\): __proto__/,
    ],
    [
      'a GET with a bad query',
      [undefined, { method: 'get', query: { explores: 'nope' } }],
      400,
      /unknown explore/,
    ],
  ];
  for (const [what, args, status, message] of cases) {
    it(`answers ${status} to ${what} and does nothing`, async () => {
      const res = await h.call(...args);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(String(res.headers['content-type']), /^application\/json/, res.text);
      assert.match(String(res.body.error), message);
      assert.equal(typeof res.body.code, 'string');
      assert.equal(await progressDoc(h.clients.firestore, h), undefined);
      assert.equal(h.stack.looker.requests.length, 0, 'Looker was called for a bad request');
    });
  }

  it('never echoes a malformed body into the response or the logs', async () => {
    const marker = 'not-json-but-maybe-a-secret-3f9a';
    for (const raw of [marker, `{"from": "${marker}`, `["${marker}",]`]) {
      const res = await h.call(undefined, { raw });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error, /body is not valid JSON/);
      assert.ok(!res.text.includes(marker), res.text);
    }
    assert.ok(!h.logs.raw.join('\n').includes(marker), 'the body was logged');
  });

  it('accepts a GET with query parameters as a dry run', async () => {
    const res = await h.call(undefined, {
      method: 'get',
      query: { explores: 'history', dryRun: 'true' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.dryRun, true);
    // A dry run plans from Looker's counts (one query) and writes nothing.
    assert.equal(res.body.lookerQueries, 1);
    assert.equal(h.stack.bigquery.jobs.length, 0);
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
    await h.reset();
  });
});

describe('random bad requests', () => {
  const jsonType = fc.constantFrom('application/json', 'application/json; charset=utf-8');
  const jsonObjectOrArray = fc
    .oneof(
      fc.array(fc.jsonValue(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    )
    .map((v) => JSON.stringify(v));

  /** Calls that can never be a valid run: each carries at least one fault. */
  const badCall = fc.oneof(
    // a method other than GET and POST, with anything in it
    fc.record({
      method: fc.constantFrom('put' as const, 'delete' as const),
      raw: fc.oneof(fc.constant(''), jsonObjectOrArray),
      contentType: jsonType,
    }),
    fc.record({
      method: fc.constantFrom('put' as const, 'delete' as const),
      raw: fc.string(),
      contentType: fc.constant('text/plain'),
    }),
    // a body that is not JSON by its content type
    fc.record({
      method: fc.constant('post' as const),
      raw: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
      contentType: fc.oneof(
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'application/octet-stream',
        ),
        fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}$/).filter((t) => t !== 'application/json'),
      ),
    }),
    // a JSON array, an object with a field the request does not have, or fields of any value
    fc.record({
      method: fc.constant('post' as const),
      raw: fc
        .oneof(
          fc.array(fc.jsonValue(), { maxLength: 3 }),
          fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }).map((d) => ({ ...d, unexpected: 1 })),
          fc.record({ explores: fc.jsonValue(), from: fc.jsonValue(), to: fc.constant('2026-11-24') }),
        )
        .map((v) => JSON.stringify(v)),
      contentType: jsonType,
    }),
    // too big
    fc.record({
      method: fc.constant('post' as const),
      raw: fc.integer({ min: 16_400, max: 40_000 }).map((n) => JSON.stringify({ explores: ['x'.repeat(n)] })),
      contentType: jsonType,
    }),
    // a GET with a parameter the request does not have, as a raw query string
    fc.record({
      method: fc.constant('get' as const),
      query: fc
        .tuple(
          fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
          fc.constantFrom('extra', '__proto__', 'constructor', 'Explores'),
        )
        .map(([query, unknown]) =>
          [...Object.entries(query), [unknown, 'x']]
            .map(([k, v]) => `${encodeURIComponent(k!)}=${encodeURIComponent(v!)}`)
            .join('&'),
        ),
    }),
  );

  it('answers a 4xx with a JSON error body to every one, and nothing is loaded', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(badCall, async (init) => {
        const res = await h.call(undefined, init);
        seen.add(res.status);
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
        assert.match(String(res.headers['content-type']), /^application\/json/, res.text);
        assert.equal(typeof res.body.error, 'string', res.text);
        assert.notEqual(res.body.error, '');
      }),
      { numRuns: 60 },
    );
    assert.ok(seen.size >= 4, `statuses seen: ${[...seen].join(', ')}`);
    await assertNothingLoaded();
  });

  it('answers a JSON 400 (405 for other methods) to a body that says JSON but is not an object or array', async () => {
    // Malformed JSON is read by the function's own body guard, before functions-framework's
    // parser could answer Express's HTML page: the same JSON error shape as every bad request.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Malformed: an opening brace and any text that does not complete it ("}" would).
          fc
            .string()
            .map((s) => `{${s}`)
            .filter((raw) => !parsesAsJson(raw)),
          fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v)),
        ),
        jsonType,
        fc.constantFrom('post' as const, 'put' as const),
        async (raw, contentType, method) => {
          const res = await h.call(undefined, { method, raw, contentType });
          assert.equal(res.status, method === 'post' ? 400 : 405, res.text);
          assert.match(String(res.headers['content-type']), /^application\/json/, res.text);
          assert.equal(typeof res.body.error, 'string', res.text);
          assert.ok(!/<html|at JSON\.parse/i.test(res.text), res.text);
        },
      ),
      { numRuns: 20 },
    );
    await assertNothingLoaded();
  });
});

describe('bodies over the limit', () => {
  const MB = 1024 * 1024;
  // A function of its own, on a real port: the body goes through Node's HTTP server as sent.
  const largeBodies = 'large_bodies';
  before(() => {
    functions.http(
      largeBodies,
      createHttpHandler({
        exporter: () => {
          throw new Error('a refused body must not reach the exporter');
        },
        logger: h.logger,
      }),
    );
  });

  /** POSTs `total` bytes of a JSON-looking body, generated as it is sent (the client holds 1 MB). */
  async function postLarge(total: number, declareLength: boolean) {
    const server = getTestServer(largeBodies);
    await new Promise<void>((resolve) =>
      server.listening ? resolve() : server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as AddressInfo;
    const chunk = Buffer.alloc(MB, 0x20);
    const body = Readable.from(
      (function* () {
        yield Buffer.from('{"explores": ["');
        for (let sent = 0; sent < total; sent += MB) yield chunk;
      })(),
    );
    try {
      return await new Promise<{ status: number; text: string; rssGrowth: number }>((resolve, reject) => {
        const rssBefore = process.memoryUsage().rss;
        let peak = rssBefore;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
        let answered = false;
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/json',
              ...(declareLength ? { 'content-length': String(total + 15) } : {}),
            },
          },
          (res) => {
            answered = true;
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              clearInterval(sampler);
              body.destroy();
              req.destroy();
              resolve({ status: res.statusCode!, text, rssGrowth: peak - rssBefore });
            });
          },
        );
        // The server stops reading and closes once it has answered: a write error then is expected.
        req.on('error', (error) => (answered ? undefined : reject(error)));
        body.pipe(req);
      });
    } finally {
      server.close();
    }
  }

  for (const declared of [true, false]) {
    it(`refuses a 200 MB body ${declared ? 'from its Content-Length' : 'streamed without a length'} with a JSON 413, without buffering it`, async () => {
      const { status, text, rssGrowth } = await postLarge(200 * MB, declared);
      assert.equal(status, 413, text);
      const body = JSON.parse(text) as { error: string; code: string };
      assert.equal(body.code, 'payload_too_large');
      assert.match(
        body.error,
        declared ? /\(Content-Length\); at most 16384/ : /over \d+ bytes; at most 16384/,
      );
      // Buffering it whole grew the process by over 500 MB; reading stops at the limit.
      assert.ok(rssGrowth < 64 * MB, `RSS grew by ${(rssGrowth / MB).toFixed(0)} MB`);
      await assertNothingLoaded();
    });
  }
});

describe('secrets', () => {
  it('never appear in a response or a log line, whatever happened', async () => {
    await h.call({});
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/login',
      times: 10,
      fault: { kind: 'status', status: 503 },
    });
    await h.instance()({});
    h.stack.looker.faults.clear();
    h.stack.secrets.disableLatest('looker-client-secret');
    const disabled = await h.instance()({});
    assert.equal(disabled.status, 500);
    assert.match(disabled.body.error ?? JSON.stringify(disabled.body), /looker-client-secret.*DISABLED/);

    const values = [h.config.instances[0]!.clientIdSecret, h.config.instances[0]!.clientSecretSecret].map(
      (name) =>
        // The values live only in the Secret Manager fake; read them the way the function does.
        h.clients.secrets.read(name).catch(() => undefined),
    );
    const secrets = (await Promise.all(values)).filter((v): v is string => typeof v === 'string');
    assert.ok(secrets.length >= 1);
    const everything = h.logs.raw.join('\n') + JSON.stringify(disabled.body);
    for (const secret of secrets)
      assert.equal(everything.includes(secret), false, 'a secret value was logged');
  });
});
