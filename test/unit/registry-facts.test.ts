/**
 * The registry against the real System Activity model: every field the product asks Looker for
 * (taken from its own query builder, `windowQuery`) exists in the committed model facts under
 * the explore the query names, with the kind the registry reads it as. The facts are
 * test/fixtures/looker/system-activity-model.json: `model_2020` (the model's LookML, 2020:
 * explores, base views, joins, and every view's fields with kind and type), `seen_2024`
 * (explores and fields referenced by System Activity tools published in 2024, without kinds) and
 * `seen_2026` (explores and fields today's documentation names, per explore). A join the 2020
 * model declares `fields: []` exposes none of its view's fields: a field of it is not there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  bigQuerySchema,
  explores,
  lookerField,
  lookerKind,
  partitionColumn,
  type ExploreDefinition,
} from '../../src/explores/index.js';
import { dayCountQuery, totalCountQuery } from '../../src/pipeline/count.js';
import { wholeWindowQuery } from '../../src/pipeline/extract.js';

interface FactField {
  name: string;
  kind: 'dimension' | 'dimension_group' | 'measure';
  type: string | null;
  timeframes?: string[];
}
interface Facts {
  model_2020: {
    explores: Record<
      string,
      {
        base_view: string;
        base_alias?: string;
        joins: Record<string, { view: string; relationship: string; fields?: string[] }>;
      }
    >;
    views: Record<string, { fields: FactField[] }>;
  };
  seen_2024: { explores: string[]; fields: string[] };
  seen_2026: { explores: { id: string | null }[]; fields: Record<string, { field: string }[]> };
}

const facts = JSON.parse(
  readFileSync(new URL('../fixtures/looker/system-activity-model.json', import.meta.url), 'utf8'),
) as Facts;

/** Looker's timeframes of a time dimension_group that names none (per the facts' `about`). */
const DEFAULT_TIMEFRAMES = ['raw', 'time', 'date', 'week', 'month', 'quarter', 'year'];

type Evidence = 'model_2020' | 'seen_2024' | 'seen_2026';
interface Resolved {
  evidence: Evidence;
  /** Known from model_2020; seen_2024 records no kinds. */
  kind?: 'dimension' | 'measure';
  /** The field is a timeframe of a time dimension_group, and which one. */
  timeframe?: string;
}

/**
 * The views a query of `explore` reaches, by the name its fields carry: the base view's fields
 * are prefixed by `base_alias` (LookML `view_name: A`) when the facts give one, else by the
 * explore's own name (`explore: X { from: V }` aliases V as X: `dashboard_performance.*`, never
 * `dashboard_run_event_stats.*`); a join's by its alias.
 */
function viewsOf(explore: string): Map<string, string> | undefined {
  const declared = facts.model_2020.explores[explore];
  if (!declared) return undefined;
  return new Map([
    [declared.base_alias ?? explore, declared.base_view],
    ...Object.entries(declared.joins)
      // `fields: []`: Looker joins through the view but exposes none of its fields.
      .filter(([, join]) => !(join.fields && join.fields.length === 0))
      .map(([alias, join]): [string, string] => [alias, join.view]),
  ]);
}

/** Explores today's documentation lists (`seen_2026`). */
const explores2026 = new Set(facts.seen_2026.explores.flatMap((e) => (e.id ? [e.id] : [])));

/** Fields today's documentation names in `explore`; a time group's other default timeframes are inferred. */
function seen2026(explore: string, field: string): Resolved | undefined {
  const named = (facts.seen_2026.fields[explore] ?? []).map((f) => f.field);
  if (named.includes(field)) {
    const timeframe = DEFAULT_TIMEFRAMES.find((t) => field.endsWith(`_${t}`));
    return { evidence: 'seen_2026', ...(timeframe ? { timeframe } : {}) };
  }
  return undefined;
}

/** Where the facts put `field` (view.name) in `explore`, or a reason it is not there. */
function resolve(explore: string, field: string): Resolved | string {
  const found = resolveBefore2026(explore, field);
  return typeof found === 'string' ? (seen2026(explore, field) ?? found) : found;
}

/** Where the 2020 model and the 2024 evidence put `field`, or a reason it is not there. */
function resolveBefore2026(explore: string, field: string): Resolved | string {
  const [alias, name] = field.split('.', 2) as [string, string];
  const reachable = viewsOf(explore);
  const known2024 = facts.seen_2024.explores.includes(explore);
  if (!reachable && !known2024)
    return `explore ${explore} is in neither model_2020 nor seen_2024${explores2026.has(explore) ? ', and seen_2026 does not name this field' : ' nor seen_2026'}`;
  const view = reachable ? reachable.get(alias) : alias === explore ? alias : undefined;
  if (view === undefined)
    return `view ${alias} is not the base view or a join of explore ${explore} (${[...(reachable?.keys() ?? [explore])].join(', ')})`;
  for (const candidate of facts.model_2020.views[view]?.fields ?? []) {
    if (candidate.kind !== 'dimension_group' && candidate.name === name)
      return { evidence: 'model_2020', kind: candidate.kind === 'measure' ? 'measure' : 'dimension' };
    if (candidate.kind === 'dimension_group' && candidate.type === 'time')
      for (const timeframe of candidate.timeframes ?? DEFAULT_TIMEFRAMES)
        if (name === `${candidate.name}_${timeframe}`)
          return { evidence: 'model_2020', kind: 'dimension', timeframe };
  }
  if (facts.seen_2024.fields.includes(field)) {
    const timeframe = DEFAULT_TIMEFRAMES.find((t) => name.endsWith(`_${t}`));
    return { evidence: 'seen_2024', ...(timeframe ? { timeframe } : {}) };
  }
  // A 2024 tool naming `group_time` shows a time dimension_group `group`: its other default
  // timeframes (the per-day count's `group_date`) are inferred, and reported as such.
  // Only for a group the 2020 model does not declare (it would list its timeframes).
  const timeframe = DEFAULT_TIMEFRAMES.find((t) => name.endsWith(`_${t}`));
  const group = timeframe && name.slice(0, -timeframe.length - 1);
  const declared = facts.model_2020.views[view]?.fields.some(
    (f) => f.kind === 'dimension_group' && f.name === group,
  );
  if (timeframe && !declared && facts.seen_2024.fields.includes(`${alias}.${group}_time`))
    return { evidence: 'seen_2024', timeframe };
  return `${field} is not a field of view ${view} in model_2020, nor seen in 2024`;
}

/** Every field one query of the table names: selected, sorted and filtered on. */
function queriedFields(explore: ExploreDefinition): { view: string; fields: string[]; sorts: string[] } {
  const query = wholeWindowQuery(explore, {
    start: new Date('2026-11-01T00:00:00Z'),
    end: new Date('2026-11-02T00:00:00Z'),
  });
  const fields = [...(query.fields ?? []), ...(query.sorts ?? []), ...Object.keys(query.filters ?? {})];
  return { view: query.view!, fields: [...new Set(fields)], sorts: [...(query.sorts ?? [])] };
}

describe('the registry against the real system__activity model', () => {
  it('has at least 20 tables, each queried through an explore of the model', () => {
    assert.ok(explores.size >= 20, `${explores.size} tables`);
    for (const explore of explores.values()) {
      const { view } = queriedFields(explore);
      assert.equal(view, explore.explore, `${explore.name} is queried through its declared explore`);
      assert.ok(
        viewsOf(view) || facts.seen_2024.explores.includes(view) || explores2026.has(view),
        `${explore.name}: explore ${view} is not in the model`,
      );
    }
  });

  for (const explore of explores.values()) {
    it(`${explore.name}: every field it asks explore ${explore.explore} for exists there, with its kind`, (t) => {
      const { view, fields } = queriedFields(explore);
      const kinds = new Map(explore.fields.map((c) => [lookerField(explore, c), lookerKind(c)]));
      const problems: string[] = [];
      const evidence: string[] = [];
      for (const field of fields) {
        const found = resolve(view, field);
        if (typeof found === 'string') {
          problems.push(found);
          continue;
        }
        const kind = kinds.get(field) ?? 'dimension';
        if (found.kind && found.kind !== kind)
          problems.push(`${field} is a ${found.kind} in the model; the registry reads it as a ${kind}`);
        evidence.push(`${field}: ${found.evidence}${found.kind ? ` ${found.kind}` : ' (kind not recorded)'}`);
      }
      t.diagnostic(evidence.join('; '));
      assert.deepEqual(problems, []);
    });
  }

  for (const explore of [...explores.values()].filter((e) => e.mode === 'incremental')) {
    it(`${explore.name}: the cursor is the time timeframe of a time dimension_group, then the key`, () => {
      const { view, sorts } = queriedFields(explore);
      // Sorted by (cursor, key), so a capped page can be continued strictly after its last row.
      assert.deepEqual(sorts.slice(1), [
        lookerField(
          explore,
          explore.fields.find((c) => c.name === explore.primaryKey[0])!,
        ),
      ]);
      const found = resolve(view, sorts[0]!);
      assert.ok(typeof found !== 'string', found as string);
      assert.equal(found.timeframe, 'time', `${sorts[0]} is not a _time timeframe`);
      assert.equal(
        sorts[0],
        lookerField(
          explore,
          explore.fields.find((c) => c.name === explore.cursorField)!,
        ),
      );
    });
  }

  for (const explore of [...explores.values()].filter((e) => e.omittedFields))
    it(`${explore.name}: every field it leaves out on purpose is a field of its own view, with a reason`, () => {
      for (const [field, reason] of Object.entries(explore.omittedFields!)) {
        assert.ok(field.startsWith(`${explore.view}.`), `${field} is not of view ${explore.view}`);
        assert.equal(typeof resolve(explore.explore, field), 'object', `${field} is not in the model`);
        assert.ok(reason.length > 10, `${field}: say why it is left out`);
        assert.ok(
          !explore.fields.some((c) => lookerField(explore, c) === field),
          `${field} is also exported`,
        );
      }
    });

  for (const explore of explores.values()) {
    it(`${explore.name}: the count run before every read names fields the explore has`, () => {
      const query =
        explore.mode === 'incremental'
          ? dayCountQuery(explore, {
              start: new Date('2026-11-01T00:00:00Z'),
              end: new Date('2026-11-02T00:00:00Z'),
            })
          : totalCountQuery(explore);
      if (!query) {
        // The view has no count measure in the model: the entry must say so explicitly.
        assert.equal(explore.countField, null);
        return;
      }
      assert.equal(query.view, explore.explore);
      const problems: string[] = [];
      for (const field of new Set([...(query.fields ?? []), ...Object.keys(query.filters ?? {})])) {
        const found = resolve(query.view!, field);
        if (typeof found === 'string') problems.push(found);
        else if (field.endsWith('.count') && found.kind && found.kind !== 'measure')
          problems.push(`${field} is not a measure`);
        else if (field.endsWith('_date') && query.fields?.includes(field) && found.timeframe !== 'date')
          problems.push(`${field} is not a date timeframe`);
      }
      assert.deepEqual(problems, []);
    });
  }

  for (const explore of explores.values()) {
    it(`${explore.name}: keys, partition and clustering are columns, and the mode says why`, () => {
      const columns = new Map(bigQuerySchema(explore).map((f) => [f.name, f]));
      assert.ok(explore.primaryKey.length > 0, 'a table needs a primary key');
      for (const key of explore.primaryKey) {
        const column = explore.fields.find((c) => c.name === key);
        assert.ok(column, `primary key ${key} is not read from Looker`);
        assert.equal(lookerKind(column), 'dimension');
      }
      assert.match(columns.get(partitionColumn(explore))?.type ?? '', /^(DATE|DATETIME)$/);
      for (const column of explore.clusterBy ?? [])
        assert.ok(columns.has(column), `cluster column ${column}`);
      assert.ok(explore.modeReason.trim().length > 40, 'the mode has a written reason');
    });
  }

  it('a table that reads a view joined one_to_many or many_to_many is keyed by that view', () => {
    for (const explore of explores.values()) {
      const reachable = viewsOf(explore.explore);
      const declared = facts.model_2020.explores[explore.explore];
      if (!reachable || !declared) continue;
      const views = new Set(explore.fields.map((c) => lookerField(explore, c).split('.')[0]!));
      const fanned = [...views].filter((v) =>
        /^(one|many)_to_many$/.test(declared.joins[v]?.relationship ?? ''),
      );
      for (const view of fanned) {
        const keyViews = explore.primaryKey.map(
          (k) =>
            lookerField(
              explore,
              explore.fields.find((c) => c.name === k)!,
            ).split('.')[0],
        );
        assert.ok(
          keyViews.includes(view),
          `${explore.name} reads ${view} (joined to many: it fans rows out) but is not keyed by it`,
        );
      }
    }
  });
});

describe('the model check itself', () => {
  it('refuses the names the guessed registry used', () => {
    assert.match(
      resolve('scheduled_job', 'scheduled_job.id') as string,
      /explore scheduled_job is in neither/,
    );
    for (const [explore, field] of [
      ['role', 'role.models'],
      ['role', 'role.permissions'],
      ['scheduled_plan', 'scheduled_job.crontab'],
      ['user', 'user.is_looker'],
      ['user', 'user.dev_mode'],
      ['user', 'user.models_dir'],
      ['query', 'query.formatted_filters'],
      ['query', 'query.filter_expression'],
      ['query', 'query.client_id'],
    ] as const)
      assert.equal(typeof resolve(explore, field), 'string', `${explore}: ${field}`);
    assert.match(resolve('group', 'group_user.nope') as string, /not a field of view group_user/);
    // Joins declared `fields: []` hide their view; the views joined through them stay.
    assert.match(resolve('user', 'user_facts_role.id') as string, /not the base view or a join/);
    assert.match(resolve('group', 'role_group.id') as string, /not the base view or a join/);
    assert.match(resolve('history', 'group_user.id') as string, /not the base view or a join/);
    assert.deepEqual(resolve('group', 'group_role.id'), { evidence: 'model_2020', kind: 'dimension' });
    assert.deepEqual(resolve('user', 'role.id'), { evidence: 'model_2020', kind: 'dimension' });
    assert.match(resolve('event', 'scheduled_job.id') as string, /not the base view or a join/);
    // `explore: dashboard_performance { from: dashboard_run_event_stats }` names its base
    // view's fields after the explore; `dashboard: view_name dashboard_layout_component` after that.
    assert.match(
      resolve('dashboard_performance', 'dashboard_run_event_stats.dashboard_run_session') as string,
      /not the base view or a join/,
    );
    assert.deepEqual(resolve('dashboard_performance', 'dashboard_performance.dashboard_run_session'), {
      evidence: 'model_2020',
      kind: 'dimension',
    });
    assert.equal(typeof resolve('dashboard', 'dashboard_layout_component.id'), 'object');
    assert.equal(typeof resolve('dashboard', 'dashboard.id'), 'object', 'the dashboard join');
  });

  it('knows kinds, timeframes and 2024 evidence', () => {
    assert.deepEqual(resolve('field_usage', 'field_usage.times_used'), {
      evidence: 'model_2020',
      kind: 'measure',
    });
    assert.deepEqual(resolve('query', 'query.created_time'), {
      evidence: 'model_2020',
      kind: 'dimension',
      timeframe: 'time',
    });
    assert.equal(
      typeof resolve('query', 'query.created_year'),
      'string',
      'query.created names its timeframes',
    );
    assert.deepEqual(resolve('query', 'query.dynamic_fields'), { evidence: 'seen_2024' });
    assert.deepEqual(resolve('role', 'model_set.models'), { evidence: 'model_2020', kind: 'dimension' });
    assert.deepEqual(resolve('history', 'query_api_client_context.name'), { evidence: 'seen_2026' });
    assert.deepEqual(resolve('api_usage', 'api_usage.created_date'), {
      evidence: 'seen_2026',
      timeframe: 'date',
    });
    assert.match(resolve('api_usage', 'api_usage.id') as string, /seen_2026 does not name this field/);
  });
});
