/**
 * The Looker fake judged by Looker's own SDK (@looker/sdk-node 26.12) and by the OpenAPI 4.0
 * spec: every response a client relies on must have the shape the spec gives it, and every
 * result must equal the fake's source of truth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Looker40SDK, Looker40SDKStream } from '@looker/sdk';
import { NodeSession, NodeSettings } from '@looker/sdk-node';
import type { IApiSection } from '@looker/sdk-rtl';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { numberMatcher, stringMatcher } from './filters.js';
import {
  systemActivity,
  startLookerFake,
  type LookerFake,
  type LookerFakeOptions,
  type LookerRow,
} from './index.js';

// ---------------------------------------------------------------------------------------------
// The OpenAPI 4.0 spec, loaded once, and a validator for its (OAS 3.0) schemas.

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  nullable?: boolean;
  enum?: unknown[];
  $ref?: string;
}
const SPEC = JSON.parse(
  readFileSync(new URL('../../fixtures/looker/looker-4.0-oas-subset.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, Schema> } };

/**
 * Problems of `value` against a schema of the spec: types, nullability, enums, required and
 * unknown properties (the spec lists every property Looker sends, so an unknown one is an error).
 */
function problems(value: unknown, schema: Schema | string, path = '$'): string[] {
  if (typeof schema === 'string') schema = { $ref: schema };
  if (schema.$ref) {
    const resolved = SPEC.components.schemas[schema.$ref.split('/').pop()!];
    if (!resolved) return [`${path}: unknown schema ${schema.$ref}`];
    return value === null
      ? [`${path} is null (${schema.$ref} is not nullable)`]
      : problems(value, resolved, path);
  }
  if (value === null) return schema.nullable ? [] : [`${path} is null`];
  const type = schema.type ?? (schema.properties ? 'object' : 'any');
  const actual = Array.isArray(value) ? 'array' : typeof value;
  const found: string[] = [];
  if (type === 'integer') {
    if (!Number.isInteger(value)) found.push(`${path} is not an integer`);
  } else if (type !== 'any' && !(type === 'number' && actual === 'number') && type !== actual)
    found.push(`${path} is ${actual}, not ${type}`);
  if (schema.enum && !schema.enum.includes(value))
    found.push(`${path} = ${String(value)} is not in the enum`);
  if (type === 'object' && actual === 'object') {
    for (const name of schema.required ?? [])
      if (!(name in (value as object))) found.push(`${path}.${name} is missing`);
    for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
      const property = schema.properties?.[name];
      if (property) found.push(...problems(child, property, `${path}.${name}`));
      else if (typeof schema.additionalProperties === 'object')
        found.push(...problems(child, schema.additionalProperties, `${path}.${name}`));
      else found.push(`${path}.${name} is not in the spec`);
    }
  }
  if (type === 'array' && Array.isArray(value) && schema.items)
    value.forEach((item, i) => found.push(...problems(item, schema.items!, `${path}[${i}]`)));
  return found;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: one fake for most specs, others started where options differ.

const NOW = new Date('2026-11-24T03:00:00Z');
const credentials = { client_id: 'fake-id', client_secret: 'fake-secret-Zq8' };
const CU = 'content_usage';
const CURSOR = 'content_usage.last_accessed_time';
let fake: LookerFake;

async function startFake(options: Partial<LookerFakeOptions> = {}): Promise<LookerFake> {
  return startLookerFake({
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    now: NOW,
    ...options,
  });
}

/** A second fake with other options, closed after `use`. */
async function withFake<T>(
  options: Partial<LookerFakeOptions>,
  use: (target: LookerFake) => Promise<T>,
): Promise<T> {
  const target = await startFake(options);
  try {
    return await use(target);
  } finally {
    await target.close();
  }
}

/** The SDK as a product would build it: settings without looker.ini, credentials from readConfig(). */
function sdkFor(target: LookerFake = fake, creds: IApiSection = credentials) {
  class Settings extends NodeSettings {
    override readConfig(): IApiSection {
      return creds;
    }
  }
  const session = new NodeSession(
    new Settings('LOOKER_FAKE_SPEC', { base_url: target.url, verify_ssl: true, timeout: 30 } as never),
  );
  return { session, sdk: new Looker40SDK(session), stream: new Looker40SDKStream(session) };
}

async function token(target: LookerFake = fake): Promise<string> {
  const res = await fetch(`${target.url}/api/4.0/login`, {
    method: 'POST',
    body: new URLSearchParams(credentials),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A raw json query on an explore; the parsed body and the status. */
async function query(
  body: Record<string, unknown>,
  {
    target = fake,
    params = '',
    format = 'json',
  }: { target?: LookerFake; params?: string; format?: string } = {},
): Promise<{ status: number; body: unknown; text: string; contentType: string }> {
  const res = await fetch(`${target.url}/api/4.0/queries/run/${format}${params}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(target)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'system__activity', view: CU, query_timezone: 'UTC', ...body }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if (format === 'json') parsed = JSON.parse(text);
  return { status: res.status, body: parsed, text, contentType: res.headers.get('content-type') ?? '' };
}

async function rows(
  body: Record<string, unknown>,
  options?: Parameters<typeof query>[1],
): Promise<LookerRow[]> {
  const result = await query(body, options);
  assert.equal(result.status, 200, result.text);
  return result.body as LookerRow[];
}

const at = (iso: string) => new Date(iso);
const pick = (row: LookerRow, fields: string[]) => Object.fromEntries(fields.map((f) => [f, row[f]]));
const ALL = [
  'content_usage.content_id',
  'content_usage.content_title',
  'content_usage.content_type',
  'content_usage.days_since_last_access_tiers',
  'content_usage.days_since_last_accessed',
  'content_usage.id',
  'content_usage.api_count',
  'content_usage.embed_count',
  'content_usage.favorite_count',
  'content_usage.public_count',
  'content_usage.schedule_count',
  'content_usage.other_count',
  'content_usage.content_id_as_number',
  'content_usage.prefetch_count',
  CURSOR,
];

before(async () => {
  fake = await startFake({ tokenTtlSeconds: 3600 });
});
after(async () => {
  await fake?.close();
});
beforeEach(async () => {
  await fake.reset();
});

describe('the spec validator', () => {
  it('catches wrong types, missing required and unknown properties (so a pass means something)', () => {
    assert.deepEqual(problems({ message: 'x', documentation_url: 'y' }, 'Error'), []);
    assert.equal(problems({ message: 'x' }, 'Error').length, 1);
    assert.equal(problems({ message: 1, documentation_url: 'y' }, 'Error').length, 1);
    assert.equal(problems({ message: 'x', documentation_url: 'y', extra: true }, 'Error').length, 1);
    assert.equal(
      problems({ access_token: 't', token_type: 'Bearer', expires_in: 1.5 }, 'AccessToken').length,
      1,
    );
  });
});

describe('authentication', () => {
  it('logs in through the SDK with form-encoded credentials and records no secret', async () => {
    const { sdk } = sdkFor();
    const me = await sdk.ok(sdk.me());
    assert.equal(me.id, '42');
    assert.equal(fake.tokensIssued, 1);
    await sdk.ok(sdk.logout());
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      ['POST /api/4.0/login 200', 'GET /api/4.0/user 200', 'DELETE /api/4.0/logout 204'],
    );
    assert.doesNotMatch(JSON.stringify(fake.requests), new RegExp(credentials.client_secret));
  });

  it('issues AccessToken bodies with a JSON content type and the configured lifetime', async () => {
    await withFake({ tokenTtlSeconds: 120 }, async (target) => {
      const res = await fetch(`${target.url}/api/4.0/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(credentials),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as { token_type: string; expires_in: number };
      assert.deepEqual(problems(body, 'AccessToken'), []);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 120);
    });
  });

  it('answers unknown credentials with 404 and query-string credentials with 400, as Error bodies', async () => {
    const wrong = await fetch(`${fake.url}/api/4.0/login`, {
      method: 'POST',
      body: new URLSearchParams({ ...credentials, client_secret: 'nope' }),
    });
    assert.equal(wrong.status, 404);
    assert.deepEqual(problems(await wrong.json(), 'Error'), []);
    const inQuery = await fetch(`${fake.url}/api/4.0/login?${new URLSearchParams(credentials)}`, {
      method: 'POST',
    });
    assert.equal(inQuery.status, 400);
    assert.deepEqual(problems(await inQuery.json(), 'Error'), []);
    const { sdk } = sdkFor(fake, { ...credentials, client_secret: 'nope' });
    await assert.rejects(sdk.ok(sdk.me()), /Not found/);
    assert.equal(fake.tokensIssued, 0);
  });

  it('answers 401 with an Error body for a missing, unknown or expired token; accepts "token" and "Bearer"', async () => {
    const get = (authorization?: string) =>
      fetch(`${fake.url}/api/4.0/lookml_models/system__activity`, {
        headers: authorization ? { authorization } : {},
      });
    for (const header of [undefined, 'Bearer not-a-token', 'token not-a-token']) {
      const res = await get(header);
      assert.equal(res.status, 401, String(header));
      assert.deepEqual(problems(await res.json(), 'Error'), []);
    }
    const issued = await token();
    assert.equal((await get(`token ${issued}`)).status, 200);
    assert.equal((await get(`Bearer ${issued}`)).status, 200);
    await withFake({ tokenTtlSeconds: 1 }, async (short) => {
      const expiring = await token(short);
      await sleep(1100);
      const res = await fetch(`${short.url}/api/4.0/user`, {
        headers: { authorization: `Bearer ${expiring}` },
      });
      assert.equal(res.status, 401);
    });
  });

  it('lets the SDK log in again when its token nears expiry, and shows that a 401 needs session.reset()', async () => {
    // The SDK treats a token as expired 10 s before expires_in: 11 s gives it one second.
    await withFake({ tokenTtlSeconds: 11 }, async (target) => {
      const { sdk, session } = sdkFor(target);
      await sdk.ok(sdk.me());
      await sleep(1100);
      await sdk.ok(sdk.me());
      assert.equal(target.tokensIssued, 2);
      target.expireTokens();
      await assert.rejects(sdk.ok(sdk.me()), /Requires authentication/);
      session.reset();
      await sdk.ok(sdk.me());
      assert.equal(target.tokensIssued, 3);
    });
  });

  it('ends the session on logout', async () => {
    const issued = await token();
    const logout = await fetch(`${fake.url}/api/4.0/logout`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${issued}` },
    });
    assert.equal(logout.status, 204);
    const after = await fetch(`${fake.url}/api/4.0/user`, { headers: { authorization: `Bearer ${issued}` } });
    assert.equal(after.status, 401);
  });
});

describe('explore metadata', () => {
  it('describes content_usage as LookmlModelExplore, with Looker types, timeframes and no SQL', async () => {
    const { sdk } = sdkFor();
    const explore = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: CU }),
    );
    assert.deepEqual(problems(explore, 'LookmlModelExplore'), []);
    assert.equal(explore.name, CU);
    assert.equal(explore.model_name, 'system__activity');
    assert.equal(explore.view_name, CU);
    const dimensions = new Map(explore.fields!.dimensions!.map((d) => [d.name!, d]));
    for (const name of ALL) assert.ok(dimensions.has(name), name);
    const time = dimensions.get(CURSOR)!;
    assert.equal(time.type, 'date_time');
    assert.equal(time.is_timeframe, true);
    assert.equal(time.dimension_group, 'content_usage.last_accessed');
    assert.equal(dimensions.get('content_usage.last_accessed_date')!.type, 'date_date');
    assert.equal(dimensions.get('content_usage.days_since_last_access_tiers')!.type, 'tier');
    assert.equal(dimensions.get('content_usage.api_count')!.is_numeric, true);
    assert.equal(dimensions.get('content_usage.content_title')!.is_numeric, false);
    assert.ok(explore.fields!.dimensions!.every((d) => d.sql === undefined));
    assert.ok(explore.fields!.measures!.slice(6).every((m) => !m.name!.startsWith('content_usage.')));
    assert.deepEqual(
      explore.fields!.measures!.map((m) => [m.name, m.type]),
      [
        ['content_usage.embed_total', 'sum'],
        ['content_usage.schedule_total', 'sum'],
        ['content_usage.favorites_total', 'sum'],
        ['content_usage.other_total', 'sum'],
        ['content_usage.api_total', 'sum'],
        ['content_usage.content_count', 'count'],
        // The joined views' measures follow, named by their join.
        ...explore.fields!.measures!.slice(6).map((m) => [m.name, m.type]),
      ],
    );
  });

  it('serves every explore of the registry with spec-shaped metadata, and lists them in lookml_model', async () => {
    const { sdk } = sdkFor();
    const model = await sdk.ok(sdk.lookml_model('system__activity'));
    assert.deepEqual(problems(model, 'LookmlModel'), []);
    assert.deepEqual(model.explores!.map((e) => e.name).sort(), [...systemActivity().explores.keys()].sort());
    assert.ok(systemActivity().explores.size >= 20);
    for (const name of systemActivity().explores.keys()) {
      const explore = await sdk.ok(
        sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: name }),
      );
      assert.deepEqual(problems(explore, 'LookmlModelExplore'), [], name);
    }
  });

  it("trims a response to Looker's fields parameter", async () => {
    const res = await fetch(
      `${fake.url}/api/4.0/lookml_models/system__activity/explores/history?fields=name,fields(dimensions(name,type))`,
      { headers: { authorization: `Bearer ${await token()}` } },
    );
    const body = (await res.json()) as { name: string; fields: { dimensions: object[] } };
    assert.deepEqual(Object.keys(body), ['name', 'fields']);
    assert.deepEqual(Object.keys(body.fields), ['dimensions']);
    assert.deepEqual(body.fields.dimensions[0], { name: 'history.id', type: 'number' });
  });

  it('answers an unknown model or explore with 404, which sdk.ok throws', async () => {
    const { sdk } = sdkFor();
    await assert.rejects(
      sdk.ok(sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'nope' })),
      /Not found/,
    );
    await assert.rejects(sdk.ok(sdk.lookml_model('thelook')), /Not found/);
    const res = await fetch(`${fake.url}/api/4.0/lookml_models/system__activity/explores/nope`, {
      headers: { authorization: `Bearer ${await token()}` },
    });
    assert.equal(res.status, 404);
    assert.deepEqual(problems(await res.json(), 'Error'), []);
  });
});

describe('run_inline_query, streamed through the SDK', () => {
  /** Streams a json result through Looker40SDKStream into stream-json, as the exporter does. */
  async function streamRows(target: LookerFake, body: Record<string, unknown>, limit?: number) {
    const { stream } = sdkFor(target);
    const received: LookerRow[] = [];
    let status = 0;
    await stream.run_inline_query(
      async (response: Response) => {
        status = response.status;
        if (!response.ok) return '';
        await collectJsonArray(response, received);
        return '';
      },
      {
        result_format: 'json',
        limit,
        body: { model: 'system__activity', view: CU, query_timezone: 'UTC', ...body },
      },
    );
    return { status, rows: received };
  }

  it('streams a window that equals truth() row for row, escapes and all', async () => {
    const { status, rows: streamed } = await streamRows(
      fake,
      {
        fields: ALL,
        filters: { [CURSOR]: '2026-11-10 00:00:00 to 2026-11-17 00:00:00' },
        sorts: [CURSOR],
      },
      -1,
    );
    assert.equal(status, 200);
    const truth = fake.truth(CU, at('2026-11-10T00:00:00Z'), at('2026-11-17T00:00:00Z'));
    assert.ok(truth.length > 500, `${truth.length} rows`);
    assert.deepEqual(streamed, truth);
    const titles = truth.map((r) => String(r['content_usage.content_title']));
    assert.ok(
      titles.some((t) => /\p{Extended_Pictographic}/u.test(t)),
      'an emoji title',
    );
    assert.ok(
      titles.some((t) => t.includes('"')) && titles.some((t) => t.includes('\\')),
      'quotes and backslashes',
    );
    assert.ok(
      truth.some((r) => r['content_usage.embed_count'] === null),
      'some null counts',
    );
    assert.match(String(truth[0]![CURSOR]), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('hands the SDK callback error statuses too (a 503 fault), so clients must check response.ok', async () => {
    fake.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'status', status: 503 } });
    const { status, rows: streamed } = await streamRows(fake, { fields: ['content_usage.id'] });
    assert.equal(status, 503);
    assert.equal(streamed.length, 0);
    assert.equal(fake.faults.pending, 0);
  });

  it('cuts a result mid-body when a cut fault is armed: the parser fails after some rows', async () => {
    fake.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'cut', afterBytes: 20_000 } });
    const seen: LookerRow[] = [];
    const { stream } = sdkFor();
    await assert.rejects(
      stream.run_inline_query(
        async (response: Response) => {
          await collectJsonArray(response, seen);
          return '';
        },
        {
          result_format: 'json',
          limit: -1,
          body: { model: 'system__activity', view: CU, fields: ALL, sorts: [CURSOR] },
        },
      ),
    );
    assert.ok(seen.length > 5 && seen.length < 100, `${seen.length} rows before the cut`);
    assert.deepEqual(seen, fake.truth(CU, at('2000-01-01'), at('2100-01-01')).slice(0, seen.length));
  });

  it('writes only as fast as the client reads (back-pressure), and stops when it goes away', async () => {
    await withFake({ datasets: { [CU]: { rows: 2_000_000 } } }, async (big) => {
      const issued = await token(big);
      let received = 0;
      const req = request(`${big.url}/api/4.0/queries/run/json?limit=-1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${issued}`, 'content-type': 'application/json' },
      });
      req.end(JSON.stringify({ model: 'system__activity', view: CU, fields: ALL, sorts: [CURSOR] }));
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) =>
        req.on('response', resolve),
      );
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 256 * 1024) res.pause();
      });
      await sleep(500);
      const written = big.resultBytes;
      // The full result is ~1 GB; only socket buffers may hold more than the client has read.
      assert.ok(written < received + 32 * 1024 * 1024, `${written} bytes written for ${received} read`);
      await sleep(200);
      assert.equal(big.resultBytes, written, 'nothing more is produced while the client does not read');
      res.destroy();
      await sleep(100);
      const stopped = big.resultBytes;
      await sleep(200);
      assert.equal(big.resultBytes, stopped, 'production stops when the client goes away');
      assert.equal(
        (await fetch(`${big.url}/api/4.0/user`, { headers: { authorization: `Bearer ${issued}` } })).status,
        200,
      );
    });
  });
});

describe('run_inline_query semantics', () => {
  const cursorFilter = (filter: string, extra: Record<string, unknown> = {}) => ({
    fields: ['content_usage.id', CURSOR],
    filters: { [CURSOR]: filter },
    sorts: [CURSOR],
    limit: '-1',
    ...extra,
  });

  it("applies Looker's default limit of 5000, the limit parameter over the body's, and a silent row cap", async () => {
    await withFake({ datasets: { [CU]: { rows: 6000 } } }, async (target) => {
      const ids = { fields: ['content_usage.id'], sorts: ['content_usage.id'] };
      assert.equal((await rows(ids, { target })).length, 5000);
      assert.equal((await rows({ ...ids, limit: '-1' }, { target })).length, 6000);
      assert.equal((await rows({ ...ids, limit: '10' }, { target, params: '?limit=3' })).length, 3);
      const { sdk } = sdkFor(target);
      const viaSdk = (await sdk.ok(
        sdk.run_inline_query({
          result_format: 'json',
          limit: 7,
          body: { model: 'system__activity', view: CU, ...ids },
        }),
      )) as unknown as LookerRow[];
      assert.equal(viaSdk.length, 7);
    });
    await withFake({ datasets: { [CU]: { rows: 6000 } }, rowCap: 100 }, async (target) => {
      const capped = await rows({ fields: ['content_usage.id'], limit: '-1' }, { target });
      assert.equal(capped.length, 100);
    });
  });

  const timeFilters: [string, string, string][] = [
    ['1 day ago', '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z'],
    ['3 days ago', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z'],
    ['2 days', '2026-11-23T00:00:00Z', '2026-11-25T00:00:00Z'],
    ['today', '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z'],
    ['yesterday', '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z'],
    ['2026-11-20', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'],
    ['2026/11/20 to 2026/11/22', '2026-11-20T00:00:00Z', '2026-11-22T00:00:00Z'],
    ['2026-11-20 06:30:00 to 2026-11-20 18:00:00', '2026-11-20T06:30:00Z', '2026-11-20T18:00:00Z'],
    ['before 2026-11-01 00:00:00', '2000-01-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['after 2026-11-23 12:00:00', '2026-11-23T12:00:00Z', '2030-01-01T00:00:00Z'],
    ['7 days ago for 2 days', '2026-11-17T00:00:00Z', '2026-11-19T00:00:00Z'],
    ['NULL', '2026-11-24T00:00:00Z', '2026-11-24T00:00:00Z'],
    ['-NULL', '2000-01-01T00:00:00Z', '2030-01-01T00:00:00Z'],
  ];
  for (const [filter, from, to] of timeFilters) {
    it(`reads the time filter "${filter}" as Looker does`, async () => {
      const expected = fake.truth(CU, at(from), at(to)).map((r) => pick(r, ['content_usage.id', CURSOR]));
      assert.deepEqual(await rows(cursorFilter(filter)), expected);
    });
  }

  it('keeps windows half-open: a row exactly at the start is in, a row exactly at the end is out', async () => {
    // One row per hour on the hour: window edges fall exactly on rows.
    const hourly = {
      [CU]: { rows: 720, start: at('2026-10-25T00:00:00Z'), end: at('2026-11-24T00:00:00Z') },
    };
    await withFake({ datasets: hourly }, async (target) => {
      for (const filter of [
        '2026-11-20',
        '2026-11-20 00:00:00 to 2026-11-21 00:00:00',
        '2026/11/20 to 2026/11/21',
      ]) {
        const day = await rows(cursorFilter(filter), { target });
        assert.equal(day.length, 24, filter);
        assert.equal(day[0]![CURSOR], '2026-11-20 00:00:00', filter);
        assert.equal(day.at(-1)![CURSOR], '2026-11-20 23:00:00', filter);
      }
      const after = await rows(cursorFilter('after 2026-11-23 23:00:00'), { target });
      assert.deepEqual(
        after.map((r) => r[CURSOR]),
        ['2026-11-23 23:00:00'],
      );
      const before = await rows(cursorFilter('before 2026-10-25 01:00:00'), { target });
      assert.deepEqual(
        before.map((r) => r[CURSOR]),
        ['2026-10-25 00:00:00'],
      );
      assert.equal(target.truth(CU, at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z')).length, 24);
    });
  });

  it('filters the same window through any timeframe of the cursor group', async () => {
    const expected = fake.truth(CU, at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z'));
    const byDate = await rows({
      fields: ['content_usage.id', 'content_usage.last_accessed_date'],
      filters: { 'content_usage.last_accessed_date': '2026-11-20' },
      sorts: [CURSOR],
      limit: '-1',
    });
    assert.deepEqual(
      byDate.map((r) => r['content_usage.id']),
      expected.map((r) => r['content_usage.id']),
    );
    assert.ok(byDate.every((r) => r['content_usage.last_accessed_date'] === '2026-11-20'));
  });

  it('filters strings and numbers with equality, lists, negation, wildcards, ranges and NULL', async () => {
    const all = fake.truth(CU, at('2000-01-01'), at('2100-01-01'));
    const cases: [string, string, (r: LookerRow) => boolean][] = [
      ['content_usage.content_type', 'look', (r) => r['content_usage.content_type'] === 'look'],
      ['content_usage.content_type', '-look', (r) => r['content_usage.content_type'] !== 'look'],
      ['content_usage.id', '1,2,3', (r) => [1, 2, 3].includes(r['content_usage.id'] as number)],
      ['content_usage.embed_count', 'NULL', (r) => r['content_usage.embed_count'] === null],
      [
        'content_usage.embed_count',
        '>=40',
        (r) => ((r['content_usage.embed_count'] as number | null) ?? -1) >= 40,
      ],
      [
        'content_usage.api_count',
        '[10,20)',
        (r) =>
          (r['content_usage.api_count'] as number) >= 10 && (r['content_usage.api_count'] as number) < 20,
      ],
      ['content_usage.api_count', 'NOT 7', (r) => r['content_usage.api_count'] !== 7],
      [
        'content_usage.content_title',
        '%KPIs%',
        (r) =>
          String(r['content_usage.content_title'] ?? '').includes('KPIs') &&
          r['content_usage.content_title'] !== null,
      ],
      [
        'content_usage.days_since_last_access_tiers',
        '0 to 9',
        (r) => r['content_usage.days_since_last_access_tiers'] === '0 to 9',
      ],
    ];
    for (const [field, filter, keep] of cases) {
      const expected = all.filter(keep).map((r) => r['content_usage.id']);
      const got = await rows({
        fields: ['content_usage.id'],
        filters: { [field]: filter },
        sorts: [CURSOR],
        limit: '-1',
      });
      assert.deepEqual(
        got.map((r) => r['content_usage.id']),
        expected,
        `${field}: ${filter}`,
      );
      assert.ok(expected.length > 0 && expected.length < all.length, `${field}: ${filter} selects a part`);
    }
  });

  it('answers filter syntax it does not know with 422 and a ValidationError, which sdk.ok throws', async () => {
    const invalid = await query({ fields: ['content_usage.id'], filters: { [CURSOR]: 'next full moon' } });
    assert.equal(invalid.status, 422);
    assert.deepEqual(problems(invalid.body, 'ValidationError'), []);
    const { sdk } = sdkFor();
    const error = (await sdk
      .ok(
        sdk.run_inline_query({
          result_format: 'json',
          body: {
            model: 'system__activity',
            view: CU,
            fields: ['content_usage.id'],
            filters: { 'content_usage.api_count': 'lots' },
          },
        }),
      )
      .catch((e: unknown) => e)) as { message: string; errors?: { field?: string }[] };
    assert.equal(error.message, 'Validation Failed');
    assert.equal(error.errors?.[0]?.field, 'filters.content_usage.api_count');
  });

  it('sorts by the cursor either way, by any other field, and by default as Looker does', async () => {
    const week = (extra: Record<string, unknown>) => rows({ ...cursorFilter('7 days'), ...extra });
    const ascending = await week({});
    assert.deepEqual(await week({ sorts: [`${CURSOR} desc`] }), [...ascending].reverse());
    // Without sorts Looker sorts by the first time dimension, descending.
    assert.deepEqual(await week({ sorts: [] }), [...ascending].reverse());
    const byCount = await rows({
      fields: ['content_usage.id', 'content_usage.api_count'],
      filters: { [CURSOR]: '7 days' },
      sorts: ['content_usage.api_count desc'],
      limit: '-1',
    });
    const truth = fake.truth(CU, at('2026-11-18T00:00:00Z'), at('2026-11-25T00:00:00Z'));
    const expected = truth
      .map((r) => pick(r, ['content_usage.id', 'content_usage.api_count']))
      .sort((a, b) => (b['content_usage.api_count'] as number) - (a['content_usage.api_count'] as number));
    assert.deepEqual(byCount, expected);
  });

  it('counts with the count measure, grouped by the selected dimensions', async () => {
    const counted = await rows({
      fields: ['content_usage.content_type', 'content_usage.content_count'],
      filters: { [CURSOR]: '30 days' },
      sorts: ['content_usage.content_type'],
    });
    const truth = fake.truth(CU, at('2026-10-26T00:00:00Z'), at('2026-11-25T00:00:00Z'));
    const expected = ['dashboard', 'explore', 'look'].map((type) => ({
      'content_usage.content_type': type,
      'content_usage.content_count': truth.filter((r) => r['content_usage.content_type'] === type).length,
    }));
    assert.deepEqual(counted, expected);
  });

  it('reports unknown fields as a looker_error element in a 200 result, and unknown explores as 404', async () => {
    const unknown = await query({ fields: ['content_usage.nope'] });
    assert.equal(unknown.status, 200);
    assert.match(String((unknown.body as { looker_error: string }[])[0]!.looker_error), /Unknown field/);
    const missing = await query({ view: 'nope', fields: ['nope.id'] });
    assert.equal(missing.status, 404);
    assert.deepEqual(problems(missing.body, 'Error'), []);
    const otherModel = await query({ model: 'thelook', fields: ['content_usage.id'] });
    assert.equal(otherModel.status, 404);
  });

  it('writes csv with a header of field labels, RFC 4180 quoting and empty nulls', async () => {
    const filter = '2026-11-20 to 2026-11-22';
    const csv = await query(
      {
        fields: ['content_usage.id', 'content_usage.content_title', 'content_usage.embed_count', CURSOR],
        filters: { [CURSOR]: filter },
        sorts: [CURSOR],
        limit: '-1',
      },
      { format: 'csv' },
    );
    assert.equal(csv.status, 200);
    assert.match(csv.contentType, /^text\/csv/);
    const records = parseCsv(csv.text);
    assert.deepEqual(records[0], [
      'Content Usage ID',
      'Content Usage Content Title',
      'Content Usage Embed Count',
      'Content Usage Last Accessed Time',
    ]);
    const truth = fake.truth(CU, at('2026-11-20T00:00:00Z'), at('2026-11-22T00:00:00Z'));
    assert.deepEqual(
      records.slice(1),
      truth.map((r) =>
        ['content_usage.id', 'content_usage.content_title', 'content_usage.embed_count', CURSOR].map((f) =>
          r[f] === null ? '' : String(r[f]),
        ),
      ),
    );
  });

  it('writes txt tab-separated, and answers result formats it does not serve with 400', async () => {
    const txt = await query(
      { fields: ['content_usage.id', 'content_usage.content_type'], limit: '2', sorts: [CURSOR] },
      { format: 'txt' },
    );
    assert.equal(txt.status, 200);
    const [header, ...lines] = txt.text.trimEnd().split('\n');
    assert.equal(header, 'Content Usage ID\tContent Usage Content Type');
    assert.equal(lines.length, 2);
    const truth = fake.truth(CU, at('2000-01-01'), at('2100-01-01')).slice(0, 2);
    assert.deepEqual(
      lines,
      truth.map((r) => `${r['content_usage.id']}\t${r['content_usage.content_type']}`),
    );
    const xlsx = await query({ fields: ['content_usage.id'] }, { format: 'xlsx' });
    assert.equal(xlsx.status, 400);
  });

  it('serves System Activity from a stale cache that cache=false does not bypass', async () => {
    await withFake({ cacheStaleHours: 12 }, async (stale) => {
      const window = cursorFilter('2026-11-23');
      const full = stale.truth(CU, at('2026-11-23T00:00:00Z'), at('2026-11-24T00:00:00Z'));
      const fresh = stale.truth(CU, at('2026-11-23T00:00:00Z'), at('2026-11-23T15:00:00Z'));
      assert.equal((await rows(window, { target: stale })).length, fresh.length);
      assert.equal((await rows(window, { target: stale, params: '?cache=false' })).length, fresh.length);
      assert.ok(fresh.length < full.length);
      stale.setNow(at('2026-11-24T12:00:00Z'));
      assert.equal((await rows(window, { target: stale })).length, full.length);
    });
  });

  it('merges appended rows in cursor order, and relative filters follow setNow', async () => {
    const appended: LookerRow = {
      ...fake.truth(CU, at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z'))[0]!,
      'content_usage.id': 999_999,
      'content_usage.content_title': 'Appended ✨ "row"',
      [CURSOR]: '2026-11-24 01:00:00',
    };
    fake.append(CU, [appended]);
    const today = await rows({ fields: ALL, filters: { [CURSOR]: 'today' }, sorts: [CURSOR], limit: '-1' });
    assert.deepEqual(today, fake.truth(CU, at('2026-11-24T00:00:00Z'), at('2026-11-25T00:00:00Z')));
    assert.ok(today.some((r) => r['content_usage.id'] === 999_999));
    const times = today.map((r) => String(r[CURSOR]));
    assert.deepEqual(times, [...times].sort(), 'cursor order');
    assert.ok(times.some((t) => t > '2026-11-24 01:00:00') && times.some((t) => t < '2026-11-24 01:00:00'));
    fake.setNow(at('2026-11-25T08:00:00Z'));
    const yesterday = await rows({
      fields: ['content_usage.id'],
      filters: { [CURSOR]: '1 day ago' },
      sorts: [CURSOR],
      limit: '-1',
    });
    assert.deepEqual(
      yesterday.map((r) => r['content_usage.id']),
      today.map((r) => r['content_usage.id']),
    );
  });

  it('generates the same rows for the same seed, other rows for another, and maps windows to indexes', async () => {
    const datasets = { [CU]: { rows: 3_000_000, seed: 7 } };
    await withFake({ datasets }, async (a) => {
      await withFake({ datasets }, async (b) => {
        const hour = [at('2026-11-10T10:00:00Z'), at('2026-11-10T11:00:00Z')] as const;
        const started = performance.now();
        const truth = a.truth(CU, ...hour);
        const got = await rows(cursorFilter('2026-11-10 10:00:00 to 2026-11-10 11:00:00', { fields: ALL }), {
          target: a,
        });
        assert.ok(performance.now() - started < 2000, 'a window of a 3M-row dataset needs no scan');
        assert.ok(truth.length > 3000);
        assert.deepEqual(got, truth);
        assert.deepEqual(b.truth(CU, ...hour), truth);
      });
      await withFake({ datasets: { [CU]: { rows: 3_000_000, seed: 8 } } }, async (c) => {
        const hour = [at('2026-11-10T10:00:00Z'), at('2026-11-10T11:00:00Z')] as const;
        assert.notDeepEqual(c.truth(CU, ...hour), a.truth(CU, ...hour));
      });
    });
  });

  it('answers every explore of the model with the base view rows truth() gives, including explores without a cursor', async () => {
    // Without the fake's own activity: its logins and queries would add rows between the two reads.
    await withFake({ recordApiActivity: false }, async (quiet) => {
      const { sdk } = sdkFor(quiet);
      for (const [name, explore] of systemActivity().explores) {
        const metadata = await sdk.ok(
          sdk.lookml_model_explore({
            lookml_model_name: 'system__activity',
            explore_name: name,
            fields: 'fields',
          }),
        );
        const fields = metadata
          .fields!.dimensions!.filter(
            (d) =>
              d.view === explore.baseAlias &&
              (d.field_group_variant === null || d.field_group_variant === 'Time'),
          )
          .map((d) => d.name!);
        const got = await rows(
          { view: name, fields, sorts: ['__UNSORTED__'], limit: '-1' },
          { target: quiet },
        );
        const truth = quiet.truth(name);
        const canonical = (list: LookerRow[]) => list.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(canonical(got), canonical(truth), name);
        assert.ok(truth.length >= 1, name);
      }
    });
  });
});

describe('faults', () => {
  it('answers an armed 429 with Retry-After and a Looker Error body, then serves normally', async () => {
    fake.faults.add({
      match: 'GET /api/4.0/lookml_models',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
    });
    const issued = await token();
    const url = `${fake.url}/api/4.0/lookml_models/system__activity`;
    const limited = await fetch(url, { headers: { authorization: `Bearer ${issued}` } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.deepEqual(problems(await limited.json(), 'Error'), []);
    assert.equal((await fetch(url, { headers: { authorization: `Bearer ${issued}` } })).status, 200);
  });

  it('makes sdk.ok throw on an armed 503, delays on request, and returns an exact body when told to', async () => {
    const { sdk } = sdkFor();
    fake.faults.add({ match: 'GET /api/4.0/user', fault: { kind: 'status', status: 503 } });
    await assert.rejects(sdk.ok(sdk.me()), /Service Unavailable/);
    fake.faults.add({ match: 'GET /api/4.0/user', fault: { kind: 'delay', ms: 300 } });
    const started = performance.now();
    await sdk.ok(sdk.me());
    assert.ok(performance.now() - started >= 290);
    fake.faults.add({
      match: 'POST /api/4.0/queries/run',
      fault: { kind: 'body', body: '[{"content_usage.id":1},' },
    });
    const truncated = await fetch(`${fake.url}/api/4.0/queries/run/json`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}` },
      body: '{}',
    });
    assert.equal(await truncated.text(), '[{"content_usage.id":1},');
    assert.equal(fake.faults.pending, 0);
  });
});

describe('schema evolution (addField, removeField)', () => {
  const H = 'history';
  const EPOCH = at('2000-01-01');
  const END = at('2100-01-01');

  async function dimensionsOf(explore: string) {
    const { sdk } = sdkFor();
    const body = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: explore }),
    );
    assert.deepEqual(problems(body, 'LookmlModelExplore'), [], explore);
    return new Map(body.fields!.dimensions!.map((d) => [d.name!, d]));
  }

  /** A json query through the SDK (non-stream), the way a client reading its schema would run it. */
  async function sdkRows(body: Record<string, unknown>): Promise<LookerRow[]> {
    const { sdk } = sdkFor();
    return (await sdk.ok(
      sdk.run_inline_query({
        result_format: 'json',
        body: { model: 'system__activity', view: H, query_timezone: 'UTC', ...body },
      }),
    )) as unknown as LookerRow[];
  }

  const without = (rows: LookerRow[], key: string) =>
    rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== key)));

  it('serves an added dimension in the metadata, in queries and in truth(), leaving other values alone', async () => {
    const before = fake.truth(H, EPOCH, END);
    fake.addField(H, {
      name: 'api_client',
      type: 'string',
      label: 'API Client',
      value: ({ random }) => random.pick(['looker-activity-export', 'gzr', null]),
    });
    const field = (await dimensionsOf(H)).get('history.api_client');
    assert.equal(field?.type, 'string');
    assert.equal(field?.label_short, 'API Client');
    const after = fake.truth(H, EPOCH, END);
    assert.deepEqual(without(after, 'history.api_client'), before, 'other fields keep their values');
    assert.ok(
      after.some((r) => r['history.api_client'] === 'gzr') &&
        after.some((r) => r['history.api_client'] === null),
    );
    const got = await sdkRows({
      fields: ['history.id', 'history.api_client'],
      filters: { 'history.api_client': 'gzr' },
      sorts: ['history.created_time'],
      limit: '-1',
    });
    const expected = after
      .filter((r) => r['history.api_client'] === 'gzr')
      .map((r) => pick(r, ['history.id', 'history.api_client']));
    assert.deepEqual(got, expected);
    await fake.reset();
    assert.equal((await dimensionsOf(H)).has('history.api_client'), false, 'reset() restores the fields');
    assert.equal('history.api_client' in fake.truth(H, EPOCH, END)[0]!, false);
  });

  it('serves an added time group as one field per timeframe, filterable, its _time in truth()', async () => {
    fake.addField(H, {
      group: 'archived',
      label: 'Archived',
      timeframes: ['time', 'date'],
      value: ({ random, time }) => (random.chance(0.5) ? null : time + 86_400_000),
    });
    const dimensions = await dimensionsOf(H);
    assert.equal(dimensions.get('history.archived_time')?.type, 'date_time');
    assert.equal(dimensions.get('history.archived_date')?.dimension_group, 'history.archived');
    const truth = fake.truth(H, EPOCH, END);
    const day = truth.filter((r) => String(r['history.archived_time']).startsWith('2026-11-20'));
    assert.ok(day.length > 0 && truth.some((r) => r['history.archived_time'] === null));
    const got = await sdkRows({
      fields: ['history.id', 'history.archived_date'],
      filters: { 'history.archived_date': '2026-11-20' },
      sorts: ['history.created_time'],
      limit: '-1',
    });
    assert.deepEqual(
      got.map((r) => r['history.id']),
      day.map((r) => r['history.id']),
    );
    assert.ok(got.every((r) => r['history.archived_date'] === '2026-11-20'));
  });

  it('answers a removed field as Looker answers an unknown one, and drops it from metadata and truth()', async () => {
    const before = fake.truth(H, EPOCH, END);
    fake.removeField(H, 'history.dialect');
    fake.removeField(H, 'history.completed');
    const dimensions = await dimensionsOf(H);
    assert.equal(dimensions.has('history.dialect'), false);
    assert.equal(
      [...dimensions.keys()].some((name) => name.startsWith('history.completed_')),
      false,
    );
    assert.ok(dimensions.has('history.connection_name'));
    const after = fake.truth(H, EPOCH, END);
    assert.deepEqual(after, without(without(before, 'history.dialect'), 'history.completed_time'));
    for (const fields of [
      ['history.id', 'history.dialect'],
      ['history.id', 'history.completed_date'],
    ]) {
      const removed = await query({ view: H, fields });
      assert.equal(removed.status, 200);
      assert.match(String((removed.body as { looker_error: string }[])[0]!.looker_error), /Unknown field/);
    }
    const filtered = await query({
      view: H,
      fields: ['history.id'],
      filters: { 'history.dialect': 'mysql' },
    });
    assert.match(String((filtered.body as { looker_error: string }[])[0]!.looker_error), /Unknown field/);
    assert.equal((await sdkRows({ fields: ['history.id', 'history.runtime'], limit: '3' })).length, 3);
    await fake.reset();
    assert.ok((await dimensionsOf(H)).has('history.dialect'));
    assert.deepEqual(fake.truth(H, EPOCH, END), before);
  });

  it('refuses what LookML would refuse, and keeps appended rows in step with the field set', () => {
    assert.throws(() => fake.removeField(H, 'history.created'), /cursor/);
    assert.throws(() => fake.removeField(H, 'history.nope'), /no served field/);
    assert.throws(() => fake.removeField(H, 'history.completed_date'), /no served field/);
    assert.throws(
      () => fake.addField(H, { name: 'status', type: 'string', label: 'Status', value: () => 'x' }),
      /declared twice/,
    );
    const row = {
      ...fake.truth(H, EPOCH, END)[0]!,
      'history.id': 1,
      'history.created_time': '2026-11-01 00:00:00',
    };
    fake.append(H, [row]);
    fake.addField(H, { name: 'team', type: 'string', label: 'Team', value: () => 'core' });
    const appended = fake.truth(H, at('2026-11-01'), at('2026-11-02')).find((r) => r['history.id'] === 1)!;
    assert.equal(appended['history.team'], null, 'a stored row has no value for a later field');
    // Removed then added again: the same name, a new field with its own values.
    fake.removeField(H, 'status');
    assert.throws(() => fake.append(H, [row]), /unknown field history.status/);
    fake.addField(H, { name: 'status', type: 'number', label: 'Status', value: () => 7 });
    const generated = fake.truth(H, EPOCH, END).filter((r) => r['history.id'] !== 1);
    assert.ok(generated.every((r) => r['history.status'] === 7));
  });
});

describe("the API user's own activity", () => {
  const H = 'history';
  const TODAY = [at('2026-11-24T00:00:00Z'), at('2026-11-25T00:00:00Z')] as const;
  const mine = (explore: string, target = fake) =>
    target
      .truth(explore, ...TODAY)
      .filter(
        (r) =>
          r[`${explore}.user_id`] === target.apiUserId &&
          r[`${explore}.created_time`] === '2026-11-24 03:00:00',
      );

  it('answers GET /user with a stable, configurable numeric id as the User schema gives it', async () => {
    const { sdk } = sdkFor();
    const me = await sdk.ok(sdk.me());
    assert.deepEqual(problems(me, 'User'), []);
    assert.equal(me.id, String(fake.apiUserId));
    assert.equal(fake.apiUserId, 42);
    await withFake({ apiUserId: 1234 }, async (other) => {
      const { sdk: otherSdk } = sdkFor(other);
      assert.equal((await otherSdk.ok(otherSdk.me())).id, '1234');
    });
  });

  it('records each query it runs as a history row at the clock, seen by later queries only', async () => {
    const today = {
      view: H,
      fields: ['history.id', 'history.created_time', 'history.user_id', 'history.source'],
      filters: { 'history.created_date': 'today' },
      sorts: ['history.created_time'],
      limit: '-1',
    };
    const first = await rows(today);
    const second = await rows(today);
    assert.equal(second.length, first.length + 1, 'the first run is in the second result, not in its own');
    const recorded = mine(H);
    assert.equal(recorded.length, 2);
    // The last generated row: the dataset ends at the fake's start, where the recorded rows begin.
    const last = fake.truth(H, at('2000-01-01'), NOW).at(-1)!;
    assert.deepEqual(
      recorded.map((r) => r['history.id']),
      [(last['history.id'] as number) + 1, (last['history.id'] as number) + 2],
      'ids continue the sequence',
    );
    for (const row of recorded) {
      const expected = {
        ...pick(row, ['history.created_time']),
        'history.completed_time': '2026-11-24 03:00:00',
        'history.runtime': 0,
        'history.status': 'complete',
        'history.source': 'api4',
        'history.issuer_source': 'api',
        'history.result_source': 'query',
        'history.cache': 'No',
        'history.rebuild_pdts': 'No',
        'history.connection_name': 'looker__internal__analytics',
        'history.dialect': 'mysql',
        'history.dashboard_id': null,
        'history.dashboard_session': null,
        'history.look_id': null,
        'history.query_id': 2_000_001,
        'history.user_id': 42,
        'history.message': null,
        'history.render_key': null,
        'history.result_format': 'json',
      };
      assert.deepEqual(pick(row, Object.keys(expected)), expected);
    }
    await query({ view: H, fields: ['history.id'], limit: '1' }, { format: 'csv' });
    assert.deepEqual(
      mine(H).map((r) => [r['history.query_id'], r['history.result_format']]),
      [
        [2_000_001, 'json'],
        [2_000_001, 'json'],
        [2_000_002, 'csv'],
      ],
      'equal bodies are one Looker query',
    );
    // A day later the recorded rows are yesterday's, and a filter on the user id takes them out.
    fake.setNow(at('2026-11-25T03:00:00Z'));
    const yesterday = (userFilter: string) =>
      rows({
        view: H,
        fields: ['history.id', 'history.user_id'],
        filters: { 'history.created_date': '1 day ago', 'history.user_id': userFilter },
        sorts: ['history.created_time'],
        limit: '-1',
      });
    const all = fake.truth(H, ...TODAY);
    assert.deepEqual(
      (await yesterday('NOT 42')).map((r) => r['history.id']),
      all.filter((r) => r['history.user_id'] !== 42).map((r) => r['history.id']),
    );
    assert.deepEqual(
      (await yesterday('42')).map((r) => r['history.id']),
      all.filter((r) => r['history.user_id'] === 42).map((r) => r['history.id']),
    );
  });

  it('records logins and logouts as event rows, and a query never sees rows newer than the cache', async () => {
    const { sdk } = sdkFor();
    await sdk.ok(sdk.me());
    await sdk.ok(sdk.logout());
    assert.deepEqual(
      mine('event').map((r) =>
        pick(r, ['event.name', 'event.category', 'event.is_api_call', 'event.sudo_user_id']),
      ),
      [
        {
          'event.name': 'login',
          'event.category': 'login',
          'event.is_api_call': 'Yes',
          'event.sudo_user_id': null,
        },
        {
          'event.name': 'logout',
          'event.category': 'login',
          'event.is_api_call': 'Yes',
          'event.sudo_user_id': null,
        },
      ],
    );
    assert.equal(mine(H).length, 0, 'metadata calls are not queries');
    await withFake({ cacheStaleHours: 12 }, async (stale) => {
      const ids = { view: H, fields: ['history.id'], filters: { 'history.user_id': '42' }, limit: '-1' };
      const before = await rows(ids, { target: stale });
      assert.equal((await rows(ids, { target: stale })).length, before.length);
      assert.equal(mine(H, stale).length, 2, 'truth() ignores the cache');
      // Windows are half-open: a row at 03:00:00 is served once the cache reaches past it.
      stale.setNow(at('2026-11-24T15:00:00Z'));
      assert.equal((await rows(ids, { target: stale })).length, before.length);
      stale.setNow(at('2026-11-24T15:00:01Z'));
      assert.equal((await rows(ids, { target: stale })).length, before.length + 2);
    });
  });

  it('records nothing with recordApiActivity: false', async () => {
    await withFake({ recordApiActivity: false }, async (quiet) => {
      await rows({ view: H, fields: ['history.id'], limit: '5' }, { target: quiet });
      assert.equal(mine(H, quiet).length, 0);
      assert.equal(mine('event', quiet).length, 0);
      assert.deepEqual(quiet.truth(H, ...TODAY), quiet.truth(H, TODAY[0], at('2026-11-24T03:00:00Z')));
    });
  });
});

describe('number filters and keyset pagination', () => {
  it("reads Looker's number expressions: NOT (NULLs kept), lists, OR, open ranges and infinity", () => {
    const values = [null, -5, 0, 1, 2, 4, 5, 6, 7, 42, 66, 99, 100, 1234, 1235, 5000];
    const cases: [string, (number | null)[]][] = [
      ['NOT 42', values.filter((v) => v !== 42)],
      ['<>42', values.filter((v) => v !== 42)],
      ['!=42', values.filter((v) => v !== 42)],
      ['-5', [-5]],
      ['>1234', [1235, 5000]],
      ['>=1234', [1234, 1235, 5000]],
      ['>=5 AND <99', [5, 6, 7, 42, 66]],
      ['NOT 66, 99, 4', values.filter((v) => v !== 66 && v !== 99 && v !== 4)],
      ['5, NOT 6, NOT 7', [5]],
      ['>1 AND <100, NOT 2', [4, 5, 6, 7, 42, 66, 99]],
      ['NOT >1, 2, <100', [null]],
      ['<3 OR >1234', [-5, 0, 1, 2, 1235, 5000]],
      ['>10 AND <=66 OR 5', [5, 42, 66]],
      ['NOT 3 to 4000', [null, -5, 0, 1, 2, 5000]],
      ['1234 to', [1234, 1235, 5000]],
      ['to 0', [-5, 0]],
      ['(1234, inf)', [1235, 5000]],
      ['(1234,)', [1235, 5000]],
      ['(-inf, 0]', [-5, 0]],
      ['NOT (0,100)', [null, -5, 0, 100, 1234, 1235, 5000]],
      ['NOT NULL', values.filter((v) => v !== null)],
      ['NOT 42, NOT NULL', values.filter((v) => v !== null && v !== 42)],
    ];
    for (const [expression, expected] of cases)
      assert.deepEqual(values.filter(numberMatcher(expression)), expected, expression);
  });

  it('filters a nullable number with NOT over HTTP, keeping its NULLs', async () => {
    const all = fake.truth(CU, at('2000-01-01'), at('2100-01-01'));
    const excluded = all.find((r) => r['content_usage.embed_count'] !== null)!['content_usage.embed_count'];
    const got = await rows({
      fields: ['content_usage.id', 'content_usage.embed_count'],
      filters: { 'content_usage.embed_count': `NOT ${excluded}` },
      sorts: [CURSOR],
      limit: '-1',
    });
    const expected = all
      .filter((r) => r['content_usage.embed_count'] !== excluded)
      .map((r) => pick(r, ['content_usage.id', 'content_usage.embed_count']));
    assert.deepEqual(got, expected);
    assert.ok(got.some((r) => r['content_usage.embed_count'] === null) && got.length < all.length);
  });

  it('pages a capped snapshot explore by id ascending (keyset), the cap applied after the sort', async () => {
    // An appended user created early with a high id breaks creation order = id order, so the fake
    // must really sort rather than stream in creation order.
    const template = fake.truth('user', at('2000-01-01'), at('2100-01-01'))[0]!;
    await withFake({ rowCap: 50, datasets: { user: { rows: 230 } } }, async (capped) => {
      capped.append('user', [
        { ...template, 'user.id': 100_000, 'user.created_time': '2026-01-01 00:00:00' },
      ]);
      const ids: number[] = [];
      let last = 0;
      for (let page = 0; page < 10; page++) {
        const got = await rows(
          {
            view: 'user',
            fields: ['user.id'],
            filters: { 'user.id': `>${last}` },
            sorts: ['user.id'],
            limit: '-1',
          },
          { target: capped },
        );
        ids.push(...got.map((r) => r['user.id'] as number));
        if (got.length < 50) break;
        last = got.at(-1)!['user.id'] as number;
      }
      const truth = capped
        .truth('user', at('2000-01-01'), at('2100-01-01'))
        .map((r) => r['user.id'] as number);
      assert.equal(truth.length, 231);
      assert.deepEqual(
        ids,
        [...truth].sort((a, b) => a - b),
      );
    });
  });

  it('starts a keyset page past the rows it excludes, so the last page of 10M rows needs no scan', async () => {
    await withFake({ datasets: { [CU]: { rows: 10_000_000 } } }, async (big) => {
      const started = performance.now();
      const got = await rows(
        {
          fields: ['content_usage.id'],
          filters: { 'content_usage.id': '>9999990' },
          sorts: ['content_usage.id'],
          limit: '-1',
        },
        { target: big },
      );
      // Testing 10M rows one by one takes seconds; a binary search for the first page row, milliseconds.
      assert.ok(performance.now() - started < 1000, `${Math.round(performance.now() - started)} ms`);
      assert.deepEqual(
        got.map((r) => r['content_usage.id']),
        Array.from({ length: 10 }, (_, i) => 9_999_991 + i),
      );
      const inclusive = await rows(
        {
          fields: ['content_usage.id'],
          filters: { 'content_usage.id': '>=9999999' },
          sorts: ['content_usage.id desc'],
        },
        { target: big },
      );
      assert.deepEqual(
        inclusive.map((r) => r['content_usage.id']),
        [10_000_000, 9_999_999],
      );
    });
  });
});

/** Parses a streamed json array body element by element (as the exporter does) into `into`. */
async function collectJsonArray(response: Response, into: LookerRow[]): Promise<void> {
  await pipeline(
    Readable.fromWeb(response.body as ReadableStream),
    StreamArray.withParser(),
    async (items: AsyncIterable<{ value: LookerRow }>) => {
      for await (const item of items) into.push(item.value);
    },
  );
}

/** A small RFC 4180 reader: quoted cells may hold commas, quotes ("") and newlines. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') quoted = !quoted;
    else if (quoted || (char !== ',' && char !== '\n')) cell += char;
    else {
      record.push(cell);
      cell = '';
      if (char === '\n') {
        records.push(record);
        record = [];
      }
    }
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// The model generated from the facts: joins, measures, timeframes, counts, forgetting, load.

const H_ = 'history';
const dayOf = (time: unknown) => String(time).slice(0, 10);

describe('the System Activity model, from the committed facts', () => {
  it('serves the real explores and refuses the deprecated i__looker names as unknown fields', async () => {
    const names = [...systemActivity().explores.keys()];
    for (const name of [
      'history',
      'scheduled_plan',
      'query',
      'query_metrics',
      'dashboard',
      'event_attribute',
    ])
      assert.ok(names.includes(name), name);
    assert.equal(names.includes('scheduled_job'), false, 'scheduled jobs are read through scheduled_plan');
    const missing = await query({ view: 'scheduled_job', fields: ['scheduled_job.id'] });
    assert.equal(missing.status, 404);
    for (const [view, field] of [
      ['role', 'role.models'],
      ['user', 'user.is_looker'],
      ['query', 'query.formatted_filters'],
      ['scheduled_plan', 'scheduled_job.crontab'],
    ]) {
      const refused = await rows({ view, fields: [field] });
      assert.match(String(refused[0]!.looker_error), /Unknown field/, field);
    }
  });

  it('lists joined views in the metadata under their join name, with their measures and the joins', async () => {
    const { sdk } = sdkFor();
    const plan = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'scheduled_plan' }),
    );
    assert.deepEqual(problems(plan, 'LookmlModelExplore'), []);
    const dimensions = new Map(plan.fields!.dimensions!.map((d) => [d.name!, d]));
    assert.equal(dimensions.get('scheduled_job.created_time')!.view, 'scheduled_job');
    assert.equal(dimensions.get('scheduled_job.created_time')!.dimension_group, 'scheduled_job.created');
    assert.equal(dimensions.get('scheduled_job.cron_schedule')!.type, 'string');
    assert.equal(dimensions.get('scheduled_plan.id')!.primary_key, true);
    assert.ok(plan.fields!.measures!.some((m) => m.name === 'scheduled_job.count' && m.type === 'count'));
    const job = plan.joins!.find((j) => j.name === 'scheduled_job')!;
    assert.equal(job.relationship, 'one_to_many');
    const dashboard = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'dashboard' }),
    );
    assert.equal(dashboard.view_name, 'dashboard_layout_component');
    const field = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'field_usage' }),
    );
    assert.ok(field.fields!.measures!.some((m) => m.name === 'field_usage.times_used' && m.type === 'sum'));
    assert.equal(
      field.fields!.dimensions!.some((d) => d.name === 'field_usage.times_used'),
      false,
    );
    const metrics = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'query_metrics' }),
    );
    const inferred = new Map(metrics.fields!.dimensions!.map((d) => [d.name!, d.type]));
    assert.equal(inferred.get('query_metrics.created_at_time'), 'date_time');
    assert.equal(inferred.get('query_metrics.history_id'), 'number');
    assert.equal(inferred.get('query_metrics.explore_init_warning'), 'string');
    assert.ok(
      metrics.fields!.measures!.some(
        (m) => m.name === 'query_metrics.queued_average' && m.type === 'average',
      ),
    );
  });

  it('names the base view of a `from:` explore after the explore: dashboard_performance.*, never dashboard_run_event_stats.*', async () => {
    const DP = 'dashboard_performance';
    const refused = await rows({ view: DP, fields: ['dashboard_run_event_stats.dashboard_run_session'] });
    assert.match(
      String(refused[0]!.looker_error),
      /Unknown field "dashboard_run_event_stats.dashboard_run_session"/,
    );
    const filtered = await rows({
      view: DP,
      fields: [`${DP}.dashboard_run_session`],
      filters: { 'dashboard_run_event_stats.dashboard_run_session': '-NULL' },
    });
    assert.match(String(filtered[0]!.looker_error), /Unknown field/);
    const served = await rows({
      view: DP,
      fields: [`${DP}.dashboard_run_session`, `${DP}.first_event_at_time`, 'dashboard.id'],
      sorts: [`${DP}.first_event_at_time`],
      limit: '-1',
    });
    assert.ok(served.length > 0 && served.every((r) => typeof r[`${DP}.dashboard_run_session`] === 'string'));
    assert.deepEqual(
      served.map((r) => r[`${DP}.dashboard_run_session`]),
      fake.truth(DP).map((r) => r[`${DP}.dashboard_run_session`]),
    );
    assert.ok(Object.keys(fake.truth(DP)[0]!).every((key) => key.startsWith(`${DP}.`)));
    const { sdk } = sdkFor();
    const explore = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: DP }),
    );
    assert.deepEqual(problems(explore, 'LookmlModelExplore'), []);
    assert.equal(explore.view_name, DP);
    const names = explore.fields!.dimensions!.map((d) => d.name!);
    assert.ok(names.includes(`${DP}.dashboard_run_session`));
    assert.ok(names.includes(`${DP}.first_event_at_time`));
    assert.equal(
      names.some((n) => n.startsWith('dashboard_run_event_stats.')),
      false,
    );
    assert.ok(explore.fields!.measures!.some((m) => m.name === `${DP}.count`));
    assert.equal(explore.scopes![0], DP);
    // A join declared `fields: []` is listed (with its empty field list) though none of its fields is.
    assert.ok(
      explore.joins!.some(
        (j) => j.name === 'event_attribute_joiner' && j.from === 'event_attribute' && j.fields?.length === 0,
      ),
    );
    // The per-day count of the exporter's count-first query, by the alias.
    const counts = await rows({
      view: DP,
      fields: [`${DP}.first_event_at_date`, `${DP}.count`],
      sorts: [`${DP}.first_event_at_date`],
      limit: '-1',
    });
    assert.equal(
      counts.reduce((n, r) => n + (r[`${DP}.count`] as number), 0),
      fake.truth(DP).length,
    );
  });

  it('hides the fields of joins declared fields: [] (as the 2020 model does), or exposes them when told', async () => {
    // [explore, a field it exposes, a field of a join declared `fields: []`]
    const hidden: [string, string, string][] = [
      ['user', 'user.id', 'user_facts_role.id'],
      ['group', 'group.id', 'role_group.role_id'],
      ['group', 'group.id', 'user_facts_role.user_id'],
      ['history', 'history.id', 'group_user.id'],
      ['event', 'event.id', 'group_user.user_id'],
      ['dashboard_performance', 'dashboard_performance.dashboard_run_session', 'event_attribute_joiner.name'],
    ];
    for (const [view, visible, field] of hidden) {
      const refused = await rows({ view, fields: [visible, field] });
      assert.match(String(refused[0]!.looker_error), new RegExp(`Unknown field "${field}"`), field);
      const filtered = await rows({ view, fields: [visible], filters: { [field]: 'NOT NULL' } });
      assert.match(String(filtered[0]!.looker_error), /Unknown field/, `${field} as a filter`);
    }
    // The views beyond a hidden join stay selectable: role through user_facts_role, group_role through role_group.
    for (const [view, fields] of [
      ['user', ['user.id', 'role.id']],
      ['group', ['group.id', 'group_role.id', 'group_role.name']],
    ] as const) {
      const served = await rows({ view, fields: [...fields], sorts: [`${view}.id`], limit: '-1' });
      assert.ok(served.length > 0 && served.every((r) => !('looker_error' in r)), view);
      assert.deepEqual(served, fake.truth(view, undefined, undefined, { fields }), view);
    }
    assert.throws(
      () => fake.truth('group', undefined, undefined, { fields: ['role_group.id'] }),
      /Unknown field/,
    );
    const { sdk } = sdkFor();
    const group = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'group' }),
    );
    assert.deepEqual(problems(group, 'LookmlModelExplore'), []);
    const listed = [...group.fields!.dimensions!, ...group.fields!.measures!].map((f) => f.name!);
    assert.equal(listed.filter((n) => /^(role_group|user_facts_role)\./.test(n)).length, 0);
    assert.ok(listed.includes('group_role.id') && listed.includes('group_user.id'));
    assert.deepEqual(group.joins!.find((j) => j.name === 'role_group')!.fields, []);
    assert.equal(group.joins!.find((j) => j.name === 'group_user')!.fields, null);

    await withFake({ hiddenJoins: 'exposed' }, async (exposed) => {
      const fields = ['group.id', 'role_group.id', 'role_group.role_id'];
      const served = await rows(
        {
          view: 'group',
          fields,
          filters: { 'role_group.id': 'NOT NULL' },
          sorts: ['role_group.id'],
          limit: '-1',
        },
        { target: exposed },
      );
      assert.ok(served.length > 0);
      assert.deepEqual(
        served,
        exposed
          .truth('group', undefined, undefined, { fields })
          .filter((r) => r['role_group.id'] !== null)
          .sort((a, b) => (a['role_group.id'] as number) - (b['role_group.id'] as number)),
      );
      const { sdk: other } = sdkFor(exposed);
      const metadata = await other.ok(
        other.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'user' }),
      );
      assert.deepEqual(problems(metadata, 'LookmlModelExplore'), []);
      assert.ok(metadata.fields!.dimensions!.some((d) => d.name === 'user_facts_role.role_id'));
      assert.equal(metadata.joins!.find((j) => j.name === 'user_facts_role')!.fields, null);
    });
  });

  it('joins query_api_client_context in history (Looker 25.18+): which API client ran each query, NULL for most', async () => {
    const QC = 'query_api_client_context';
    const { sdk } = sdkFor();
    const history = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'history' }),
    );
    assert.deepEqual(problems(history, 'LookmlModelExplore'), []);
    const dimensions = new Map(history.fields!.dimensions!.map((d) => [d.name!, d]));
    for (const name of ['name', 'cs_spreadsheet_id', 'cs_trigger', 'ls_dashboard_id', 'ls_datasource_id'])
      assert.equal(dimensions.get(`${QC}.${name}`)?.type, 'string', name);
    assert.equal(dimensions.get(`${QC}.history_id`)!.hidden, true);
    assert.equal(history.joins!.find((j) => j.name === QC)!.relationship, 'one_to_one');

    const fields = ['history.id', `${QC}.name`, `${QC}.cs_spreadsheet_id`, `${QC}.ls_datasource_id`];
    // Before the query: it records its own history row (no API client context) once answered.
    const historyRows = fake.truth('history').length;
    const expected = fake.truth('history', undefined, undefined, { fields, on: 'history.id' });
    const served = await rows({ view: 'history', fields, sorts: ['history.id'], limit: '-1' });
    assert.equal(served.length, historyRows, 'one context at most per history row');
    assert.deepEqual(served, expected);
    const byName = new Map<unknown, number>();
    for (const row of served) byName.set(row[`${QC}.name`], (byName.get(row[`${QC}.name`]) ?? 0) + 1);
    assert.ok(byName.get(null)! > served.length / 2, 'most queries have no API client');
    for (const client of ['Connected Sheets', 'Looker Studio', 'Power BI'])
      assert.ok(byName.get(client)! > 0, client);
    for (const row of served) {
      assert.equal(row[`${QC}.cs_spreadsheet_id`] !== null, row[`${QC}.name`] === 'Connected Sheets');
      assert.equal(row[`${QC}.ls_datasource_id`] !== null, row[`${QC}.name`] === 'Looker Studio');
    }
    // A client's queries per day: the join filters and groups like any other.
    const sheets = await rows({
      view: 'history',
      fields: ['history.created_date', 'history.count'],
      filters: { [`${QC}.name`]: 'Connected Sheets' },
      limit: '-1',
    });
    assert.equal(
      sheets.reduce((n, r) => n + (r['history.count'] as number), 0),
      byName.get('Connected Sheets'),
    );

    await withFake({ queryApiClientContext: false }, async (older) => {
      const refused = await rows(
        { view: 'history', fields: ['history.id', `${QC}.name`] },
        { target: older },
      );
      assert.match(String(refused[0]!.looker_error), new RegExp(`Unknown field "${QC}.name"`));
      const { sdk: other } = sdkFor(older);
      const metadata = await other.ok(
        other.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'history' }),
      );
      assert.equal(
        metadata.fields!.dimensions!.some((d) => d.name!.startsWith(`${QC}.`)),
        false,
      );
      assert.equal(
        metadata.joins!.some((j) => j.name === QC),
        false,
      );
    });
  });

  it('serves the explores added since 2020 from the 2026 facts, listed in lookml_model and described', async () => {
    const ADDED = [
      'api_usage',
      'api_usage_hourly',
      'concurrency',
      'compliance_user_permissions',
      'scheduled_plan_oauth_events',
    ];
    const { sdk } = sdkFor();
    const model = await sdk.ok(sdk.lookml_model('system__activity'));
    assert.deepEqual(problems(model, 'LookmlModel'), []);
    for (const explore of model.explores!) assert.deepEqual(problems(explore, 'LookmlModelNavExplore'), []);
    const listed = model.explores!.map((e) => e.name!);
    for (const name of ADDED) assert.ok(listed.includes(name), name);
    assert.equal(listed.includes('report'), false, 'the Report explore has no known id');

    const described = new Map<
      string,
      Map<string, { type?: string; primary_key?: boolean; measure?: boolean }>
    >();
    for (const name of ADDED) {
      const explore = await sdk.ok(
        sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: name }),
      );
      assert.deepEqual(problems(explore, 'LookmlModelExplore'), [], name);
      assert.equal(explore.view_name, name);
      described.set(
        name,
        new Map([...explore.fields!.dimensions!, ...explore.fields!.measures!].map((f) => [f.name!, f])),
      );
    }
    const type = (explore: string, field: string) => described.get(explore)!.get(field)?.type;
    // The facts' names, with the types guessed from them.
    assert.equal(type('api_usage', 'api_usage.endpoint'), 'string');
    for (const timeframe of ['date', 'month', 'year'])
      assert.equal(type('api_usage', `api_usage.created_${timeframe}`), `date_${timeframe}`);
    assert.equal(type('api_usage', 'api_usage.total_usage'), 'sum');
    assert.equal(described.get('api_usage')!.get('api_usage.id')!.primary_key, true);
    assert.equal(
      type('compliance_user_permissions', 'compliance_user_permissions.created_date'),
      'date_date',
    );
    assert.equal(type('compliance_user_permissions', 'compliance_user_permissions.embed'), 'yesno');
    for (const measure of ['admin_developer_users', 'explore_users', 'total_users'])
      assert.equal(
        described.get('compliance_user_permissions')!.get(`compliance_user_permissions.${measure}`)!.measure,
        true,
        measure,
      );
    assert.equal(
      type('compliance_user_permissions', 'devs_not_explorers.non_explore_devs'),
      'count_distinct',
    );
    assert.equal(described.get('concurrency')!.get('concurrency.pk')!.primary_key, true);
    for (const field of ['user.name', 'query.model', 'event_attribute.value'])
      assert.ok(described.get('scheduled_plan_oauth_events')!.has(field), field);

    // They run like any explore: API Usage holds the last day only (no history since 25.16).
    const usage = await rows({
      view: 'api_usage',
      fields: ['api_usage.created_date', 'api_usage.endpoint', 'api_usage.total_usage'],
      limit: '-1',
    });
    assert.ok(usage.length > 0 && usage.every((r) => !('looker_error' in r)));
    assert.ok(usage.every((r) => String(r['api_usage.created_date']) >= '2026-11-23'));
    assert.ok(
      fake.truth('api_usage').every((r) => String(r['api_usage.created_time']) >= '2026-11-23 03:00:00'),
    );
    const [users] = await rows({
      view: 'compliance_user_permissions',
      fields: ['compliance_user_permissions.count', 'compliance_user_permissions.total_users'],
    });
    assert.equal(
      users!['compliance_user_permissions.count'],
      fake.truth('compliance_user_permissions').length,
    );
    assert.equal(typeof users!['compliance_user_permissions.total_users'], 'number');
    const oauth = await rows({
      view: 'scheduled_plan_oauth_events',
      fields: ['scheduled_plan_oauth_events.id', 'user.name', 'query.model', 'event_attribute.value'],
      limit: '50',
    });
    assert.equal(oauth.length, 50);
    assert.ok(oauth.some((r) => r['user.name'] !== null));
  });

  it('fans a one_to_many join out: one row per scheduled job, one NULL row for a plan without jobs', async () => {
    const joined = await rows({
      view: 'scheduled_plan',
      fields: ['scheduled_plan.id', 'scheduled_job.id', 'scheduled_job.scheduled_plan_id'],
      sorts: ['scheduled_plan.id'],
      limit: '-1',
    });
    const plans = await rows({ view: 'scheduled_plan', fields: ['scheduled_plan.id'], limit: '-1' });
    const jobs = joined.filter((r) => r['scheduled_job.id'] !== null);
    assert.ok(jobs.every((r) => r['scheduled_job.scheduled_plan_id'] === r['scheduled_plan.id']));
    assert.equal(new Set(jobs.map((r) => r['scheduled_job.id'])).size, jobs.length, 'each job once');
    assert.equal(jobs.length, 2000, 'every generated job refers to an existing plan');
    const perPlan = new Map<unknown, number>();
    for (const r of joined)
      perPlan.set(r['scheduled_plan.id'], (perPlan.get(r['scheduled_plan.id']) ?? 0) + 1);
    assert.equal(perPlan.size, plans.length, 'every plan appears');
    const lonely = [...perPlan].filter(([id]) => !jobs.some((r) => r['scheduled_plan.id'] === id));
    assert.ok(lonely.length > 0 && lonely.every(([, n]) => n === 1), 'a plan without jobs is one NULL row');
    assert.ok(
      [...perPlan.values()].some((n) => n >= 3),
      'a plan with several jobs gives several rows',
    );
    // Symmetric aggregates: fan-out does not inflate the plans' count.
    const [counted] = await rows({
      view: 'scheduled_plan',
      fields: ['scheduled_plan.count', 'scheduled_job.count'],
    });
    assert.deepEqual(counted, { 'scheduled_plan.count': plans.length, 'scheduled_job.count': 2000 });
  });

  it('joins many_to_one views to the rows their keys name, and groups dimensions as GROUP BY does', async () => {
    const users = new Map(
      (await rows({ view: 'user', fields: ['user.id', 'user.email'], limit: '-1' })).map((u) => [
        u['user.id'],
        u['user.email'],
      ]),
    );
    const history = await rows({
      view: H_,
      fields: ['history.id', 'history.user_id', 'user.email'],
      filters: { 'history.created_date': '2026-11-20' },
      limit: '-1',
    });
    assert.ok(history.length > 100);
    for (const row of history) assert.equal(row['user.email'], users.get(row['history.user_id']));
    // Dimensions only: distinct combinations, as Looker's GROUP BY gives them.
    const statuses = await rows({ view: H_, fields: ['history.status'], limit: '-1' });
    assert.deepEqual(
      statuses.map((r) => r['history.status']).sort(),
      [...new Set(fake.truth(H_).map((r) => r['history.status']))].sort(),
    );
  });

  it("aggregates each measure by its facts' type: sum, average, max, min, count_distinct, and refuses unknown SQL", async () => {
    const truth = fake.truth(H_);
    const got = await rows({
      view: H_,
      fields: [
        'history.status',
        'history.count',
        'history.total_runtime',
        'history.average_runtime',
        'history.max_runtime',
        'history.min_runtime',
      ],
      sorts: ['history.status'],
      limit: '-1',
    });
    for (const row of got) {
      const runtimes = truth
        .filter((r) => r['history.status'] === row['history.status'])
        .map((r) => r['history.runtime'])
        .filter((v): v is number => typeof v === 'number');
      const sum = runtimes.reduce((a, b) => a + b, 0);
      assert.equal(
        row['history.count'],
        truth.filter((r) => r['history.status'] === row['history.status']).length,
      );
      assert.ok(Math.abs((row['history.total_runtime'] as number) - sum) < 1e-6);
      assert.ok(Math.abs((row['history.average_runtime'] as number) - sum / runtimes.length) < 1e-6);
      assert.equal(row['history.max_runtime'], Math.max(...runtimes));
      assert.equal(row['history.min_runtime'], Math.min(...runtimes));
    }
    const [usage] = await rows({ fields: ['content_usage.api_total', 'content_usage.content_count'] });
    const all = fake.truth(CU);
    assert.equal(
      usage!['content_usage.api_total'],
      all.reduce((a, r) => a + ((r['content_usage.api_count'] as number) ?? 0), 0),
    );
    assert.equal(usage!['content_usage.content_count'], all.length);
    const unknown = await rows({ view: H_, fields: ['history.first_query_date'] });
    assert.match(String(unknown[0]!.looker_error), /cannot compute history\.first_query_date/);
  });

  it("serves every timeframe of a group in Looker's formats; raw is hidden but queryable", async () => {
    const [row] = await rows({
      view: H_,
      fields: [
        'history.id',
        'history.created_time',
        'history.created_raw',
        'history.created_date',
        'history.created_week',
        'history.created_month',
        'history.created_quarter',
        'history.created_year',
        'history.created_hour_of_day',
        'history.created_day_of_week',
        'history.completed_hour',
      ],
      filters: { 'history.id': '4000' },
    });
    const time = String(row!['history.created_time']);
    assert.equal(row!['history.created_raw'], time);
    assert.equal(row!['history.created_date'], time.slice(0, 10));
    assert.equal(row!['history.created_month'], time.slice(0, 7));
    assert.match(String(row!['history.created_quarter']), /^\d{4}-Q[1-4]$/);
    assert.equal(row!['history.created_year'], Number(time.slice(0, 4)));
    assert.equal(row!['history.created_hour_of_day'], Number(time.slice(11, 13)));
    assert.equal(
      new Date(`${String(row!['history.created_week'])}T00:00:00Z`).getUTCDay(),
      1,
      'weeks start on Monday',
    );
    assert.match(String(row!['history.created_day_of_week']), /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$/);
    assert.match(String(row!['history.completed_hour'] ?? '2026-01-01 00'), /^\d{4}-\d{2}-\d{2} \d{2}$/);
    const { sdk } = sdkFor();
    const explore = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: H_ }),
    );
    assert.equal(explore.fields!.dimensions!.find((d) => d.name === 'history.created_raw')!.hidden, true);
  });

  it('keeps related rows consistent: metrics name existing history rows, attributes their events', async () => {
    const metrics = await rows({
      view: 'query_metrics',
      fields: ['query_metrics.history_id', 'query_metrics.created_at_time'],
      filters: { 'query_metrics.created_at_date': '2026-11-20' },
      limit: '-1',
    });
    const history = new Map(fake.truth(H_).map((r) => [r['history.id'], r['history.created_time']]));
    assert.ok(metrics.length > 100);
    for (const m of metrics)
      assert.equal(history.get(m['query_metrics.history_id']), m['query_metrics.created_at_time']);
    const attributes = await rows({
      view: 'event_attribute',
      fields: ['event_attribute.id', 'event.id', 'event.created_time'],
      filters: { 'event.created_date': '2026-11-20' },
      limit: '-1',
    });
    assert.ok(
      attributes.length > 100 && attributes.every((a) => dayOf(a['event.created_time']) === '2026-11-20'),
    );
  });
});

describe('count first: per-period counts by index arithmetic', () => {
  it('answers cursor_date + count for millions of rows without generating them, equal to the rows', async () => {
    await withFake({ datasets: { history: { rows: 10_000_000 } }, recordApiActivity: false }, async (big) => {
      const started = performance.now();
      const days = await rows(
        {
          view: H_,
          fields: ['history.created_date', 'history.count'],
          sorts: ['history.created_date'],
          limit: '-1',
        },
        { target: big },
      );
      assert.ok(performance.now() - started < 2000, 'no scan of 10M rows');
      assert.equal(
        days.reduce((a, r) => a + (r['history.count'] as number), 0),
        10_000_000,
      );
      assert.equal(days.length, 31, '2026-10-25 03:00 to 2026-11-24 03:00 touches 31 days');
      // Per the facts no cursor group has an `_hour` or `_minute` timeframe (`history.created` does not).
      const hours = await rows(
        { view: H_, fields: ['history.created_hour', 'history.count'] },
        { target: big },
      );
      assert.match(String(hours[0]!.looker_error), /Unknown field "history.created_hour"/);
    });
    // On a small dataset the counts equal truth(), appended rows included.
    fake.append(H_, [{ 'history.id': 900_001, 'history.created_time': '2026-11-20 12:00:00' }]);
    const counted = await rows({
      view: H_,
      fields: ['history.created_date', 'history.count'],
      filters: { 'history.created_date': '2026-11-18 to 2026-11-22' },
      limit: '-1',
    });
    const truth = fake.truth(H_, at('2026-11-18'), at('2026-11-22'));
    for (const row of counted)
      assert.equal(
        row['history.count'],
        truth.filter((r) => dayOf(r['history.created_time']) === row['history.created_date']).length,
      );
    assert.equal(counted.length, 4);
  });
});

describe('a fake that forgets like Looker (retention, everHeld)', () => {
  it('forgets history by age and events by count as the clock moves; everHeld keeps every row', async () => {
    // Age alone here (`sooner: []`); the scheduled-task rule has its own spec below.
    const retention = { history: { days: 10, sooner: [] }, event: { rows: 300 } };
    await withFake({ retention, recordApiActivity: false }, async (forgetful) => {
      const held = forgetful.truth(H_);
      const ever = forgetful.everHeld(H_);
      assert.equal(ever.length, 5000);
      const cut = '2026-11-14 03:00:00';
      assert.ok(held.length > 0 && held.every((r) => String(r['history.created_time']) >= cut));
      assert.equal(held.length, ever.filter((r) => String(r['history.created_time']) >= cut).length);
      const served = await rows(
        { view: H_, fields: ['history.id'], sorts: ['history.id'], limit: '-1' },
        { target: forgetful },
      );
      assert.deepEqual(
        served.map((r) => r['history.id']),
        held.map((r) => r['history.id']).sort((a, b) => Number(a) - Number(b)),
      );
      assert.equal(forgetful.truth('event').length, 300);
      // Attributes go with their events.
      const attributes = forgetful.truth('event_attribute', undefined, undefined, {
        fields: ['event_attribute.id', 'event.id'],
      });
      assert.equal(attributes.length, 600);
      assert.ok(attributes.every((a) => a['event.id'] !== null));

      forgetful.setNow(at('2026-11-29T03:00:00Z'));
      assert.ok(forgetful.truth(H_).every((r) => String(r['history.created_time']) >= '2026-11-19 03:00:00'));
      assert.ok(forgetful.truth(H_).length < held.length);
      assert.equal(forgetful.everHeld(H_).length, 5000, 'forgotten rows stay in everHeld');
      const window = [at('2026-11-01'), at('2026-11-02')] as const;
      assert.equal(forgetful.truth(H_, ...window).length, 0);
      assert.ok(forgetful.everHeld(H_, ...window).length > 100);
      assert.deepEqual(
        forgetful.everHeld(H_, ...window),
        fake.truth(H_, ...window),
        'the same rows as a fake that forgot nothing',
      );
    });
  });

  it('forgets history of scheduled tasks after 7 days, other history after 90, as Looker documents', async () => {
    const retention = { history: { days: 90 } };
    await withFake({ retention, recordApiActivity: false }, async (forgetful) => {
      const scheduled = (r: LookerRow) => r['history.source'] === 'scheduled_task';
      const ever = forgetful.everHeld(H_);
      assert.equal(ever.length, 5000);
      const weekAgo = '2026-11-17 03:00:00';
      const old = (r: LookerRow) => String(r['history.created_time']) < weekAgo;
      assert.ok(
        ever.filter((r) => scheduled(r) && old(r)).length > 100,
        'older scheduled-task rows were held',
      );
      const held = forgetful.truth(H_);
      assert.deepEqual(
        held,
        ever.filter((r) => !(scheduled(r) && old(r))),
        'only the older scheduled-task rows are gone',
      );
      assert.ok(held.some(scheduled) && held.some((r) => old(r)));
      // Queries agree, the per-day counts too (no index arithmetic over rows gone one by one).
      const served = await rows(
        { view: H_, fields: ['history.id'], sorts: ['history.id'], limit: '-1' },
        { target: forgetful },
      );
      assert.deepEqual(
        served.map((r) => r['history.id']),
        held.map((r) => r['history.id']).sort((a, b) => Number(a) - Number(b)),
      );
      const perDay = await rows(
        { view: H_, fields: ['history.created_date', 'history.count'], limit: '-1' },
        { target: forgetful },
      );
      assert.equal(
        perDay.reduce((n, r) => n + (r['history.count'] as number), 0),
        held.length,
      );
      // A history row's API client context goes with it.
      const contexts = forgetful.truth(H_, undefined, undefined, {
        fields: ['history.id', 'query_api_client_context.history_id'],
      });
      assert.equal(contexts.length, held.length);
      assert.ok(contexts.every((r) => r['query_api_client_context.history_id'] === r['history.id']));

      // Two days on, two more days of scheduled-task history are gone; the rest stays 90 days.
      forgetful.setNow(at('2026-11-26T03:00:00Z'));
      const later = forgetful.truth(H_);
      const cut = '2026-11-19 03:00:00';
      assert.deepEqual(
        later,
        ever.filter((r) => !(scheduled(r) && String(r['history.created_time']) < cut)),
      );
      assert.ok(later.length < held.length);
      assert.equal(forgetful.everHeld(H_).length, 5000, 'forgotten rows stay in everHeld');
    });
  });

  it('changes state rows in place as the clock moves: content usage ages and counts grow, events do not', () => {
    const before = fake.truth(CU);
    const events = fake.truth(H_);
    fake.setNow(at('2026-11-27T03:00:00Z'));
    const after = fake.truth(CU);
    assert.equal(after.length, before.length);
    let grew = 0;
    before.forEach((row, i) => {
      const later = after[i]!;
      assert.equal(later['content_usage.id'], row['content_usage.id']);
      assert.equal(later['content_usage.last_accessed_time'], row['content_usage.last_accessed_time']);
      assert.equal(later['content_usage.content_title'], row['content_usage.content_title']);
      assert.equal(
        later['content_usage.days_since_last_accessed'],
        (row['content_usage.days_since_last_accessed'] as number) + 3,
      );
      if (row['content_usage.api_count'] !== null) {
        assert.ok((later['content_usage.api_count'] as number) >= (row['content_usage.api_count'] as number));
        if (later['content_usage.api_count'] !== row['content_usage.api_count']) grew++;
      }
    });
    assert.ok(grew > before.length / 2, 'most rows were used in three days');
    assert.deepEqual(fake.truth(H_), events);
  });

  it('answers truth() for a field set of an explore, windowed on the first selected view with a cursor', () => {
    const window = [at('2026-11-20'), at('2026-11-21')] as const;
    const jobs = fake.truth('scheduled_plan', ...window, {
      fields: ['scheduled_job.id', 'scheduled_job.created_time', 'scheduled_plan.name'],
    });
    assert.ok(jobs.length > 30);
    assert.ok(jobs.every((r) => dayOf(r['scheduled_job.created_time']) === '2026-11-20'));
    const times = jobs.map((r) => String(r['scheduled_job.created_time']));
    assert.deepEqual(times, [...times].sort(), 'in cursor order');
  });
});

describe("latency, concurrency and the API user's roles", () => {
  it('waits queryLatencyMs before the first row and records how many queries ran at once', async () => {
    await withFake({ queryLatencyMs: 300 }, async (slow) => {
      const body = { view: H_, fields: ['history.id'], limit: '5' };
      const started = performance.now();
      const results = await Promise.all([1, 2, 3].map(() => rows(body, { target: slow })));
      assert.ok(performance.now() - started >= 300);
      assert.ok(results.every((r) => r.length === 5));
      assert.equal(slow.maxConcurrentQueries, 3);
      await slow.reset();
      assert.equal(slow.maxConcurrentQueries, 0);
    });
    await withFake({ queryLatencyMs: 300, concurrentQueryLimit: 1 }, async (single) => {
      const body = { view: H_, fields: ['history.id'], limit: '5' };
      const results = await Promise.all([1, 2, 3].map(() => rows(body, { target: single })));
      assert.equal(results.filter((r) => r.length === 5).length, 1);
      assert.equal(
        results.filter((r) => /at most 1 query at a time/.test(String(r[0]?.looker_error))).length,
        2,
      );
      assert.equal(single.refusedQueries, 2);
      assert.equal(single.maxConcurrentQueries, 1);
    });
  });

  it('answers GET /users/{id}/roles with Role objects that grant see_system_activity (and download_without_limit unless capped)', async () => {
    const roles = async (target: LookerFake, id: string) => {
      const res = await fetch(`${target.url}/api/4.0/users/${id}/roles`, {
        headers: { authorization: `Bearer ${await token(target)}` },
      });
      return {
        status: res.status,
        body: (await res.json()) as { permission_set: { permissions: string[] } }[],
      };
    };
    const mine = await roles(fake, '42');
    assert.equal(mine.status, 200);
    for (const role of mine.body) assert.deepEqual(problems(role, 'Role'), []);
    const permissions = mine.body.flatMap((r) => r.permission_set.permissions);
    assert.ok(permissions.includes('see_system_activity') && permissions.includes('download_without_limit'));
    assert.equal((await roles(fake, '7')).status, 404);
    await withFake({ rowCap: 5000 }, async (capped) => {
      const granted = (await roles(capped, '42')).body.flatMap((r) => r.permission_set.permissions);
      assert.ok(granted.includes('see_system_activity') && !granted.includes('download_without_limit'));
    });
    await withFake({ downloadWithoutLimit: false }, async (limited) => {
      const granted = (await roles(limited, '42')).body.flatMap((r) => r.permission_set.permissions);
      assert.equal(granted.includes('download_without_limit'), false);
    });
  });
});

describe('rows that go between queries (remove, onQuery)', () => {
  const EVER = [at('2000-01-01'), at('2100-01-01')] as const;
  const ids = (list: LookerRow[], key: string) => list.map((r) => r[key] as number);

  it('removes rows like deleted users: gone from queries, joins and truth(), kept by everHeld()', async () => {
    const users = fake.truth('user');
    const gone = [3, 7, 42];
    assert.equal(
      fake.remove('user', (r) => gone.includes(r['user.id'] as number)),
      3,
    );
    const left = fake.truth('user');
    assert.equal(left.length, users.length - 3);
    assert.ok(left.every((r) => !gone.includes(r['user.id'] as number)));
    assert.equal(fake.everHeld('user').length, users.length);
    const got = await rows({ view: 'user', fields: ['user.id'], sorts: ['user.id'], limit: '-1' });
    assert.deepEqual(
      ids(got, 'user.id'),
      ids(left, 'user.id').sort((a, b) => a - b),
    );
    assert.deepEqual(await rows({ view: 'user', fields: ['user.id'], filters: { 'user.id': '3,7,42' } }), []);
    // A many_to_one join to a removed row finds nothing, as with a forgotten one.
    const history = await rows({
      view: 'history',
      fields: ['history.id', 'history.user_id', 'user.id', 'user.email'],
      filters: { 'history.user_id': '7' },
      limit: '-1',
    });
    assert.ok(history.length > 0);
    assert.ok(history.every((r) => r['user.id'] === null && r['user.email'] === null));
    // Removing by id, and an ended session through its join in the user explore.
    assert.equal(fake.remove('user', [8, 9, 3, 999_999]), 2);
    assert.equal(fake.truth('user').length, users.length - 5);
    const sessions = fake.truth('user', undefined, undefined, { fields: ['session.id', 'session.user_id'] });
    const ended = sessions.find((r) => r['session.id'] !== null)!['session.id'] as number;
    assert.equal(
      fake.remove('user', (r) => r['session.id'] === ended, { view: 'session' }),
      1,
    );
    const open = await rows({ view: 'user', fields: ['session.id'], limit: '-1' });
    assert.ok(open.length > 1 && !open.some((r) => r['session.id'] === ended));
    assert.throws(() => fake.remove('user', () => true, { view: 'nope' }), /no view or join "nope"/);
    assert.throws(() => fake.remove('pdt_builds', ['x']), /has no id/);
    await fake.reset();
    assert.equal(fake.truth('user').length, users.length);
  });

  it('takes child rows with their parent (an event and its attributes), and appended rows too', async () => {
    const attributes = fake.truth('event_attribute');
    const eventIds = [5, 6, 100];
    const appended: LookerRow = {
      ...fake.truth('event', ...EVER)[0]!,
      'event.id': 9_000_001,
      'event.created_time': '2026-11-20 12:00:00',
    };
    fake.append('event', [appended, { ...appended, 'event.id': 9_000_002 }]);
    const appendedAttribute: LookerRow = {
      ...attributes[0]!,
      'event_attribute.id': 9_000_101,
      'event_attribute.event_id': 9_000_001,
    };
    fake.append('event_attribute', [appendedAttribute]);
    assert.equal(fake.truth('event_attribute').length, attributes.length + 1);
    assert.equal(fake.remove('event', [...eventIds, 9_000_001]), 4);
    const left = fake.truth('event_attribute');
    assert.ok(left.every((r) => ![...eventIds, 9_000_001].includes(r['event_attribute.event_id'] as number)));
    // Two generated attributes per event.
    assert.equal(left.length, attributes.length - 6);
    assert.equal(fake.everHeld('event_attribute').length, attributes.length + 1);
    const day = await rows({
      view: 'event_attribute',
      fields: ['event_attribute.id', 'event_attribute.event_id'],
      sorts: ['event_attribute.id'],
      limit: '-1',
    });
    assert.deepEqual(
      ids(day, 'event_attribute.id'),
      ids(left, 'event_attribute.id').sort((a, b) => a - b),
    );
    // Appended rows go too, by predicate, and the count-first path counts what is left.
    assert.equal(
      fake.remove('event', (r) => r['event.id'] === 9_000_002),
      1,
    );
    const window = [at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z')] as const;
    const counts = await rows({
      view: 'event',
      fields: ['event.created_date', 'event.count'],
      filters: { 'event.created_date': '2026-11-20' },
    });
    assert.deepEqual(counts, [
      { 'event.created_date': '2026-11-20', 'event.count': fake.truth('event', ...window).length },
    ]);
    assert.ok(!fake.truth('event', ...window).some((r) => r['event.id'] === 9_000_002));
    assert.equal(
      fake.everHeld('event', ...window).length,
      // The two appended events of that day; the generated ones removed are older.
      fake.truth('event', ...window).length + 2,
    );
  });

  it('calls onQuery hooks with each query body and its index: rows change between a count and its read', async () => {
    await withFake({ recordApiActivity: false }, async (target) => {
      const seen: string[] = [];
      const stop = target.onQuery((body, { index, format }) => {
        seen.push(`${index}:${body.view}:${format}:${(body.fields ?? []).join('+')}`);
      });
      const day = '2026-11-20';
      const window = [at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z')] as const;
      const count = {
        view: 'history',
        fields: ['history.created_date', 'history.count'],
        filters: { 'history.created_date': day },
      };
      const read = {
        view: 'history',
        fields: ['history.id'],
        filters: { 'history.created_date': day },
        sorts: ['history.id'],
        limit: '-1',
      };
      const template = target.truth('history', ...window)[0]!;
      const removed = ids(target.truth('history', ...window), 'history.id').slice(0, 10);
      const added = [9_000_001, 9_000_002, 9_000_003];
      // After the first count query has been answered: 10 rows go, 3 come.
      target.onQuery(
        (body, { index }) => {
          if (index !== 0 || !body.fields?.includes('history.count')) return;
          target.remove('history', removed);
          target.append(
            'history',
            added.map((id) => ({ ...template, 'history.id': id, 'history.created_time': `${day} 12:00:00` })),
          );
        },
        { when: 'after' },
      );
      const counted = (await rows(count, { target }))[0]!['history.count'] as number;
      const got = ids(await rows(read, { target }), 'history.id');
      assert.equal(got.length, counted - 7);
      assert.ok(!got.some((id) => removed.includes(id)));
      assert.deepEqual(got.slice(-3), added);
      assert.deepEqual(
        got,
        ids(target.truth('history', ...window), 'history.id').sort((a, b) => a - b),
      );
      assert.deepEqual(seen, [
        '0:history:json:history.created_date+history.count',
        '1:history:json:history.id',
      ]);
      // A before hook acts on the query it sees; a disposed hook is not called again.
      stop();
      const disposeBefore = target.onQuery((_, { index }) => {
        if (index === 2) target.remove('history', got.slice(0, 5));
      });
      assert.equal((await rows(read, { target })).length, got.length - 5);
      assert.equal(seen.length, 2);
      assert.equal(target.queriesReceived, 3);
      disposeBefore();
      // A hook that throws answers 500 with its message.
      target.onQuery(() => {
        throw new Error('boom');
      });
      const failed = await query(read, { target });
      assert.equal(failed.status, 500);
      assert.match(failed.text, /onQuery hook failed: boom/);
      await target.reset();
      assert.equal(target.queriesReceived, 0);
      assert.equal((await rows(read, { target })).length, target.truth('history', ...window).length);
    });
  });
});

describe('the row cap everywhere, string keys and bursts', () => {
  /** A value as one literal term of a string filter, as the exporter escapes it. */
  const literal = (value: string) => value.replace(/[\^,%_]/g, '^$&').replace(/^-/, '^-');
  const json = (list: LookerRow[]) => new Set(list.map((r) => JSON.stringify(r)));

  it('truncates every result of every explore to rowCap, joined views and measures included', async () => {
    await withFake({ rowCap: 7, recordApiActivity: false }, async (capped) => {
      let over = 0;
      for (const name of systemActivity().explores.keys()) {
        const truth = capped.truth(name);
        if (truth.length > 7) over++;
        const got = await rows(
          { view: name, fields: Object.keys(truth[0]!), sorts: ['__UNSORTED__'], limit: '-1' },
          { target: capped },
        );
        assert.equal(got.length, Math.min(7, truth.length), name);
      }
      assert.ok(over >= 15, `${over} explores hold more than 7 rows`);
      const joined: [string, string[]][] = [
        ['group', ['group.id', 'group_user.id', 'group_user.user_id']],
        ['group', ['group_user.user_id']],
        ['event_attribute', ['event_attribute.id', 'event_attribute.name', 'event.created_time']],
        ['event_attribute', ['event.created_date', 'event_attribute.count']],
        ['merge_query', ['merge_query.created_date', 'merge_query_source_query.count']],
        ['scheduled_plan', ['scheduled_plan.id', 'scheduled_job.id', 'scheduled_job.created_time']],
        ['history', ['history.id', 'user.email', 'history.created_time']],
        ['history', ['history.created_date', 'history.count']],
        ['user', ['session.id', 'session.user_id']],
      ];
      for (const [view, fields] of joined) {
        const truth = capped.truth(view, undefined, undefined, { fields });
        assert.ok(truth.length > 7, `${view}: ${fields.join(', ')}`);
        for (const sorts of [undefined, [fields[0]!], [`${fields.at(-1)!} desc`]]) {
          const got = await rows({ view, fields, sorts, limit: '-1' }, { target: capped });
          assert.equal(got.length, 7, `${view}: ${fields.join(', ')} by ${String(sorts)}`);
          const all = json(truth);
          assert.ok(
            got.every((r) => all.has(JSON.stringify(r))),
            `${view}: ${fields.join(', ')}`,
          );
        }
        const csv = await query({ view, fields, limit: '-1' }, { target: capped, format: 'csv' });
        assert.equal(csv.text.trim().split('\n').length, 8, `${view} csv: a header and 7 rows`);
      }
      // A smaller limit still wins; a page of a keyset walk is capped too.
      assert.equal(
        (await rows({ view: 'group', fields: ['group_user.id'], limit: '3' }, { target: capped })).length,
        3,
      );
      const page = await rows(
        {
          view: 'group',
          fields: ['group_user.id'],
          filters: { 'group_user.id': '>100' },
          sorts: ['group_user.id'],
          limit: '-1',
        },
        { target: capped },
      );
      assert.deepEqual(
        page.map((r) => r['group_user.id']),
        [101, 102, 103, 104, 105, 106, 107],
      );
    });
  });

  it('takes a burst of rows with string keys in one second and pages it by negation lists of the keys seen', async () => {
    await withFake({ rowCap: 30, recordApiActivity: false }, async (capped) => {
      const second = '2026-11-20 12:00:00';
      const template = capped.truth('pdt_builds')[0]!;
      const tricky = ['a,b', '50%', 'x_y', '-lead', 'car^et', 'Sales (EMEA', 'NULLish'];
      const tids = [
        ...tricky,
        ...Array.from({ length: 100 - tricky.length }, (_, i) => `tid-${String(i).padStart(3, '0')}`),
      ];
      capped.append('pdt_builds', [
        ...tids.map((tid) => ({ ...template, 'pdt_builds.tid': tid, 'pdt_builds.start_time': second })),
        // A build whose key is NULL (Looker allows it in a string dimension).
        { ...template, 'pdt_builds.tid': null, 'pdt_builds.start_time': second },
      ]);
      const window = { 'pdt_builds.start_time': `${second} to 2026-11-20 12:00:01` };
      const truth = capped.truth('pdt_builds', at('2026-11-20T12:00:00Z'), at('2026-11-20T12:00:01Z'));
      assert.equal(truth.length, 101);
      // Exact matches on every tricky key, escaped.
      for (const tid of tids.slice(0, tricky.length + 1)) {
        const got = await rows(
          {
            view: 'pdt_builds',
            fields: ['pdt_builds.tid'],
            filters: { ...window, 'pdt_builds.tid': literal(tid) },
          },
          { target: capped },
        );
        assert.deepEqual(got, [{ 'pdt_builds.tid': tid }], tid);
      }
      // Pages of (start, tid): each leaves out the keys seen so far; NULL keys come back under a
      // negation list (Looker keeps NULLs there), so the walk adds -NULL once it has seen one.
      const seen: (string | null)[] = [];
      for (let page = 0; page < 10; page++) {
        const excluded = seen.filter((t) => t !== null).map((t) => `-${literal(t)}`);
        if (seen.includes(null)) excluded.push('-NULL');
        const got = await rows(
          {
            view: 'pdt_builds',
            fields: ['pdt_builds.start_time', 'pdt_builds.tid'],
            filters: { ...window, ...(excluded.length ? { 'pdt_builds.tid': excluded.join(',') } : {}) },
            sorts: ['pdt_builds.start_time', 'pdt_builds.tid'],
            limit: '-1',
          },
          { target: capped },
        );
        seen.push(...got.map((r) => r['pdt_builds.tid'] as string | null));
        if (got.length < 30) break;
      }
      assert.equal(seen.length, 101);
      assert.equal(new Set(seen).size, 101);
      assert.equal(seen[0], null, 'NULL sorts first');
      // Without -NULL, a negation list of every non-null key still answers the NULL row.
      const nonNull = tids.map((t) => `-${literal(t)}`).join(',');
      assert.deepEqual(
        await rows(
          {
            view: 'pdt_builds',
            fields: ['pdt_builds.tid'],
            filters: { ...window, 'pdt_builds.tid': nonNull },
          },
          { target: capped },
        ),
        [{ 'pdt_builds.tid': null }],
      );

      // The dashboard_performance base view: 100 runs in one second, counted and filtered by session.
      const DP = 'dashboard_performance';
      const run = capped.truth(DP)[0]!;
      const sessions = Array.from({ length: 100 }, (_, i) => `run-${i}`);
      capped.append(DP, [
        ...sessions.map((s) => ({
          ...run,
          [`${DP}.dashboard_run_session`]: s,
          [`${DP}.first_event_at_time`]: second,
        })),
        { ...run, [`${DP}.dashboard_run_session`]: null, [`${DP}.first_event_at_time`]: second },
      ]);
      const day = capped.truth(DP, at('2026-11-20T00:00:00Z'), at('2026-11-21T00:00:00Z'));
      assert.deepEqual(
        await rows(
          {
            view: DP,
            fields: [`${DP}.first_event_at_date`, `${DP}.count`],
            filters: { [`${DP}.first_event_at_date`]: '2026-11-20' },
          },
          { target: capped },
        ),
        [{ [`${DP}.first_event_at_date`]: '2026-11-20', [`${DP}.count`]: day.length }],
      );
      const dpWindow = { [`${DP}.first_event_at_time`]: `${second} to 2026-11-20 12:00:01` };
      const left = await rows(
        {
          view: DP,
          fields: [`${DP}.dashboard_run_session`],
          filters: {
            ...dpWindow,
            [`${DP}.dashboard_run_session`]: sessions
              .slice(1)
              .map((s) => `-${s}`)
              .join(','),
          },
          sorts: [`${DP}.dashboard_run_session`],
        },
        { target: capped },
      );
      assert.deepEqual(left, [
        { [`${DP}.dashboard_run_session`]: null },
        { [`${DP}.dashboard_run_session`]: 'run-0' },
      ]);
      assert.deepEqual(
        await rows(
          {
            view: DP,
            fields: [`${DP}.dashboard_run_session`],
            filters: { ...dpWindow, [`${DP}.dashboard_run_session`]: 'run-42' },
          },
          { target: capped },
        ),
        [{ [`${DP}.dashboard_run_session`]: 'run-42' }],
      );
    });
  });

  it('filters numeric keys with >=N, >N and N, over generated and appended rows of one second', async () => {
    await withFake({ recordApiActivity: false }, async (quiet) => {
      const second = '2026-11-20 12:00:00';
      const template = quiet.truth('history')[0]!;
      const appended = Array.from({ length: 100 }, (_, i) => 9_000_001 + i);
      quiet.append('history', [
        ...appended.map((id) => ({ ...template, 'history.id': id, 'history.created_time': second })),
        // A row whose key is NULL.
        { ...template, 'history.id': null, 'history.created_time': second },
      ]);
      const window = { 'history.created_time': `${second} to 2026-11-20 12:00:01` };
      const ids = async (filter: string, extra: Record<string, string> = window) =>
        (
          await rows(
            {
              view: 'history',
              fields: ['history.id'],
              filters: { ...extra, 'history.id': filter },
              sorts: ['history.id'],
              limit: '-1',
            },
            { target: quiet },
          )
        ).map((r) => r['history.id']);
      assert.deepEqual(await ids('>9000050'), appended.slice(50));
      assert.deepEqual(await ids('>=9000050'), appended.slice(49));
      assert.deepEqual(await ids('9000050'), [9_000_050]);
      assert.deepEqual(await ids('NULL'), [null]);
      assert.equal((await ids('NOT 9000050')).length, 100, 'NOT keeps the NULL key');
      // A lone >N on the base key over every row: generated ids past N, then the appended ones.
      assert.deepEqual(await ids('>4997', {}), [4998, 4999, 5000, ...appended]);
      assert.deepEqual(await ids('>=5000', {}), [5000, ...appended]);
      assert.deepEqual(await ids('4999', {}), [4999]);
    });
  });

  it('keeps NULLs under negated string filters, as Looker writes -foo as (x <> foo OR x IS NULL)', async () => {
    const all = fake.truth(CU);
    const titles = all.map((r) => r['content_usage.content_title'] as string | null);
    const nulls = titles.filter((t) => t === null).length;
    assert.ok(nulls > 0);
    const some = titles.find((t) => t !== null)!;
    const count = async (filter: string) =>
      (
        await rows({
          fields: ['content_usage.id'],
          filters: { 'content_usage.content_title': filter },
          limit: '-1',
        })
      ).length;
    const equal = titles.filter((t) => t === some).length;
    assert.equal(await count(`-${literal(some)}`), all.length - equal);
    assert.equal(await count(`-${literal(some)},-NULL`), all.length - equal - nulls);
    assert.equal(await count('-%KPI%'), titles.filter((t) => t === null || !t.includes('KPI')).length);
    assert.equal(await count('-EMPTY'), all.length - nulls - titles.filter((t) => t === '').length);
    assert.equal(await count('NULL'), nulls);
    // Brackets are plain characters in strings (only number intervals nest commas in them).
    const matches = stringMatcher('-Sales (EMEA,-x,-a^,b');
    assert.deepEqual(
      ['x', 'Sales (EMEA', 'a,b', 'a', null, 'y'].map((v) => matches(v)),
      [false, false, false, true, true, true],
    );
  });

  it("counts a joined view per day of its parent's date: attributes per event day, sources per merge query day", async () => {
    const events = fake.truth('event');
    const perDay = new Map<string, number>();
    for (const event of events) {
      const day = String(event['event.created_time']).slice(0, 10);
      // Two attributes per generated event; appended and recorded events have none.
      if ((event['event.id'] as number) <= 4000) perDay.set(day, (perDay.get(day) ?? 0) + 2);
    }
    const counted = await rows({
      view: 'event_attribute',
      fields: ['event.created_date', 'event_attribute.count'],
      sorts: ['event.created_date'],
      limit: '-1',
    });
    assert.deepEqual(
      counted.map((r) => [r['event.created_date'], r['event_attribute.count']]),
      [...perDay].sort(),
    );
    const week = await rows({
      view: 'event_attribute',
      fields: ['event.created_date', 'event_attribute.count'],
      filters: { 'event.created_date': '2026-11-10 to 2026-11-17' },
      sorts: ['event.created_date'],
    });
    assert.deepEqual(
      week.map((r) => [r['event.created_date'], r['event_attribute.count']]),
      [...perDay].sort().filter(([day]) => day! >= '2026-11-10' && day! < '2026-11-17'),
    );
    // merge_query_source_query joined one_to_many: distinct sources per day, 0 for a day whose
    // merge queries have none (LEFT JOIN, COUNT(DISTINCT id)).
    const pairs = fake.truth('merge_query', undefined, undefined, {
      fields: ['merge_query.id', 'merge_query.created_date', 'merge_query_source_query.id'],
    });
    const sources = new Map<string, Set<unknown>>();
    for (const pair of pairs) {
      const day = pair['merge_query.created_date'] as string;
      const set = sources.get(day) ?? new Set();
      if (pair['merge_query_source_query.id'] !== null) set.add(pair['merge_query_source_query.id']);
      sources.set(day, set);
    }
    const bySource = await rows({
      view: 'merge_query',
      fields: ['merge_query.created_date', 'merge_query_source_query.count'],
      sorts: ['merge_query.created_date'],
      limit: '-1',
    });
    assert.deepEqual(
      bySource.map((r) => [r['merge_query.created_date'], r['merge_query_source_query.count']]),
      [...sources].map(([day, set]) => [day, set.size]).sort(),
    );
    assert.ok(bySource.some((r) => (r['merge_query_source_query.count'] as number) > 0));
  });
});
