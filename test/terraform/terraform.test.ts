/**
 * Checks of the Terraform module that need no cloud and no provider binary: HashiCorp's HCL
 * parser reads the files, the google provider's schema comes from @cdktf/provider-google, and
 * the code's own config and schema are the source of truth.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '../../src/config/index.js';
import { bigQuerySchema, explores } from '../../src/explores/index.js';
import { parseModule, strings, type HclBlock, type ParsedModule } from './hcl.js';
import { providerVersion, resourceSchema, unknownNames } from './provider-schema.js';

const MODULE = new URL('../../terraform/', import.meta.url).pathname;
let tf: ParsedModule;
let all: ParsedModule;

before(async () => {
  tf = await parseModule(MODULE);
  all = await parseModule(MODULE, true);
});

const fn = () => tf.resources.get('google_cloudfunctions2_function.export')!;
const block = (body: HclBlock, name: string) => (body[name] as HclBlock[])[0]!;

describe('terraform fmt', () => {
  it('finds nothing to reformat', () => {
    execFileSync('terraform', ['fmt', '-check', '-recursive', MODULE], { stdio: 'pipe' });
  });
});

describe('the function', () => {
  it('sets every variable the code requires, under the names the code reads', () => {
    const env = block(fn(), 'service_config').environment_variables as Record<string, string>;
    const required = CONFIG_VARIABLES.filter((v) => v.required && !v.localOnly).map((v) => v.name);
    for (const name of required) assert.ok(name in env, `${name} is required by the code but not set by Terraform`);
    const known = new Set(CONFIG_VARIABLES.filter((v) => !v.localOnly).map((v) => v.name));
    for (const name of Object.keys(env)) assert.ok(known.has(name), `Terraform sets ${name}, which the code does not read`);
  });

  it('runs the registered entry point on a Node 20+ runtime, as the runtime service account', () => {
    const build = block(fn(), 'build_config');
    assert.equal(build.entry_point, 'exportSystemActivity');
    assert.match(String(tf.variables.get('runtime')!.default), /^nodejs(20|22)$/);
    assert.equal(block(fn(), 'service_config').service_account_email, '${google_service_account.runtime.email}');
  });

  it('names the source object by its content hash, so a code change redeploys', () => {
    assert.match(String(tf.resources.get('google_storage_bucket_object.source')!.name), /data\.archive_file\.source\.output_md5/);
  });
});

describe('access', () => {
  it('grants no primitive role, no project-wide admin role, and nothing to allUsers / allAuthenticatedUsers', () => {
    for (const [address, body] of all.resources) {
      for (const value of strings(body)) {
        assert.doesNotMatch(value, /^roles\/(owner|editor|viewer)$/, `${address} grants the primitive role ${value}`);
        assert.doesNotMatch(value, /allUsers|allAuthenticatedUsers/, `${address} opens access to ${value}`);
      }
      if (address.startsWith('google_project_iam_')) {
        assert.doesNotMatch(String(body.role), /admin/i, `${address} grants ${String(body.role)} on the whole project`);
      }
    }
  });

  it('lets Cloud Scheduler call the function only as the invoker account, which alone has the invoker role', () => {
    const job = tf.resources.get('google_cloud_scheduler_job.daily')!;
    const oidc = block(block(job, 'http_target'), 'oidc_token');
    assert.equal(oidc.service_account_email, '${google_service_account.invoker.email}');
    const invokers = [...tf.resources].filter(([, body]) => body.role === 'roles/run.invoker');
    assert.deepEqual(
      invokers.map(([, body]) => body.member),
      ['${google_service_account.invoker.member}'],
    );
  });

  it('gives the runtime account secret access on the two secrets only, and object admin on the bucket only', () => {
    const grants = [...tf.resources].filter(([, body]) => body.member === '${google_service_account.runtime.member}');
    const byRole = (role: string) => grants.filter(([, body]) => body.role === role).map(([address]) => address.split('.')[0]);
    assert.deepEqual(byRole('roles/secretmanager.secretAccessor'), ['google_secret_manager_secret_iam_member', 'google_secret_manager_secret_iam_member']);
    assert.deepEqual(byRole('roles/storage.objectAdmin'), ['google_storage_bucket_iam_member']);
    assert.deepEqual(byRole('roles/bigquery.dataEditor'), ['google_bigquery_dataset_iam_member']);
    assert.deepEqual(
      grants.filter(([address]) => address.startsWith('google_project_iam_member')).map(([, body]) => body.role).sort(),
      ['roles/bigquery.jobUser', 'roles/datastore.user'],
    );
  });

  it('keeps secret values out of Terraform: secrets are containers, no secret version resource', () => {
    assert.equal([...all.resources.keys()].some((a) => a.startsWith('google_secret_manager_secret_version.')), false);
  });
});

describe('storage and BigQuery', () => {
  it('makes the staging bucket private and self-cleaning', () => {
    const bucket = tf.resources.get('google_storage_bucket.staging')!;
    assert.equal(bucket.uniform_bucket_level_access, true);
    assert.equal(bucket.public_access_prevention, 'enforced');
    const rule = block(bucket, 'lifecycle_rule');
    assert.equal(block(rule, 'condition').age, '${var.staging_retention_days}');
    assert.equal(block(rule, 'action').type, 'Delete');
    assert.equal(tf.variables.get('staging_retention_days')!.default, 3);
  });

  it('creates each table with exactly the schema, partitioning and clustering the code loads with', async () => {
    const locals = Object.values(tf.files).flatMap((f) => (f.locals as Record<string, unknown>[] | undefined) ?? []);
    const tables = locals.find((l) => 'tables' in l)!.tables as Record<string, { partition_field: string; clustering: string[] }>;
    assert.deepEqual(Object.keys(tables).sort(), [...explores.keys()].sort());
    for (const explore of explores.values()) {
      const committed = JSON.parse(await readFile(new URL(`schemas/${explore.name}.json`, `file://${MODULE}`), 'utf8'));
      assert.deepEqual(committed, bigQuerySchema(explore), `terraform/schemas/${explore.name}.json is stale: npm run schemas`);
      assert.equal(tables[explore.name]!.partition_field, explore.partitionField);
      assert.deepEqual(tables[explore.name]!.clustering, [...(explore.clusterBy ?? [])]);
    }
    const table = tf.resources.get('google_bigquery_table.explore')!;
    assert.equal(block(table, 'time_partitioning').type, 'DAY');
  });
});

describe('variables and outputs', () => {
  it('gives every variable a type and a description', () => {
    for (const [name, variable] of all.variables) {
      assert.ok(variable.type, `variable ${name} has no type`);
      assert.ok(String(variable.description ?? '').length > 10, `variable ${name} has no description`);
    }
  });

  it('outputs what an operator needs', () => {
    for (const name of ['function_uri', 'function_name', 'runtime_service_account', 'invoker_service_account', 'staging_bucket', 'dataset_id', 'scheduler_job', 'secret_ids']) {
      assert.ok(tf.outputs.has(name), `missing output ${name}`);
      assert.ok(tf.outputs.get(name)!.description, `output ${name} has no description`);
    }
  });
});

describe('against the google provider schema (6.50, via @cdktf/provider-google)', () => {
  it('is generated from a provider version that versions.tf allows', async () => {
    const version = await providerVersion();
    assert.match(version, /^6\./);
    const versions = tf.files['versions.tf']!.terraform as { required_providers: Record<string, { version: string }>[] }[];
    assert.equal(versions[0]!.required_providers[0]!.google!.version, '>= 6.0, < 7.0');
  });

  it('uses only resource types, arguments and blocks the provider defines, and sets the required ones', async () => {
    const problems: string[] = [];
    for (const [kind, entries] of [
      ['resource', all.resources],
      ['data', all.data],
    ] as const) {
      for (const [address, body] of entries) {
        const type = address.split('.')[0]!;
        if (!type.startsWith('google_')) continue; // hashicorp/archive is not part of this schema
        const schema = await resourceSchema(type, kind);
        if (!schema) {
          problems.push(`${kind} type ${type} does not exist`);
          continue;
        }
        for (const name of unknownNames(body, schema)) problems.push(`${address}: unknown argument or block "${name}"`);
        for (const name of schema.required) if (!(name in body)) problems.push(`${address}: required argument "${name}" is missing`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('catches a misspelt argument (the check itself works)', async () => {
    const schema = (await resourceSchema('google_storage_bucket'))!;
    assert.deepEqual(unknownNames({ name: 'x', location: 'US', uniform_bucket_acess: true, lifecycle_rule: [{ condition: [{ agee: 3 }] }] }, schema), [
      'uniform_bucket_acess',
      'lifecycle_rule.condition.agee',
    ]);
    assert.equal(await resourceSchema('google_storage_buckets'), undefined);
  });
});
