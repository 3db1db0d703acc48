import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentUsage } from '../../src/explores/content-usage.js';
import { pdtBuilds } from '../../src/explores/pdt-builds.js';
import { bigQuerySchema } from '../../src/explores/index.js';
import {
  compileRowMapper,
  MAX_STRING_BYTES,
  withUniqueKeys,
  type SnapshotMetadata,
} from '../../src/transform/row.js';

// content_usage is a snapshot explore: its rows carry the day of their snapshot.
const metadata: SnapshotMetadata = {
  looker_instance: 'acme.looker.com',
  export_run_id: 'run-1',
  export_window_start: '2026-11-22T00:00:00.000Z',
  export_window_end: '2026-11-23T00:00:00.000Z',
  exported_at: '2026-11-24T03:00:00.000Z',
  snapshot_date: '2026-11-22',
};

const lookerRow = {
  'content_usage.content_id': '42',
  'content_usage.content_title': 'Sales "Q4" ☃ \\ dashboard',
  'content_usage.content_type': 'dashboard',
  'content_usage.days_since_last_access_tiers': '0 to 6',
  'content_usage.days_since_last_accessed': 2,
  'content_usage.id': 1001,
  'content_usage.api_count': 3,
  'content_usage.embed_count': null,
  'content_usage.favorite_count': 0,
  'content_usage.public_count': 0,
  'content_usage.schedule_count': 7,
  'content_usage.other_count': 1,
  'content_usage.last_accessed_time': '2026-11-22 13:45:10',
  'content_usage.prefetch_count': 4,
};

describe('row mapping', () => {
  const mapRow = compileRowMapper(contentUsage);

  it('renames view.field keys to columns, keeps values, and appends the run metadata', () => {
    const invalid = {};
    const row = mapRow(lookerRow, metadata, invalid);
    assert.deepEqual(row, {
      content_id: '42',
      content_title: 'Sales "Q4" ☃ \\ dashboard',
      content_type: 'dashboard',
      days_since_last_access_tiers: '0 to 6',
      days_since_last_accessed: 2,
      id: 1001,
      api_count: 3,
      embed_count: null,
      favorite_count: 0,
      public_count: 0,
      schedule_count: 7,
      other_count: 1,
      last_accessed_time: '2026-11-22 13:45:10',
      prefetch_count: 4,
      ...metadata,
    });
    assert.deepEqual(invalid, {});
  });

  it("produces exactly the columns of the load schema (a JSON line's key order does not matter)", () => {
    const row = mapRow(lookerRow, metadata, {});
    assert.deepEqual(
      Object.keys(row).sort(),
      bigQuerySchema(contentUsage)
        .map((f) => f.name)
        .sort(),
    );
  });

  it('turns missing fields and empty strings into null', () => {
    const row = mapRow({ 'content_usage.id': 5, 'content_usage.content_title': '' }, metadata, {});
    assert.equal(row.content_title, null);
    assert.equal(row.last_accessed_time, null);
  });

  it('replaces values BigQuery would reject with null and counts them per column', () => {
    const invalid: Record<string, number> = {};
    const row = mapRow(
      {
        ...lookerRow,
        'content_usage.id': 1.5,
        'content_usage.api_count': 'many',
        'content_usage.embed_count': '99999999999999999999',
        'content_usage.last_accessed_time': '2026-02-30 10:00:00',
      },
      metadata,
      invalid,
    );
    assert.equal(row.id, null);
    assert.equal(row.api_count, null);
    assert.equal(row.embed_count, null);
    assert.equal(row.last_accessed_time, null);
    assert.deepEqual(invalid, { id: 1, api_count: 1, embed_count: 1, last_accessed_time: 1 });
  });

  it('keeps large integers exact as strings, which BigQuery accepts for INTEGER', () => {
    const row = mapRow({ ...lookerRow, 'content_usage.id': '9007199254740993' }, metadata, {});
    assert.equal(row.id, '9007199254740993');
  });

  it('cuts a string over BigQuery’s limit on a character boundary', () => {
    const long = '€'.repeat(MAX_STRING_BYTES / 3 + 10);
    const row = mapRow({ ...lookerRow, 'content_usage.content_title': long }, metadata, {});
    const title = row.content_title as string;
    assert.ok(Buffer.byteLength(title) <= MAX_STRING_BYTES);
    assert.ok(title.endsWith('€'));
  });
});

describe('a key the model does not declare', () => {
  const mapRow = compileRowMapper(pdtBuilds);
  const build = {
    'pdt_builds.tid': null,
    'pdt_builds.start_time': '2026-11-20 12:00:00',
    'pdt_builds.end_time': null,
    'pdt_builds.status': 'running',
    'pdt_builds.context': 'regenerator',
    'pdt_builds.workspace': 'production',
    'pdt_builds.dev_build': 'No',
    'pdt_builds.connection': 'warehouse',
    'pdt_builds.model_name': 'sales',
    'pdt_builds.view_name': 'orders_pdt',
    'pdt_builds.elapsed_seconds': null,
  };

  it('gives a row whose key is NULL a stand-in from what never changes for it, and counts it', () => {
    const counts = {};
    const running = mapRow(build, metadata, {}, counts);
    assert.match(String(running.tid), /^~[0-9a-f]{32}$/);
    // The same build read again once it finished keeps its key, so the re-read replaces it.
    const finished = mapRow(
      { ...build, 'pdt_builds.end_time': '2026-11-20 12:05:00', 'pdt_builds.status': 'done' },
      metadata,
      {},
      counts,
    );
    assert.equal(finished.tid, running.tid);
    assert.deepEqual(counts, { nullKeys: 2 });
    // Another build (another view, or another start) gets another key.
    const other = mapRow({ ...build, 'pdt_builds.view_name': 'returns_pdt' }, metadata, {});
    assert.notEqual(other.tid, running.tid);
    const later = mapRow({ ...build, 'pdt_builds.start_time': '2026-11-20 12:00:01' }, metadata, {});
    assert.notEqual(later.tid, running.tid);
  });

  it('gives a row repeating an earlier key of the same read a stand-in, the same on every re-read', () => {
    const read = () => {
      const counts = {};
      const window = withUniqueKeys(pdtBuilds, pdtBuilds.fields, mapRow);
      const rows = [
        { ...build, 'pdt_builds.tid': 'a1' },
        { ...build, 'pdt_builds.tid': 'a1', 'pdt_builds.view_name': 'returns_pdt' },
        { ...build, 'pdt_builds.tid': 'b2' },
      ].map((row) => window(row, metadata, {}, counts).tid);
      return { rows, counts };
    };
    const first = read();
    assert.equal(first.rows[0], 'a1');
    assert.match(String(first.rows[1]), /^a1~[0-9a-f]{32}$/);
    assert.equal(first.rows[2], 'b2');
    assert.deepEqual(first.counts, { repeatedKeys: 1 });
    assert.deepEqual(read(), first);
    // A table with a declared key keeps its mapper: repeats there are refused by the merge.
    assert.equal(
      withUniqueKeys(contentUsage, contentUsage.fields, compileRowMapper(contentUsage)).name,
      'mapRow',
    );
  });

  it('keeps a key Looker sent as it is', () => {
    const counts = {};
    const row = mapRow({ ...build, 'pdt_builds.tid': 'a1b2' }, metadata, {}, counts);
    assert.equal(row.tid, 'a1b2');
    assert.deepEqual(counts, {});
  });
});
