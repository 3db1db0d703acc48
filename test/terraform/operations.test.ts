/**
 * How the deployment behaves on today's Google Cloud, checked without a cloud: the runtime, the
 * deadlines of a run, the Firestore choices, the operators' and the runtime account's grants, the
 * alerts and their log filters, and the run history sink and view. Computed values come from
 * the real `terraform console`; the structure from HashiCorp's HCL parser.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sqlParser from 'node-sql-parser';
import { parseConfig } from '../../src/config/index.js';
import { evaluate, exampleInputs, MODULE, type ConsoleResult } from './console.js';
import { parseModule, strings, blockOf, resourceOf, type HclBody, type ParsedModule } from './hcl.js';
import { functionEntry as entry, logFilterMatches } from './log-filter.js';

let tf: ParsedModule;
let example: Record<string, unknown>;
/** What Terraform computes for the example inputs (one console run: each takes a while). */
let defaults: {
  runtime: string;
  deadlines: Deadlines;
  firestore: FirestoreChoice;
  filters: { summary: string; failed: string; succeeded: string };
};

type Deadlines = { attempt: number; budget: number; timeout: number; margin: number; lease: number; env: Record<string, string> };
const DEADLINES =
  '{ attempt = var.scheduler_attempt_deadline_seconds, budget = var.run_budget_seconds, timeout = var.timeout_seconds, margin = local.deadline_margin_seconds, lease = local.lease_slack_seconds, env = local.function_environment }';
type FirestoreChoice = { database: string; location: string; create: boolean; env: string; condition: string };
const FIRESTORE =
  '{ database = local.firestore_database, location = local.firestore_location, create = var.firestore.create, env = local.function_environment.FIRESTORE_DATABASE, condition = local.firestore_condition }';

before(async () => {
  tf = await parseModule(MODULE);
  example = await exampleInputs();
  const filters = '{ summary = local.run_summary_filter, failed = local.failed_run_filter, succeeded = local.explore_succeeded_filter }';
  defaults = value(await evaluate(example, `{ runtime = var.runtime, deadlines = ${DEADLINES}, firestore = ${FIRESTORE}, filters = ${filters} }`)) as typeof defaults;
});

const resource = (address: string) => resourceOf(tf, address);
const block = blockOf;

function value(result: ConsoleResult): unknown {
  assert.ok(result.ok, `terraform refused the inputs:\n${result.ok ? '' : result.stderr}`);
  return result.value;
}

/** The validation messages Terraform prints for these inputs, by variable. */
async function refusals(inputs: Record<string, unknown>): Promise<Map<string, string[]>> {
  const result = await evaluate({ ...example, ...inputs }, 'var.region');
  assert.ok(!result.ok, `Terraform accepted ${JSON.stringify(inputs)}`);
  const byVariable = new Map<string, string[]>();
  for (const error of result.errors) byVariable.set(error.variable, [...(byVariable.get(error.variable) ?? []), error.message]);
  return byVariable;
}

describe('the runtime', () => {
  it('defaults to nodejs24 and accepts only the runtimes Cloud Functions still deploys', async () => {
    assert.equal(block(resource('google_cloudfunctions2_function.export'), 'build_config').runtime, '${var.runtime}');
    assert.equal(defaults.runtime, 'nodejs24');
    // One Terraform run judges independent inputs together.
    const refused = await refusals({ runtime: 'nodejs20', firestore: { database: '(default)' }, alert_notification_channels: ['ops@example.com'], stale_explore_hours: 12 });
    assert.deepEqual([...refused.keys()].sort(), ['alert_notification_channels', 'firestore', 'runtime', 'stale_explore_hours']);
    assert.match(refused.get('runtime')!.join(' '), /nodejs22 or nodejs24 \(nodejs20 is decommissioned/);
    // Creating (default) fails on a project that has one.
    assert.match(refused.get('firestore')!.join(' '), /set create = false; otherwise leave database unset/);
    assert.match(refused.get('alert_notification_channels')!.join(' '), /projects\/PROJECT\/notificationChannels\/ID/);
    assert.match(refused.get('stale_explore_hours')!.join(' '), /less than a day would alert between two daily runs/);
  });

  it('says in package.json that Node 22 and later run the code (the runtimes Cloud Functions deploys; CI tests on 24 and 22)', async () => {
    const pkg = JSON.parse(await readFile(join(MODULE, '..', 'package.json'), 'utf8')) as { engines: { node: string } };
    assert.equal(pkg.engines.node, '>=22');
  });
});

describe('the deadlines of a run', () => {

  /** The relations the module promises, checked on values Terraform computed. */
  function assertTied(d: Deadlines) {
    assert.ok(d.attempt <= 1800, `Cloud Scheduler's attempt deadline ${d.attempt} s is past its 30 min limit for HTTP targets`);
    assert.ok(d.budget <= d.attempt - d.margin, `budget ${d.budget} s leaves no ${d.margin} s before the ${d.attempt} s attempt deadline`);
    assert.ok(d.timeout >= d.budget + d.margin, `timeout ${d.timeout} s stops the window in flight after a ${d.budget} s budget`);
    assert.ok(d.timeout <= d.budget + d.lease, `timeout ${d.timeout} s outlives the lease of a ${d.budget} s budget`);
    assert.ok(d.timeout <= 3600, 'timeout past the 2nd gen HTTP limit');
    assert.ok(d.margin > 0);
    // The function reads the budget Terraform validated, and its config accepts it.
    assert.equal(parseConfig(d.env).runBudgetMs, d.budget * 1000);
  }

  it('ties the defaults: Scheduler waits 1800 s, a run stops starting windows at 1500 s, the function may run 2100 s', async () => {
    const d = defaults.deadlines;
    assert.deepEqual({ attempt: d.attempt, budget: d.budget, timeout: d.timeout, margin: d.margin }, { attempt: 1800, budget: 1500, timeout: 2100, margin: 300 });
    assertTied(d);
    const job = resource('google_cloud_scheduler_job.daily');
    assert.equal(job.attempt_deadline, '${var.scheduler_attempt_deadline_seconds}s');
    assert.equal(block(resource('google_cloudfunctions2_function.export'), 'service_config').timeout_seconds, '${var.timeout_seconds}');
  });

  it('accepts other deadlines that agree (and the other runtime)', async () => {
    for (const inputs of [
      { scheduler_attempt_deadline_seconds: 900, run_budget_seconds: 600, timeout_seconds: 1200, runtime: 'nodejs22' },
      { run_budget_seconds: 1200, timeout_seconds: 1500 },
      { run_budget_seconds: 1500, timeout_seconds: 1800 },
    ]) {
      assertTied(value(await evaluate({ ...example, ...inputs }, DEADLINES)) as Deadlines);
    }
  });

  it('refuses deadlines that disagree, saying which bound and why', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ scheduler_attempt_deadline_seconds: 3600 }, 'scheduler_attempt_deadline_seconds', /between 15 and 1800: Cloud Scheduler waits at most 30 minutes/],
      // The old default: a 3300 s budget that Scheduler never waits for.
      [{ run_budget_seconds: 3300, timeout_seconds: 3600 }, 'run_budget_seconds', /run_budget_seconds \(3300\) must be at most scheduler_attempt_deadline_seconds minus 300 \(1500\)/],
      [{ scheduler_attempt_deadline_seconds: 900 }, 'run_budget_seconds', /must be at most scheduler_attempt_deadline_seconds minus 300 \(600\)/],
      [{ timeout_seconds: 1700 }, 'timeout_seconds', /timeout_seconds \(1700\) must be at least run_budget_seconds plus 300 \(1800\)/],
      [{ timeout_seconds: 3600 }, 'timeout_seconds', /must be at most run_budget_seconds plus 600 \(2100\): a run's Firestore lease/],
      [{ timeout_seconds: 5400 }, 'timeout_seconds', /the 2nd gen limit for HTTP functions/],
    ];
    for (const [inputs, variable, message] of cases) {
      const refused = await refusals(inputs);
      assert.deepEqual([...refused.keys()], [variable], `${JSON.stringify(inputs)}: ${JSON.stringify([...refused])}`);
      assert.match(refused.get(variable)!.join(' | '), message);
    }
  });
});

describe('Firestore', () => {
  it('creates a Native-mode database of its own by default: right for a project with none, a Native or a Datastore-mode (default)', () => {
    assert.deepEqual(defaults.firestore, {
      database: 'looker-activity-export',
      location: example.region,
      create: true,
      env: 'looker-activity-export',
      condition: `resource.name == "projects/${String(example.project_id)}/databases/looker-activity-export"`,
    });
    assert.equal(resource('google_firestore_database.state').type, 'FIRESTORE_NATIVE');
  });

  it('uses an existing database, the Native-mode (default) or a named one, when told not to create it', async () => {
    const existingDefault = value(await evaluate({ ...example, firestore: { database: '(default)', create: false } }, FIRESTORE)) as FirestoreChoice;
    assert.equal(existingDefault.create, false);
    assert.equal(existingDefault.env, '(default)');
    assert.equal(existingDefault.condition, `resource.name == "projects/${String(example.project_id)}/databases/(default)"`);
    const named = value(await evaluate({ ...example, firestore: { database: 'audit-state', create: false } }, FIRESTORE)) as FirestoreChoice;
    assert.deepEqual([named.create, named.env], [false, 'audit-state']);
  });
});

describe('who may do what', () => {
  it('lets operators read the function and call it, on that function alone, and nothing else', () => {
    const operatorGrants = [...tf.resources].filter(([, body]) => body.member === '${each.value}' && body.for_each === '${toset(var.invoker_members)}');
    assert.deepEqual(operatorGrants.map(([address, body]) => `${address.split('.')[0]} ${String(body.role)}`).sort(), [
      'google_cloud_run_service_iam_member roles/run.invoker',
      // roles/cloudfunctions.viewer: cloudfunctions.functions.get, which gcloud functions call needs first.
      'google_cloudfunctions2_function_iam_member roles/cloudfunctions.viewer',
    ]);
    const viewer = resource('google_cloudfunctions2_function_iam_member.operators_read_function');
    assert.equal(viewer.cloud_function, '${google_cloudfunctions2_function.export.name}');
    assert.equal(viewer.location, '${var.region}');
    assert.equal(viewer.project, '${var.project_id}');
    // Nothing else names the operators.
    const named = [...tf.resources].filter(([, body]) => [...strings(body)].some((s) => s.includes('var.invoker_members')));
    assert.deepEqual(named.map(([address]) => address).sort(), operatorGrants.map(([address]) => address).sort());
  });

  it('keeps the function’s source out of the runtime account’s reach and its Firestore role on its database', () => {
    const runtime = '${google_service_account.runtime.member}';
    const runtimeGrants = [...tf.resources].filter(([, body]) => body.member === runtime);
    for (const [address, body] of runtimeGrants) {
      assert.ok(![...strings(body)].some((s) => s.includes('google_storage_bucket.source')), `${address} grants the runtime account on the source bucket`);
    }
    assert.equal(resource('google_storage_bucket_iam_member.runtime_stages_objects').bucket, '${google_storage_bucket.staging.name}');
    assert.notEqual(resource('google_storage_bucket.source').name, resource('google_storage_bucket.staging').name);
    const firestore = resource('google_project_iam_member.runtime_uses_firestore_database');
    assert.equal(firestore.role, 'roles/datastore.user');
    assert.equal(block(firestore, 'condition').expression, '${local.firestore_condition}');
  });
});

describe('alerts', () => {
  const filters = () => defaults.filters;

  it('counts failed runs from the run summary line, and alerts on any', () => {
    const runEnd = (status: string, severity: string) => entry({ message: `export run ${status}`, severity, status, rows: 10, durationMs: 1200, summary: {} });
    assert.equal(logFilterMatches(filters().failed, runEnd('failed', 'ERROR')), true);
    assert.equal(logFilterMatches(filters().failed, runEnd('succeeded', 'INFO')), false);
    assert.equal(logFilterMatches(filters().failed, runEnd('partial', 'INFO')), false);
    assert.equal(logFilterMatches(filters().failed, entry({ message: 'export run failed' }, 'another-function')), false, 'another function of the project');
    const metric = resource('google_logging_metric.failed_runs');
    assert.equal(metric.filter, '${local.failed_run_filter}');
    assert.deepEqual(
      (({ metric_kind, value_type }) => ({ metric_kind, value_type }))(block(metric, 'metric_descriptor')),
      { metric_kind: 'DELTA', value_type: 'INT64' },
    );
    const policy = resource('google_monitoring_alert_policy.failed_run');
    assert.equal(policy.notification_channels, '${var.alert_notification_channels}');
    const condition = block(block(policy, 'conditions'), 'condition_threshold');
    assert.equal(condition.filter, 'metric.type="logging.googleapis.com/user/${google_logging_metric.failed_runs.name}" AND resource.type="cloud_run_revision"');
    assert.deepEqual([condition.comparison, condition.threshold_value, condition.duration], ['COMPARISON_GT', 0, '0s']);
  });

  it('counts the explores that succeeded, labelled by explore and instance', () => {
    const finished = (status: string) => entry({ message: 'explore finished', explore: 'history', instance: 'acme', status, rows: 5 });
    assert.equal(logFilterMatches(filters().succeeded, finished('succeeded')), true);
    assert.equal(logFilterMatches(filters().succeeded, finished('failed')), false);
    assert.equal(logFilterMatches(filters().succeeded, finished('partial')), false);
    assert.equal(logFilterMatches(filters().succeeded, entry({ message: 'export run succeeded', status: 'succeeded' })), false);
    const metric = resource('google_logging_metric.explore_succeeded');
    assert.equal(metric.filter, '${local.explore_succeeded_filter}');
    assert.deepEqual(metric.label_extractors, { explore: 'EXTRACT(jsonPayload.explore)', looker_instance: 'EXTRACT(jsonPayload.instance)' });
    const labels = block(metric, 'metric_descriptor').labels as HclBody[];
    assert.deepEqual(labels.map((l) => l.key).sort(), ['explore', 'looker_instance']);
  });

  it('alerts for each exported explore of each instance with no success in 36 hours', async () => {
    const channel = 'projects/acme-analytics/notificationChannels/123';
    const inputs = {
      ...example,
      looker_instances: { prod: { base_url: 'https://prod.looker.com' }, eu: { base_url: 'https://eu.looker.com' } },
      explores: ['history', 'user'],
      alert_notification_channels: [channel],
    };
    const { query, metric, channels } = value(
      await evaluate(inputs, '{ query = local.stale_explores_query, metric = local.explore_succeeded_metric, channels = var.alert_notification_channels }'),
    ) as { query: string; metric: string; channels: string[] };
    // A channel name is accepted (a wrong one is refused in the runtime spec above).
    assert.deepEqual(channels, [channel]);
    const terms = query.split(' or ');
    const expected = ['eu/history', 'eu/user', 'prod/history', 'prod/user'];
    assert.equal(terms.length, expected.length);
    const seen = terms.map((term) => {
      const m = /^absent_over_time\(([\w:]+)\{([^}]*)\}\[(\d+)h\]\)$/.exec(term);
      assert.ok(m, `${term} is not absent_over_time(metric{labels}[Nh])`);
      // Cloud Monitoring's PromQL name of the user log-based metric.
      assert.equal(m[1], `logging_googleapis_com:user_${metric.replace(/[^A-Za-z0-9_]/g, '_')}`);
      assert.equal(m[3], '36');
      const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      assert.equal(labels.monitored_resource, 'cloud_run_revision');
      assert.equal(labels.service_name, 'looker-activity-export');
      return `${labels.looker_instance}/${labels.explore}`;
    });
    assert.deepEqual(seen.sort(), expected);
    const hours = value(await evaluate({ ...inputs, explores: ['history'], looker_instances: { prod: { base_url: 'https://prod.looker.com' } }, stale_explore_hours: 48 }, 'local.stale_explores_query'));
    assert.match(String(hours), /\[48h\]\)$/);
    const condition = block(block(resource('google_monitoring_alert_policy.stale_explore'), 'conditions'), 'condition_prometheus_query_language');
    assert.equal(condition.query, '${local.stale_explores_query}');
    assert.equal(resource('google_monitoring_alert_policy.stale_explore').notification_channels, '${var.alert_notification_channels}');
  });
});

describe('run history in BigQuery', () => {
  it('routes every run summary, and only those, to a dataset of its own in partitioned tables', () => {
    const filter = defaults.filters.summary;
    for (const status of ['succeeded', 'partial', 'failed']) assert.equal(logFilterMatches(filter, entry({ message: `export run ${status}`, status })), true, status);
    for (const message of ['export run started', 'explore finished', 'extract progress']) assert.equal(logFilterMatches(filter, entry({ message })), false, message);
    const sink = resource('google_logging_project_sink.run_history');
    assert.equal(sink.filter, '${local.run_summary_filter}');
    assert.equal(sink.destination, 'bigquery.googleapis.com/projects/${var.project_id}/datasets/${google_bigquery_dataset.run_history.dataset_id}');
    assert.equal(sink.unique_writer_identity, true);
    assert.equal(block(sink, 'bigquery_options').use_partitioned_tables, true);
  });

  it('lets the sink write to that dataset and nowhere else', () => {
    const writer = '${google_logging_project_sink.run_history.writer_identity}';
    const grants = [...tf.resources].filter(([, body]) => body.member === writer);
    assert.deepEqual(
      grants.map(([address, body]) => `${address} ${String(body.role)} ${String(body.dataset_id)}`),
      ['google_bigquery_dataset_iam_member.run_history_sink_writes roles/bigquery.dataEditor ${google_bigquery_dataset.run_history.dataset_id}'],
    );
  });

  it('has a runs_per_day view that reads only the sink’s table and the run summary fields as Logging names them', async () => {
    const view = resource('google_bigquery_table.runs_per_day');
    assert.equal(view.count, '${var.create_run_history_view ? 1 : 0}', 'created once the sink has made its table');
    assert.equal(tf.locals.get('run_history_table'), 'run_googleapis_com_stdout');
    const query = String(block(view, 'view').query);
    assert.match(query, /templatefile\("\$\{path\.module\}\/run-history\/runs_per_day\.sql", \{ project = var\.project_id, dataset = [^,]+, table = local\.run_history_table \}\)/);
    const template = await readFile(join(MODULE, 'run-history/runs_per_day.sql'), 'utf8');
    const sql = template.replaceAll('${project}', 'example-project-1').replaceAll('${dataset}', 'runs').replaceAll('${table}', 'run_googleapis_com_stdout');
    assert.doesNotMatch(sql, /\$\{/, 'the template uses only project, dataset and table');
    const parser = new sqlParser.Parser();
    assert.deepEqual(parser.tableList(sql, { database: 'bigquery' }), ['select::null::example-project-1.runs.run_googleapis_com_stdout']);
    const ast = parser.astify(sql, { database: 'bigquery' }) as unknown as { columns: { as: string }[] };
    assert.deepEqual(
      ast.columns.map((c) => c.as),
      ['day', 'status', 'run_count', 'rows_loaded', 'avg_duration_seconds', 'max_duration_seconds', 'first_run_time', 'last_run_time'],
    );
    // jsonPayload fields, lower-cased as Logging writes them, among those the run summary has.
    const fields = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const ref = node as { type?: string; column?: string; subFields?: string[] };
        if (ref.type === 'column_ref' && ref.column === 'jsonPayload') fields.add((ref.subFields ?? []).join('.'));
        Object.values(node).forEach(visit);
      }
    };
    visit(ast);
    assert.deepEqual([...fields].sort(), ['durationms', 'message', 'rows', 'status']);
  });
});
