import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { exploreMasking } from '../../src/transform/mask.js';
import { compileRowMapper } from '../../src/transform/row.js';

const user = explores.get('user')!;
const metadata = {
  looker_instance: 'x',
  export_run_id: 'r',
  export_window_start: '2026-11-24T00:00:00.000Z',
  export_window_end: '2026-11-25T00:00:00.000Z',
  exported_at: '2026-11-24T03:00:00.000Z',
};
const source = {
  'user.id': 7,
  'user.email': 'ada@example.com',
  'user.name': 'Ada',
  'user.first_name': 'Ada',
};

describe('masking', () => {
  it('hashes with HMAC-SHA256 under the key, the same value the same way, and leaves other columns alone', () => {
    const masking = exploreMasking(user, { 'user.email': 'hash', 'user.name': 'drop' }, 'k1');
    assert.deepEqual([...masking.dropped], ['name']);
    const row = compileRowMapper(user, user.fields, masking)(source, metadata, {});
    assert.equal(row.email, createHmac('sha256', 'k1').update('ada@example.com').digest('hex'));
    assert.equal(row.first_name, 'Ada');
    assert.equal(row.id, 7);
    const again = compileRowMapper(user, user.fields, exploreMasking(user, { 'user.email': 'hash' }, 'k1'));
    assert.equal(again(source, metadata, {}).email, row.email);
  });

  it('gives another hash under another key, so a guess cannot be checked without the key', () => {
    const hash = (key: string) =>
      compileRowMapper(user, user.fields, exploreMasking(user, { 'user.email': 'hash' }, key))(
        source,
        metadata,
        {},
      ).email;
    assert.notEqual(hash('k1'), hash('k2'));
  });

  it('keeps nulls null', () => {
    const mapRow = compileRowMapper(user, user.fields, exploreMasking(user, { 'user.email': 'hash' }, 'k'));
    assert.equal(mapRow({ ...source, 'user.email': null }, metadata, {}).email, null);
  });
});
