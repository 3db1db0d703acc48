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
import { parse } from '@cdktf/hcl2json';
import { parseConfig } from '../../src/config/index.js';
import { parseRunRequest } from '../../src/http/request.js';
import { evaluate, MODULE, ROOT, type ConsoleResult } from './console.js';

/** The inputs of examples/simple/terraform.tfvars.example, read with the HCL parser. */
let example: Record<string, unknown>;

before(async () => {
  const file = join(MODULE, 'examples/simple/terraform.tfvars.example');
  example = (await parse('terraform.tfvars', await readFile(file, 'utf8'))) as Record<string, unknown>;
});

function value(result: ConsoleResult): unknown {
  assert.ok(result.ok, `terraform refused the inputs:\n${result.ok ? '' : result.stderr}`);
  return result.value;
}

describe('the function environment Terraform computes', () => {
  it('is accepted by the code’s config parser, for the example inputs and every default', async () => {
    const env = value(await evaluate(example, 'local.function_environment')) as Record<string, string>;
    const config = parseConfig(env);
    assert.equal(config.projectId, example.project_id);
    assert.equal(config.instances[0]!.baseUrl, example.looker_base_url);
    assert.equal(config.instances[0]!.name, new URL(String(example.looker_base_url)).hostname);
    assert.equal(config.instances[0]!.clientIdSecret, `projects/${String(example.project_id)}/secrets/looker-client-id`);
    assert.equal(config.gcs.bucket, `${String(example.project_id)}-looker-activity-export-staging`);
    assert.equal(config.gcs.prefix, value(await evaluate(example, 'local.staging_prefix')));
    assert.deepEqual(config.bigquery, { dataset: 'looker_system_activity', location: 'US', apiEndpoint: undefined });
    assert.deepEqual(config.firestore, { databaseId: '(default)', collection: 'looker_activity_export' });
    assert.equal(config.instances[0]!.verifySsl, true);
    // The run stops starting windows before the platform stops the function.
    assert.equal(config.runBudgetMs, 3300 * 1000);
  });

  it('is accepted with every input set away from its default, and keeps the run inside the timeout', async () => {
    const inputs = {
      ...example,
      name: 'sysact-export',
      looker_instance_name: 'acme-prod',
      looker_verify_ssl: false,
      looker_timeout_seconds: 120,
      looker_row_cap: 0,
      client_id_secret_id: 'lk_id',
      client_secret_secret_id: 'lk_secret',
      bucket_name: 'acme-sysact-staging',
      dataset_id: 'looker_audit',
      dataset_location: 'europe-west1',
      firestore_database_id: 'export-state',
      firestore_collection: 'sysact',
      settle_days: 0,
      timeout_seconds: 60,
    };
    const env = value(await evaluate(inputs, 'local.function_environment')) as Record<string, string>;
    const config = parseConfig(env);
    assert.equal(config.instances[0]!.name, 'acme-prod');
    assert.equal(config.instances[0]!.verifySsl, false);
    assert.equal(config.looker.timeoutMs, 120_000);
    assert.equal(config.looker.rowCap, 0);
    assert.equal(config.instances[0]!.clientSecretSecret, `projects/${String(example.project_id)}/secrets/lk_secret`);
    assert.equal(config.gcs.bucket, 'acme-sysact-staging');
    assert.deepEqual(config.bigquery, { dataset: 'looker_audit', location: 'europe-west1', apiEndpoint: undefined });
    assert.deepEqual(config.firestore, { databaseId: 'export-state', collection: 'sysact' });
    assert.equal(config.settleDays, 0);
    assert.ok(config.runBudgetMs > 0 && config.runBudgetMs < 60_000, `run budget ${config.runBudgetMs} ms in a 60 s function`);
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
        assert.doesNotThrow(() => parseRunRequest(JSON.parse(match[1]!), now), `${readme}: ${match[0]}`);
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
    ['looker_base_url', 'https://acme.cloud.looker.com/api/4.0', 'without a path'],
    ['looker_base_url', 'acme.cloud.looker.com', 'scheme and host'],
    ['looker_instance_name', 'acme prod', 'letters, digits'],
    ['looker_timeout_seconds', 5, 'between 10 and 3600'],
    ['looker_row_cap', -1, '0 or more'],
    ['client_id_secret_id', 'projects/p/secrets/looker-client-id', 'not a projects/.../secrets/... path'],
    ['bucket_name', 'My_Bucket', 'lower-case letters'],
    ['staging_retention_days', 0, 'between 1 and 365'],
    ['dataset_id', 'looker-activity', 'only letters, digits and underscores'],
    ['firestore_database_id', 'Export State', 'lower-case letters'],
    ['firestore_collection', 'exports/state', 'not a path'],
    ['memory', '1GB', 'not 1GB or 1024'],
    ['memory', '1024', 'with Mi or Gi'],
    ['memory', '128Mi', 'between 256Mi and 32Gi'],
    ['memory', '64Gi', 'between 256Mi and 32Gi'],
    ['timeout_seconds', 5400, 'the 2nd gen limit for HTTP functions'],
    ['runtime', 'nodejs18', 'nodejs20 or nodejs22'],
    ['settle_days', 45, 'between 0 and 30'],
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
    // Inputs are independent, so one Terraform run can judge one wrong value per variable.
    const rounds: (typeof refused)[] = [];
    for (const mistake of refused) {
      const round = rounds.find((r) => !r.some(([variable]) => variable === mistake[0]));
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
      assert.equal(result.errors.length, round.length, `other inputs were refused too:\n${result.stderr}`);
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
      ['firestore_database_id', 'export-state'],
      ['timeout_seconds', 60],
      ['looker_base_url', 'http://looker.internal:19999/'],
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
