/**
 * The module's inputs and computed values, evaluated by the real Terraform (`terraform console`
 * over variables.tf and main.tf: no provider needed) and judged by the function's own parsers:
 * the environment Terraform gives the function is one its config accepts, the scheduler's body
 * and the README's calls are requests it accepts, and the validation rules refuse the usual
 * mistakes with a message that says what to write instead.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { explores } from '../../src/explores/index.js';
import { parseHttpRequest, parseRunRequest } from '../../src/http/request.js';
import { evaluate, exampleInputs, MODULE, ROOT, type ConsoleResult } from './console.js';

/** The inputs of examples/simple/terraform.tfvars.example, read with the HCL parser. */
let example: Record<string, unknown>;

before(async () => {
  example = await exampleInputs();
});

function value(result: ConsoleResult): unknown {
  assert.ok(result.ok, `terraform refused the inputs:\n${result.ok ? '' : result.stderr}`);
  return result.value;
}

describe('the function environment Terraform computes', () => {
  const project = () => String(example.project_id);

  it('is accepted by the code’s config parser, for the example inputs and every default', async () => {
    const env = value(await evaluate(example, 'local.function_environment')) as Record<string, string>;
    const config = parseConfig(env);
    assert.equal(config.projectId, example.project_id);
    const [name, instance] = Object.entries(example.looker_instances as Record<string, { base_url: string }>)[0]!;
    assert.equal(config.instances.length, 1);
    assert.deepEqual(config.instances[0], {
      name,
      baseUrl: instance.base_url,
      clientIdSecret: `projects/${project()}/secrets/${name}-looker-client-id`,
      clientSecretSecret: `projects/${project()}/secrets/${name}-looker-client-secret`,
      verifySsl: true,
      // A single instance keeps the module's dataset.
      dataset: 'looker_system_activity',
      // No budget unless asked: Looker editions differ in what they allow.
      monthlyQueryBudget: 0,
    });
    assert.equal(config.gcs.bucket, `${project()}-looker-activity-export-staging`);
    assert.equal(config.gcs.prefix, value(await evaluate(example, 'local.staging_prefix')));
    assert.deepEqual(config.bigquery, { dataset: 'looker_system_activity', location: 'US', apiEndpoint: undefined });
    // A database of the module's own, named after the function (see the Firestore specs).
    assert.deepEqual(config.firestore, { databaseId: 'looker-activity-export', collection: 'looker_activity_export' });
    assert.deepEqual(config.explores, [...explores.keys()], 'every registered explore');
    assert.equal(config.exploreConcurrency, 2);
    assert.equal(config.looker.excludeOwnActivity, true);
    assert.deepEqual(config.masking, { rules: {}, keySecret: undefined }, 'nothing masked unless asked');
    // The run stops starting windows in time to answer Cloud Scheduler (operations.test.ts).
    assert.equal(config.runBudgetMs, 1500 * 1000);
    // Single-call mode unless fan_out (fan-out.test.ts).
    assert.equal(config.tasks, undefined);
  });

  it('is accepted with every input set away from its default, and keeps the run inside the timeout', async () => {
    const inputs = {
      ...example,
      name: 'sysact-export',
      looker_instances: { 'acme-prod': { base_url: 'https://acme.cloud.looker.com/', verify_ssl: false } },
      looker_timeout_seconds: 120,
      looker_row_cap: 5000,
      explores: ['history', 'user'],
      explore_concurrency: 4,
      exclude_own_activity: false,
      mask_personal_data: true,
      masking_rules: { 'history.message': 'keep', 'dashboard.title': 'hash' },
      bucket_name: 'acme-sysact-staging',
      dataset_id: 'looker_audit',
      dataset_location: 'europe-west1',
      firestore: { database: 'export-state', create: false },
      firestore_collection: 'sysact',
      settle_days: 0,
      elite_system_activity: true,
      window_max_rows: 20000,
      scheduler_attempt_deadline_seconds: 600,
      run_budget_seconds: 240,
      timeout_seconds: 600,
    };
    const env = value(await evaluate(inputs, 'local.function_environment')) as Record<string, string>;
    const config = parseConfig(env);
    assert.equal(config.instances[0]!.name, 'acme-prod');
    assert.equal(config.instances[0]!.baseUrl, 'https://acme.cloud.looker.com');
    assert.equal(config.instances[0]!.verifySsl, false);
    assert.equal(config.instances[0]!.dataset, 'looker_audit');
    assert.equal(config.looker.timeoutMs, 120_000);
    assert.equal(config.looker.rowCap, 5000);
    assert.equal(config.windowMaxRows, 20_000);
    assert.equal(config.looker.eliteSystemActivity, true);
    assert.deepEqual(config.explores, ['history', 'user']);
    assert.equal(config.exploreConcurrency, 4);
    assert.equal(config.looker.excludeOwnActivity, false);
    assert.equal(config.masking.rules['user.email'], 'hash', 'the defaults apply');
    assert.equal(config.masking.rules['dashboard.title'], 'hash', 'a rule adds to them');
    assert.equal(config.masking.rules['history.message'], undefined, 'keep undoes a default');
    assert.equal(config.masking.keySecret, `projects/${project()}/secrets/sysact-export-masking-key`);
    assert.equal(config.gcs.bucket, 'acme-sysact-staging');
    assert.deepEqual(config.bigquery, { dataset: 'looker_audit', location: 'europe-west1', apiEndpoint: undefined });
    assert.deepEqual(config.firestore, { databaseId: 'export-state', collection: 'sysact' });
    assert.equal(config.settleDays, 0);
    assert.equal(config.runBudgetMs, 240_000);
  });

  it('gives each of several instances its own secrets and dataset, and creates their tables in it', async () => {
    const inputs = {
      ...example,
      looker_instances: {
        prod: { base_url: 'https://prod.cloud.looker.com' },
        'eu-staging': { base_url: 'https://staging.eu.looker.com', verify_ssl: false },
        sandbox: { base_url: 'https://sandbox.looker.com', dataset_id: 'looker_sandbox' },
      },
      explores: ['history', 'user'],
    };
    const env = value(await evaluate(inputs, 'local.function_environment')) as Record<string, string>;
    const config = parseConfig(env);
    const byName = Object.fromEntries(config.instances.map((i) => [i.name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['eu-staging', 'prod', 'sandbox']);
    assert.equal(byName.prod!.dataset, 'looker_system_activity_prod');
    assert.equal(byName['eu-staging']!.dataset, 'looker_system_activity_eu_staging');
    assert.equal(byName.sandbox!.dataset, 'looker_sandbox');
    assert.equal(byName['eu-staging']!.verifySsl, false);
    assert.equal(byName.prod!.verifySsl, true);
    assert.equal(byName.prod!.clientSecretSecret, `projects/${project()}/secrets/prod-looker-client-secret`);
    const secrets = value(await evaluate(inputs, 'local.instance_secrets')) as Record<string, { instance: string; secret_id: string }>;
    assert.deepEqual(secrets['eu-staging.client_secret'], { instance: 'eu-staging', secret_id: 'eu-staging-looker-client-secret' });
    assert.deepEqual(Object.keys(secrets).sort(), ['eu-staging.client_id', 'eu-staging.client_secret', 'prod.client_id', 'prod.client_secret', 'sandbox.client_id', 'sandbox.client_secret']);
    const tables = value(await evaluate(inputs, 'local.instance_tables')) as Record<string, { dataset_id: string; table_id: string }>;
    assert.deepEqual(
      Object.values(tables).map((t) => `${t.dataset_id}.${t.table_id}`).sort(),
      ['looker_sandbox.history', 'looker_sandbox.user', 'looker_system_activity_eu_staging.history', 'looker_system_activity_eu_staging.user', 'looker_system_activity_prod.history', 'looker_system_activity_prod.user'],
    );
  });

  it('creates the masking key secret only when a rule hashes', async () => {
    const hashes = (inputs: Record<string, unknown>) => evaluate({ ...example, ...inputs }, 'local.masking_hashes').then(value);
    assert.equal(await hashes({}), false);
    assert.equal(await hashes({ masking_rules: { 'history.message': 'drop' } }), false);
    assert.equal(await hashes({ masking_rules: { 'dashboard.title': 'hash' } }), true);
    assert.equal(await hashes({ mask_personal_data: true }), true);
  });
});

describe('requests the deployment sends', () => {
  const now = new Date('2026-11-15T12:00:00Z');

  it('the scheduler’s default body runs every explore', async () => {
    const body = value(await evaluate(example, 'var.scheduler_body'));
    const request = parseRunRequest(JSON.parse(String(body)), now);
    assert.equal(request.backfill, undefined);
    assert.equal(request.dryRun, false);
  });

  it('every `gcloud functions call --data` in the READMEs is a request the function accepts', async () => {
    let calls = 0;
    for (const readme of [join(MODULE, 'README.md'), join(ROOT, 'README.md')]) {
      for (const match of (await readFile(readme, 'utf8')).matchAll(/gcloud functions call .*?--data '([^']*)'/g)) {
        calls += 1;
        assert.doesNotThrow(() => parseHttpRequest(JSON.parse(match[1]!), now), `${readme}: ${match[0]}`);
      }
    }
    assert.ok(calls >= 3, `only ${calls} calls found`);
  });
});

describe('validation of the inputs', () => {
  // [variable, a common wrong value, part of the message Terraform must print]
  const refused: [string, unknown, string][] = [
    ['project_id', 'My Analytics Project', 'not a project name or number'],
    ['project_id', '123456789012', 'not a project name or number'],
    ['region', 'us-central1-a', 'not a zone'],
    ['region', 'EU', 'not a multi-region'],
    ['name', 'Looker_Export', 'lower-case letters, digits and hyphens'],
    ['labels', { Team: 'data' }, 'keys must start with a lower-case letter'],
    ['looker_instances', {}, 'between 1 and 50 instances'],
    ['looker_instances', { acme: { base_url: 'https://acme.cloud.looker.com/api/4.0' } }, 'without a path'],
    ['looker_instances', { acme: { base_url: 'acme.cloud.looker.com' } }, 'scheme and host'],
    ['looker_instances', { 'Acme Prod': { base_url: 'https://acme.cloud.looker.com' } }, 'they become secret IDs'],
    ['looker_instances', { acme: { base_url: 'https://acme.cloud.looker.com', dataset_id: 'looker-acme' } }, 'only letters, digits and underscores'],
    [
      'looker_instances',
      { a: { base_url: 'https://a.looker.com', dataset_id: 'shared' }, b: { base_url: 'https://b.looker.com', dataset_id: 'shared' } },
      'its own dataset',
    ],
    ['explores', ['history', 'histroy'], 'must name registered explores'],
    ['explore_concurrency', 9, 'between 1 and 8'],
    ['masking_rules', { 'user.email': 'encrypt' }, 'drop, hash or keep'],
    ['masking_rules', { email: 'hash' }, 'explore.column'],
    ['looker_timeout_seconds', 5, 'between 10 and 3600'],
    ['looker_row_cap', -1, '0 or more'],
    ['bucket_name', 'My_Bucket', 'lower-case letters'],
    ['staging_retention_days', 0, 'between 1 and 365'],
    ['dataset_id', 'looker-activity', 'only letters, digits and underscores'],
    ['firestore', { database: 'Export State' }, 'lower-case letters, digits and hyphens'],
    ['firestore', { database: '(default)', create: true }, 'set create = false'],
    ['firestore', { location: 'EU' }, 'a Firestore location such as'],
    ['firestore_collection', 'exports/state', 'not a path'],
    ['memory', '1GB', 'not 1GB or 1024'],
    ['memory', '1024', 'with Mi or Gi'],
    ['memory', '128Mi', 'between 256Mi and 32Gi'],
    ['memory', '64Gi', 'between 256Mi and 32Gi'],
    ['timeout_seconds', 5400, 'the 2nd gen limit for HTTP functions'],
    ['runtime', 'nodejs18', 'nodejs22 or nodejs24'],
    ['runtime', 'nodejs20', 'nodejs20 is decommissioned'],
    ['settle_days', 45, 'between 0 and 30'],
    ['settle_days', 0, 'allowed only with elite_system_activity = true'],
    ['window_max_rows', 0, 'between 1 and 100000000'],
    ['ingress_settings', 'INTERNAL', 'ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB'],
    ['build_service_account', 'builder', 'a service account email'],
    ['invoker_members', ['allUsers'], 'must not be public'],
    ['invoker_members', ['allAuthenticatedUsers'], 'must not be public'],
    ['invoker_members', ['alice@example.com'], 'user:EMAIL'],
    ['schedule', '0 3 * *', 'five-field unix-cron'],
    ['schedule', 'every 24 hours', 'five-field unix-cron'],
    ['schedule_time_zone', 'UTC+1', 'not an offset'],
    ['schedule_time_zone', '+01:00', 'not an offset'],
    ['scheduler_body', '[]', 'must be a JSON object'],
    ['scheduler_body', '{explores: 1}', 'must be a JSON object'],
  ];

  it('refuses each common mistake, naming the variable with a plain-language message', async () => {
    // One Terraform run judges one wrong value per variable, except that Terraform skips a rule
    // that reads another invalid variable: looker_instances' datasets are checked against
    // dataset_id, so those two never share a run.
    const slot = (variable: string) => (variable === 'dataset_id' ? 'looker_instances' : variable);
    const rounds: (typeof refused)[] = [];
    for (const mistake of refused) {
      const round = rounds.find((r) => !r.some(([variable]) => slot(variable) === slot(mistake[0])));
      if (round) round.push(mistake);
      else rounds.push([mistake]);
    }
    for (const round of rounds) {
      const inputs = { ...example, ...Object.fromEntries(round.map(([variable, wrong]) => [variable, wrong])) };
      const result = await evaluate(inputs, 'var.region');
      assert.ok(!result.ok, `Terraform accepted ${JSON.stringify(round)}`);
      for (const [variable, wrong, message] of round) {
        const errors = result.errors.filter((e) => e.variable === variable);
        assert.ok(errors.length > 0, `${variable} = ${JSON.stringify(wrong)} was accepted:\n${result.stderr}`);
        assert.ok(
          errors.some((e) => e.message.includes(message)),
          `${variable} = ${JSON.stringify(wrong)}: "${errors.map((e) => e.message).join(' | ')}" does not say "${message}"`,
        );
      }
      // One wrong value may break several rules of its variable (a timeout both too long and past the lease).
      assert.equal(new Set(result.errors.map((e) => e.variable)).size, round.length, `other inputs were refused too:\n${result.stderr}`);
    }
  });

  it('accepts the unusual but right values', async () => {
    const accepted: [string, unknown][] = [
      ['region', 'europe-west10'],
      ['region', 'northamerica-northeast1'],
      ['memory', '256Mi'],
      ['memory', '32Gi'],
      ['schedule', '*/30 2-5 * * MON-FRI'],
      ['schedule_time_zone', 'America/Argentina/Buenos_Aires'],
      ['schedule_time_zone', 'Etc/GMT+1'],
      ['invoker_members', ['group:data-ops@example.com', 'serviceAccount:ci@acme.iam.gserviceaccount.com']],
      ['dataset_id', 'a'.repeat(1024)],
      ['build_service_account', '123456789-compute@developer.gserviceaccount.com'],
      ['scheduler_body', '{"explores":["history"]}'],
      ['firestore', { database: 'export-state' }],
      ['firestore', { database: '(default)', create: false }],
      ['firestore', { location: 'eur3' }],
      ['timeout_seconds', 1800],
      ['runtime', 'nodejs22'],
      ['looker_instances', { internal: { base_url: 'http://looker.internal:19999/' } }],
      ['looker_instances', { a: { base_url: 'https://a.looker.com' }, b: { base_url: 'https://b.looker.com', dataset_id: 'looker_system_activity_a_b' } }],
      ['explores', ['field_usage']],
      ['masking_rules', { 'event_attribute.value': 'keep' }],
    ];
    const rounds: (typeof accepted)[] = [];
    for (const entry of accepted) {
      const round = rounds.find((r) => !r.some(([variable]) => variable === entry[0]));
      if (round) round.push(entry);
      else rounds.push([entry]);
    }
    for (const round of rounds) {
      const result = await evaluate({ ...example, ...Object.fromEntries(round) }, 'local.function_environment');
      assert.ok(result.ok, `Terraform refused ${JSON.stringify(round)}:\n${result.ok ? '' : result.stderr}`);
      parseConfig(result.value as Record<string, string>);
    }
  });
});

describe('the .gcloudignore translation', () => {
  it('turns gitignore patterns into archive_file globs, and flags what Terraform cannot honour', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gcloudignore-'));
    try {
      const lines = ['# comment', '', 'node_modules/', '/dist', 'src/*.test.ts', '*.md  ', '!README.md', '#!include:.gitignore'];
      await writeFile(join(dir, '.gcloudignore'), `${lines.join('\r\n')}\r\n`);
      const result = await evaluate({ ...example, source_dir: dir }, '{ excludes = local.source_excludes, unsupported = local.gcloudignore_unsupported }');
      assert.deepEqual(value(result), {
        // Unanchored patterns match at any depth, as in gitignore; anchored ones at the top.
        excludes: ['**/node_modules', 'dist', 'src/*.test.ts', '**/*.md', '**/!README.md'],
        // The archive_file precondition stops the plan on these (function.tf).
        unsupported: ['!README.md', '#!include:.gitignore'],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
