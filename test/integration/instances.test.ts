/**
 * Several Looker instances in one run (each into its own dataset, one failing without stopping
 * the other), and masking of personal data.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import type { LookerFake } from '../stack/looker/index.js';
import { instancesEnv, lookerFakeFor, lookerSecrets } from '../support/fan-out.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, progressDoc, tableRows, truthRows } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const FOREVER = day('2100-01-01');
const NOW = new Date('2026-11-24T03:00:00Z');
const MASKING_KEY = 'a-masking-key-of-some-length';
const history = explores.get('history')!;
const user = explores.get('user')!;

let h: Harness;
let second: LookerFake;

before(async () => {
  h = await startHarness({
    now: NOW,
    stack: {
      secrets: {
        secrets: { ...lookerSecrets(['emea']), 'masking-key': MASKING_KEY },
      },
    },
  });
  // A second Looker with other data (another seed) and its own API key.
  second = await lookerFakeFor('emea', {
    now: NOW,
    datasets: { history: { seed: 99, rows: 700 }, user: { seed: 99, rows: 120 } },
  });
});
after(async () => {
  await second?.close();
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  await second.reset();
  second.faults.clear();
  h.clock.set(NOW);
});

/** Function environment listing both instances (the single-instance variables unset). */
async function twoInstances(): Promise<Record<string, string>> {
  return { ...(await instancesEnv(h, new Map([['emea', second]]))), EXPORT_EXPLORES: 'history,user' };
}

const truthOf = (fake: LookerFake, explore: typeof history, from: Date, to: Date) =>
  truthRows({ ...h, stack: { ...h.stack, looker: fake } }, from, to, explore);

describe('several Looker instances', () => {
  it('exports each into its own dataset, rows tagged with the instance, state kept per instance', async () => {
    const res = await h.instance(await twoInstances())({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.instances.map((i: { instance: string; dataset: string; status: string }) => [
        i.instance,
        i.dataset,
        i.status,
      ]),
      [
        ['us', h.config.bigquery.dataset, 'succeeded'],
        ['emea', 'activity_emea', 'succeeded'],
      ],
    );
    for (const [fake, dataset, name] of [
      [h.stack.looker, h.config.bigquery.dataset, 'us'],
      [second, 'activity_emea', 'emea'],
    ] as const) {
      const rows = await tableRows(h.clients.bigquery, dataset, history, ['looker_instance']);
      assert.deepEqual([...new Set(rows.map((r) => r.looker_instance))], [name]);
      assertSameRows(
        history,
        rows.map(({ looker_instance: _, ...r }) => r),
        truthOf(fake, history, EPOCH, day('2026-11-24')),
      );
      assertSameRows(
        user,
        await tableRows(h.clients.bigquery, dataset, user),
        truthOf(fake, user, EPOCH, FOREVER),
      );
    }
    const state = (instance: string) =>
      progressDoc(
        h.clients.firestore,
        { ...h, config: { ...h.config, instances: [{ ...h.config.instances[0]!, name: instance }] } },
        'history',
      );
    assert.equal((await state('us'))?.watermark, '2026-11-24T00:00:00.000Z');
    assert.equal((await state('emea'))?.watermark, '2026-11-24T00:00:00.000Z');
  });

  it('goes on with the other instance when one fails, reports each, and the rerun completes', async () => {
    second.faults.add({
      match: 'POST /api/4.0/queries/run',
      fault: { kind: 'status', status: 503 },
      times: 100,
    });
    const res = await h.instance(await twoInstances())({});
    assert.equal(res.status, 503, JSON.stringify(res.body));
    const [us, emea] = res.body.instances;
    assert.equal(us.status, 'succeeded');
    assert.equal(emea.status, 'failed');
    const failure = emea.explores[0].error ?? emea.explores[0].windows[0].error;
    assert.match(failure.message, /503/);
    assert.equal(failure.transient, true);
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, h.config.bigquery.dataset, history),
      truthOf(h.stack.looker, history, EPOCH, day('2026-11-24')),
    );
    assert.deepEqual(await tableRows(h.clients.bigquery, 'activity_emea', history), []);

    second.faults.clear();
    const rerun = await h.instance(await twoInstances())({});
    assert.equal(rerun.status, 200, JSON.stringify(rerun.body));
    assertSameRows(
      history,
      await tableRows(h.clients.bigquery, 'activity_emea', history),
      truthOf(second, history, EPOCH, day('2026-11-24')),
    );
  });

  it('refuses two instances sharing a dataset, before touching anything', async () => {
    const env = await twoInstances();
    const listed = JSON.parse(env.LOOKER_INSTANCES!) as { dataset?: string }[];
    delete listed[1]!.dataset;
    assert.throws(
      () => h.instance({ ...env, LOOKER_INSTANCES: JSON.stringify(listed) }),
      /two instances loading into dataset "looker_system_activity"/,
    );
  });
});

describe('masking personal data', () => {
  it('hashes e-mails and names with the secret key, drops free text, and keeps everything else', async () => {
    const res = await h.instance({
      EXPORT_EXPLORES: 'user,query',
      MASK_PERSONAL_DATA: 'true',
      MASKING_KEY_SECRET: 'masking-key',
      MASKING_RULES: JSON.stringify({ 'user.first_name': 'keep' }),
    })({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const hmac = (value: unknown) =>
      value === null ? null : createHmac('sha256', MASKING_KEY).update(String(value)).digest('hex');
    const expectedUsers = truthRows(h, EPOCH, FOREVER, user).map((row): Record<string, unknown> => ({
      ...row,
      email: hmac(row.email),
      last_name: hmac(row.last_name),
      name: hmac(row.name),
    }));
    assertSameRows(user, await tableRows(h.clients.bigquery, h.config.bigquery.dataset, user), expectedUsers);
    assert.ok(
      expectedUsers.some((row) => row.first_name !== null && !/^[0-9a-f]{64}$/.test(String(row.first_name))),
    );

    const query = explores.get('query')!;
    const queries = await tableRows(h.clients.bigquery, h.config.bigquery.dataset, query);
    assert.ok(queries.length > 0);
    // Filter values are dropped by default: never read from Looker.
    assert.ok(queries.every((row) => row.filters === null));
    assert.ok(truthRows(h, EPOCH, day('2026-11-24'), query).some((row) => row.filters !== null));
    // No value of the key in any log line or response.
    assert.ok(!h.logs.raw.join('\n').includes(MASKING_KEY));
    assert.ok(!JSON.stringify(res.body).includes(MASKING_KEY));
  });

  it('refuses a hashing rule without a key, and a rule on an unknown column', () => {
    assert.throws(() => h.instance({ MASK_PERSONAL_DATA: 'true' }), /MASKING_KEY_SECRET is required/);
    assert.throws(
      () => h.instance({ MASKING_RULES: '{"user.shoe_size":"drop"}' }),
      /"user.shoe_size", which is not a known explore.column/,
    );
  });
});
