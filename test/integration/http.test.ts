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
import request from 'supertest';
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
    ['PUT with a JSON object', [undefined, { method: 'put', raw: '{"dryRun": true}' }], 405, /use POST/],
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

  it("answers a body that says JSON but does not parse with the framework's 400, before the function runs", async () => {
    // functions-framework parses JSON bodies before the function and offers no hook in front of
    // its parser: Express's default error page answers (README, Calling it).
    const marker = 'not-json-but-maybe-a-secret-3f9a';
    for (const raw of [marker, `{"from": "${marker}`, `["${marker}",]`]) {
      const res = await h.call(undefined, { raw });
      assert.equal(res.status, 400, res.text);
      assert.match(String(res.headers['content-type']), /^text\/html/, res.text);
    }
    assert.ok(!h.logs.raw.join('\n').includes(marker), 'the function logged the body');
    await assertNothingLoaded();
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

  it("answers the framework's 400 to a body that says JSON but is not an object or array, whatever the method", async () => {
    // The framework's JSON parser is strict (an object or an array) and runs before the function,
    // so even a PUT is refused 400 there, not 405 by the function.
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
          fc.pre(!isJsonObject(raw));
          const res = await h.call(undefined, { method, raw, contentType });
          assert.equal(res.status, 400, res.text);
        },
      ),
      { numRuns: 20 },
    );
    await assertNothingLoaded();
  });
});

/** Whether `raw` parses as a JSON object (`{` and whatever follows it may happen to be one). */
function isJsonObject(raw: string): boolean {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

describe('error pages in production', () => {
  it('say only "Bad Request" to malformed JSON under NODE_ENV=production, as deployed: no body, no stack', async () => {
    // Express picks its mode from NODE_ENV when the framework creates the app: this server's.
    const production = 'production_error_page';
    functions.http(
      production,
      createHttpHandler({
        exporter: () => {
          throw new Error('a malformed body must not reach the exporter');
        },
        logger: h.logger,
      }),
    );
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let server;
    try {
      server = getTestServer(production);
    } finally {
      if (before === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = before;
    }
    const marker = 'not-json-but-maybe-a-secret-3f9a';
    const res = await request(server)
      .post('/')
      .set('content-type', 'application/json')
      .send(`{"from": "${marker}`);
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /<pre>Bad Request<\/pre>/);
    assert.ok(!res.text.includes(marker.slice(0, 8)) && !/at JSON\.parse/.test(res.text), res.text);
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

  /** POSTs a JSON body of about `total` bytes, generated as it is sent. */
  async function postBody(
    total: number,
    declareLength: boolean,
    contentType: string | null = 'application/json',
  ) {
    const server = getTestServer(largeBodies);
    await new Promise<void>((resolve) =>
      server.listening ? resolve() : server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as AddressInfo;
    const chunk = Buffer.alloc(Math.min(64 * 1024, total), 0x78);
    const body = Readable.from(
      (function* () {
        yield Buffer.from('{"explores": ["');
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
        yield Buffer.from('"]}');
      })(),
    );
    try {
      return await new Promise<{ status: number; text: string }>((resolve, reject) => {
        let answered = false;
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            headers: {
              ...(contentType ? { 'content-type': contentType } : {}),
              ...(declareLength ? { 'content-length': String(total + 18) } : {}),
            },
          },
          (res) => {
            answered = true;
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              body.destroy();
              req.destroy();
              resolve({ status: res.statusCode!, text });
            });
          },
        );
        // The server may close the connection once it has answered: a write error then is expected.
        req.on('error', (error) => (answered ? undefined : reject(error)));
        body.pipe(req);
      });
    } finally {
      server.close();
    }
  }

  it('refuses a body without a content type with a JSON 415 (no parser of the framework reads it)', async () => {
    const { status, text } = await postBody(100, true, null);
    assert.equal(status, 415, text);
    assert.match(
      (JSON.parse(text) as { error: string }).error,
      /content type \(none\) is not application\/json/,
    );
    await assertNothingLoaded();
  });

  for (const declared of [true, false]) {
    it(`refuses a 1 MB body ${declared ? 'with a Content-Length' : 'streamed without a length'} with a JSON 413 naming its size`, async () => {
      // The framework reads the whole body first (its limit is 1 GB; Cloud Run's is 32 MiB).
      const { status, text } = await postBody(MB, declared);
      assert.equal(status, 413, text);
      const body = JSON.parse(text) as { error: string; code: string };
      assert.equal(body.code, 'payload_too_large');
      assert.match(body.error, new RegExp(`body is ${MB + 18} bytes; at most 16384`));
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
