/**
 * Static checks of the Terraform module that need no cloud and no provider binary: HashiCorp's
 * HCL parser reads the files, the google provider's schema comes from @cdktf/provider-google,
 * and the code's own config and explore registry are the source of truth.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { variablesWhere } from '../../src/config/index.js';
import { bigQuerySchema, explores, partitionColumn } from '../../src/explores/index.js';
import { MODULE, ROOT } from './console.js';
import { moduleDirs, moduleSource, parseModule, references, strings, blockOf, resourceOf, type HclBody, type ParsedModule } from './hcl.js';
import { checkBody, providerPackage, resourceSchema, unknownStep } from './provider-schema.js';

const run = promisify(execFile);
let tf: ParsedModule;
let modules: ParsedModule[];
const EXAMPLE = resolve(MODULE, 'examples/simple');

before(async () => {
  modules = await Promise.all((await moduleDirs(MODULE)).map((dir) => parseModule(dir)));
  tf = modules.find((m) => m.dir === resolve(MODULE))!;
  assert.ok(modules.some((m) => m.dir === EXAMPLE), 'examples/simple is parsed too');
});

const resource = (address: string) => resourceOf(tf, address);
const block = blockOf;
/** The APIs each resource type calls (create, read and IAM), as apis.tf must enable them. */
const API_OF: Record<string, string[]> = {
  google_bigquery_dataset: ['bigquery.googleapis.com'],
  google_bigquery_dataset_iam_member: ['bigquery.googleapis.com'],
  google_bigquery_table: ['bigquery.googleapis.com'],
  google_cloud_run_service_iam_member: ['run.googleapis.com'],
  google_cloud_scheduler_job: ['cloudscheduler.googleapis.com'],
  google_cloud_tasks_queue: ['cloudtasks.googleapis.com'],
  google_cloud_tasks_queue_iam_member: ['cloudtasks.googleapis.com'],
  google_cloudfunctions2_function: ['cloudfunctions.googleapis.com', 'run.googleapis.com', 'cloudbuild.googleapis.com', 'artifactregistry.googleapis.com'],
  google_cloudfunctions2_function_iam_member: ['cloudfunctions.googleapis.com'],
  google_firestore_database: ['firestore.googleapis.com'],
  google_logging_metric: ['logging.googleapis.com'],
  google_logging_project_sink: ['logging.googleapis.com'],
  google_monitoring_alert_policy: ['monitoring.googleapis.com'],
  google_project_iam_member: ['cloudresourcemanager.googleapis.com'],
  google_secret_manager_secret: ['secretmanager.googleapis.com'],
  google_secret_manager_secret_iam_member: ['secretmanager.googleapis.com'],
  google_service_account: ['iam.googleapis.com'],
  google_service_account_iam_member: ['iam.googleapis.com'],
  google_storage_bucket: ['storage.googleapis.com'],
  google_storage_bucket_iam_member: ['storage.googleapis.com'],
  google_storage_bucket_object: ['storage.googleapis.com'],
};
const environment = () => tf.locals.get('function_environment') as Record<string, string>;
const where = (m: ParsedModule) => relative(ROOT, m.dir) || '.';

describe('terraform fmt', () => {
  it('finds nothing to reformat', () => {
    execFileSync('terraform', ['fmt', '-check', '-recursive', MODULE], { stdio: 'pipe', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  });
});

describe('the function', () => {
  it('sets every variable the code requires in the cloud, and only variables the code reads', () => {
    assert.equal(block(resource('google_cloudfunctions2_function.export'), 'service_config').environment_variables, '${local.function_environment}');
    const env = environment();
    const required = variablesWhere((v) => v.need === 'always' && v.scope === 'deployment');
    assert.ok(required.length >= 3, 'the table declares the required variables');
    for (const name of required) assert.ok(name in env, `${name} is required by the code but not set by Terraform`);
    const known = new Set<string>(variablesWhere((v) => v.scope === 'deployment'));
    for (const name of Object.keys(env)) assert.ok(known.has(name), `Terraform sets ${name}, which the code does not read (or reads only locally, or only as the one-instance shorthand)`);
  });

  it('sets every optional variable the code reads too, so each one is an input of the module', () => {
    const missing = variablesWhere((v) => v.scope === 'deployment' && !(v.name in environment()));
    assert.deepEqual(missing, []);
    assert.ok('LOOKER_INSTANCES' in environment(), 'Terraform lists the instances, never the one-instance shorthand');
  });

  it('runs the registered entry point on a supported Node runtime (24 by default), as the runtime service account, one instance at a time', () => {
    const fn = resource('google_cloudfunctions2_function.export');
    const build = block(fn, 'build_config');
    assert.equal(build.entry_point, 'exportSystemActivity');
    assert.equal(build.runtime, '${var.runtime}');
    assert.equal(tf.variables.get('runtime')!.default, 'nodejs24');
    const service = block(fn, 'service_config');
    assert.equal(service.service_account_email, '${google_service_account.runtime.email}');
    assert.equal(service.max_instance_count, 1);
    assert.equal(service.available_memory, '${var.memory}');
    assert.equal(service.timeout_seconds, '${var.timeout_seconds}');
    assert.equal(service.ingress_settings, '${var.ingress_settings}');
    assert.equal(tf.variables.get('memory')!.default, '1Gi');
    assert.equal(tf.variables.get('timeout_seconds')!.default, 2100);
  });

  it('deploys a zip of the source named by its content hash, so a code change redeploys', () => {
    const archive = tf.data.get('archive_file.source')!;
    assert.equal(archive.excludes, '${local.source_excludes}');
    const precondition = block(block(archive, 'lifecycle'), 'precondition');
    assert.equal(precondition.condition, '${length(local.gcloudignore_unsupported) == 0}');
    assert.match(String(resource('google_storage_bucket_object.source').name), /\$\{data\.archive_file\.source\.output_(md5|sha256)\}/);
    const storage = block(block(block(resource('google_cloudfunctions2_function.export'), 'build_config'), 'source'), 'storage_source');
    assert.equal(storage.object, '${google_storage_bucket_object.source.name}');
    // The zip lives in a bucket of its own, which the runtime account cannot write.
    assert.equal(storage.bucket, '${google_storage_bucket.source.name}');
    assert.equal(resource('google_storage_bucket_object.source').bucket, '${google_storage_bucket.source.name}');
  });
});

describe('access', () => {
  it('grants no primitive or admin role and nothing to allUsers / allAuthenticatedUsers, in any module', () => {
    for (const m of modules) {
      const bodies: [string, unknown][] = [
        ...m.resources,
        ...[...m.locals].map(([name, value]) => [`local.${name}`, value] as [string, unknown]),
        ...[...m.variables].map(([name, body]) => [`var.${name} default`, body.default] as [string, unknown]),
      ];
      for (const [address, body] of bodies) {
        for (const value of strings(body)) {
          assert.doesNotMatch(value, /roles\/(owner|editor|viewer)\b/, `${where(m)} ${address} names the primitive role ${value}`);
          assert.doesNotMatch(value, /roles\/\w+\.\w*admin\b/i, `${where(m)} ${address} names an admin role: ${value}`);
          assert.doesNotMatch(value, /allUsers|allAuthenticatedUsers/, `${where(m)} ${address} opens access: ${value}`);
        }
      }
    }
  });

  it('lets Cloud Scheduler call the function as the invoker account, which has the invoker role; the runtime account has not', () => {
    const job = resource('google_cloud_scheduler_job.daily');
    const target = block(job, 'http_target');
    const oidc = block(target, 'oidc_token');
    assert.equal(oidc.service_account_email, '${google_service_account.invoker.email}');
    assert.equal(oidc.audience, target.uri);
    assert.equal(target.uri, '${google_cloudfunctions2_function.export.service_config[0].uri}');
    assert.equal(target.http_method, 'POST');
    assert.equal(job.schedule, '${var.schedule}');
    assert.equal(job.time_zone, '${var.schedule_time_zone}');
    assert.equal(tf.variables.get('schedule')!.default, '0 3 * * *');
    assert.equal(tf.variables.get('schedule_time_zone')!.default, 'Etc/UTC');
    assert.ok(job.attempt_deadline, 'the job sets attempt_deadline');
    assert.ok(Array.isArray(job.retry_config), 'the job has a retry_config block');

    const exportService = '${google_cloudfunctions2_function.export.service_config[0].service}';
    const taskService = '${google_cloudfunctions2_function.task[0].service_config[0].service}';
    const allInvokers = [...tf.resources].filter(([, body]) => body.role === 'roles/run.invoker');
    for (const [address, body] of allInvokers) {
      // Granted on one function's Cloud Run service only, never on the project.
      assert.match(address, /^google_cloud_run_service_iam_member\./, `${address} grants run.invoker beyond one service`);
      assert.ok([exportService, taskService].includes(String(body.service)), `${address} grants run.invoker on ${String(body.service)}`);
    }
    // The task function (fan-out mode) has one invoker, the account Cloud Tasks signs as.
    assert.deepEqual(
      allInvokers.filter(([, body]) => body.service === taskService).map(([address, body]) => `${address} ${String(body.member)}`),
      ['google_cloud_run_service_iam_member.tasks_call_task_function ${google_service_account.tasks[0].member}'],
    );
    const invokers = allInvokers.filter(([, body]) => body.service === exportService);
    assert.ok(invokers.length > 0);
    const members = invokers.map(([, body]) => String(body.member));
    assert.ok(members.includes('${google_service_account.invoker.member}'), 'the invoker account has roles/run.invoker');
    assert.ok(!members.some((m) => m.includes('google_service_account.runtime')), 'the runtime account can call its own function');
    // Any other invoker comes from var.invoker_members, whose validation refuses public members
    // (checked with Terraform itself in module-values.test.ts).
    for (const [address, body] of invokers.filter(([, body]) => body.member !== '${google_service_account.invoker.member}')) {
      assert.equal(body.member, '${each.value}', address);
      assert.equal(body.for_each, '${toset(var.invoker_members)}', address);
    }
  });

  it('gives the runtime account only its grants, each on the narrowest resource', () => {
    const runtime = '${google_service_account.runtime.member}';
    const grants = [...tf.resources]
      .filter(([, body]) => body.member === runtime)
      .map(([address, body]) => `${address} ${String(body.role)}`)
      .sort();
    assert.deepEqual(grants, [
      'google_bigquery_dataset_iam_member.runtime_edits_dataset roles/bigquery.dataEditor',
      // Fan-out mode: tasks on each instance's queue, carrying the tasks account's OIDC token.
      'google_cloud_tasks_queue_iam_member.runtime_enqueues_tasks roles/cloudtasks.enqueuer',
      'google_project_iam_member.runtime_runs_jobs roles/bigquery.jobUser',
      'google_project_iam_member.runtime_uses_firestore_database roles/datastore.user',
      'google_secret_manager_secret_iam_member.runtime_reads_looker_api_key roles/secretmanager.secretAccessor',
      'google_secret_manager_secret_iam_member.runtime_reads_masking_key roles/secretmanager.secretAccessor',
      'google_service_account_iam_member.runtime_acts_as_tasks_account roles/iam.serviceAccountUser',
      'google_storage_bucket_iam_member.runtime_stages_objects roles/storage.objectUser',
    ]);
    // Each grant is on one of the module's own resources: one per secret, the bucket, one per dataset.
    const grant = (address: string) => resource(address);
    const apiKey = grant('google_secret_manager_secret_iam_member.runtime_reads_looker_api_key');
    assert.equal(apiKey.for_each, '${google_secret_manager_secret.looker_api_key}');
    assert.equal(apiKey.secret_id, '${each.value.secret_id}');
    const maskingKey = grant('google_secret_manager_secret_iam_member.runtime_reads_masking_key');
    assert.equal(maskingKey.secret_id, '${google_secret_manager_secret.masking_key[0].secret_id}');
    assert.equal(maskingKey.count, resource('google_secret_manager_secret.masking_key').count, 'the key is readable exactly when it exists');
    assert.equal(grant('google_storage_bucket_iam_member.runtime_stages_objects').bucket, '${google_storage_bucket.staging.name}');
    const datasets = grant('google_bigquery_dataset_iam_member.runtime_edits_dataset');
    assert.equal(datasets.for_each, '${google_bigquery_dataset.activity}');
    assert.equal(datasets.dataset_id, '${each.value.dataset_id}');
    // Authoritative IAM resources would remove grants made outside this module.
    assert.deepEqual(
      [...tf.resources.keys()].filter((a) => /_iam_(policy|binding)\./.test(a)),
      [],
    );
  });

  it('keeps secret values out of Terraform: secret containers per instance and for the masking key, no version, no secret value input', () => {
    const secrets = [...tf.resources.keys()].filter((a) => a.startsWith('google_secret_manager_secret.')).sort();
    assert.deepEqual(secrets, ['google_secret_manager_secret.looker_api_key', 'google_secret_manager_secret.masking_key']);
    assert.equal(resource('google_secret_manager_secret.looker_api_key').for_each, '${local.instance_secrets}');
    assert.equal(resource('google_secret_manager_secret.masking_key').count, '${local.masking_hashes ? 1 : 0}');
    const types = [...tf.resources.keys()].map((a) => a.split('.')[0]);
    assert.ok(!types.includes('google_secret_manager_secret_version'));
    for (const [name, variable] of tf.variables) {
      assert.doesNotMatch(name, /secret_data|client_secret$|password|api_key|masking_key$/, `variable ${name} would carry a secret value`);
      assert.notEqual(variable.sensitive, true, `variable ${name} is sensitive: no secret value belongs in Terraform`);
    }
  });
});

describe('storage, BigQuery and Firestore', () => {
  it('makes the staging bucket private and self-cleaning under the prefix the function stages to', () => {
    const bucket = resource('google_storage_bucket.staging');
    assert.equal(bucket.uniform_bucket_level_access, true);
    assert.equal(bucket.public_access_prevention, 'enforced');
    assert.equal(bucket.force_destroy, '${var.force_destroy}');
    const rule = block(bucket, 'lifecycle_rule');
    const condition = block(rule, 'condition');
    assert.equal(condition.age, '${var.staging_retention_days}');
    assert.deepEqual(condition.matches_prefix, ['${local.staging_prefix}/']);
    assert.equal(environment().GCS_PREFIX, '${local.staging_prefix}');
    assert.equal(block(rule, 'action').type, 'Delete');
    assert.equal(tf.variables.get('staging_retention_days')!.default, 3);
  });

  it('creates a dataset per instance and in it each table with exactly the schema, partitioning and clustering the code loads with', async () => {
    assert.equal(tf.locals.get('tables'), '${jsondecode(file("${path.module}/schemas/tables.json"))}', 'local.tables is the generated tables.json');
    const tables = JSON.parse(await readFile(join(MODULE, 'schemas', 'tables.json'), 'utf8')) as Record<string, { partition_field: string; clustering: string[]; description: string }>;
    assert.deepEqual(Object.keys(tables).sort(), [...explores.keys()].sort());
    for (const explore of explores.values()) {
      const committed = JSON.parse(await readFile(join(MODULE, 'schemas', `${explore.name}.json`), 'utf8')) as unknown;
      assert.deepEqual(committed, bigQuerySchema(explore), `terraform/schemas/${explore.name}.json is stale: node --import tsx scripts/schemas.ts`);
      assert.equal(tables[explore.name]!.partition_field, partitionColumn(explore));
      assert.deepEqual(tables[explore.name]!.clustering, [...(explore.clusterBy ?? [])]);
      assert.ok(tables[explore.name]!.description.includes(explore.description), `the ${explore.name} table describes itself as the registry does`);
      const schema = bigQuerySchema(explore);
      for (const field of schema) assert.ok(field.description, `${explore.name}.${field.name} has no description`);
      assert.ok(schema.some((f) => f.name === partitionColumn(explore) && /^(TIMESTAMP|DATE|DATETIME)$/.test(f.type)));
    }
    const dataset = resource('google_bigquery_dataset.activity');
    assert.equal(dataset.for_each, '${local.instances}');
    assert.equal(dataset.dataset_id, '${each.value.dataset_id}');
    const table = resource('google_bigquery_table.explore');
    assert.equal(table.for_each, '${local.instance_tables}');
    assert.equal(table.dataset_id, '${google_bigquery_dataset.activity[each.value.instance].dataset_id}');
    assert.equal(table.table_id, '${each.value.table_id}');
    assert.equal(table.schema, '${jsonencode(jsondecode(file("${path.module}/schemas/${each.value.table_id}.json")))}');
    assert.equal(table.deletion_protection, '${var.deletion_protection}');
    assert.equal(table.clustering, '${each.value.clustering}');
    const partitioning = block(table, 'time_partitioning');
    assert.equal(partitioning.type, 'DAY');
    assert.equal(partitioning.field, '${each.value.partition_field}');
  });

  it('has a script that regenerates the schema files and, with --check, fails on a stale, missing or stray one', async () => {
    const script = join(ROOT, 'scripts/schemas.ts');
    const schemas = (dir?: string, check = true) =>
      run(process.execPath, ['--import', 'tsx', script, ...(check ? ['--check'] : []), ...(dir ? ['--dir', dir] : [])], { cwd: ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    assert.deepEqual(await schemas(), { code: 0, stderr: '' }, 'terraform/schemas is current');
    const dir = await mkdtemp(join(tmpdir(), 'schemas-'));
    try {
      assert.deepEqual(await schemas(dir, false), { code: 0, stderr: '' });
      for (const explore of explores.values()) {
        assert.equal(await readFile(join(dir, `${explore.name}.json`), 'utf8'), await readFile(join(MODULE, 'schemas', `${explore.name}.json`), 'utf8'));
      }
      await writeFile(join(dir, 'content_usage.json'), '[]\n');
      await writeFile(join(dir, 'retired_explore.json'), '[]\n');
      await rm(join(dir, 'history.json'));
      const stale = await schemas(dir);
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /content_usage\.json is stale/);
      assert.match(stale.stderr, /history\.json is missing/);
      assert.match(stale.stderr, /retired_explore\.json belongs to no explore/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('creates the Firestore database unless told to use an existing one, and the function uses that database', () => {
    const db = resource('google_firestore_database.state');
    assert.equal(db.count, '${var.firestore.create ? 1 : 0}');
    assert.equal(db.name, '${local.firestore_database}');
    assert.equal(db.type, 'FIRESTORE_NATIVE');
    assert.equal(db.delete_protection_state, 'DELETE_PROTECTION_ENABLED');
    assert.equal(environment().FIRESTORE_DATABASE, '${local.firestore_database}');
  });

  it('enables the API of every resource type it uses', () => {
    const services = tf.locals.get('services') as string[];
    const problems: string[] = [];
    for (const type of new Set([...tf.resources.keys()].map((a) => a.split('.')[0]!))) {
      if (type === 'google_project_service') continue;
      const apis = API_OF[type];
      if (!apis) problems.push(`${type}: no API listed for it in API_OF (add the APIs it calls)`);
      else for (const api of apis) if (!services.includes(api)) problems.push(`${type} needs ${api}, which apis.tf does not enable`);
    }
    assert.deepEqual(problems, []);
    // IAM members on the project go through Cloud Resource Manager; alerts and sinks through
    // Monitoring and Logging.
    for (const api of ['cloudresourcemanager', 'logging', 'monitoring', 'iam', 'run', 'cloudbuild', 'artifactregistry']) {
      assert.ok(services.includes(`${api}.googleapis.com`), `${api}.googleapis.com is not enabled`);
    }
  });

  it('creates every resource after the APIs, so a first apply on a fresh project passes', () => {
    const dependencies = (body: HclBody) => {
      const found = new Set<string>();
      for (const value of strings(body)) {
        for (const ref of references(value)) if (ref.kind === 'resource') found.add(`${ref.type}.${ref.name}`);
      }
      // depends_on entries are bare references, which HCL's JSON form writes as ${...} too.
      return found;
    };
    const graph = new Map([...tf.resources].map(([address, body]) => [address, dependencies(body)]));
    const reaches = (from: string, target: string, seen = new Set<string>()): boolean => {
      if (from === target) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return [...(graph.get(from) ?? [])].some((next) => reaches(next, target, seen));
    };
    // Terraform refuses a plan whose references and depends_on form a cycle.
    const cycle = (from: string, path: string[] = []): string[] | undefined => {
      if (path.includes(from)) return [...path.slice(path.indexOf(from)), from];
      for (const next of graph.get(from) ?? []) {
        const found = cycle(next, [...path, from]);
        if (found) return found;
      }
      return undefined;
    };
    for (const address of graph.keys()) assert.equal(cycle(address)?.join(' -> '), undefined, 'a dependency cycle');
    const late = [...tf.resources.keys()].filter((a) => a.startsWith('google_') && a !== 'google_project_service.required' && !reaches(a, 'google_project_service.required'));
    assert.deepEqual(late, [], 'these resources may be created before the APIs they call are enabled');
    // The checker sees a missing edge: a resource that names no other and no API is caught.
    graph.set('google_storage_bucket.probe', new Set());
    assert.equal(reaches('google_storage_bucket.probe', 'google_project_service.required'), false);
    // Resources whose API is not the one of a resource they reference name the APIs themselves.
    for (const address of [
      'google_project_iam_member.runtime_runs_jobs',
      'google_project_iam_member.runtime_uses_firestore_database',
      'google_logging_metric.failed_runs',
      'google_logging_metric.explore_succeeded',
      'google_logging_project_sink.run_history',
      'google_cloud_scheduler_job.daily',
      'google_firestore_database.state',
      'google_storage_bucket.source',
    ]) {
      assert.ok(String(resource(address).depends_on ?? '').includes('google_project_service.required'), `${address} does not depend on the APIs directly`);
    }
  });

  it('leaves the columns the function adds alone: a later apply does not drop them', () => {
    const lifecycle = block(resource('google_bigquery_table.explore'), 'lifecycle');
    // HCL's JSON form writes each attribute name as an expression: ignore_changes = [schema].
    assert.ok(Array.isArray(lifecycle.ignore_changes) && lifecycle.ignore_changes.includes('${schema}'), 'the tables ignore changes to schema');
    // Views do not: a changed query must reach BigQuery.
    for (const view of ['google_bigquery_table.view', 'google_bigquery_table.view_of_views']) assert.equal(resource(view).lifecycle, undefined, view);
  });
});

describe('variables, references and outputs', () => {
  it('gives every variable a type and a description, and every output a description', () => {
    for (const m of modules) {
      for (const [name, variable] of m.variables) {
        assert.ok(variable.type, `${where(m)}: variable ${name} has no type`);
        assert.ok(String(variable.description ?? '').length > 10, `${where(m)}: variable ${name} has no description`);
      }
      for (const [name, output] of m.outputs) assert.ok(String(output.description ?? '').length > 10, `${where(m)}: output ${name} has no description`);
    }
  });

  it('refers only to declared variables, locals, resources, attributes and module outputs, and uses every variable', async () => {
    const problems: string[] = [];
    for (const m of modules) {
      const used = new Set<string>();
      for (const [file, json] of Object.entries(m.files)) {
        // A variable read only by its own validation is still unused.
        const { variable: _declarations, ...rest } = json;
        for (const value of strings(rest)) for (const ref of references(value)) if (ref.kind === 'var') used.add(ref.name);
        for (const value of strings(json)) {
          for (const ref of references(value)) {
            const at = `${where(m)}/${file}: ${ref.text}`;
            if (ref.kind === 'var') {
              if (!m.variables.has(ref.name)) problems.push(`${at}: no variable ${ref.name}`);
            } else if (ref.kind === 'local') {
              if (!m.locals.has(ref.name)) problems.push(`${at}: no local ${ref.name}`);
            } else if (ref.kind === 'module') {
              if (!m.modules.has(ref.name)) problems.push(`${at}: no module ${ref.name}`);
              else if (!modules.find((x) => x.dir === moduleSource(m, ref.name))?.outputs.has(ref.output)) {
                problems.push(`${at}: the module has no output ${ref.output}`);
              }
            } else {
              const declared = (ref.kind === 'data' ? m.data : m.resources).has(`${ref.type}.${ref.name}`);
              if (!declared) problems.push(`${at}: no ${ref.kind} ${ref.type}.${ref.name}`);
              else if (ref.type.startsWith('google_')) {
                const schema = await resourceSchema(ref.type, ref.kind);
                const step = schema && unknownStep(schema.readable, ref.steps);
                if (step) problems.push(`${at}: ${ref.type} has no attribute "${step}" there`);
              }
            }
          }
        }
      }
      for (const name of m.variables.keys()) if (!used.has(name)) problems.push(`${where(m)}: variable ${name} is never used`);
    }
    assert.deepEqual(problems, []);
  });

  it('outputs what an operator needs', () => {
    for (const name of ['function_uri', 'function_name', 'runtime_service_account', 'invoker_service_account', 'staging_bucket', 'datasets', 'tables', 'views', 'scheduler_job', 'secret_ids', 'task_queues', 'task_function_uri', 'tasks_service_account']) {
      assert.ok(tf.outputs.has(name), `missing output ${name}`);
    }
  });

  it('has an example that passes, and whose tfvars sets, every input without a default', async () => {
    const example = modules.find((m) => m.dir === EXAMPLE)!;
    const call = example.modules.get('looker_activity_export')!;
    assert.equal(call.source, '../..');
    const withoutDefault = [...tf.variables].filter(([, v]) => !('default' in v)).map(([name]) => name);
    assert.deepEqual(withoutDefault.sort(), ['looker_instances', 'project_id', 'region']);
    const tfvars = await readFile(join(example.dir, 'terraform.tfvars.example'), 'utf8');
    for (const name of withoutDefault) {
      assert.ok(name in call, `examples/simple does not pass ${name}`);
      assert.match(tfvars, new RegExp(`^${name}\\s*=`, 'm'), `terraform.tfvars.example does not set ${name}`);
    }
  });
});

describe('against the google provider schema (from @cdktf/provider-google)', () => {
  it('is generated from a hashicorp/google version that versions.tf allows, in every module', async () => {
    const { providerVersion } = await providerPackage();
    for (const m of modules) {
      const terraform = m.files['versions.tf']?.terraform as { required_providers: Record<string, { source: string; version: string }>[] }[] | undefined;
      assert.ok(terraform, `${where(m)} has no versions.tf`);
      const google = terraform[0]!.required_providers[0]!.google!;
      assert.equal(google.source, 'hashicorp/google');
      assert.ok(satisfies(providerVersion, google.version), `${where(m)}: google ${google.version} excludes ${providerVersion}, the version the checks use`);
    }
    assert.ok(satisfies('6.50.0', '>= 6.0, < 7.0') && !satisfies('7.0.0', '>= 6.0, < 7.0') && !satisfies('5.45.0', '>= 6.0, < 7.0'));
  });

  it('uses only resource types, arguments and blocks the provider defines, and sets the required ones', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const m of modules) {
      for (const [kind, entries] of [
        ['resource', m.resources],
        ['data', m.data],
      ] as const) {
        for (const [address, body] of entries) {
          const type = address.split('.')[0]!;
          if (!type.startsWith('google_')) continue; // hashicorp/archive: checked below
          const schema = await resourceSchema(type, kind);
          checked += 1;
          if (!schema) problems.push(`${where(m)}: ${kind} type ${type} does not exist in the google provider`);
          else for (const problem of checkBody(body, schema)) problems.push(`${where(m)}: ${address}.${problem}`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 20, `only ${checked} google resources were checked`);
  });

  it('uses only archive_file arguments that hashicorp/archive defines', () => {
    // Not in @cdktf/provider-google: the data source's arguments, from the provider's source.
    const known = ['type', 'source_dir', 'source_file', 'source_content', 'source_content_filename', 'source', 'excludes', 'exclude_symlink_directories', 'output_path', 'output_file_mode'];
    const meta = ['lifecycle', 'depends_on', 'count', 'for_each'];
    const archive = tf.data.get('archive_file.source')!;
    assert.deepEqual(
      Object.keys(archive).filter((k) => !known.includes(k) && !meta.includes(k)),
      [],
    );
  });

  it('catches misspelt arguments, blocks written as attributes, missing required ones, wrong attribute paths and invented types', async () => {
    const bucket = (await resourceSchema('google_storage_bucket'))!;
    assert.deepEqual(checkBody({ name: 'x', uniform_bucket_acess: true, versioning: { enabled: true }, lifecycle_rule: [{ condition: [{ agee: 3 }] }] }, bucket), [
      'uniform_bucket_acess: no such argument or block',
      'versioning: is a block; write "versioning { ... }", not "versioning = ..."',
      'lifecycle_rule.condition.agee: no such argument or block',
      'lifecycle_rule.action: required block is missing',
      'location: required argument is missing',
    ]);
    const fn = (await resourceSchema('google_cloudfunctions2_function'))!;
    assert.deepEqual(checkBody({ name: 'f', location: 'r', service_config: [{ environment_variable: {} }] }, fn), ['service_config.environment_variable: no such argument or block']);
    assert.deepEqual(checkBody({ name: 'f', location: 'r', dynamic: { service_confg: [{ content: [{}] }] } }, fn), ['dynamic "service_confg": no such block']);
    assert.equal(unknownStep(fn.readable, ['service_config', 'uri']), undefined);
    assert.equal(unknownStep(fn.readable, ['service_config', 'url']), 'url');
    assert.equal(unknownStep(fn.readable, ['url']), undefined);
    assert.equal(await resourceSchema('google_storage_buckets'), undefined);
    assert.equal(await resourceSchema('google_cloudfunctions_function2'), undefined);
  });
});

/** Whether `version` meets a Terraform constraint made of `>=`, `>`, `<`, `<=`, `=` parts. */
function satisfies(version: string, constraint: string): boolean {
  const parse = (v: string) => v.split('.').map(Number).concat([0, 0, 0]).slice(0, 3);
  const compare = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!).find((d) => d !== 0) ?? 0;
  const v = parse(version);
  return constraint.split(',').every((part) => {
    const m = /^\s*(>=|<=|>|<|=)?\s*([\d.]+)\s*$/.exec(part);
    if (!m) throw new Error(`constraint part "${part}" is not understood`);
    const c = compare(v, parse(m[2]!));
    return { '>=': c >= 0, '<=': c <= 0, '>': c > 0, '<': c < 0, '=': c === 0 }[m[1] ?? '=']!;
  });
}
