/**
 * The Looker fake judged by Looker's own SDK (@looker/sdk-node) and by the OpenAPI 4.0 spec:
 * every response the exporter relies on must have the shape the spec gives it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Looker40SDK, Looker40SDKStream } from '@looker/sdk';
import { NodeSession, NodeSettings } from '@looker/sdk-node';
import type { IApiSection } from '@looker/sdk-rtl';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { startLookerFake, type LookerFake } from './index.js';

const SPEC = JSON.parse(
  readFileSync(new URL('../../../../shared/looker/Looker.4.0.oas.json', import.meta.url), 'utf8'),
) as {
  components: { schemas: Record<string, Schema> };
};
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  nullable?: boolean;
  $ref?: string;
}

/** Checks `value` against an OAS 3 schema: types, required properties, nullability, refs, recursively. */
function conforms(value: unknown, schema: Schema, path = '$'): string[] {
  if (schema.$ref) return conforms(value, SPEC.components.schemas[schema.$ref.split('/').pop()!]!, path);
  if (value === null) return schema.nullable === false ? [`${path} is null`] : [];
  const problems: string[] = [];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  const actual = Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer' && !Number.isInteger(value)) problems.push(`${path} is not an integer`);
  else if (type === 'number' && actual !== 'number') problems.push(`${path} is not a number`);
  else if (type && !['integer', 'number'].includes(type) && type !== actual)
    problems.push(`${path} is ${actual}, not ${type}`);
  if (type === 'object' && actual === 'object') {
    for (const name of schema.required ?? [])
      if (!(name in (value as object))) problems.push(`${path}.${name} is missing`);
    for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
      const property = schema.properties?.[name];
      if (!property) problems.push(`${path}.${name} is not in the spec`);
      else problems.push(...conforms(child, property, `${path}.${name}`));
    }
  }
  if (type === 'array' && Array.isArray(value) && schema.items)
    value.forEach((item, i) => problems.push(...conforms(item, schema.items!, `${path}[${i}]`)));
  return problems;
}

const NOW = new Date('2026-11-24T03:00:00Z');
let fake: LookerFake;
const credentials = { client_id: 'fake-id', client_secret: 'fake-secret' };

function sdkFor(creds = credentials) {
  class Settings extends NodeSettings {
    override readConfig(): IApiSection {
      return creds;
    }
  }
  const session = new NodeSession(
    new Settings('LOOKERSDK', { base_url: fake.url, verify_ssl: true, timeout: 30 } as never),
  );
  return { session, sdk: new Looker40SDK(session), stream: new Looker40SDKStream(session) };
}

async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${fake.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as unknown };
}

before(async () => {
  fake = await startLookerFake({
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    now: NOW,
    tokenTtlSeconds: 3600,
  });
});
after(async () => {
  await fake?.close();
});
beforeEach(async () => {
  await fake.reset();
});

describe('Looker fake through @looker/sdk-node', () => {
  it('logs in with form-encoded credentials and answers explore metadata shaped as the spec says', async () => {
    const { sdk } = sdkFor();
    const explore = await sdk.ok(
      sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'content_usage' }),
    );
    assert.equal(fake.tokensIssued, 1);
    assert.deepEqual(conforms(explore, { $ref: 'LookmlModelExplore' }), []);
    assert.equal(explore.fields?.dimensions?.length, 13);
    const time = explore.fields!.dimensions!.find((d) => d.name === 'content_usage.last_accessed_time')!;
    assert.equal(time.type, 'date_time');
    assert.equal(time.is_timeframe, true);
    await sdk.ok(sdk.logout());
  });

  it('issues tokens shaped as AccessToken, with a JSON content type the SDK needs', async () => {
    const res = await fetch(`${fake.url}/api/4.0/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(credentials),
    });
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(conforms(await res.json(), { $ref: 'AccessToken' }), []);
  });

  it('answers errors with the spec’s Error and ValidationError bodies, which the SDK throws', async () => {
    const { sdk } = sdkFor();
    await assert.rejects(
      sdk.ok(sdk.lookml_model_explore({ lookml_model_name: 'system__activity', explore_name: 'nope' })),
      /Not found/,
    );
    const wrong = sdkFor({ client_id: 'fake-id', client_secret: 'wrong' });
    await assert.rejects(wrong.sdk.ok(wrong.sdk.me()), /Not found/);
    assert.deepEqual(
      conforms((await raw('/api/4.0/lookml_models/system__activity')).body, { $ref: 'Error' }),
      [],
    );
    const login = await fetch(`${fake.url}/api/4.0/login`, {
      method: 'POST',
      body: new URLSearchParams(credentials),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const invalid = await raw('/api/4.0/queries/run/json', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'system__activity',
        view: 'content_usage',
        filters: { 'content_usage.last_accessed_time': 'next full moon' },
      }),
    });
    assert.equal(invalid.status, 422);
    assert.deepEqual(conforms(invalid.body, { $ref: 'ValidationError' }), []);
  });

  it('refuses credentials in the query string and tokens it did not issue', async () => {
    const res = await fetch(`${fake.url}/api/4.0/login?client_id=fake-id&client_secret=fake-secret`, {
      method: 'POST',
    });
    assert.equal(res.status, 400);
    assert.equal(
      (await raw('/api/4.0/lookml_models/system__activity', { headers: { authorization: 'token abc' } }))
        .status,
      401,
    );
  });

  it('streams run_inline_query rows that equal the source of truth for a window, in cursor order', async () => {
    const { stream } = sdkFor();
    const rows: Record<string, unknown>[] = [];
    await stream.run_inline_query(
      async (response: Response) => {
        assert.equal(response.status, 200);
        for await (const item of Readable.fromWeb(response.body as ReadableStream).pipe(
          StreamArray.withParser(),
        ))
          rows.push((item as { value: Record<string, unknown> }).value);
        return '';
      },
      {
        result_format: 'json',
        limit: -1,
        body: {
          model: 'system__activity',
          view: 'content_usage',
          fields: ['content_usage.id', 'content_usage.last_accessed_time', 'content_usage.content_title'],
          filters: { 'content_usage.last_accessed_time': '2026-11-20 00:00:00 to 2026-11-21 00:00:00' },
          sorts: ['content_usage.last_accessed_time'],
        },
      },
    );
    const truth = fake.truth(
      'content_usage',
      new Date('2026-11-20T00:00:00Z'),
      new Date('2026-11-21T00:00:00Z'),
    );
    assert.ok(rows.length > 50);
    assert.deepEqual(
      rows,
      truth.map((r) => ({
        'content_usage.id': r['content_usage.id'],
        'content_usage.last_accessed_time': r['content_usage.last_accessed_time'],
        'content_usage.content_title': r['content_usage.content_title'],
      })),
    );
  });
});

/** Logs in to `target` and runs a json query on content_usage; the rows (or Looker's error elements). */
async function runQuery(
  target: LookerFake,
  body: Record<string, unknown>,
  params = '',
): Promise<Record<string, unknown>[]> {
  const login = await fetch(`${target.url}/api/4.0/login`, {
    method: 'POST',
    body: new URLSearchParams(credentials),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const res = await fetch(`${target.url}/api/4.0/queries/run/json${params}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'system__activity', view: 'content_usage', ...body }),
  });
  return (await res.json()) as Record<string, unknown>[];
}

/** A second fake with other options, closed after `use`. */
async function withFake<T>(
  options: Partial<Parameters<typeof startLookerFake>[0]>,
  use: (target: LookerFake) => Promise<T>,
): Promise<T> {
  const target = await startLookerFake({
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    now: NOW,
    ...options,
  });
  try {
    return await use(target);
  } finally {
    await target.close();
  }
}

describe('Looker fake query semantics', () => {
  const query = (body: Record<string, unknown>, params = '') => runQuery(fake, body, params);
  const day = (filter: string) => ({
    fields: ['content_usage.id'],
    filters: { 'content_usage.last_accessed_time': filter },
    limit: '-1',
  });

  it('applies Looker’s default limit of 5000 when none is given, and a server cap silently', async () => {
    const rows = { content_usage: { rows: 6000 } };
    const ids = { fields: ['content_usage.id'] };
    assert.equal((await withFake({ datasets: rows }, (target) => runQuery(target, ids))).length, 5000);
    assert.equal(
      (await withFake({ datasets: rows, rowCap: 100 }, (target) => runQuery(target, { ...ids, limit: '-1' })))
        .length,
      100,
    );
  });

  const timeFilters: [string, string, string][] = [
    ['1 day ago', '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z'],
    ['2026-11-20', '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'],
    ['2026/11/20 to 2026/11/22', '2026-11-20T00:00:00Z', '2026-11-22T00:00:00Z'],
    ['before 2026-11-01 00:00:00', '2000-01-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ['after 2026-11-23 12:00:00', '2026-11-23T12:00:00Z', '2030-01-01T00:00:00Z'],
  ];
  for (const [filter, from, to] of timeFilters) {
    it(`reads the time filter "${filter}" as Looker does`, async () => {
      const expected = fake.truth('content_usage', new Date(from), new Date(to)).length;
      assert.ok(expected > 0);
      assert.equal((await query(day(filter))).length, expected);
    });
  }

  it('sorts descending on request and honours the limit query parameter', async () => {
    const rows = await query(
      { ...day('7 days'), sorts: ['content_usage.last_accessed_time desc'] },
      '?limit=3',
    );
    assert.equal(rows.length, 3);
    const ids = rows.map((r) => r['content_usage.id'] as number);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
  });

  it('reports an unknown field inside a 200 json result, as Looker does', async () => {
    const rows = await query({ fields: ['content_usage.nope'] });
    assert.match(String(rows[0]!.looker_error), /Unknown field/);
  });

  it('serves a stale cache: recent rows appear only after the staleness has passed', async () => {
    await withFake({ cacheStaleHours: 12 }, async (stale) => {
      const full = stale.truth(
        'content_usage',
        new Date('2026-11-23T00:00:00Z'),
        new Date('2026-11-24T00:00:00Z'),
      ).length;
      assert.ok(
        (await runQuery(stale, day('2026-11-23'))).length < full,
        'rows of the last 12 hours should be missing',
      );
      stale.setNow(new Date('2026-11-24T13:00:00Z'));
      assert.equal((await runQuery(stale, day('2026-11-23'))).length, full);
    });
  });

  it('cuts a result mid-body when told to', async () => {
    fake.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'cut', afterBytes: 2000 } });
    await assert.rejects(query(day('7 days')));
  });
});
