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
  if (type === 'INTEGER' || type === 'FLOAT') {
    // A value that is no number is loaded as NULL (and counted in the window's invalidValues).
    const number = Number(value);
    return Number.isNaN(number) ? null : number;
  }
  // A number Looker sends for a STRING column is loaded as its text.
  if (type === 'STRING' && typeof value === 'number') return String(value);
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

/**
 * The Looker fake's source of truth for `[from, to)`, in table form: what Looker holds now, or
 * (`ever`) every row it ever held, forgotten ones included: what the archive must keep.
 */
export function truthRows(
  harness: Harness,
  from: Date,
  to: Date,
  explore: ExploreDefinition = history,
  options: { ever?: boolean; looker?: Harness['stack']['looker'] } = {},
): Row[] {
  // The exporter leaves its own API user's rows out (EXCLUDE_OWN_ACTIVITY, on by default).
  const looker = options.looker ?? harness.stack.looker;
  const actor = explore.actorField && explore.fields.find((f) => f.name === explore.actorField);
  const own = harness.config.looker.excludeOwnActivity && actor ? lookerField(explore, actor) : undefined;
  const apiUserId = String(looker.apiUserId);
  const fields = explore.fields.map((f) => lookerField(explore, f));
  const on =
    explore.mode === 'incremental'
      ? lookerField(
          explore,
          explore.fields.find((f) => f.name === explore.cursorField)!,
        )
      : undefined;
  const source = options.ever ? looker.everHeld.bind(looker) : looker.truth.bind(looker);
  // The table's own filters (a child's id NOT NULL: a parent without children is no row).
  const required = Object.entries(explore.filters ?? {})
    .filter(([, value]) => /^(NOT NULL|-NULL)$/.test(value))
    .map(([field]) => field);
  return [...truthOf(source, explore.explore, from, to, fields, on)]
    .filter((row: Row) => required.every((field) => row[field] !== null && row[field] !== undefined))
    .filter((row: Row) => own === undefined || row[own] === null || String(row[own]) !== apiUserId)
    .map((row: Row) =>
      Object.fromEntries(explore.fields.map((f) => [f.name, expected(f.type, row[lookerField(explore, f)])])),
    );
}

/**
 * The fake's rows for `fields`, leaving out fields its explore does not have (a field Looker
 * dropped, or one only newer Looker has): the exporter does not ask for those, so their
 * columns hold NULL, as the rows returned here do.
 */
function truthOf(
  source: (explore: string, from: Date, to: Date, options: { fields: string[]; on?: string }) => Row[],
  explore: string,
  from: Date,
  to: Date,
  fields: string[],
  on: string | undefined,
): Row[] {
  for (let asked = [...fields]; ;) {
    try {
      return source(explore, from, to, { fields: asked, on }).map((row) =>
        Object.fromEntries(fields.map((field) => [field, row[field] ?? null])),
      );
    } catch (error) {
      const unknown = /Unknown field "([^"]+)"/.exec(String((error as Error).message))?.[1];
      if (!unknown || !asked.includes(unknown) || unknown === on) throw error;
      asked = asked.filter((field) => field !== unknown);
    }
  }
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

/**
 * Asserts the table holds exactly the source rows of `[from, to)`: each once, none missing, none
 * extra. With `ever`, the source is every row Looker ever held: rows it has forgotten since must
 * still be in the archive.
 */
export async function assertTableMatchesSource(
  harness: Harness,
  from: Date,
  to: Date,
  explore: ExploreDefinition = history,
  options: { ever?: boolean } = {},
) {
  const actual = (await tableRows(harness.clients.bigquery, harness.config.bigquery.dataset, explore)).sort(
    byKey(explore),
  );
  const expected = truthRows(harness, from, to, explore, options).sort(byKey(explore));
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
