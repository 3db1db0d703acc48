/**
 * The HTTP contract: bad input gets a 4xx naming what was wrong and changes nothing; no secret
 * ever reaches a response or a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { progressDoc } from '../support/oracle.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

describe('bad requests', () => {
  const cases: [string, Parameters<Harness['call']>, number, RegExp][] = [
    ['an unknown explore', [{ explores: ['nope'] }], 400, /unknown explore "nope"/],
    ['from after to', [{ from: '2026-11-10', to: '2026-11-01' }], 400, /is after/],
    ['a range over the limit', [{ from: '2020-01-01', to: '2026-01-01' }], 400, /at most 400 days/],
    ['a backfill reaching today', [{ from: '2026-11-20', to: '2026-11-24' }], 400, /before today/],
    ['a wrong type', [{ dryRun: 'yes' }], 400, /dryRun/],
    ['an unknown field', [{ form: '2026-11-01' }], 400, /unknown field\(s\): form/],
    ['a JSON array', [undefined, { raw: '[1,2]' }], 400, /JSON object/],
    ['malformed JSON', [undefined, { raw: '{"from": ' }], 400, /.*/],
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
    ['PUT', [undefined, { method: 'put' }], 405, /use POST/],
    ['DELETE', [undefined, { method: 'delete' }], 405, /use POST/],
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
      assert.match(String(res.body.error ?? res.text), message);
      assert.equal(await progressDoc(h.clients.firestore, h), undefined);
      assert.equal(h.stack.looker.requests.length, 0, 'Looker was called for a bad request');
    });
  }

  it('accepts a GET with query parameters as a dry run', async () => {
    const res = await h.call(undefined, {
      method: 'get',
      query: { explores: 'content_usage', dryRun: 'true' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.dryRun, true);
  });
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
