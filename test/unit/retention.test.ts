/**
 * What Looker keeps of each table's source (src/explores/retention.ts) is backed by the committed
 * model facts, and the README's "How often a run must succeed" table says exactly what the code
 * holds, for every registered table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import {
  mustSucceedWithinDays,
  retainedDays,
  retentionOf,
  RETENTION_ALERT_DAYS,
  SHORTEST_MUST_SUCCEED_DAYS,
  SHORTEST_RETENTION_DAYS,
} from '../../src/explores/retention.js';

const root = new URL('../../', import.meta.url);
const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** The rows of the README table under `### How often a run must succeed`, cells trimmed. */
function readmeRows(): string[][] {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.split('\n### How often a run must succeed\n')[1];
  assert.ok(section, 'the README has no "How often a run must succeed" section');
  // The first table of the section: its lines up to the first that is not a table row.
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  const table = lines.slice(start, end);
  assert.deepEqual(table[0], '| tables | Looker keeps | held to | a run must succeed at least every |');
  return table.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim()),
  );
}

describe('how long Looker keeps each table’s rows', () => {
  it('is what the committed facts document: scheduled-task history 7 days, other history 90, event the newest million', () => {
    const facts = JSON.parse(
      readFileSync(new URL('test/fixtures/looker/system-activity-model.json', root), 'utf8'),
    ) as {
      seen_2026: { changes_since_2020: { item: string; source: string }[] };
    };
    const retention = facts.seen_2026.changes_since_2020.find((c) =>
      /History rows deleted after/.test(c.item),
    );
    assert.ok(retention, 'the facts record no retention');
    assert.match(
      retention.item,
      /after 90 days, and after 7 days when history\.source = scheduled_task; Event table pruned to 1 million rows/,
    );
    assert.match(retention.source, /usage-reports-with-system-activity-explores/);
    assert.deepEqual(retentionOf(explores.get('history')!), {
      kind: 'age',
      days: 7,
      keeps: 'runs of scheduled tasks (source scheduled_task) 7 days, every other run 90 days',
    });
    assert.equal(retentionOf(explores.get('event')!).kind, 'count');
    assert.deepEqual([SHORTEST_RETENTION_DAYS, SHORTEST_MUST_SUCCEED_DAYS, RETENTION_ALERT_DAYS], [7, 6, 3]);
  });

  it('holds every incremental table to at most the shortest documented age and every snapshot to its day', () => {
    for (const explore of explores.values()) {
      const retention = retentionOf(explore);
      if (explore.mode === 'snapshot')
        assert.deepEqual(
          [retention.kind, mustSucceedWithinDays(retention)],
          ['current_state', 1],
          explore.name,
        );
      else assert.equal(retainedDays(retention), SHORTEST_RETENTION_DAYS, explore.name);
    }
  });

  it('is what the README’s table says, table by table', () => {
    const expected = new Map<string, string[]>();
    for (const explore of explores.values()) {
      const retention = retentionOf(explore);
      const cells = [retention.keeps, days(retainedDays(retention)), days(mustSucceedWithinDays(retention))];
      const key = JSON.stringify(cells);
      expected.set(key, [...(expected.get(key) ?? []), explore.name]);
    }
    const byFirstTable = (a: unknown[], b: unknown[]) =>
      String((a[0] as string[])[0]).localeCompare(String((b[0] as string[])[0]));
    const rows = readmeRows().map(([tables, ...cells]) => [
      tables!.split(', ').map((t) => t.replace(/^`|`$/g, '')),
      ...cells,
    ]);
    assert.deepEqual(
      rows.sort(byFirstTable),
      [...expected].map(([key, names]) => [names, ...(JSON.parse(key) as string[])]).sort(byFirstTable),
    );
  });
});
