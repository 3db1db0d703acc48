/**
 * The BigQuery views in terraform/views, checked without BigQuery: each file is rendered as
 * Terraform's templatefile renders it and judged by Google's GoogleSQL analyzer (ZetaSQL, one
 * server for the file) against the tables the exporter writes (`bigQuerySchema`) and the columns
 * of the other views. The SQL is not run here (views-run.test.ts runs it on the BigQuery fake).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { ZetaSql } from '../stack/zetasql/index.js';
import {
  checkSql,
  exploreCatalog,
  loadViews,
  renderView,
  templateProblems,
  TEST_DATASET,
  TEST_PROJECT,
  VIEWS_DIR,
  viewLookup,
  viewOrder,
  type LoadedView,
  type Lookup,
  type ProblemKind,
} from './views.js';
import { evaluate, exampleInputs, MODULE } from './console.js';
import { parseModule } from './hcl.js';



const engine = new ZetaSql();
after(() => engine.close());
const views = await loadViews(engine);
const tf = await parseModule(MODULE);
const byName = new Map(views.map((view) => [view.name, view]));
const lookup = viewLookup(views);

const problems = (view: LoadedView, ...kinds: ProblemKind[]) =>
  view.problems.filter((p) => kinds.includes(p.kind)).map((p) => `${view.name}: ${p.message}`);
const outputs = (name: string) => byName.get(name)?.columns?.map((c) => c.name) ?? [];
const columnNames = (relation: ReturnType<Lookup>) => new Set(relation?.columns?.map((c) => c.name.toLowerCase()));
/** A table reference as a rendered view has it. */
const table = (name: string) => `\`${TEST_PROJECT}.${TEST_DATASET}.${name}\``;
const kinds = async (sql: string, using: Lookup = lookup) =>
  (await checkSql(engine, sql, using)).problems.map((p) => p.kind);

/** The audit questions the views answer, by view: the README's table lists the same. */
const REQUIRED = [
  'latest_dashboard',
  'latest_look',
  'latest_user',
  'unused_content',
  'most_run_queries',
  'slowest_queries',
  'api_usage_by_user',
  'user_last_activity',
];

/** The README's example queries, one per view: they must resolve against the views too. */
const EXAMPLES: Record<string, string> = {
  latest_dashboard:
    'SELECT id, title, last_seen_date FROM `${project}.${dataset}.latest_dashboard` WHERE NOT in_latest_snapshot',
  latest_look:
    'SELECT id, title, deleted_time FROM `${project}.${dataset}.latest_look` WHERE in_latest_snapshot AND deleted_time IS NOT NULL',
  latest_user:
    'SELECT id, email, last_seen_date FROM `${project}.${dataset}.latest_user` WHERE NOT in_latest_snapshot',
  unused_content:
    'SELECT content_type, content_id, title, owner_email, last_used, days_since_last_used FROM `${project}.${dataset}.unused_content` WHERE days_since_last_used >= 90 OR never_used',
  most_run_queries:
    'SELECT model, explore, run_count, user_count, p95_runtime_seconds FROM `${project}.${dataset}.most_run_queries` WHERE run_rank <= 20 ORDER BY run_rank',
  slowest_queries:
    'SELECT runtime_seconds, user_email, dashboard_title, look_title, model, explore FROM `${project}.${dataset}.slowest_queries` WHERE runtime_rank <= 50 ORDER BY runtime_rank',
  api_usage_by_user:
    'SELECT user_email, SUM(run_count) AS runs, SUM(error_count) AS errors FROM `${project}.${dataset}.api_usage_by_user` WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) GROUP BY user_email ORDER BY runs DESC',
  user_last_activity:
    'SELECT user_id, email, last_active_time FROM `${project}.${dataset}.user_last_activity` WHERE is_disabled IS NOT TRUE AND (days_since_last_active >= 90 OR last_active_time IS NULL)',
};

describe('the views (terraform/views/*.sql)', () => {
  it('answer the audit questions: one file per view, snake_case names', () => {
    assert.deepEqual(
      REQUIRED.filter((name) => !byName.has(name)),
      [],
      'views missing',
    );
    for (const view of views) assert.match(view.name, /^[a-z][a-z0-9_]*$/, `${view.file} is not a snake_case name`);
    assert.ok(views.length >= REQUIRED.length);
  });

  for (const view of views) {
    describe(view.name, () => {
      it('begins with a comment: the question it answers, what one row is, and its knobs', () => {
        const header = view.template.match(/^(?:--.*\n)+/)?.[0] ?? '';
        assert.ok(header, `${view.name} does not begin with a -- comment block`);
        for (const part of ['Question:', 'One row per:', 'Knob'])
          assert.ok(header.includes(part), `${view.name}'s header does not say ${part}`);
      });

      it('uses no template syntax but ${project} and ${dataset}', () => {
        assert.deepEqual(problems(view, 'template'), []);
        assert.doesNotMatch(view.sql, /[$%]\{/, 'the rendered SQL still holds template syntax');
      });

      it('is a single SELECT: no trailing semicolon, no DDL', () => {
        assert.doesNotMatch(view.template, /;\s*$/, `${view.name} ends with a semicolon`);
        // The analyzer accepts exactly one statement, and only a query.
        assert.deepEqual(problems(view, 'analyzer'), []);
      });

      it('is accepted by the GoogleSQL analyzer once rendered: syntax, names (aliases, CTEs, subqueries), types', () => {
        assert.deepEqual(problems(view, 'analyzer'), []);
        assert.ok(view.columns, `${view.name}'s output columns are unknown`);
      });

      it('reads only exported explore tables and other views, as `${project}.${dataset}.<table>`', () => {
        assert.deepEqual(problems(view, 'unknown-table'), []);
        assert.ok(view.references.length > 0, `${view.name} reads no table`);
        for (const ref of view.references)
          assert.ok(explores.has(ref.table) || byName.has(ref.table), `${ref.table} is not a table`);
      });

      it('reads columns of each table it names, as the analyzer resolved them', () => {
        assert.ok(view.references.every((ref) => ref.columns.length > 0), `${view.name} reads a table for none of its columns`);
        for (const ref of view.references) {
          const known = columnNames(lookup(ref.table));
          for (const column of ref.columns) assert.ok(known.has(column), `${ref.table}.${column}`);
        }
      });

      it('names each output column once, and outputs looker_instance', () => {
        assert.deepEqual(problems(view, 'unnamed-column', 'duplicate-column'), []);
        assert.ok(outputs(view.name).includes('looker_instance'), `${view.name} does not output looker_instance`);
      });

      it('has nothing else wrong', () => {
        assert.deepEqual(view.problems, []);
      });
    });
  }

  it('read each other without a cycle: created in dependency order', (t) => {
    for (const view of views) assert.deepEqual(problems(view, 'cycle'), []);
    const order = viewOrder(views);
    assert.deepEqual([...order].sort(), views.map((v) => v.name).sort());
    for (const view of views)
      for (const dependency of view.dependencies)
        assert.ok(order.indexOf(dependency) < order.indexOf(view.name), `${dependency} before ${view.name}`);
    t.diagnostic(
      `order: ${order.map((name) => (byName.get(name)!.dependencies.length ? `${name} (after ${byName.get(name)!.dependencies.join(', ')})` : name)).join('; ')}`,
    );
  });

  it('latest_dashboard, latest_look and latest_user carry every column of their snapshot, plus last_seen_date and in_latest_snapshot', () => {
    for (const [view, explore] of [
      ['latest_dashboard', 'dashboard'],
      ['latest_look', 'look'],
      ['latest_user', 'user'],
    ] as const) {
      const columns = outputs(view);
      for (const field of explores.get(explore)!.fields)
        assert.ok(columns.includes(field.name), `${view} lacks ${explore}.${field.name}`);
      for (const column of ['looker_instance', 'last_seen_date', 'in_latest_snapshot'])
        assert.ok(columns.includes(column), `${view} lacks ${column}`);
      assert.deepEqual(byName.get(view)!.references.map((r) => r.table), [explore]);
    }
  });

  it('unused_content joins content_usage on content_type and content_id, and exposes days_since_last_used', () => {
    const usage = byName.get('unused_content')!.references.find((r) => r.table === 'content_usage');
    assert.ok(usage, 'unused_content reads content_usage');
    for (const column of ['content_type', 'content_id', 'last_accessed_time']) assert.ok(usage.columns.includes(column));
    for (const column of ['content_type', 'content_id', 'last_used', 'days_since_last_used', 'never_used'])
      assert.ok(outputs('unused_content').includes(column), `unused_content lacks ${column}`);
  });

  it('api_usage_by_user picks API runs by issuer_source and source, as history records them', () => {
    const history = byName.get('api_usage_by_user')!.references.find((r) => r.table === 'history');
    assert.ok(history?.columns.includes('issuer_source') && history.columns.includes('source'));
    assert.match(byName.get('api_usage_by_user')!.sql, /issuer_source = 'api'/);
  });

  for (const [view, example] of Object.entries(EXAMPLES)) {
    it(`the README's example query for ${view} resolves against the view`, async () => {
      const result = await checkSql(engine, renderView(example, TEST_PROJECT, TEST_DATASET), lookup);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.references.map((r) => r.table), [view]);
    });
  }
});

describe('the views in the Terraform module', () => {
  /** Every explore table a view reads, through the views it reads too. */
  const tablesOf = (name: string): string[] => {
    const view = byName.get(name)!;
    const direct = view.references.filter((r) => r.kind === 'explore').map((r) => r.table);
    return [...new Set([...direct, ...view.dependencies.flatMap(tablesOf)])].sort();
  };

  it('lists every view file, with the tables it reads and whether it reads views, as the SQL does', async () => {
    const declared = tf.locals.get('views') as Record<string, { tables: string[]; of_views: boolean; description: string }>;
    assert.deepEqual(Object.keys(declared).sort(), views.map((v) => v.name).sort());
    for (const view of views) {
      assert.deepEqual([...declared[view.name]!.tables].sort(), tablesOf(view.name), `local.views.${view.name}.tables`);
      assert.equal(declared[view.name]!.of_views, view.dependencies.length > 0, `local.views.${view.name}.of_views`);
      assert.ok(declared[view.name]!.description.length > 20, `local.views.${view.name} has a description`);
      // Two tiers are all Terraform orders: a view of views must read only views of tables.
      for (const dependency of view.dependencies)
        assert.equal(byName.get(dependency)!.dependencies.length, 0, `${view.name} reads ${dependency}, itself a view of views`);
    }
  });

  it('creates each view where its tables are exported, after them, in the instance dataset', async () => {
    for (const [address, ofViews] of [
      ['google_bigquery_table.view', false],
      ['google_bigquery_table.view_of_views', true],
    ] as const) {
      const resource = tf.resources.get(address)!;
      assert.ok(resource, `${address} exists`);
      assert.equal(resource.for_each, `\${{ for key, view in local.instance_views : key => view if ${ofViews ? '' : '!'}view.of_views }}`);
      const view = (resource.view as Record<string, unknown>[])[0]!;
      assert.equal(view.use_legacy_sql, false);
      assert.equal(view.query, '${templatefile("${path.module}/views/${each.value.view}.sql", { project = var.project_id, dataset = each.value.dataset_id })}');
      assert.equal(resource.dataset_id, '${google_bigquery_dataset.activity[each.value.instance].dataset_id}');
      const after = resource.depends_on as string[];
      assert.ok(after.includes('${google_bigquery_table.explore}'), `${address} waits for the tables`);
      if (ofViews) assert.ok(after.includes('${google_bigquery_table.view}'), `${address} waits for the views it reads`);
    }
    const instanceViews = async (inputs: Record<string, unknown>) => {
      const result = await evaluate({ ...(await exampleInputs()), ...inputs }, 'local.instance_views');
      assert.ok(result.ok, result.ok ? '' : result.stderr);
      return Object.keys(result.value as Record<string, unknown>).sort();
    };
    assert.deepEqual(await instanceViews({}), views.map((v) => `acme.${v.name}`).sort());
    assert.deepEqual(await instanceViews({ explores: ['history', 'query'] }), [
      'acme.most_run_queries',
      'acme.queries_by_api_client',
    ]);
    assert.deepEqual(await instanceViews({ explores: ['history', 'user'] }), [
      'acme.api_usage_by_user',
      'acme.latest_user',
      'acme.queries_by_api_client',
    ]);
    assert.deepEqual(await instanceViews({ create_views: false }), []);
  });
});

describe('renderView', () => {
  it('renders each file exactly as Terraform templatefile does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'views-tf-'));
    try {
      const expression = `base64encode(jsonencode({ for f in fileset("${VIEWS_DIR}", "*.sql") : trimsuffix(f, ".sql") => templatefile("${VIEWS_DIR}/\${f}", { project = "${TEST_PROJECT}", dataset = "${TEST_DATASET}" }) }))`;
      const stdout = execFileSync('terraform', ['console'], {
        cwd: dir,
        input: `${expression}\n`,
        env: { ...process.env, CHECKPOINT_DISABLE: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }).toString();
      const line = stdout.trim().split('\n').pop() ?? '';
      const rendered = JSON.parse(Buffer.from(JSON.parse(line) as string, 'base64').toString('utf8')) as Record<
        string,
        string
      >;
      assert.deepEqual(Object.keys(rendered).sort(), views.map((v) => v.name).sort());
      for (const view of views) assert.equal(view.sql, rendered[view.name], `${view.name} renders differently`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('substitutes ${project} and ${dataset} and refuses any other template syntax', () => {
    assert.equal(renderView('SELECT 1 AS x FROM `${project}.${dataset}.history`', 'p-1', 'd'), 'SELECT 1 AS x FROM `p-1.d.history`');
    for (const stray of ['${region}', '${ project }', '%{ if x }', '$${project}', '${var.project}'])
      assert.throws(() => renderView(`SELECT 1 AS x -- ${stray}`, 'p', 'd'), /templatefile/, stray);
  });
});

describe('the checker itself (so the specs above cannot pass vacuously)', () => {
  const latestUser = byName.get('latest_user')!;
  const check = async (template: string) =>
    templateProblems(template).length > 0
      ? templateProblems(template).map((p) => p.kind)
      : kinds(renderView(template, TEST_PROJECT, TEST_DATASET));

  it('passes the real latest_user, and fails it with one column misspelt', async () => {
    assert.deepEqual(await check(latestUser.template), []);
    const misspelt = latestUser.template.replace('u.email,', 'u.emial,');
    assert.notEqual(misspelt, latestUser.template);
    const found = await checkSql(engine, renderView(misspelt, TEST_PROJECT, TEST_DATASET), lookup);
    assert.deepEqual(found.problems, [{ kind: 'analyzer', message: 'Name emial not found inside u [at 17:5]' }]);
  });

  it('fails it with an unknown table', async () => {
    assert.deepEqual(await check(latestUser.template.replace('.user`', '.users`')), ['unknown-table']);
    assert.deepEqual(await check(latestUser.template.replace('`${project}.${dataset}.user`', 'user')), ['unknown-table']);
    assert.deepEqual(await check(latestUser.template.replace('${dataset}', 'other_dataset')), ['unknown-table']);
  });

  it('fails it with a stray placeholder', () => {
    const stray = latestUser.template.replace('`${project}.', '`${project}.${region}.');
    assert.deepEqual(templateProblems(stray).map((p) => p.kind), ['template']);
    assert.throws(() => renderView(stray, TEST_PROJECT, TEST_DATASET), /\$\{region\}/);
  });

  it('finds every column reference of every view: each one misspelt is refused by the analyzer, naming it', async (t) => {
    let sites = 0;
    for (const view of views) {
      for (const { index, column } of qualifiedColumns(view.template)) {
        const end = index + column.length;
        const mutant = `${view.template.slice(0, end)}zz${view.template.slice(end)}`;
        const found = (await checkSql(engine, renderView(mutant, TEST_PROJECT, TEST_DATASET), lookup)).problems;
        assert.ok(
          found.some((p) => p.kind === 'analyzer' && p.message.toLowerCase().includes(`${column.toLowerCase()}zz`)),
          `${view.name}: ${column}zz at offset ${index} went unnoticed (${JSON.stringify(found)})`,
        );
        sites++;
      }
    }
    assert.ok(sites > 200, `only ${sites} column references found`);
    t.diagnostic(`${sites} column references, each misspelt in turn, each caught`);
  });

  it('finds every table reference of every view: each one misspelt is an unknown table', async () => {
    for (const view of views) {
      const references = [...view.template.matchAll(/`\$\{project\}\.\$\{dataset\}\.([a-z_]+)`/g)];
      assert.ok(references.length > 0);
      for (const match of references) {
        const end = match.index + match[0].length - 1;
        const mutant = `${view.template.slice(0, end)}zz${view.template.slice(end)}`;
        assert.ok(
          (await kinds(renderView(mutant, TEST_PROJECT, TEST_DATASET))).includes('unknown-table'),
          `${view.name}: ${match[1]}zz went unnoticed`,
        );
      }
    }
  });

  const h = table('history');
  const q = table('query');
  // Accepted ([]), or refused with the problem kinds and, for the analyzer, its message.
  const cases: [string, string, ProblemKind[], RegExp?][] = [
    ['a table alias', `SELECT x.id FROM ${h} AS x`, []],
    ['the implicit alias (the last part of the name)', `SELECT history.id FROM ${h}`, []],
    ['an unqualified column of the only table', `SELECT runtime FROM ${h}`, []],
    ['a CTE column', `WITH a AS (SELECT x.id AS run FROM ${h} AS x) SELECT a.run FROM a`, []],
    ['a subquery column', `SELECT s.run FROM (SELECT x.id AS run FROM ${h} AS x) AS s`, []],
    ['a column of the outer query in a correlated subquery', `SELECT x.id FROM ${h} AS x WHERE EXISTS (SELECT 1 FROM ${q} AS y WHERE y.id = x.query_id)`, []],
    ['a USING column, unqualified', `SELECT looker_instance FROM ${h} AS x JOIN ${q} AS y USING (looker_instance)`, []],
    ['select aliases in GROUP BY, HAVING, QUALIFY and ORDER BY', `SELECT DATE(x.created_time) AS day, COUNT(*) AS n FROM ${h} AS x GROUP BY day HAVING n > 1 QUALIFY ROW_NUMBER() OVER (ORDER BY day) = 1 ORDER BY day`, []],
    ['a date part', `SELECT DATE_DIFF(CURRENT_DATE(), DATE(x.created_time), DAY) AS days FROM ${h} AS x`, []],
    ['APPROX_QUANTILES(...)[OFFSET(n)] and COUNTIF', `SELECT APPROX_QUANTILES(x.runtime, 100)[OFFSET(95)] AS p95, COUNTIF(x.status = 'error') AS errors FROM ${h} AS x`, []],
    ['SELECT * EXCEPT', `SELECT * EXCEPT (message) FROM ${h}`, []],
    ['a comma join with UNNEST', `SELECT x.id, n FROM ${h} AS x, UNNEST([1]) AS n`, []],
    ['a misspelt qualified column', `SELECT x.runtim FROM ${h} AS x`, ['analyzer'], /^Name runtim not found inside x \[at 1:10\]$/],
    ['a misspelt unqualified column', `SELECT runtim FROM ${h}`, ['analyzer'], /^Unrecognized name: runtim; Did you mean runtime\?/],
    ['a misspelt column in a window', `SELECT RANK() OVER (PARTITION BY x.user_idd ORDER BY x.runtime) AS r FROM ${h} AS x`, ['analyzer'], /user_idd/],
    ['a misspelt column inside APPROX_QUANTILES', `SELECT APPROX_QUANTILES(x.runtme, 100)[OFFSET(95)] AS p FROM ${h} AS x`, ['analyzer'], /runtme/],
    ['a misspelt column in a correlated subquery', `SELECT x.id FROM ${h} AS x WHERE EXISTS (SELECT 1 FROM ${q} AS y WHERE y.id = x.queryid)`, ['analyzer'], /queryid/],
    ['an alias that is not in FROM', `SELECT z.id FROM ${h} AS x`, ['analyzer'], /^Unrecognized name: z/],
    ['a column the CTE does not output', `WITH a AS (SELECT x.id FROM ${h} AS x) SELECT a.runtime FROM a`, ['analyzer'], /^Name runtime not found inside a/],
    ['a column the subquery does not output', `SELECT s.runtime FROM (SELECT x.id FROM ${h} AS x) AS s`, ['analyzer'], /^Name runtime not found inside s/],
    ['a select alias in WHERE (BigQuery refuses it)', `SELECT x.runtime AS secs FROM ${h} AS x WHERE secs > 1`, ['analyzer'], /^Unrecognized name: secs/],
    ['a select alias in a window (BigQuery refuses it)', `SELECT x.user_id AS u, RANK() OVER (PARTITION BY u ORDER BY x.runtime) AS r FROM ${h} AS x`, ['analyzer'], /u/],
    ['a misspelt select alias in QUALIFY', `SELECT x.id, RANK() OVER (ORDER BY x.runtime) AS r FROM ${h} AS x WHERE TRUE QUALIFY rr <= 3`, ['analyzer'], /^Unrecognized name: rr/],
    ['QUALIFY without WHERE, GROUP BY or HAVING (the analyzer accepts it)', `SELECT x.id FROM ${h} AS x QUALIFY ROW_NUMBER() OVER (ORDER BY x.id) = 1`, ['statement']],
    ['an unqualified column two tables have', `SELECT id FROM ${h} AS x JOIN ${q} AS y ON y.id = x.query_id`, ['analyzer'], /^Column name id is ambiguous/],
    ['a STRING joined to an INTEGER', `SELECT x.id FROM ${h} AS x JOIN ${table('dashboard')} AS d ON d.id = x.dashboard_id`, ['analyzer'], /^No matching signature for operator = for argument types: INT64, STRING/],
    ['content_usage.content_id (STRING) joined to look.id (INTEGER)', `SELECT c.id FROM ${table('content_usage')} AS c JOIN ${table('look')} AS l ON l.id = c.content_id`, ['analyzer'], /^No matching signature for operator = for argument types: INT64, STRING/],
    ['a column a view renamed (latest_user has last_seen_date, not snapshot_date)', `SELECT u.snapshot_date FROM ${table('latest_user')} AS u`, ['analyzer'], /^Name snapshot_date not found inside u/],
    ['a table outside ${project}.${dataset}', `SELECT x.id FROM \`other-project.${TEST_DATASET}.history\` AS x`, ['unknown-table']],
    ['an output column without a name', `SELECT COUNT(*) FROM ${h}`, ['unnamed-column']],
    ['an output column named twice', `SELECT x.id, x.id FROM ${h} AS x`, ['duplicate-column']],
    ['UNION branches of different widths', `SELECT x.id FROM ${h} AS x UNION ALL SELECT y.id, y.model FROM ${q} AS y`, ['analyzer'], /^Queries in UNION ALL have mismatched column count; query 1 has 1 column, query 2 has 2 columns/],
    ['SQL the parser refuses', `SELEC x.id FROM ${h} AS x`, ['analyzer'], /^Syntax error/],
    ['DDL', `CREATE VIEW v AS SELECT x.id FROM ${h} AS x`, ['analyzer'], /^Statement not supported: CreateViewStatement/],
    ['two statements', `SELECT x.id FROM ${h} AS x; SELECT 1 AS y`, ['analyzer'], /^Syntax error/],
  ];
  for (const [what, sql, expected, message] of cases) {
    it(`${expected.length ? 'reports' : 'accepts'} ${what}${expected.length ? `: ${expected.join(', ')}` : ''}`, async () => {
      const found = (await checkSql(engine, sql, lookup)).problems;
      assert.deepEqual(found.map((p) => p.kind), expected, JSON.stringify(found));
      if (message) assert.match(found[0]!.message, message);
    });
  }

  it('resolves against bigQuerySchema: the metadata columns and snapshot_date are there, nothing else', async () => {
    const catalog = exploreCatalog();
    assert.deepEqual(await kinds(`SELECT d.snapshot_date, d.export_run_id, d.exported_at FROM ${table('dashboard')} AS d`, (t) => catalog.get(t)), []);
    assert.deepEqual(await kinds(`SELECT x.snapshot_date FROM ${h} AS x`, (t) => catalog.get(t)), ['analyzer']);
  });

  describe('on views that read each other', () => {
    let dir: string;
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('reports the cycle, and viewOrder refuses to order it', async () => {
      dir = await mkdtemp(join(tmpdir(), 'views-cycle-'));
      const header = '-- Question: q\n-- One row per: r\n-- Knobs: none\n';
      await writeFile(join(dir, 'a.sql'), `${header}SELECT b.looker_instance FROM \`\${project}.\${dataset}.b\` AS b`);
      await writeFile(join(dir, 'b.sql'), `${header}SELECT a.looker_instance FROM \`\${project}.\${dataset}.a\` AS a`);
      await writeFile(join(dir, 'c.sql'), `${header}SELECT u.looker_instance FROM \`\${project}.\${dataset}.user\` AS u`);
      const loaded = await loadViews(engine, dir);
      assert.deepEqual(
        loaded.map((v) => [v.name, v.problems.map((p) => p.kind)]),
        [
          ['a', ['cycle']],
          ['b', ['cycle']],
          ['c', []],
        ],
      );
      assert.throws(() => viewOrder(loaded), /views read each other: a -> b -> a/);
      assert.deepEqual(viewOrder([{ name: 'x', dependencies: ['y'] }, { name: 'y', dependencies: [] }]), ['y', 'x']);
    });
  });
});

/** The `alias.column` references of a template's SQL (comments, strings and table names left out). */
function qualifiedColumns(template: string): { index: number; column: string }[] {
  // Blank out what is not a column reference, keeping offsets.
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const sql = template
    .replace(/--[^\n]*/g, blank)
    .replace(/'[^'\n]*'/g, blank)
    .replace(/`[^`\n]*`/g, blank);
  return [...sql.matchAll(/\b[A-Za-z_]\w*\.([A-Za-z_]\w*)\b/g)].map((m) => ({
    index: m.index + m[0].length - m[1]!.length,
    column: m[1]!,
  }));
}
