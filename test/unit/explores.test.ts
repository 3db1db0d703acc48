import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  bigQuerySchema,
  explores,
  lookerField,
  lookerKind,
  partitionColumn,
} from '../../src/explores/index.js';
import { bigQueryType, reconcileSchema } from '../../src/explores/live-schema.js';
import { completenessProof, countFields } from '../../src/pipeline/fields.js';

describe('the explore registry', () => {
  for (const explore of explores.values()) {
    it(`declares ${explore.name} consistently`, () => {
      const names = explore.fields.map((c) => c.name);
      assert.equal(new Set(names).size, names.length, 'a column is declared twice');
      for (const key of explore.primaryKey)
        assert.ok(names.includes(key), `primary key ${key} is not a column`);
      for (const column of explore.clusterBy ?? [])
        assert.ok(
          bigQuerySchema(explore).some((f) => f.name === column),
          `cluster column ${column} is unknown`,
        );
      if (explore.mode === 'incremental') {
        const cursor = explore.fields.find((c) => c.name === explore.cursorField);
        assert.equal(cursor?.type, 'DATETIME', 'an incremental explore needs a DATETIME cursor column');
      } else {
        assert.equal(explore.cursorField, undefined);
      }
      assert.ok(explore.modeReason.length > 40, 'the entry says why its mode fits its data');
      assert.ok(explore.completeness.length > 40, 'the entry says what its base view means for completeness');
      const fields = explore.fields.map((c) => lookerField(explore, c));
      for (const field of Object.keys(explore.filters ?? {}))
        assert.ok(fields.includes(field), `filter on ${field}, which the table does not read`);
      for (const key of explore.primaryKey)
        assert.equal(
          lookerKind(explore.fields.find((c) => c.name === key)!),
          'dimension',
          `primary key ${key} must be a dimension`,
        );
      if (explore.fields.some((c) => lookerKind(c) === 'measure'))
        assert.equal(
          explore.countField,
          null,
          'a row of an aggregating table is a group: no count counts groups',
        );
      const partition = bigQuerySchema(explore).find((f) => f.name === partitionColumn(explore));
      assert.match(partition?.type ?? '', /^(DATE|DATETIME)$/);
      if (explore.actorField) assert.ok(names.includes(explore.actorField));
      for (const column of explore.fields) {
        assert.match(lookerField(explore, column), /^[a-z_]+\.[a-z0-9_]+$/);
        if (explore.primaryKey.includes(column.name))
          assert.equal(column.personal, undefined, `${column.name} identifies the row and cannot be masked`);
        if (column.personal === 'hash')
          assert.equal(column.type, 'STRING', `${column.name} cannot be hashed`);
      }
      // A window is proven by a count of the table's own rows: the view owning the key.
      const { count, keys } = countFields(explore);
      if (count !== null && explore.countField === undefined)
        assert.equal(count.split('.')[0], keys[0]!.split('.')[0], 'counted by its own view');
    });
  }

  it("says in the README's table of tables how each table is proven complete", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const header = readme.split('\n').find((line) => line.startsWith('| table | Looker explore |'))!;
    const column = header.split(' | ').indexOf('proven complete by');
    assert.ok(column > 0, 'the table of tables has a "proven complete by" column');
    for (const explore of explores.values()) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${explore.name}\` |`));
      assert.equal(row?.split(' | ')[column], completenessProof(explore), explore.name);
    }
  });
});

describe('bigQueryType', () => {
  const type = (name: string, lookerType: string, extra: object = {}) =>
    bigQueryType({ name, type: lookerType, ...extra });
  it('maps Looker dimension types to BigQuery column types', () => {
    assert.equal(type('user.email', 'string'), 'STRING');
    assert.equal(type('content_usage.days_since_last_access_tiers', 'tier'), 'STRING');
    assert.equal(type('history.cache', 'yesno'), 'BOOLEAN');
    assert.equal(type('history.created_time', 'date_time'), 'DATETIME');
    assert.equal(type('history.created_date', 'date_date'), 'DATE');
    assert.equal(type('history.created_week', 'date_week'), undefined);
  });
  it('makes a number an INTEGER when its name or format says so, a FLOAT otherwise', () => {
    assert.equal(type('history.query_id', 'number'), 'INTEGER');
    assert.equal(type('history.id', 'number'), 'INTEGER');
    assert.equal(type('field_usage.times_used', 'number', { value_format: '#,##0' }), 'INTEGER');
    assert.equal(type('history.runtime', 'number'), 'FLOAT');
    assert.equal(type('history.runtime', 'number', { value_format_name: 'decimal_2' }), 'FLOAT');
  });
});

describe('reconcileSchema', () => {
  const history = explores.get('history')!;
  const offered = history.fields.map((c) => ({ name: lookerField(history, c), type: 'string' }));

  it('reads the committed columns when Looker offers exactly them', () => {
    const live = reconcileSchema(history, { dimensions: offered });
    assert.deepEqual(live.columns, [...history.fields]);
    assert.deepEqual([live.added, live.removed], [[], []]);
  });

  it('adds a new visible field of the explore, keeps only the finest timeframe, and ignores hidden ones', () => {
    const live = reconcileSchema(history, {
      dimensions: [
        ...offered,
        { name: 'history.created_date', type: 'date_date' },
        { name: 'history.created_week', type: 'date_week' },
        { name: 'history.api_client', type: 'string', description: 'API client.' },
        { name: 'history.runtime_tiers', type: 'tier' },
        { name: 'history.secret_sauce', type: 'string', hidden: true },
        { name: 'history.count', type: 'count' },
        { name: 'other_view.thing', type: 'string' },
      ],
    });
    assert.deepEqual(
      live.added.map((c) => [c.name, c.type, c.field]),
      [
        ['api_client', 'STRING', 'history.api_client'],
        ['count', 'INTEGER', 'history.count'],
      ],
    );
    assert.deepEqual(live.columns.slice(-2), live.added);
  });

  it('reports a committed field Looker no longer has, and stops asking for it', () => {
    const live = reconcileSchema(history, {
      dimensions: offered.filter((d) => d.name !== 'history.dialect'),
    });
    assert.deepEqual(live.removed, ['dialect']);
    assert.ok(!live.columns.some((c) => c.name === 'dialect'));
  });

  it('finds a measure among the measures only, and adds no dimension to a table that aggregates', () => {
    const fieldUsage = explores.get('field_usage')!;
    const dimensions = fieldUsage.fields
      .filter((c) => lookerKind(c) === 'dimension')
      .map((c) => ({ name: lookerField(fieldUsage, c), type: 'string' }));
    const asMeasure = reconcileSchema(fieldUsage, {
      dimensions: [...dimensions, { name: 'field_usage.query_id', type: 'number' }],
      measures: [{ name: 'field_usage.times_used', type: 'sum' }],
    });
    assert.deepEqual(asMeasure.columns, [...fieldUsage.fields], 'a new dimension would split every row');
    assert.deepEqual([asMeasure.added, asMeasure.removed], [[], []]);
    const asDimension = reconcileSchema(fieldUsage, {
      dimensions: [...dimensions, { name: 'field_usage.times_used', type: 'number' }],
    });
    assert.deepEqual(asDimension.removed, ['times_used']);
  });

  it("grows only the table's own view: a joined view's new fields are not added, nor omitted ones", () => {
    const role = explores.get('role')!;
    const dimensions = role.fields.map((c) => ({ name: lookerField(role, c), type: 'string' }));
    const live = reconcileSchema(role, {
      dimensions: [
        ...dimensions,
        { name: 'permission_set.unlimited', type: 'yesno' },
        { name: 'role.edit_link', type: 'string' },
        { name: 'role.workspace', type: 'string' },
      ],
    });
    assert.ok(role.omittedFields?.['role.edit_link']);
    assert.deepEqual(
      live.added.map((c) => [c.name, c.type, c.field]),
      [['workspace', 'STRING', 'role.workspace']],
    );
  });

  it('puts added columns after the metadata, so a table made from the committed schema only grows at its end', () => {
    const added = [{ name: 'workspace_id', type: 'STRING' as const, description: 'Workspace.' }];
    const schema = bigQuerySchema(history, added);
    assert.deepEqual(schema.slice(0, -1), bigQuerySchema(history));
    assert.equal(schema.at(-1)!.name, 'workspace_id');
  });
});
