/**
 * A failure at any step leaves Firestore as it was, answers a status Cloud Scheduler retries on
 * (or not), and the next run completes the data with each row once.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.js';
import { assertTableMatchesSource, progressDoc } from '../support/oracle.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const EPOCH = day('2000-01-01');
const NOW = new Date('2026-11-24T03:00:00Z');
const DAILY = new Date('2026-11-25T03:00:00Z');

let h: Harness;
before(async () => {
  h = await startHarness({ now: NOW });
});
after(async () => {
  await h?.stop();
});
beforeEach(async () => {
  await h.reset();
  h.clock.set(NOW);
});

/** Runs the initial load, then moves to the next day: the state a daily run starts from. */
async function loadedThenNextDay() {
  const first = await h.call({});
  assert.equal(first.status, 200, JSON.stringify(first.body));
  h.clock.set(DAILY);
  return progressDoc(h.clients.firestore, h);
}

type Failure = { message: string; transient: boolean };

/**
 * The error of the first explore (of its failed window, or of the explore itself: planning), as
 * `[transient] message` or `[terminal] message` so a spec can match both at once.
 */
function failureOf(body: {
  instances: { explores: { error?: Failure; windows: { status: string; error?: Failure }[] }[] }[];
}): string {
  const explore = body.instances[0]!.explores[0]!;
  const error = explore.windows.find((w) => w.status === 'failed')?.error ?? explore.error;
  return error ? `[${error.transient ? 'transient' : 'terminal'}] ${error.message}` : '';
}

/** Lets the next Looker query (the count) through, so the next fault meets the read. */
function passTheCount() {
  h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'delay', ms: 0 } });
}

async function assertRecovers(stateBefore: unknown) {
  assert.deepEqual(await progressDoc(h.clients.firestore, h), stateBefore, 'progress moved after a failure');
  const rerun = await h.call({});
  assert.equal(rerun.status, 200, JSON.stringify(rerun.body));
  await assertTableMatchesSource(h, EPOCH, day('2026-11-25'));
  assert.equal((await progressDoc(h.clients.firestore, h))?.watermark, '2026-11-25T00:00:00.000Z');
}

describe('when Looker fails', () => {
  it('retries 503s on the query, then succeeds', async () => {
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      times: 2,
      fault: { kind: 'status', status: 503 },
    });
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(h.stack.looker.faults.pending, 0);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });

  it('gives up after bounded retries with 503, state unchanged, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      times: 10,
      fault: { kind: 'status', status: 503 },
    });
    const res = await h.call({});
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.status, 'failed');
    assert.match(failureOf(res.body), /HTTP 503/);
    h.stack.looker.faults.clear();
    await assertRecovers(state);
  });

  it('honours 429 Retry-After and continues', async () => {
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
    });
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('retries 503 and 429 on login, then succeeds', async () => {
    h.stack.looker.faults.add({ match: 'POST /api/4.0/login', fault: { kind: 'status', status: 503 } });
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/login',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
    });
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(h.stack.looker.faults.pending, 0);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });

  it('answers 503 when login keeps failing, loads nothing, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    const jobsBefore = (await h.clients.bigquery.getJobs())[0].length;
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/login',
      times: 50,
      fault: { kind: 'status', status: 503 },
    });
    const res = await h.call({});
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.retryable, true);
    assert.match(JSON.stringify(res.body), /login failed with HTTP 503/);
    assert.equal((await h.clients.bigquery.getJobs())[0].length, jobsBefore, 'a load job ran');
    h.stack.looker.faults.clear();
    await assertRecovers(state);
  });

  it('fails a window whose result stream is cut, loads nothing from it, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    passTheCount();
    h.stack.looker.faults.add({
      match: 'POST /api/4.0/queries/run',
      fault: { kind: 'cut', afterBytes: 1500 },
    });
    // One explore, so the fault is surely its window's read.
    const res = await h.call({ explores: ['history'] });
    assert.ok(res.status >= 500, JSON.stringify(res.body));
    assert.equal(res.body.instances[0].explores[0].windows[0].status, 'failed');
    await assertRecovers(state);
  });

  it('refuses wrong credentials with 500 naming the problem, not the secret', async () => {
    h.stack.secrets.setSecret('looker-client-secret', 'not-the-secret');
    const instance = h.instance();
    const res = await instance({});
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /login failed with HTTP 404/);
    assert.doesNotMatch(JSON.stringify(res.body) + h.logs.raw.join('\n'), /not-the-secret/);
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });
});

describe('when Looker misbehaves', () => {
  it('logs in again once when its token is rejected mid-run, and continues', async () => {
    await loadedThenNextDay();
    const issued = h.stack.looker.tokensIssued;
    h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'status', status: 401 } });
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // One login for the run (the last run logged out), one more after the 401.
    assert.equal(h.stack.looker.tokensIssued, issued + 2);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-25'));
  });

  const malformed: [string, string, RegExp][] = [
    ['a truncated array that ends cleanly', '[', /ends inside the array/],
    ['a body that is not JSON', '<html>Bad gateway</html>', /not a JSON array/],
    [
      'an error reported inside the result',
      '[{"looker_error": "SQL error: relation does not exist"}]',
      /Looker query failed: SQL error/,
    ],
  ];
  for (const [what, body, message] of malformed) {
    it(`fails the window on ${what}, loads nothing, and the rerun completes`, async () => {
      const state = await loadedThenNextDay();
      passTheCount();
      h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'body', body } });
      const res = await h.call({ explores: ['history'] });
      assert.ok(res.status >= 500, JSON.stringify(res.body));
      assert.match(failureOf(res.body), message);
      await assertRecovers(state);
    });
  }
});

describe('when the function dies between the load and the state update', () => {
  it('reloads the same windows on the next run and the table still holds each row once', async () => {
    const state = await loadedThenNextDay();
    const loaded = await h.call({ explores: ['history'] });
    assert.equal(loaded.status, 200);
    // What a kill after the load job and before the Firestore write leaves: rows loaded, progress not moved.
    const instance = encodeURIComponent(h.config.instances[0]!.name).replace(/\./g, '%2E');
    const doc = h.clients.firestore
      .collection(h.config.firestore.collection)
      .doc(instance)
      .collection('explores')
      .doc('history');
    await doc.set({ initialLoadDone: true, watermark: new Date(state!.watermark!) }, { merge: true });
    await assertRecovers(state);
  });
});

describe('when a secret is missing', () => {
  it('fails with 500 naming the secret, touching nothing', async () => {
    const res = await h.instance({ LOOKER_CLIENT_ID_SECRET: 'no-such-secret' })({});
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.match(
      failureOf(res.body),
      /projects\/looker-export-local\/secrets\/no-such-secret\/versions\/latest/,
    );
    assert.equal(h.stack.looker.requests.length, 0);
    assert.equal(await progressDoc(h.clients.firestore, h), undefined);
  });
});

describe('when GCS fails', () => {
  it('never loads a half-written object; the rerun completes', async () => {
    const state = await loadedThenNextDay();
    h.stack.gcs.faults.add({ match: /PUT \/upload/, times: 20, fault: { kind: 'status', status: 503 } });
    const res = await h.call({});
    assert.ok(res.status >= 500, JSON.stringify(res.body));
    h.stack.gcs.faults.clear();
    await assertRecovers(state);
  });
});

describe('when BigQuery fails', () => {
  it('retries a transient API error on job insert by itself', async () => {
    h.stack.bigquery.faults.add({ match: /POST .*\/jobs$/, fault: { kind: 'status', status: 503 } });
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(h.stack.bigquery.faults.pending, 0);
  });

  it('reports a failed load job with BigQuery’s message as retryable (503), keeps state, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    h.stack.bigquery.failNextLoad({ reason: 'backendError', message: 'Backend error. Job aborted.' });
    // One explore, so the next load job is surely its first window's.
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(failureOf(res.body), /^\[transient\] BigQuery .* failed: Backend error\. Job aborted\./);
    await assertRecovers(state);
  });

  it('reports a rejected load as needing an operator (500), keeps state, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    h.stack.bigquery.failNextLoad({
      reason: 'invalid',
      message: 'Error while reading data, error message: JSON table encountered too many errors, giving up.',
    });
    const res = await h.call({ explores: ['history'] });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.match(failureOf(res.body), /^\[terminal\] .*too many errors/);
    await assertRecovers(state);
  });

  it('stops waiting for a load job that outlives the run budget, keeps state, and the rerun completes', async () => {
    const state = await loadedThenNextDay();
    const impatient = h.instance({ RUN_BUDGET_SECONDS: '1' });
    h.stack.bigquery.stallJobs(true);
    const res = await impatient({});
    h.stack.bigquery.stallJobs(false);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.match(failureOf(res.body), /time budget ran out/);
    await assertRecovers(state);
  });
});

describe('two calls at once', () => {
  it('runs one and answers the other 409; no duplicates', async () => {
    h.stack.looker.faults.add({ match: 'POST /api/4.0/queries/run', fault: { kind: 'delay', ms: 1500 } });
    const [a, b] = await Promise.all([
      h.call({}),
      new Promise((r) => setTimeout(r, 300)).then(() => h.call({})),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const refused = a.status === 409 ? a : b;
    assert.match(refused.body.error, /holds the lease/);
    await assertTableMatchesSource(h, EPOCH, day('2026-11-24'));
  });

  it('lets the next run through once a crashed run’s lease has expired', async () => {
    await h.stack.firestore.reset(h.config.projectId);
    const instance = encodeURIComponent(h.config.instances[0]!.name).replace(/\./g, '%2E');
    await h.clients.firestore
      .collection(h.config.firestore.collection)
      .doc(instance)
      .set({
        lease: {
          holder: 'crashed-run',
          acquiredAt: new Date(NOW.getTime() - 7_200_000),
          expiresAt: new Date(NOW.getTime() - 1000),
        },
      });
    const res = await h.call({});
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
});
