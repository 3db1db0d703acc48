/**
 * Discovery as data: how `discover:NAME` is told apart from a table, and what a discovered
 * explore's entry is, from Looker's metadata alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  discoveredExplore,
  discoveryPlaceholder,
  resolveExploreName,
  resolveExploreNames,
} from '../../src/explores/discovered.js';
import { explores } from '../../src/explores/index.js';
import { completenessProof, orderLevels } from '../../src/pipeline/fields.js';

const dimension = (name: string, type: string, extra: object = {}) => ({ name, type, ...extra });

/** The problem a name resolves to ('' when it resolves to an entry). */
const problemOf = (name: string) => {
  const resolved = resolveExploreName(name);
  return 'problem' in resolved ? resolved.problem : '';
};

describe('naming an explore the registry does not know', () => {
  it('resolves registered tables, discover:NAME and the tables discovery lands in; anything else is a problem', () => {
    assert.deepEqual(resolveExploreName('history'), { explore: explores.get('history') });
    const found = resolveExploreName('discover:concurrency');
    assert.ok('explore' in found);
    assert.deepEqual(
      [found.explore.name, found.explore.explore, found.explore.mode],
      ['discovered_concurrency', 'concurrency', 'snapshot'],
    );
    // A task's payload names the table.
    assert.ok('explore' in resolveExploreName('discovered_concurrency'));
    assert.match(problemOf('concurrency'), /unknown explore "concurrency".*discover:NAME/);
    assert.match(problemOf('discover:'), /does not name an explore/);
    assert.match(problemOf('discover:Bad-Name'), /does not name an explore/);
    const { explores: resolved, problems } = resolveExploreNames(['history', 'discover:a_b', 'nope']);
    assert.deepEqual(
      resolved.map((e) => e.name),
      ['history', 'discovered_a_b'],
    );
    assert.equal(problems.length, 1);
  });

  it('no registered table is named like a discovered one', () => {
    for (const name of explores.keys()) assert.ok(!name.startsWith('discovered_'), name);
  });
});

describe('a discovered explore from its metadata', () => {
  const placeholder = discoveryPlaceholder('discover:concurrency');

  it('exports the visible dimensions of the base view, a time group by its finest timeframe; keyed and counted as Looker declares', () => {
    const entry = discoveredExplore(placeholder, {
      view_name: 'concurrency',
      fields: {
        dimensions: [
          dimension('concurrency.pk', 'number', { primary_key: true }),
          dimension('concurrency.created_time', 'date_time'),
          dimension('concurrency.created_date', 'date_date'),
          dimension('concurrency.created_week', 'date_week'),
          dimension('concurrency.connection_name', 'string'),
          dimension('concurrency.internal', 'string', { hidden: true }),
          dimension('query_intervals.wait', 'number'),
        ],
        measures: [dimension('concurrency.count', 'count')],
      },
    });
    assert.deepEqual(
      entry.fields.map((c) => [c.name, c.type, c.field]),
      [
        ['pk', 'INTEGER', 'concurrency.pk'],
        ['created_time', 'DATETIME', 'concurrency.created_time'],
        ['connection_name', 'STRING', 'concurrency.connection_name'],
      ],
    );
    assert.deepEqual(entry.primaryKey, ['pk']);
    assert.equal(entry.countField, 'concurrency.count');
    assert.equal(completenessProof(entry), 'count: `concurrency.count`');
    assert.deepEqual(orderLevels(entry), [{ field: 'concurrency.pk', kind: 'number', nullable: false }]);
  });

  it('without a declared key, every column is the key (Looker groups by them) and may be NULL; pages prove the read', () => {
    const entry = discoveredExplore(placeholder, {
      view_name: 'concurrency',
      fields: {
        dimensions: [dimension('concurrency.day', 'date_date'), dimension('concurrency.endpoint', 'string')],
        measures: [dimension('concurrency.count', 'count')],
      },
    });
    assert.deepEqual(entry.primaryKey, ['day', 'endpoint']);
    assert.equal(entry.countField, null);
    assert.deepEqual(orderLevels(entry), [
      { field: 'concurrency.day', kind: 'date', nullable: true },
      { field: 'concurrency.endpoint', kind: 'string', nullable: true },
    ]);
  });

  it('names its base view as its fields carry it, and refuses an explore with nothing visible', () => {
    const aliased = discoveredExplore(placeholder, {
      view_name: 'concurrency_events',
      fields: { dimensions: [dimension('concurrency_events.id', 'number', { primary_key: true })] },
    });
    assert.equal(aliased.view, 'concurrency_events');
    assert.throws(
      () => discoveredExplore(placeholder, { view_name: 'concurrency', fields: { dimensions: [] } }),
      /no visible dimension of its base view concurrency/,
    );
  });
});
