import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, parseConfig, variablesWhere } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const valid = {
  LOOKER_BASE_URL: 'https://acme.cloud.looker.com/',
  LOOKER_CLIENT_ID_SECRET: 'looker-client-id',
  LOOKER_CLIENT_SECRET_SECRET: 'projects/p/secrets/looker-client-secret',
  GOOGLE_CLOUD_PROJECT: 'my-project-1',
  GCS_BUCKET: 'my-staging-bucket',
  BQ_DATASET: 'looker_system_activity',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default from a minimal environment', () => {
    const config = parseConfig(valid);
    assert.equal(config.instances[0]!.baseUrl, 'https://acme.cloud.looker.com');
    assert.equal(config.instances[0]!.name, 'acme.cloud.looker.com');
    assert.equal(config.instances[0]!.verifySsl, true);
    assert.equal(config.looker.timeoutMs, 600_000);
    assert.equal(config.bigquery.location, 'US');
    assert.equal(config.gcs.prefix, 'system_activity');
    assert.equal(config.firestore.collection, 'looker_activity_export');
    assert.equal(config.firestore.databaseId, '(default)');
    assert.equal(config.settleDays, 1);
    assert.equal(config.runBudgetMs, 1_500_000);
    assert.equal(config.looker.rowCap, 0);
    assert.equal(config.windowMaxRows, 1_000_000);
    assert.equal(config.looker.eliteSystemActivity, false);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.looker));
  });

  it('refuses SETTLE_DAYS=0 unless every instance has Elite System Activity (the 12-hour cache loses rows)', () => {
    const problems = problemsOf({ ...valid, SETTLE_DAYS: '0' });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^SETTLE_DAYS is 0, which loses rows: .*12 hours/);
    assert.equal(parseConfig({ ...valid, SETTLE_DAYS: '0', ELITE_SYSTEM_ACTIVITY: 'true' }).settleDays, 0);
  });

  it('refuses masking the cursor an incremental table is partitioned and read by', () => {
    for (const action of ['drop', 'hash'])
      assert.deepEqual(
        problemsOf({ ...valid, MASKING_RULES: JSON.stringify({ 'history.created_time': action }) }),
        [
          action === 'hash'
            ? 'MASKING_RULES hashes "history.created_time", a column of type DATETIME; only STRING columns can be hashed (use drop)'
            : 'MASKING_RULES masks "history.created_time", the time the table is partitioned and read by, which cannot be masked',
        ],
      );
  });

  it('names every missing required variable at once', () => {
    const required = variablesWhere((v) => v.need === 'always');
    assert.ok(required.length >= 3);
    const problems = problemsOf({});
    assert.deepEqual(problems, required.map((name) => `${name} is required but not set`).sort());
  });

  it('treats blank values as unset', () => {
    assert.deepEqual(problemsOf({ ...valid, GCS_BUCKET: '  ' }), ['GCS_BUCKET is required but not set']);
    assert.equal(parseConfig({ ...valid, SETTLE_DAYS: '' }).settleDays, 1);
  });

  it('says what is wrong with each malformed value, without echoing it', () => {
    const problems = problemsOf({
      ...valid,
      LOOKER_BASE_URL: 'acme.looker.com',
      LOOKER_VERIFY_SSL: 'maybe',
      LOOKER_TIMEOUT_SECONDS: '-5',
      GCS_BUCKET: 'Bad_Bucket!',
      BQ_DATASET: 'has-dash',
      SETTLE_DAYS: '99',
    });
    assert.deepEqual(problems, [
      'BQ_DATASET must be letters, digits and underscores',
      'GCS_BUCKET must be a valid bucket name (lower case, digits, - _ .)',
      'LOOKER_BASE_URL must be an http(s) URL',
      'LOOKER_TIMEOUT_SECONDS must be a whole number',
      'LOOKER_VERIFY_SSL must be true or false',
      'SETTLE_DAYS must be between 0 and 30',
    ]);
  });

  it('turns TLS verification off only when asked explicitly', () => {
    assert.equal(parseConfig({ ...valid, LOOKER_VERIFY_SSL: 'false' }).instances[0]!.verifySsl, false);
    assert.equal(parseConfig({ ...valid, LOOKER_VERIFY_SSL: 'TRUE' }).instances[0]!.verifySsl, true);
  });

  it('ignores variables it does not know', () => {
    assert.doesNotThrow(() => parseConfig({ ...valid, UNRELATED: 'x' }));
  });
});

describe('CONFIG_VARIABLES', () => {
  it('is what the parser reads: each variable, set to a value its own schema refuses, is named', () => {
    const candidates = ['maybe', 'not a value!', '-1', '{', '0', '99999999999', 'ftp://x', 'x'.repeat(2000)];
    let named = 0;
    for (const variable of CONFIG_VARIABLES) {
      const refused = candidates.find((value) => !variable.schema.safeParse(value).success);
      // BQ_LOCATION and FIRESTORE_DATABASE take any non-blank text.
      if (refused === undefined) continue;
      const problems = problemsOf({ ...valid, [variable.name]: refused });
      assert.ok(
        problems.some((p) => p.startsWith(`${variable.name} `) || p.startsWith(`${variable.name}[`)),
        `${variable.name}=${refused}: ${problems.join('; ')}`,
      );
      named++;
    }
    assert.ok(named >= CONFIG_VARIABLES.length - 2, `${named} of ${CONFIG_VARIABLES.length}`);
  });

  it('reads the run budget', () => {
    assert.equal(parseConfig({ ...valid, RUN_BUDGET_SECONDS: '60' }).runBudgetMs, 60_000);
  });
});

describe('parseConfig: instances', () => {
  const single = {
    GOOGLE_CLOUD_PROJECT: 'my-project-1',
    GCS_BUCKET: 'my-staging-bucket',
    BQ_DATASET: 'looker_system_activity',
  };
  const entry = (name: string, dataset?: string) => ({
    name,
    baseUrl: `https://${name}.cloud.looker.com`,
    clientIdSecret: `${name}-id`,
    clientSecretSecret: `${name}-secret`,
    ...(dataset ? { dataset } : {}),
  });

  it('reads the single-instance variables as one instance loading into BQ_DATASET', () => {
    assert.deepEqual(parseConfig(valid).instances, [
      {
        name: 'acme.cloud.looker.com',
        baseUrl: 'https://acme.cloud.looker.com',
        clientIdSecret: 'looker-client-id',
        clientSecretSecret: 'projects/p/secrets/looker-client-secret',
        verifySsl: true,
        dataset: 'looker_system_activity',
        monthlyQueryBudget: 0,
      },
    ]);
  });

  it('reads LOOKER_INSTANCES, each with its own dataset', () => {
    const config = parseConfig({
      ...single,
      LOOKER_INSTANCES: JSON.stringify([entry('us'), { ...entry('emea', 'looker_emea'), verifySsl: false }]),
    });
    assert.deepEqual(
      config.instances.map((i) => [i.name, i.dataset, i.verifySsl]),
      [
        ['us', 'looker_system_activity', true],
        ['emea', 'looker_emea', false],
      ],
    );
  });

  it('names what is wrong with a list of instances', () => {
    assert.deepEqual(problemsOf({ ...single, LOOKER_INSTANCES: '[{' }), [
      'LOOKER_INSTANCES must be valid JSON',
    ]);
    assert.deepEqual(problemsOf({ ...single, LOOKER_INSTANCES: '[]' }), [
      'LOOKER_INSTANCES must list at least one instance',
    ]);
    assert.match(
      problemsOf({
        ...single,
        LOOKER_INSTANCES: JSON.stringify([{ ...entry('us'), baseUrl: 'ftp://x' }]),
      })[0]!,
      /^LOOKER_INSTANCES\[0\.baseUrl\] must be an http\(s\) URL$/,
    );
    assert.deepEqual(
      problemsOf({ ...single, LOOKER_INSTANCES: JSON.stringify([entry('us'), entry('us', 'b')]) }),
      ['LOOKER_INSTANCES names "us" twice'],
    );
    assert.match(
      problemsOf({ ...single, LOOKER_INSTANCES: JSON.stringify([entry('us'), entry('emea')]) })[0]!,
      /two instances loading into dataset "looker_system_activity"/,
    );
    assert.deepEqual(problemsOf({ ...valid, LOOKER_INSTANCES: JSON.stringify([entry('us')]) }), [
      'LOOKER_BASE_URL, LOOKER_CLIENT_ID_SECRET, LOOKER_CLIENT_SECRET_SECRET must not be set with LOOKER_INSTANCES (list every instance there)',
    ]);
    assert.deepEqual(problemsOf(single), [
      'LOOKER_BASE_URL is required but not set (or set LOOKER_INSTANCES)',
      'LOOKER_CLIENT_ID_SECRET is required but not set (or set LOOKER_INSTANCES)',
      'LOOKER_CLIENT_SECRET_SECRET is required but not set (or set LOOKER_INSTANCES)',
    ]);
  });
});

describe('parseConfig: explores and masking', () => {
  it('exports every registered explore unless EXPORT_EXPLORES names some', () => {
    assert.ok(parseConfig(valid).explores.length >= 13);
    assert.deepEqual(parseConfig({ ...valid, EXPORT_EXPLORES: 'history, user' }).explores, [
      'history',
      'user',
    ]);
    assert.match(
      problemsOf({ ...valid, EXPORT_EXPLORES: 'history,nope' })[0]!,
      /^EXPORT_EXPLORES must name known explores/,
    );
  });

  it('masks nothing unless asked', () => {
    assert.deepEqual(parseConfig(valid).masking, { rules: {}, keySecret: undefined });
  });

  it('turns on the registry defaults with MASK_PERSONAL_DATA, and lets rules override them', () => {
    const { masking } = parseConfig({
      ...valid,
      MASK_PERSONAL_DATA: 'true',
      MASKING_KEY_SECRET: 'masking-key',
      MASKING_RULES: '{"user.first_name":"keep","history.connection_name":"drop"}',
    });
    assert.equal(masking.keySecret, 'masking-key');
    assert.equal(masking.rules['user.email'], 'hash');
    assert.equal(masking.rules['query.filters'], 'drop');
    assert.equal(masking.rules['history.connection_name'], 'drop');
    assert.equal(masking.rules['user.first_name'], undefined);
  });

  it('refuses rules that cannot work', () => {
    assert.deepEqual(problemsOf({ ...valid, MASKING_RULES: '{"user.email":"hash"}' }), [
      'MASKING_KEY_SECRET is required when a masking rule hashes (MASK_PERSONAL_DATA or MASKING_RULES): it holds the HMAC key',
    ]);
    assert.deepEqual(problemsOf({ ...valid, MASKING_RULES: '{"user.id":"drop","history.user_id":"hash"}' }), [
      'MASKING_RULES hashes "history.user_id", a column of type INTEGER; only STRING columns can be hashed (use drop)',
      'MASKING_RULES masks "user.id", which identifies the row and cannot be masked',
    ]);
    assert.match(
      problemsOf({ ...valid, MASKING_RULES: '{"user.email":"blur"}' })[0]!,
      /^MASKING_RULES\[user\.email\] /,
    );
  });
});
