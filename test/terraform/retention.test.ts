/**
 * The alert that fires before Looker forgets rows the archive does not hold yet: one PromQL
 * condition per exported incremental explore of each instance with no success in
 * `retention_alert_days`, whose default and bound are the code's (src/explores/retention.ts).
 * Computed values come from the real `terraform console`; the structure from HashiCorp's HCL
 * parser; the arguments from the google provider's schema (@cdktf/provider-google).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { explores } from '../../src/explores/index.js';
import { RETENTION_ALERT_DAYS, SHORTEST_MUST_SUCCEED_DAYS } from '../../src/explores/retention.js';
import { evaluate, exampleInputs, MODULE, type ConsoleResult } from './console.js';
import { blockOf as block, parseModule, resourceOf, type ParsedModule } from './hcl.js';
import { checkBody, resourceSchema } from './provider-schema.js';

let tf: ParsedModule;
let example: Record<string, unknown>;

before(async () => {
  tf = await parseModule(MODULE);
  example = await exampleInputs();
});

function value(result: ConsoleResult): unknown {
  assert.ok(result.ok, `terraform refused the inputs:\n${result.ok ? '' : result.stderr}`);
  return result.value;
}

const QUERY = '{ query = local.retention_explores_query, metric = local.explore_succeeded_metric, days = var.retention_alert_days }';
type Computed = { query: string; metric: string; days: number };

/** Each term of the query: the instance and explore it watches, and its range in hours. */
function terms(computed: Computed): { instance: string; explore: string; hours: number; service: string }[] {
  if (computed.query === '') return [];
  return computed.query.split(' or ').map((term) => {
    const m = /^absent_over_time\(([\w:]+)\{([^}]*)\}\[(\d+)h\]\)$/.exec(term);
    assert.ok(m, `${term} is not absent_over_time(metric{labels}[Nh])`);
    // Cloud Monitoring's PromQL name of the user log-based metric.
    assert.equal(m[1], `logging_googleapis_com:user_${computed.metric.replace(/[^A-Za-z0-9_]/g, '_')}`);
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)(=~?)"([^"]*)"/g)].map((l) => [l[1], l[3]]));
    assert.equal(labels.monitored_resource, 'cloud_run_revision');
    return { instance: labels.looker_instance!, explore: labels.explore!, hours: Number(m[3]), service: labels.service_name! };
  });
}

describe('the retention alert', () => {
  it('watches every exported incremental explore of every instance for the default 3 days, and no snapshot table', async () => {
    const inputs = {
      ...example,
      looker_instances: { prod: { base_url: 'https://prod.looker.com' }, eu: { base_url: 'https://eu.looker.com' } },
      explores: ['history', 'user', 'event', 'dashboard'],
    };
    const computed = value(await evaluate(inputs, QUERY)) as Computed;
    assert.equal(computed.days, RETENTION_ALERT_DAYS);
    assert.equal(RETENTION_ALERT_DAYS, 3);
    const seen = terms(computed);
    assert.deepEqual(seen.map((t) => `${t.instance}/${t.explore}`).sort(), ['eu/event', 'eu/history', 'prod/event', 'prod/history']);
    for (const term of seen) {
      assert.equal(term.hours, 72);
      assert.equal(term.service, 'looker-activity-export');
    }
    // Fan-out mode: the task function logs the explores it exports, so both services count.
    const fanOut = terms(value(await evaluate({ ...inputs, fan_out: true }, QUERY)) as Computed);
    assert.deepEqual(new Set(fanOut.map((t) => t.service)), new Set(['looker-activity-export|looker-activity-export-task']));
  });

  it('tells incremental tables from snapshots as the registry does, and has no query when only snapshots are exported', async () => {
    // Every registered table (the example exports all): exactly the incremental ones are watched.
    const all = terms(value(await evaluate(example, QUERY)) as Computed);
    const incremental = [...explores.values()].filter((e) => e.mode === 'incremental').map((e) => e.name);
    assert.deepEqual(all.map((t) => t.explore).sort(), incremental.sort());
    const snapshots = value(await evaluate({ ...example, explores: ['user', 'dashboard'], retention_alert_days: 5 }, QUERY)) as Computed;
    assert.equal(snapshots.query, '');
    // The policy exists only when there is something to watch (an empty PromQL query is refused).
    assert.equal(resourceOf(tf, 'google_monitoring_alert_policy.retention').count, '${local.retention_explores_query != "" ? 1 : 0}');
  });

  it('takes another number of days up to what Looker’s shortest retention allows, and refuses more or less', async () => {
    const six = value(await evaluate({ ...example, explores: ['history'], retention_alert_days: SHORTEST_MUST_SUCCEED_DAYS }, QUERY)) as Computed;
    assert.deepEqual(
      terms(six).map((t) => t.hours),
      [SHORTEST_MUST_SUCCEED_DAYS * 24],
    );
    for (const days of [SHORTEST_MUST_SUCCEED_DAYS + 1, 1, 2.5]) {
      const result = await evaluate({ ...example, retention_alert_days: days }, 'var.region');
      assert.ok(!result.ok, `Terraform accepted retention_alert_days = ${days}`);
      assert.deepEqual(
        result.errors.map((e) => e.variable),
        ['retention_alert_days'],
      );
      assert.match(result.errors[0]!.message, /between 2 and 6: after 6 days without a successful run Looker has deleted scheduled-task history/);
    }
  });

  it('is a CRITICAL PromQL policy on that query, notifying the alert channels, in the provider’s schema', async () => {
    const policy = resourceOf(tf, 'google_monitoring_alert_policy.retention');
    const schema = (await resourceSchema('google_monitoring_alert_policy'))!;
    assert.deepEqual(checkBody(policy, schema), []);
    const docs = await readFile(join(dirname(createRequire(import.meta.url).resolve('@cdktf/provider-google/package.json')), 'lib/monitoring-alert-policy/index.d.ts'), 'utf8');
    // The values the provider accepts, from the doc comment of the config's severity argument.
    const severities = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*readonly severity\?: string;/.exec(docs)?.[1]?.match(/Possible values: (\[[^\]]*\])/);
    assert.ok(severities, 'the provider documents no severity values');
    assert.deepEqual(JSON.parse(severities[1]!), ['CRITICAL', 'ERROR', 'WARNING']);
    assert.equal(policy.severity, 'CRITICAL');
    assert.equal(policy.notification_channels, '${var.alert_notification_channels}');
    const condition = block(block(policy, 'conditions'), 'condition_prometheus_query_language');
    assert.equal(condition.query, '${local.retention_explores_query}');
    assert.equal(condition.disable_metric_validation, true, 'the policy must exist before the first success');
    assert.deepEqual(policy.depends_on, ['${google_logging_metric.explore_succeeded}']);
    // It counts the same success entries as the stale-explore policy, per explore and instance.
    assert.match(String(tf.locals.get('retention_explores_query')), /local\.explore_succeeded_promql/);
  });
});
