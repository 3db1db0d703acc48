/**
 * Whatever the environment holds, parseConfig gives a frozen configuration whose values are in
 * range, or a ConfigError naming each bad variable without echoing its value: never anything else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CONFIG_VARIABLES, parseConfig, type Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { explores } from '../../src/explores/index.js';

const NAMES = CONFIG_VARIABLES.map((v) => v.name);

/** Values an operator might set, right or nearly right, per variable. */
const plausible: Record<string, string[]> = {
  LOOKER_BASE_URL: [
    'https://acme.cloud.looker.com',
    'http://127.0.0.1:9999/',
    'HTTPS://x.y//',
    'ftp://x',
    'acme.looker.com',
    'https://',
    'http:x',
  ],
  LOOKER_CLIENT_ID_SECRET: [
    'looker-client-id',
    'projects/p/secrets/s',
    'projects/p/secrets/s/versions/3',
    'a/b',
    '',
  ],
  LOOKER_CLIENT_SECRET_SECRET: ['looker-client-secret', 'projects//secrets/s'],
  LOOKER_INSTANCE_NAME: ['acme', 'acme.cloud.looker.com', 'a b', 'x'.repeat(101)],
  LOOKER_VERIFY_SSL: ['true', 'FALSE', ' 0 ', 'yes', 'maybe'],
  LOOKER_INSTANCES: [
    '[{"name":"us","baseUrl":"https://us.looker.com","clientIdSecret":"id","clientSecretSecret":"secret"}]',
    '[{"name":"us","baseUrl":"https://us.looker.com","clientIdSecret":"id","clientSecretSecret":"secret","dataset":"us_activity","verifySsl":false},{"name":"eu","baseUrl":"https://eu.looker.com","clientIdSecret":"eu-id","clientSecretSecret":"eu-secret","dataset":"eu_activity"}]',
    '[{"name":"us","baseUrl":"https://us.looker.com","clientIdSecret":"id","clientSecretSecret":"secret"},{"name":"us","baseUrl":"https://eu.looker.com","clientIdSecret":"id","clientSecretSecret":"secret"}]',
    '[]',
    '[{',
    '{"name":"us"}',
    '[{"name":"us","baseUrl":"ftp://x","clientIdSecret":"id","clientSecretSecret":"secret","extra":1}]',
  ],
  EXPORT_EXPLORES: ['content_usage,history', 'user', ' , ', 'nope', 'history,,event'],
  EXPLORE_CONCURRENCY: ['1', '8', '9', '0', 'two'],
  EXCLUDE_OWN_ACTIVITY: ['true', 'false', 'sometimes'],
  MASK_PERSONAL_DATA: ['true', 'false', 'perhaps'],
  MASKING_RULES: [
    '{"user.email":"keep"}',
    '{"user.email":"hash"}',
    '{"user.id":"drop"}',
    '{"history.user_id":"hash"}',
    '{"user.shoe_size":"drop"}',
    '{"user.email":"blur"}',
    '["user.email"]',
  ],
  MASKING_KEY_SECRET: ['masking-key', 'projects/p/secrets/k', 'a/b'],
  LOOKER_TIMEOUT_SECONDS: ['600', '0', '3600', '3601', '-5', '1.5', '9'.repeat(400), '1e3', '０'],
  LOOKER_ROW_CAP: ['5000', '0', '9'.repeat(30), '9'.repeat(400), '-1'],
  GOOGLE_CLOUD_PROJECT: ['my-project-1', 'My-Project', 'abc', 'a'.repeat(31)],
  GCS_BUCKET: ['my-bucket', 'Bad_Bucket!', 'a.b-c_d', 'ab'],
  GCS_PREFIX: ['system_activity', '/a/b/', '', '..', 'a b'],
  BQ_DATASET: ['looker_system_activity', 'has-dash', 'x'.repeat(1025)],
  BQ_LOCATION: ['US', 'europe-west1', ' '],
  FIRESTORE_DATABASE: ['(default)', 'other'],
  FIRESTORE_COLLECTION: ['looker_activity_export', 'a/b', 'x'.repeat(101)],
  SETTLE_DAYS: ['1', '0', '30', '31', '-1', '9'.repeat(400)],
  RUN_BUDGET_SECONDS: ['3300', '0', '86400', '86401', '9'.repeat(400)],
  GCS_API_ENDPOINT: ['http://127.0.0.1:1/', 'localhost:1'],
  BIGQUERY_API_ENDPOINT: ['http://127.0.0.1:1', 'nope'],
  SECRET_MANAGER_API_ENDPOINT: ['127.0.0.1:1', 'http://127.0.0.1:1'],
  FIRESTORE_EMULATOR_HOST: ['127.0.0.1:1'],
};

/** A value with a unique tag, so a message that echoes it is caught without false alarms. */
const tagged = fc.tuple(fc.string(), fc.stringMatching(/^[0-9a-f]{16}$/)).map(([s, tag]) => `${s}#${tag}`);

const valueFor = (name: string) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...(plausible[name] ?? ['x'])), weight: 4 },
    { arbitrary: fc.constantFrom(...(plausible[name] ?? ['x'])).map((v) => ` ${v}\t`), weight: 1 },
    { arbitrary: fc.string(), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme' }), weight: 1 },
    { arbitrary: tagged, weight: 1 },
  );

/** An environment: every known variable maybe set, plus unrelated variables. */
const environment = fc
  .tuple(
    fc.record(Object.fromEntries(NAMES.map((name) => [name, valueFor(name)])), { requiredKeys: [] }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
  )
  .map(([known, other]) => ({ ...other, ...known }) as Record<string, string | undefined>);

function assertDeepFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${path}.${key}`);
}

function assertValid(config: Config): void {
  assertDeepFrozen(config);
  assert.ok(config.instances.length > 0, 'no instance');
  for (const key of ['name', 'dataset'] as const)
    assert.equal(
      new Set(config.instances.map((i) => i[key])).size,
      config.instances.length,
      `a ${key} repeated`,
    );
  for (const instance of config.instances) {
    assert.match(new URL(instance.baseUrl).protocol, /^https?:$/);
    assert.ok(!instance.baseUrl.endsWith('/'));
    assert.match(instance.name, /^\S(.*\S)?$/);
    for (const value of [instance.clientIdSecret, instance.clientSecretSecret, instance.dataset])
      assert.ok(value.length > 0 && value === value.trim(), `blank or untrimmed: ${JSON.stringify(value)}`);
  }
  assert.ok(config.explores.length > 0 && config.explores.every((name) => explores.has(name)));
  const hashes = Object.values(config.masking.rules).includes('hash');
  assert.equal(config.masking.keySecret !== undefined, hashes, 'a key secret exactly when a rule hashes');
  for (const [what, value, min, max] of [
    ['timeoutMs', config.looker.timeoutMs, 1000, 3_600_000],
    ['rowCap', config.looker.rowCap, 0, Number.MAX_SAFE_INTEGER],
    ['settleDays', config.settleDays, 0, 30],
    ['runBudgetMs', config.runBudgetMs, 1000, 86_400_000],
    ['exploreConcurrency', config.exploreConcurrency, 1, 8],
  ] as const) {
    assert.ok(Number.isSafeInteger(value) && value >= min && value <= max, `${what} = ${value}`);
  }
  for (const value of [
    config.projectId,
    config.gcs.bucket,
    config.bigquery.dataset,
    config.bigquery.location,
    config.firestore.databaseId,
    config.firestore.collection,
  ]) {
    assert.ok(value.length > 0 && value === value.trim(), `blank or untrimmed: ${JSON.stringify(value)}`);
  }
  assert.ok(!config.gcs.prefix.startsWith('/') && !config.gcs.prefix.endsWith('/'));
  for (const endpoint of [config.gcs.apiEndpoint, config.bigquery.apiEndpoint]) {
    if (endpoint !== undefined) assert.match(new URL(endpoint).protocol, /^https?:$/);
  }
}

const BASE = {
  LOOKER_BASE_URL: 'https://acme.cloud.looker.com',
  LOOKER_CLIENT_ID_SECRET: 'looker-client-id',
  LOOKER_CLIENT_SECRET_SECRET: 'looker-client-secret',
  GOOGLE_CLOUD_PROJECT: 'my-project-1',
  GCS_BUCKET: 'my-bucket',
  BQ_DATASET: 'looker_system_activity',
};

/** A valid environment with one variable fuzzed: reaches each variable's own checks. */
const oneOff = fc
  .constantFrom(...NAMES)
  .chain((name) => valueFor(name).map((value) => ({ name, env: { ...BASE, [name]: value } })));

/** Parses and checks the outcome against the contract; returns the problems, if any. */
function check(env: Record<string, string | undefined>): readonly string[] {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
    assert.ok(error.problems.length > 0);
    for (const problem of error.problems)
      assert.ok(
        NAMES.some((name) => problem.startsWith(name) && /^[ ,[]/.test(problem.slice(name.length))),
        `a problem names no variable: ${problem}`,
      );
    for (const value of Object.values(env)) {
      const tag = value?.match(/#[0-9a-f]{16}$/)?.[0];
      if (tag) assert.ok(!error.message.includes(tag), 'a value was echoed');
    }
    return error.problems;
  }
  assertValid(config);
  return [];
}

describe('parseConfig under fuzzing', () => {
  it('gives a frozen, in-range Config or a ConfigError naming each problem, never echoing a value', () => {
    fc.assert(
      fc.property(environment, (env) => {
        check(env);
      }),
      { numRuns: 500 },
    );
  });

  it('judges each variable on its own within a valid environment: every problem names the one changed', () => {
    fc.assert(
      fc.property(oneOff, ({ name, env }) => {
        for (const problem of check(env)) assert.ok(problem.includes(name), `${name}: ${problem}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts every environment made of valid values', () => {
    const valid = {
      LOOKER_BASE_URL: fc.constantFrom('https://acme.cloud.looker.com', 'http://127.0.0.1:9999/'),
      LOOKER_CLIENT_ID_SECRET: fc.constantFrom('looker-client-id', 'projects/p/secrets/s'),
      LOOKER_CLIENT_SECRET_SECRET: fc.constant('looker-client-secret'),
      GOOGLE_CLOUD_PROJECT: fc.constantFrom('my-project-1', 'looker-export-local'),
      GCS_BUCKET: fc.constantFrom('my-bucket', 'a.b-c_d'),
      BQ_DATASET: fc.stringMatching(/^[A-Za-z0-9_]{1,40}$/),
      LOOKER_TIMEOUT_SECONDS: fc.integer({ min: 1, max: 3600 }).map(String),
      LOOKER_ROW_CAP: fc.nat().map(String),
      SETTLE_DAYS: fc.integer({ min: 1, max: 30 }).map(String),
      WINDOW_MAX_ROWS: fc.integer({ min: 1, max: 100_000_000 }).map(String),
      RUN_BUDGET_SECONDS: fc.integer({ min: 1, max: 86_400 }).map(String),
      GCS_PREFIX: fc.stringMatching(/^[A-Za-z0-9._=/-]{0,20}$/),
    };
    fc.assert(
      fc.property(
        fc.record(valid, {
          requiredKeys: [
            'LOOKER_BASE_URL',
            'LOOKER_CLIENT_ID_SECRET',
            'LOOKER_CLIENT_SECRET_SECRET',
            'GOOGLE_CLOUD_PROJECT',
            'GCS_BUCKET',
            'BQ_DATASET',
          ],
        }),
        (env) => {
          assertValid(parseConfig(env));
        },
      ),
      { numRuns: 300 },
    );
  });
});
