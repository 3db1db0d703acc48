import assert from 'node:assert/strict';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import { history } from '../../src/explores/history.js';
import { lookerField, type ColumnType, type ExploreDefinition } from '../../src/explores/index.js';
import type { Harness } from './harness.js';

type Row = Record<string, unknown>;

/** A value as BigQuery's client returns it, in the form Looker sent it. */
function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && 'value' in (value as object)) {
    // BigQueryDatetime / BigQueryTimestamp wrappers: `2026-11-22T13:45:10` -> Looker's form.
    return String((value as { value: unknown }).value)
      .replace('T', ' ')
      .replace(/(\.0+)?Z?$/, '');
  }
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** A value as Looker's json sends it, in the form BigQuery gives it back for the column's type. */
function expected(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (type === 'BOOLEAN') return value === true || value === 'Yes' || value === 'true';
  if (type === 'INTEGER' || type === 'FLOAT') return Number(value);
  return value;
}

/**
 * Every row of the explore's table, read through the real BigQuery client: Looker columns only,
 * plus `extra` columns (e.g. snapshot_date, looker_instance) when asked for.
 */
export async function tableRows(
  bigquery: BigQuery,
  datasetId: string,
  explore: ExploreDefinition = history,
  extra: readonly string[] = [],
): Promise<Row[]> {
  const [exists] = await bigquery.dataset(datasetId).table(explore.name).exists();
  if (!exists) return [];
  const [rows] = await bigquery.dataset(datasetId).table(explore.name).getRows({ wrapIntegers: false });
  const names = [...explore.fields.map((f) => f.name), ...extra];
  return rows.map((row: Row) => Object.fromEntries(names.map((name) => [name, normalise(row[name])])));
}

/** The Looker fake's source of truth for `[from, to)`, in table form. */
export function truthRows(
  harness: Harness,
  from: Date,
  to: Date,
  explore: ExploreDefinition = history,
): Row[] {
  // The exporter leaves its own API user's rows out (EXCLUDE_OWN_ACTIVITY, on by default).
  const actor = explore.actorField && explore.fields.find((f) => f.name === explore.actorField);
  const own = harness.config.looker.excludeOwnActivity && actor ? lookerField(explore, actor) : undefined;
  const apiUserId = String(harness.stack.looker.apiUserId);
  return [...harness.stack.looker.truth(explore.name, from, to)]
    .filter((row: Row) => own === undefined || row[own] === null || String(row[own]) !== apiUserId)
    .map((row: Row) =>
      Object.fromEntries(explore.fields.map((f) => [f.name, expected(f.type, row[lookerField(explore, f)])])),
    );
}

const byKey = (explore: ExploreDefinition) => (a: Row, b: Row) => {
  const key = (row: Row) => explore.primaryKey.map((k) => String(row[k])).join('|');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
};

/** Asserts `actual` holds exactly the `expected` rows: each once, none missing, none extra. */
export function assertSameRows(explore: ExploreDefinition, actual: Row[], expected: Row[]) {
  actual.sort(byKey(explore));
  expected.sort(byKey(explore));
  const keys = new Set(actual.map((row) => explore.primaryKey.map((k) => String(row[k])).join('|')));
  assert.equal(keys.size, actual.length, `${explore.name}: a source row is in the table more than once`);
  assert.equal(
    actual.length,
    expected.length,
    `${explore.name}: table has ${actual.length} rows, the source ${expected.length}`,
  );
  assert.deepEqual(actual, expected, `${explore.name}: rows differ`);
}

/** Asserts the table holds exactly the source rows of `[from, to)`: each once, none missing, none extra. */
export async function assertTableMatchesSource(
  harness: Harness,
  from: Date,
  to: Date,
  explore: ExploreDefinition = history,
) {
  const actual = (await tableRows(harness.clients.bigquery, harness.config.bigquery.dataset, explore)).sort(
    byKey(explore),
  );
  const expected = truthRows(harness, from, to, explore).sort(byKey(explore));
  assert.ok(expected.length > 0, 'the source window should not be empty');
  const keys = new Set(actual.map((row) => explore.primaryKey.map((k) => String(row[k])).join('|')));
  assert.equal(keys.size, actual.length, 'a source row is in the table more than once');
  assert.equal(
    actual.length,
    expected.length,
    `table has ${actual.length} rows, the source ${expected.length}`,
  );
  assert.deepEqual(actual, expected);
  return actual.length;
}

/** The Firestore progress document of an explore, as the function wrote it. */
export async function progressDoc(firestore: Firestore, harness: Harness, explore = 'history') {
  const instance = encodeURIComponent(harness.config.instances[0]!.name).replace(/\./g, '%2E');
  const snapshot = await firestore
    .collection(harness.config.firestore.collection)
    .doc(instance)
    .collection('explores')
    .doc(explore)
    .get();
  const data = snapshot.data();
  return data
    ? {
        initialLoadDone: data.initialLoadDone as boolean,
        watermark: (data.watermark?.toDate() as Date | undefined)?.toISOString() ?? null,
      }
    : undefined;
}
