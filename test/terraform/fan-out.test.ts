/**
 * Fan-out mode (fan_out = true): one Cloud Tasks queue per Looker instance, the task function,
 * the account Cloud Tasks signs its calls as, and their grants. Computed values come from the
 * real `terraform console` and are judged by the code's own config parser and queueIdOf; the
 * structure from HashiCorp's HCL parser.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseConfig, queueIdOf } from '../../src/config/index.js';
import { evaluate, exampleInputs, MODULE, type ConsoleResult } from './console.js';
import { blockOf, parseModule, resourceOf, strings, type HclBody, type ParsedModule } from './hcl.js';
import { functionEntry, logFilterMatches } from './log-filter.js';

let tf: ParsedModule;
let example: Record<string, unknown>;

/** What Terraform computes, read in one console run per set of inputs (each takes ~1 s). */
const COMPUTED =
  '{ env = local.function_environment, queues = local.task_queues, max_instances = local.task_max_instances, function_name = local.task_function_name, account_id = local.tasks_account_id, dropped = local.dropped_task_filter, logs = local.function_logs, stale = local.stale_explores_query, summary = local.run_summary_filter }';
interface Computed {
  env: Record<string, string>;
  queues: Record<string, { queue_id: string; max_concurrent_dispatches: number }>;
  max_instances: number;
  function_name: string;
  account_id: string;
  dropped: string;
  logs: string;
  stale: string;
  summary: string;
}
/** fan_out with every default. */
let defaults: Computed;
/** fan_out with Elite System Activity, three instances (one name with _), overrides and budgets. */
let elite: Computed;

const ELITE_INSTANCES = {
  prod: { base_url: 'https://prod.cloud.looker.com', max_concurrent_queries: 3, monthly_query_budget: 900 },
  eu_staging: { base_url: 'https://staging.eu.looker.com' },
  'sand-box': { base_url: 'https://sandbox.looker.com', monthly_query_budget: 0 },
};

before(async () => {
  tf = await parseModule(MODULE);
  example = await exampleInputs();
  [defaults, elite] = (await Promise.all([
    evaluate({ ...example, fan_out: true }, COMPUTED),
    evaluate(
      {
        ...example,
        fan_out: true,
        elite_system_activity: true,
        looker_max_concurrent_queries: 2,
        looker_monthly_query_budget: 5000,
        looker_instances: ELITE_INSTANCES,
        explores: ['history', 'user'],
      },
      COMPUTED,
    ),
  ]).then((results) => results.map(value))) as [Computed, Computed];
});

function value(result: ConsoleResult): unknown {
  assert.ok(result.ok, `terraform refused the inputs:\n${result.ok ? '' : result.stderr}`);
  return result.value;
}

const resource = (address: string) => resourceOf(tf, address);
const block = blockOf;
const project = () => String(example.project_id);

describe('the fan-out environment', () => {
  it('is accepted by the code’s config parser, and names the queues, the task URL and the account Terraform creates', () => {
    const config = parseConfig(defaults.env);
    assert.deepEqual(config.tasks, {
      location: `projects/${project()}/locations/${String(example.region)}`,
      // The gen2 function's cloudfunctions.net URL, known before apply (tasks.tf checks it after).
      handlerUrl: `https://${String(example.region)}-${project()}.cloudfunctions.net/looker-activity-export-task`,
      serviceAccount: `looker-activity-export-tasks@${project()}.iam.gserviceaccount.com`,
      dispatchDeadlineMs: 1800_000,
      apiEndpoint: undefined,
    });
    assert.equal(defaults.function_name, 'looker-activity-export-task');
    assert.equal(config.tasks!.serviceAccount, `${defaults.account_id}@${project()}.iam.gserviceaccount.com`);
    for (const instance of config.instances) {
      assert.equal(instance.queue, `${config.tasks!.location}/queues/${defaults.queues[instance.name]!.queue_id}`, instance.name);
    }
  });

  it('names each instance’s queue as the code does (queueIdOf), characters a queue ID cannot hold included', () => {
    const config = parseConfig(elite.env);
    const prefix = elite.env.TASKS_QUEUE_PREFIX!;
    assert.equal(prefix, 'looker-activity-export');
    assert.deepEqual(Object.keys(elite.queues).sort(), Object.keys(ELITE_INSTANCES).sort());
    for (const instance of config.instances) {
      assert.equal(elite.queues[instance.name]!.queue_id, queueIdOf(prefix, instance.name), instance.name);
      assert.equal(instance.queue, `${config.tasks!.location}/queues/${queueIdOf(prefix, instance.name)}`);
    }
    // The case that needs the replacement: _ is not allowed in a queue ID.
    assert.equal(elite.queues.eu_staging!.queue_id, 'looker-activity-export-eu-staging');
    for (const { queue_id } of Object.values(elite.queues)) assert.match(queue_id, /^[A-Za-z0-9-]{1,100}$/);
  });

  it('passes each instance’s monthly query budget, and the module’s for the others', () => {
    const budgets = Object.fromEntries(parseConfig(elite.env).instances.map((i) => [i.name, i.monthlyQueryBudget]));
    // 0 set on an instance is its own (no limit), not the module's.
    assert.deepEqual(budgets, { prod: 900, eu_staging: 5000, 'sand-box': 0 });
    const listed = JSON.parse(elite.env.LOOKER_INSTANCES!) as Record<string, unknown>[];
    assert.equal(listed.find((i) => i.name === 'eu_staging')!.monthlyQueryBudget, undefined, 'unset, not null: the code takes a number or nothing');
  });

  it('turns fan-out off with empty TASKS_ variables, which the code reads as single-call mode', async () => {
    const env = value(await evaluate(example, 'local.function_environment')) as Record<string, string>;
    for (const name of ['TASKS_QUEUE_PREFIX', 'TASKS_LOCATION', 'TASK_HANDLER_URL', 'TASKS_SERVICE_ACCOUNT']) assert.equal(env[name], '', name);
    const config = parseConfig(env);
    assert.equal(config.tasks, undefined);
    assert.equal(config.instances[0]!.queue, undefined);
  });
});

describe('the queues', () => {
  it('dispatch one task of an instance at a time by default, K with Elite System Activity, and the task function scales to all of them', () => {
    assert.deepEqual(Object.values(defaults.queues).map((q) => q.max_concurrent_dispatches), [1]);
    assert.equal(defaults.max_instances, 1);
    assert.deepEqual(Object.fromEntries(Object.entries(elite.queues).map(([name, q]) => [name, q.max_concurrent_dispatches])), { prod: 3, eu_staging: 2, 'sand-box': 2 });
    assert.equal(elite.max_instances, 7);
  });

  it('are created per instance with their rate limit, retries and every attempt logged, after the API', () => {
    const queue = resource('google_cloud_tasks_queue.instance');
    assert.equal(queue.for_each, '${local.task_queues}');
    assert.equal(queue.name, '${each.value.queue_id}');
    assert.equal(queue.location, '${var.region}');
    assert.equal(queue.project, '${var.project_id}');
    const rate = block(queue, 'rate_limits');
    assert.equal(rate.max_concurrent_dispatches, '${each.value.max_concurrent_dispatches}');
    assert.ok(typeof rate.max_dispatches_per_second === 'number' && rate.max_dispatches_per_second <= 1, 'new tasks reach Looker spread out');
    const retry = block(queue, 'retry_config');
    assert.deepEqual([retry.max_attempts, retry.min_backoff, retry.max_backoff], ['${var.task_max_attempts}', '${var.task_min_backoff_seconds}s', '${var.task_max_backoff_seconds}s']);
    assert.ok(retry.max_doublings !== undefined && retry.max_retry_duration !== undefined);
    assert.equal(block(queue, 'stackdriver_logging_config').sampling_ratio, 1);
    assert.ok(String(queue.depends_on).includes('google_project_service.required'));
    assert.ok((tf.locals.get('services') as string[]).includes('cloudtasks.googleapis.com'));
    assert.deepEqual(
      [tf.variables.get('fan_out')!.default, tf.variables.get('looker_max_concurrent_queries')!.default, tf.variables.get('task_dispatch_deadline_seconds')!.default],
      [false, 1, 1800],
    );
  });
});

describe('the task function', () => {
  it('is the same code, runtime, account and environment as the export function, with its own entry point', () => {
    const task = resource('google_cloudfunctions2_function.task');
    const exporter = resource('google_cloudfunctions2_function.export');
    assert.equal(task.count, '${var.fan_out ? 1 : 0}');
    assert.equal(task.name, '${local.task_function_name}');
    const { entry_point: taskEntry, ...taskBuild } = block(task, 'build_config');
    const { entry_point: exportEntry, ...exportBuild } = block(exporter, 'build_config');
    assert.deepEqual([taskEntry, exportEntry], ['exportSystemActivityTask', 'exportSystemActivity']);
    assert.deepEqual(taskBuild, exportBuild, 'the same zip, runtime and build account');
    const service = block(task, 'service_config');
    const exportService = block(exporter, 'service_config');
    for (const field of ['available_memory', 'service_account_email', 'environment_variables', 'all_traffic_on_latest_revision']) {
      assert.deepEqual(service[field], exportService[field], field);
    }
    assert.equal(service.environment_variables, '${local.function_environment}');
  });

  it('runs one task per instance until the dispatch deadline, behind internal ingress, and checks the URL its tasks are sent to', () => {
    const task = resource('google_cloudfunctions2_function.task');
    const service = block(task, 'service_config');
    assert.equal(service.timeout_seconds, '${var.task_dispatch_deadline_seconds}');
    assert.equal(service.max_instance_request_concurrency, 1);
    assert.equal(service.max_instance_count, '${local.task_max_instances}');
    assert.equal(service.ingress_settings, '${var.task_ingress_settings}');
    assert.equal(tf.variables.get('task_ingress_settings')!.default, 'ALLOW_INTERNAL_ONLY');
    const postcondition = block(block(task, 'lifecycle'), 'postcondition');
    assert.equal(postcondition.condition, '${self.url == local.task_handler_url}');
    assert.equal((tf.locals.get('function_environment') as Record<string, string>).TASK_HANDLER_URL, '${var.fan_out ? local.task_handler_url : ""}');
  });
});

describe('who may do what in fan-out mode', () => {
  it('grants exactly: the runtime account enqueues on each queue and acts as the tasks account; the tasks account invokes the task function', () => {
    const runtime = '${google_service_account.runtime.member}';
    const tasks = '${google_service_account.tasks[0].member}';
    const grants = [...tf.resources]
      .filter(([, body]) => /tasks|task\[/.test([...strings(body)].join(' ')) && 'role' in body)
      .map(([address, body]) => `${address} ${String(body.role)} ${String(body.member)}`)
      .sort();
    assert.deepEqual(grants, [
      `google_cloud_run_service_iam_member.tasks_call_task_function roles/run.invoker ${tasks}`,
      `google_cloud_tasks_queue_iam_member.runtime_enqueues_tasks roles/cloudtasks.enqueuer ${runtime}`,
      `google_service_account_iam_member.runtime_acts_as_tasks_account roles/iam.serviceAccountUser ${runtime}`,
    ]);
    const enqueue = resource('google_cloud_tasks_queue_iam_member.runtime_enqueues_tasks');
    assert.deepEqual([enqueue.for_each, enqueue.name, enqueue.location], ['${google_cloud_tasks_queue.instance}', '${each.value.name}', '${each.value.location}']);
    // actAs on the one account, not on the project.
    assert.equal(resource('google_service_account_iam_member.runtime_acts_as_tasks_account').service_account_id, '${google_service_account.tasks[0].name}');
    const invoke = resource('google_cloud_run_service_iam_member.tasks_call_task_function');
    assert.equal(invoke.service, '${google_cloudfunctions2_function.task[0].service_config[0].service}');
    // Nobody else is granted anything on the task function, and the tasks account nothing else.
    const onTaskFunction = [...tf.resources].filter(([, body]) => 'role' in body && [...strings(body)].some((s) => s.includes('google_cloudfunctions2_function.task')));
    assert.deepEqual(onTaskFunction.map(([address]) => address), ['google_cloud_run_service_iam_member.tasks_call_task_function']);
    const ofTasksAccount = [...tf.resources].filter(([, body]) => body.member === tasks);
    assert.deepEqual(ofTasksAccount.map(([address]) => address), ['google_cloud_run_service_iam_member.tasks_call_task_function']);
    // No project-level Cloud Tasks or service account role.
    for (const [address, body] of tf.resources) {
      if (address.startsWith('google_project_iam_member.')) assert.doesNotMatch(String(body.role), /cloudtasks|iam\.serviceAccount/, address);
    }
  });

  it('creates the tasks account as the environment names it, within the 30 characters of an account ID', async () => {
    const account = resource('google_service_account.tasks');
    assert.equal(account.count, '${var.fan_out ? 1 : 0}');
    assert.equal(account.account_id, '${local.tasks_account_id}');
    const longest = 'a'.repeat(41) + 'z';
    const { id, env } = value(await evaluate({ ...example, name: longest, fan_out: true }, '{ id = local.tasks_account_id, env = local.function_environment }')) as { id: string; env: Record<string, string> };
    assert.match(id, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'Google’s account ID rule');
    assert.equal(parseConfig(env).tasks!.serviceAccount, `${id}@${project()}.iam.gserviceaccount.com`);
    assert.equal(new URL(parseConfig(env).tasks!.handlerUrl).pathname, `/${longest}-task`);
  });
});

describe('validation of the fan-out inputs', () => {
  /** The validation messages Terraform prints for these inputs, by variable. */
  async function refusals(inputs: Record<string, unknown>): Promise<Map<string, string>> {
    const result = await evaluate({ ...example, ...inputs }, 'var.region');
    assert.ok(!result.ok, `Terraform accepted ${JSON.stringify(inputs)}`);
    const byVariable = new Map<string, string>();
    for (const error of result.errors) byVariable.set(error.variable, `${byVariable.get(error.variable) ?? ''} | ${error.message}`);
    return byVariable;
  }

  it('refuses more than one concurrent query without Elite System Activity, deadlines that disagree and the other mistakes, saying why', async () => {
    const rounds: [Record<string, unknown>, Record<string, RegExp>][] = [
      [
        {
          fan_out: true,
          looker_max_concurrent_queries: 2,
          run_budget_seconds: 1200,
          timeout_seconds: 1500,
          task_dispatch_deadline_seconds: 1400,
          task_min_backoff_seconds: 600,
          task_max_backoff_seconds: 300,
          looker_monthly_query_budget: -1,
          task_ingress_settings: 'INTERNAL',
        },
        {
          looker_max_concurrent_queries: /above 1 needs elite_system_activity = true: outside Elite System Activity Looker runs one System Activity query at a time/,
          task_dispatch_deadline_seconds: /run_budget_seconds \(1200\) must be at most task_dispatch_deadline_seconds minus 300 \(1100\) in fan-out mode/,
          task_max_backoff_seconds: /must be at least task_min_backoff_seconds \(600\)/,
          looker_monthly_query_budget: /between 0 \(no limit\) and 1000000000/,
          task_ingress_settings: /ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB/,
        },
      ],
      [
        {
          fan_out: true,
          looker_instances: { acme: { base_url: 'https://acme.cloud.looker.com', max_concurrent_queries: 2, monthly_query_budget: 1.5 } },
          run_budget_seconds: 1000,
          timeout_seconds: 1300,
          task_max_attempts: 0,
        },
        {
          looker_instances: /max_concurrent_queries above 1 needs elite_system_activity = true[\s\S]*monthly_query_budget must be a whole number/,
          task_dispatch_deadline_seconds: /task_dispatch_deadline_seconds \(1800\) must be at most run_budget_seconds plus 600 \(1600\) in fan-out mode: it is the task function's timeout/,
          task_max_attempts: /between 1 and 100/,
        },
      ],
      [{ task_dispatch_deadline_seconds: 3600 }, { task_dispatch_deadline_seconds: /between 15 and 1800: Cloud Tasks waits at most 30 minutes/ }],
    ];
    for (const [inputs, expected] of rounds) {
      const refused = await refusals(inputs);
      assert.deepEqual([...refused.keys()].sort(), Object.keys(expected).sort(), `${JSON.stringify(inputs)}: ${JSON.stringify([...refused])}`);
      for (const [variable, message] of Object.entries(expected)) assert.match(refused.get(variable)!, message, variable);
    }
  });

  it('accepts K above 1 with Elite System Activity, and a short dispatch deadline while fan-out is off', async () => {
    for (const inputs of [
      { fan_out: true, elite_system_activity: true, looker_max_concurrent_queries: 8 },
      { fan_out: true, looker_instances: { acme: { base_url: 'https://acme.cloud.looker.com', max_concurrent_queries: 1, monthly_query_budget: 950 } } },
      // Single-call mode does not use the deadline: the code checks it only in fan-out mode.
      { task_dispatch_deadline_seconds: 600 },
      { fan_out: true, run_budget_seconds: 300, timeout_seconds: 600, task_dispatch_deadline_seconds: 600 },
    ]) {
      parseConfig(value(await evaluate({ ...example, ...inputs }, 'local.function_environment')) as Record<string, string>);
    }
  });
});

describe('logs and alerts in fan-out mode', () => {
  it('reads both functions’ logs for the run alerts, the stale-explore query and the run history', () => {
    for (const filter of [defaults.logs, defaults.summary]) {
      const summary = { message: 'export run failed', status: 'failed' };
      assert.equal(logFilterMatches(filter, functionEntry(summary)), true, 'the planner');
      assert.equal(logFilterMatches(filter, functionEntry(summary, 'looker-activity-export-task')), true, 'the task function');
      assert.equal(logFilterMatches(filter, functionEntry(summary, 'looker-activity-export-tasker')), false, 'another function of the project');
    }
    for (const term of elite.stale.split(' or ')) assert.match(term, /,service_name=~"looker-activity-export\|looker-activity-export-task",/);
  });

  it('counts a task whose last allowed attempt failed, and nothing else, as dropped', () => {
    const attempt = (queue: string, dispatchCount: string, status: string) => ({
      resource: { type: 'cloud_tasks_queue', labels: { queue_id: queue, project_id: project(), location: String(example.region), target_type: 'HTTP' } },
      jsonPayload: {
        '@type': 'type.googleapis.com/google.cloud.tasks.logging.v1.TaskActivityLog',
        task: `projects/${project()}/locations/${String(example.region)}/queues/${queue}/tasks/123`,
        attemptResponseLog: { dispatchCount, status, targetType: 'HTTP', maxAttempts: 10 },
      },
    });
    const queue = elite.queues.eu_staging!.queue_id;
    assert.equal(logFilterMatches(elite.dropped, attempt(queue, '10', 'UNAVAILABLE')), true);
    assert.equal(logFilterMatches(elite.dropped, attempt(queue, '10', 'ABORTED')), true);
    assert.equal(logFilterMatches(elite.dropped, attempt(queue, '10', 'OK')), false, 'the last attempt passed');
    assert.equal(logFilterMatches(elite.dropped, attempt(queue, '9', 'UNAVAILABLE')), false, 'it is retried');
    assert.equal(logFilterMatches(elite.dropped, attempt(queue, '100', 'UNAVAILABLE')), false);
    assert.equal(logFilterMatches(elite.dropped, attempt('other-app-queue', '10', 'UNAVAILABLE')), false, 'another queue of the project');
    assert.equal(logFilterMatches(elite.dropped, attempt(`${queue}-2`, '10', 'UNAVAILABLE')), false);
    const metric = resource('google_logging_metric.dropped_tasks');
    assert.deepEqual([metric.count, metric.filter], ['${var.fan_out ? 1 : 0}', '${local.dropped_task_filter}']);
    const policy = resource('google_monitoring_alert_policy.dropped_task');
    assert.equal(policy.count, '${var.fan_out ? 1 : 0}');
    assert.equal(policy.notification_channels, '${var.alert_notification_channels}');
    const condition = block(block(policy, 'conditions'), 'condition_threshold') as HclBody;
    assert.equal(condition.filter, 'metric.type="logging.googleapis.com/user/${google_logging_metric.dropped_tasks[0].name}" AND resource.type="cloud_tasks_queue"');
    assert.deepEqual([condition.comparison, condition.threshold_value], ['COMPARISON_GT', 0]);
  });
});
