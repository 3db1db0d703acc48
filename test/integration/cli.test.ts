/**
 * `npm run export` reads as the function does: counted first, continued past Looker's cap,
 * masked, and without the exporter's own activity, into one local file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/export.js';
import { startLookerFake, type LookerFake } from '../stack/looker/index.js';

const NOW = new Date('2026-11-24T03:00:00Z');
let looker: LookerFake;
before(async () => {
  // A Looker that caps every result at 40 rows and says nothing about it.
  looker = await startLookerFake({ clientId: 'cli-id', clientSecret: 'cli-secret', now: NOW, rowCap: 40 });
});
after(() => looker?.close());

const env = (extra: Record<string, string> = {}) => ({
  LOOKERSDK_BASE_URL: looker.url,
  LOOKERSDK_CLIENT_ID: 'cli-id',
  LOOKERSDK_CLIENT_SECRET: 'cli-secret',
  LOG_LEVEL: 'error',
  ...extra,
});

describe('npm run export', () => {
  it('writes every row of the days behind a silent cap, less the API user’s own, and exits 0', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-export-')), 'history.jsonl');
    const code = await main(
      ['--explore', 'history', '--from', '2026-11-20', '--to', '2026-11-20', '--out', out],
      env(),
    );
    assert.equal(code, 0);
    const rows = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const truth = looker
      .truth('history', new Date('2026-11-20T00:00:00Z'), new Date('2026-11-21T00:00:00Z'))
      .filter((row) => String(row['history.user_id']) !== String(looker.apiUserId));
    assert.ok(truth.length > 40, `${truth.length} rows: the cap must bite`);
    assert.deepEqual(rows.map((r) => r.id).sort(), truth.map((r) => r['history.id']).sort());
  });

  it('applies the masking the function would (MASK_PERSONAL_DATA drops history.message)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-export-')), 'history.jsonl');
    const code = await main(
      ['--explore', 'history', '--from', '2026-11-20', '--to', '2026-11-20', '--out', out],
      env({ MASK_PERSONAL_DATA: 'true', MASKING_KEY: 'a-local-masking-key' }),
    );
    assert.equal(code, 0);
    const rows = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    assert.ok(rows.length > 40);
    assert.ok(rows.every((line) => !('message' in (JSON.parse(line) as object))));
  });

  it('gives up on a Looker call after LOOKER_TIMEOUT_SECONDS, as the function does, and retries it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-export-')), 'history.jsonl');
    // One query call answers after 8 s: with a 1 s limit it is abandoned and retried at once.
    looker.faults.add({ match: 'POST /api/4.0/queries/run', times: 1, fault: { kind: 'delay', ms: 8000 } });
    const started = Date.now();
    try {
      const code = await main(
        ['--explore', 'history', '--from', '2026-11-20', '--to', '2026-11-20', '--out', out],
        env({ LOOKER_TIMEOUT_SECONDS: '1' }),
      );
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms: the slow call was waited for`);
    } finally {
      looker.faults.clear();
    }
  });
});
