/**
 * The LookML project over the archive (lookml/, written by `npm run lookml`): it parses, it reads
 * only columns the archived tables have (with compatible types), every field it names exists,
 * its model is not system__activity, its explores guard partitions, its SQL is GoogleSQL (by
 * ZetaSQL's analyzer), and the committed files are what the generator writes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { explores, partitionColumn, type BigQueryField } from '../../src/explores/index.js';
import { projectFiles } from '../../scripts/lookml/project.js';
import { ZetaSql, ZetaSqlError, type TableInput } from '../stack/zetasql/index.js';
import {
  columnReferences,
  expandSql,
  exploreViews,
  fieldReferences,
  readProject,
  tableReferences,
  type Project,
  type View,
} from './project.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const LOOKML = join(ROOT, 'lookml');
const run = promisify(execFile);

async function committedFiles(): Promise<Map<string, string>> {
  const entries = await readdir(LOOKML, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || !/\.(lkml|lookml)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(ROOT, path), await readFile(path, 'utf8'));
  }
  return files;
}

async function schema(table: string): Promise<BigQueryField[]> {
  return JSON.parse(
    await readFile(join(ROOT, 'terraform', 'schemas', `${table}.json`), 'utf8'),
  ) as BigQueryField[];
}

/** The archived table a view reads (its sql_table_name names exactly one). */
function tableOf(view: View): string {
  const tables = new Set(tableReferences(view.sqlTableName));
  assert.equal(tables.size, 1, `${view.name} reads one archived table: ${view.sqlTableName}`);
  return [...tables][0]!;
}

/** Schema types a field may read, by its LookML type. */
const COMPATIBLE: Record<string, readonly string[]> = {
  string: ['STRING'],
  number: ['INTEGER', 'FLOAT'],
  yesno: ['BOOLEAN'],
  datetime: ['DATETIME'],
  date: ['DATE'],
  timestamp: ['TIMESTAMP'],
  sum: ['INTEGER', 'FLOAT'],
  average: ['INTEGER', 'FLOAT'],
  max: ['INTEGER', 'FLOAT'],
  min: ['INTEGER', 'FLOAT'],
};

function assertField(views: Map<string, View>, reference: string, where: string) {
  const [viewName, field] = reference.replace(/ (asc|desc)$/, '').split('.') as [string, string | undefined];
  assert.ok(field, `${where}: ${reference} is not view.field`);
  const view = views.get(viewName);
  assert.ok(view, `${where}: ${reference} names ${viewName}, not in the explore`);
  assert.ok(view.references.has(field), `${where}: ${reference} is not a field of view ${view.name}`);
}

describe('LookML over the archive (lookml/)', () => {
  let files: Map<string, string>;
  let project: Project;
  before(async () => {
    files = await committedFiles();
    project = await readProject(files);
  });

  it('every file parses with lookml-parser: a manifest, one model, a view per archived table, five dashboards', () => {
    assert.equal(project.files.length, files.size);
    for (const file of project.files)
      assert.equal(file.error, undefined, `${file.$file_path}: ${String(file.error)}`);
    assert.equal(project.files.filter((file) => file.$file_type === 'manifest').length, 1);
    assert.equal(project.models.size, 1);
    for (const table of explores.keys()) assert.ok(project.views.has(table), `no view over ${table}`);
    assert.equal(project.dashboards.length, 5);
  });

  it('the model has its own name (Looker 25.2+ refuses system__activity) and the connection is a manifest constant', () => {
    const [name, model] = [...project.models][0]!;
    assert.notEqual(name, 'system__activity');
    assert.notEqual(name, 'i__looker');
    assert.match(model.connection, /^@\{(\w+)\}$/);
    assert.ok(
      project.constants.has(model.connection.slice(2, -1)),
      'the connection constant is declared in the manifest',
    );
    for (const dashboard of project.dashboards) {
      for (const element of dashboard.elements)
        assert.equal(element.model, name, `${dashboard.name}.${element.name}`);
      for (const filter of dashboard.filters)
        assert.equal(filter.model, name, `${dashboard.name} filter ${filter.name}`);
    }
  });

  it("every column a view reads exists in its table's BigQuery schema, with a type its field can read", async () => {
    for (const view of project.views.values()) {
      const columns = new Map((await schema(tableOf(view))).map((field) => [field.name, field.type]));
      for (const column of columnReferences(view.sqlTableName))
        assert.ok(columns.has(column), `${view.name}: sql_table_name reads ${column}, not a column`);
      for (const field of view.fields.values()) {
        for (const column of columnReferences(field.sql ?? ''))
          assert.ok(
            columns.has(column),
            `${view.name}.${field.name} reads ${column}, not a column of ${tableOf(view)}`,
          );
        const whole = /^\s*\$\{TABLE\}\.`(\w+)`\s*$/.exec(field.sql ?? '')?.[1];
        const lookmlType = field.kind === 'dimension_group' ? field.datatype : field.type;
        if (whole && lookmlType && lookmlType in COMPATIBLE)
          assert.ok(
            COMPATIBLE[lookmlType]!.includes(columns.get(whole)!),
            `${view.name}.${field.name} is ${lookmlType} over ${whole}, a ${columns.get(whole)}`,
          );
      }
    }
  });

  it('every time column is a UTC dimension group, the export metadata hidden, and every view has one primary key', async () => {
    for (const view of project.views.values()) {
      const columns = await schema(tableOf(view));
      const groups = [...view.fields.values()].filter((field) => field.kind === 'dimension_group');
      for (const column of columns.filter((field) => /^(DATETIME|DATE|TIMESTAMP)$/.test(field.type)))
        assert.ok(
          groups.some((group) => group.sql?.trim() === `\${TABLE}.\`${column.name}\``),
          `${view.name}: ${column.name} has no dimension group`,
        );
      assert.equal(
        [...view.fields.values()].filter((field) => field.primaryKey).length,
        1,
        `${view.name} primary keys`,
      );
    }
    const history = await readFile(join(LOOKML, 'views', 'history.view.lkml'), 'utf8');
    assert.match(history, /dimension_group: created \{[^}]*convert_tz: no[^}]*label: "Created \(UTC\)"/);
    assert.match(history, /dimension: export_run_id \{[^}]*group_label: "Export metadata"[^}]*hidden: yes/);
    assert.match(history, /dimension: looker_instance \{(?![^}]*hidden)[^}]*\}/);
  });

  it('every field a join, an explore filter, a measure filter or a dashboard names exists', () => {
    const [model] = [...project.models.values()];
    for (const view of project.views.values())
      for (const field of view.fields.values()) {
        for (const name of Object.keys(field.filters ?? {}))
          assert.ok(view.references.has(name), `${view.name}.${field.name} filters on ${name}`);
        for (const [other, name] of fieldReferences(field.sql ?? ''))
          assert.ok(
            project.views.get(other === 'TABLE' ? view.name : other)?.references.has(name),
            `${view.name}.${field.name} reads ${other}.${name}`,
          );
      }
    for (const explore of model!.explores.values()) {
      const views = exploreViews(project, explore);
      for (const join of explore.joins) {
        assert.match(join.relationship, /^(many_to_one|one_to_many|one_to_one|many_to_many)$/);
        for (const [viewName, field] of fieldReferences(join.sqlOn))
          assertField(views, `${viewName}.${field}`, `${explore.name} join ${join.name}`);
      }
      for (const name of [
        ...Object.keys(explore.alwaysFilter),
        ...Object.keys(explore.conditionallyFilter),
        ...explore.unless,
      ])
        assertField(views, name, `explore ${explore.name} filter`);
    }
    for (const dashboard of project.dashboards) {
      const filterNames = new Set(dashboard.filters.map((filter) => filter.name));
      for (const filter of dashboard.filters) {
        const explore = model!.explores.get(filter.explore);
        assert.ok(explore, `${dashboard.name} filter ${filter.name}: no explore ${filter.explore}`);
        assertField(exploreViews(project, explore), filter.field, `${dashboard.name} filter ${filter.name}`);
      }
      for (const element of dashboard.elements) {
        const explore = model!.explores.get(element.explore);
        assert.ok(explore, `${dashboard.name}.${element.name}: no explore ${element.explore}`);
        const views = exploreViews(project, explore);
        const where = `${dashboard.name}.${element.name}`;
        for (const name of [
          ...element.fields,
          ...(element.pivots ?? []),
          ...(element.sorts ?? []),
          ...Object.keys(element.filters ?? {}),
        ])
          assertField(views, name, where);
        for (const pivot of element.pivots ?? [])
          assert.ok(element.fields.includes(pivot), `${where}: pivot ${pivot} is selected`);
        for (const [filterName, field] of Object.entries(element.listen ?? {})) {
          assert.ok(
            filterNames.has(filterName),
            `${where} listens to ${filterName}, not a filter of the dashboard`,
          );
          assertField(views, field, where);
        }
      }
    }
  });

  it('event explores require a filter on their partition day; snapshot explores show the latest snapshot unless a day is filtered', () => {
    const [model] = [...project.models.values()];
    for (const explore of model!.explores.values()) {
      const table = explores.get(explore.view);
      assert.ok(table, `explore ${explore.name} starts from an archived table`);
      const day = `${explore.name}.${partitionColumn(table).replace(/_(time|date)$/, '')}_date`;
      if (table.mode === 'incremental') {
        assert.ok(day in explore.alwaysFilter, `explore ${explore.name} requires ${day}`);
      } else {
        assert.deepEqual(explore.conditionallyFilter, { [`${explore.name}.is_latest_snapshot`]: 'Yes' });
        assert.ok(
          explore.unless.includes(day),
          `explore ${explore.name}: filtering ${day} lifts the latest-snapshot default`,
        );
      }
    }
  });

  it('npm run lookml -- --check passes on the committed project and fails on a stale, missing or stray file', async () => {
    const lookml = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/lookml.ts'), ...args], {
        cwd: ROOT,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    assert.deepEqual(await lookml('--check'), { code: 0, stderr: '' }, 'lookml/ is current: npm run lookml');
    const dir = await mkdtemp(join(tmpdir(), 'lookml-'));
    try {
      assert.deepEqual(await lookml('--dir', dir), { code: 0, stderr: '' });
      await writeFile(join(dir, 'views', 'history.view.lkml'), 'view: history {}\n');
      await rm(join(dir, 'manifest.lkml'));
      await writeFile(join(dir, 'views', 'retired.view.lkml'), 'view: retired {}\n');
      const stale = await lookml('--check', '--dir', dir);
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /history\.view\.lkml is stale/);
      assert.match(stale.stderr, /manifest\.lkml is missing/);
      assert.match(stale.stderr, /retired\.view\.lkml is not generated/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('its SQL is GoogleSQL (ZetaSQL analyzer)', () => {
    const engine = new ZetaSql();
    after(() => engine.close());

    const ZETA_TYPE: Record<
      string,
      'INT64' | 'FLOAT64' | 'BOOL' | 'STRING' | 'DATE' | 'DATETIME' | 'TIMESTAMP'
    > = {
      INTEGER: 'INT64',
      FLOAT: 'FLOAT64',
      BOOLEAN: 'BOOL',
      STRING: 'STRING',
      DATE: 'DATE',
      DATETIME: 'DATETIME',
      TIMESTAMP: 'TIMESTAMP',
    };

    /** Every archived table in every dataset the manifest names, as `project.dataset.table`. */
    async function tables(project: Project): Promise<TableInput[]> {
      const datasets = [...project.constants]
        .filter(([name]) => name.startsWith('ARCHIVE_DATASET'))
        .map(([, value]) => value);
      const inputs: TableInput[] = [];
      for (const table of explores.keys()) {
        const columns = (await schema(table)).map(({ name, type }) => ({ name, type: ZETA_TYPE[type]! }));
        for (const dataset of datasets)
          inputs.push({ path: [`${project.constants.get('ARCHIVE_PROJECT')}.${dataset}.${table}`], columns });
      }
      return inputs;
    }

    const AGGREGATE: Record<string, (sql: string) => string> = {
      count: () => 'COUNT(*)',
      count_distinct: (sql) => `COUNT(DISTINCT ${sql})`,
      sum: (sql) => `SUM(${sql})`,
      average: (sql) => `AVG(${sql})`,
      max: (sql) => `MAX(${sql})`,
      min: (sql) => `MIN(${sql})`,
    };

    /** Per view, a query of every dimension and one of every measure; per explore, one joining all its views. */
    function statements(project: Project): [string, string][] {
      const statements: [string, string][] = [];
      for (const view of project.views.values()) {
        const from = `${expandSql(project, view.sqlTableName, view.name, view)} AS \`${view.name}\``;
        const fields = [...view.fields.values()];
        const dimensions = fields
          .filter((field) => field.kind !== 'measure')
          .map((field) => expandSql(project, field.sql!, view.name, view));
        const measures = fields
          .filter((field) => field.kind === 'measure')
          .map((field) =>
            AGGREGATE[field.type!]!(field.sql ? expandSql(project, field.sql, view.name, view) : ''),
          );
        statements.push([`view ${view.name} dimensions`, `SELECT ${dimensions.join(', ')} FROM ${from}`]);
        statements.push([`view ${view.name} measures`, `SELECT ${measures.join(', ')} FROM ${from}`]);
      }
      for (const model of project.models.values())
        for (const explore of model.explores.values()) {
          const views = exploreViews(project, explore);
          const base = views.get(explore.name)!;
          const joins = explore.joins.map((join) => {
            const view = views.get(join.name)!;
            return `LEFT JOIN ${expandSql(project, view.sqlTableName, join.name, view)} AS \`${join.name}\` ON ${expandSql(project, join.sqlOn, join.name, view, views)}`;
          });
          statements.push([
            `explore ${explore.name}`,
            `SELECT COUNT(*) FROM ${expandSql(project, base.sqlTableName, explore.name, base)} AS \`${explore.name}\` ${joins.join(' ')}`,
          ]);
        }
      return statements;
    }

    async function refused(project: Project, only = ''): Promise<string[]> {
      const inputs = await tables(project);
      const problems: string[] = [];
      for (const [what, sql] of statements(project).filter(([what]) => what.startsWith(only))) {
        // Only the tables the statement reads: the catalog is sent with every call.
        const read = new Set(sql.match(/`[^`\s]+\.\w+`/g)?.map((path) => path.slice(1, -1)));
        await engine
          .analyze(sql, { tables: inputs.filter(({ path }) => read.has(path[0]!)) })
          .catch((error: unknown) => {
            if (!(error instanceof ZetaSqlError) || error.kind !== 'invalid') throw error;
            problems.push(`${what}: ${error.message}\n  ${sql}`);
          });
      }
      return problems;
    }

    it('the committed project: every view field, measure and explore join', async () => {
      assert.deepEqual(await refused(project), []);
    });

    it('two instances: the views read a UNION ALL of both datasets, and that is GoogleSQL too', async () => {
      const two = await readProject(
        projectFiles([
          { name: 'prod', dataset: 'sa_prod' },
          { name: 'staging', dataset: 'sa_staging' },
        ]),
      );
      assert.equal(two.constants.get('ARCHIVE_DATASET_PROD'), 'sa_prod');
      assert.match(
        two.views.get('history')!.sqlTableName,
        /@\{ARCHIVE_DATASET_PROD\}\.history` UNION ALL SELECT .* FROM `@\{ARCHIVE_PROJECT\}\.@\{ARCHIVE_DATASET_STAGING\}\.history`/,
      );
      assert.deepEqual(await refused(two), []);
    });

    it('a fragment that is not GoogleSQL is refused (the check can fail)', async () => {
      const broken = await readProject(
        new Map(
          [...files].map(([path, text]) => [
            path,
            path.endsWith('history.view.lkml')
              ? text.replace('${TABLE}.`runtime` ;;', 'AVG(${TABLE}.`runtime` ;;')
              : text,
          ]),
        ),
      );
      const problems = await refused(broken, 'view history ');
      assert.equal(problems.length > 0, true);
      assert.match(problems.join('\n'), /view history/);
    });
  });
});
