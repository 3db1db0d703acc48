/**
 * The Secret Manager fake judged by clients we did not write: `@google-cloud/secret-manager` over
 * gRPC and in its REST `fallback` mode, and `gcloud secrets` (which checks the CRC32C itself).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { CRC32C } from '@google-cloud/storage';
import { failure, gcloudConfig, insecureGrpc, restFallback, type GcloudConfig } from '../spec-helpers.js';
import { crc32c, startSecretManagerFake, type SecretManagerFake } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';

type GaxAuthClient = NonNullable<
  NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>['authClient']
>;

const PROJECT = 'secrets-spec';
const SEED = { 'api-key': 'k1-initial', 'db-password': 'p@ss wörd' };

const grpcClient = (fake: SecretManagerFake) => new SecretManagerServiceClient(insecureGrpc(fake.address));

const version = (secret: string, v: string | number, project = PROJECT) =>
  `projects/${project}/secrets/${secret}/versions/${v}`;

const text = (data: unknown) => Buffer.from(data as Uint8Array).toString();

/** The client library's CRC32C (not the fake's code), as an unsigned integer. */
function referenceCrc(data: Uint8Array): number {
  const crc = new CRC32C();
  crc.update(Buffer.from(data));
  return crc.valueOf() >>> 0;
}

describe('Secret Manager fake over gRPC (@google-cloud/secret-manager)', () => {
  let fake: SecretManagerFake;
  let client: SecretManagerServiceClient;

  before(async () => {
    fake = await startSecretManagerFake({ projectId: PROJECT, secrets: SEED });
    client = grpcClient(fake);
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await client.close();
    await fake.close();
  });

  it('serves latest and numbered versions with the payload and its CRC32C', async () => {
    const [latest] = await client.accessSecretVersion({ name: version('db-password', 'latest') });
    assert.equal(latest.name, version('db-password', 1));
    assert.equal(text(latest.payload!.data), SEED['db-password']);
    // int64 on the wire: the client hands it over as a decimal string.
    assert.equal(
      String(latest.payload!.dataCrc32c),
      String(referenceCrc(latest.payload!.data as Uint8Array)),
    );

    const [first] = await client.accessSecretVersion({ name: version('api-key', 1) });
    assert.equal(text(first.payload!.data), 'k1-initial');
  });

  it('computes CRC32C (Castagnoli) as the standard check value and the client library do', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff));
    assert.equal(crc32c(bytes), referenceCrc(bytes));
  });

  it('answers NOT_FOUND for a missing secret or version, in Google words', async () => {
    const missing = await failure(client.accessSecretVersion({ name: version('nope', 'latest') }));
    assert.equal(missing.code, grpc.status.NOT_FOUND);
    assert.equal(missing.details, `Secret [projects/${PROJECT}/secrets/nope] not found or has no versions.`);

    const noVersion = await failure(client.accessSecretVersion({ name: version('api-key', 7) }));
    assert.equal(noVersion.code, grpc.status.NOT_FOUND);
    assert.equal(noVersion.details, `Secret Version [${version('api-key', 7)}] not found.`);
  });

  it('fails FAILED_PRECONDITION for a disabled or destroyed version; latest follows the newest', async () => {
    fake.disableLatest('api-key');
    const disabled = await failure(client.accessSecretVersion({ name: version('api-key', 'latest') }));
    assert.equal(disabled.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(disabled.details, `Secret Version [${version('api-key', 1)}] is in DISABLED state.`);

    fake.setSecret('api-key', 'k2');
    await client.destroySecretVersion({ name: version('api-key', 2) });
    const destroyed = await failure(client.accessSecretVersion({ name: version('api-key', 'latest') }));
    assert.equal(destroyed.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(destroyed.details, `Secret Version [${version('api-key', 2)}] is in DESTROYED state.`);
  });

  it('rotates: a new version becomes latest, older ones stay readable', async () => {
    fake.setSecret('api-key', 'k2-rotated');
    const [latest] = await client.accessSecretVersion({ name: version('api-key', 'latest') });
    assert.equal(latest.name, version('api-key', 2));
    assert.equal(text(latest.payload!.data), 'k2-rotated');
    const [old] = await client.accessSecretVersion({ name: version('api-key', 1) });
    assert.equal(text(old.payload!.data), 'k1-initial');
  });

  it('creates secrets, adds versions with a checked CRC32C, gets and lists them newest first', async () => {
    const [secret] = await client.createSecret({
      parent: `projects/${PROJECT}`,
      secretId: 'created',
      secret: { replication: { automatic: {} }, labels: { team: 'data' } },
    });
    assert.equal(secret.name, `projects/${PROJECT}/secrets/created`);
    const duplicate = await failure(
      client.createSecret({ parent: `projects/${PROJECT}`, secretId: 'created', secret: {} }),
    );
    assert.equal(duplicate.code, grpc.status.ALREADY_EXISTS);

    const data = Buffer.from('v1');
    const [added] = await client.addSecretVersion({
      parent: secret.name,
      payload: { data, dataCrc32c: referenceCrc(data) },
    });
    assert.equal(added.name, `${secret.name}/versions/1`);
    assert.equal(added.state, 'ENABLED');
    assert.equal(added.clientSpecifiedPayloadChecksum, true);
    await client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from('v2') } });
    const corrupt = await failure(
      client.addSecretVersion({ parent: secret.name, payload: { data: Buffer.from('v3'), dataCrc32c: 1 } }),
    );
    assert.equal(corrupt.code, grpc.status.INVALID_ARGUMENT);

    const [got] = await client.getSecret({ name: secret.name });
    assert.deepEqual(got.labels, { team: 'data' });
    assert.ok(Number(got.createTime!.seconds) > 0);
    const [versions] = await client.listSecretVersions({ parent: secret.name });
    assert.deepEqual(
      versions.map((v) => v.name),
      [`${secret.name}/versions/2`, `${secret.name}/versions/1`],
    );
  });

  it('maps injected HTTP-style statuses to gRPC codes, with Google wording for 403', async () => {
    const cases: [number, grpc.status][] = [
      [403, grpc.status.PERMISSION_DENIED],
      [404, grpc.status.NOT_FOUND],
      [429, grpc.status.RESOURCE_EXHAUSTED],
      [500, grpc.status.INTERNAL],
      [503, grpc.status.UNAVAILABLE],
    ];
    for (const [status, code] of cases) {
      fake.faults.add({ match: 'AccessSecretVersion', fault: { kind: 'status', status } });
      // No retries, so the code the fake sent is the one the call fails with.
      const error = await failure(
        client.accessSecretVersion({ name: version('api-key', 'latest') }, { retry: null }),
      );
      assert.equal(error.code, code, `HTTP ${status}`);
      if (status === 403) {
        assert.equal(
          error.details,
          `Permission 'secretmanager.versions.access' denied for resource '${version('api-key', 'latest')}' (or it may not exist).`,
        );
      }
    }
    assert.equal(fake.faults.pending, 0);
  });

  it('lets the client retry an injected UNAVAILABLE, and delays on request', async () => {
    fake.faults.add({ match: 'AccessSecretVersion', fault: { kind: 'status', status: 503 } });
    const [afterRetry] = await client.accessSecretVersion({ name: version('api-key', 'latest') });
    assert.equal(afterRetry.name, version('api-key', 1));
    assert.equal(fake.faults.pending, 0);

    fake.faults.add({ match: 'AccessSecretVersion', fault: { kind: 'delay', ms: 300 } });
    const started = Date.now();
    await client.accessSecretVersion({ name: version('api-key', 'latest') });
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
  });

  it('refuses other projects, and names resources by project number when it has one', async () => {
    const other = await failure(client.accessSecretVersion({ name: version('api-key', 'latest', 'other') }));
    assert.equal(other.code, grpc.status.PERMISSION_DENIED);

    const numbered = await startSecretManagerFake({
      projectId: PROJECT,
      projectNumber: '123456789012',
      secrets: SEED,
    });
    const numberedClient = grpcClient(numbered);
    try {
      const [byId] = await numberedClient.accessSecretVersion({ name: version('api-key', 'latest') });
      assert.equal(byId.name, version('api-key', 1, '123456789012'));
      const [byNumber] = await numberedClient.accessSecretVersion({
        name: version('api-key', 'latest', '123456789012'),
      });
      assert.equal(byNumber.name, byId.name);
    } finally {
      await numberedClient.close();
      await numbered.close();
    }
  });

  it('reset brings back the seed and drops faults', async () => {
    fake.setSecret('api-key', 'k2');
    fake.setSecret('extra', 'x');
    fake.faults.add({ match: 'nothing-matches-this', fault: { kind: 'status', status: 500 } });
    await fake.reset();
    assert.equal(fake.faults.pending, 0);
    const [latest] = await client.accessSecretVersion({ name: version('api-key', 'latest') });
    assert.equal(latest.name, version('api-key', 1));
    const extra = await failure(client.getSecret({ name: `projects/${PROJECT}/secrets/extra` }));
    assert.equal(extra.code, grpc.status.NOT_FOUND);
  });

  it('never writes a secret value to stdout or stderr', async () => {
    const seen: string[] = [];
    const original = { out: process.stdout.write, err: process.stderr.write };
    const spy =
      (write: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
      (...args: Parameters<typeof process.stdout.write>): boolean => {
        seen.push(String(args[0]));
        return write.apply(stream, args);
      };
    process.stdout.write = spy(original.out, process.stdout) as typeof process.stdout.write;
    process.stderr.write = spy(original.err, process.stderr) as typeof process.stderr.write;
    try {
      fake.setSecret('api-key', 'very-secret-value');
      await client.accessSecretVersion({ name: version('api-key', 'latest') });
      fake.faults.add({ fault: { kind: 'status', status: 403 } });
      await failure(client.accessSecretVersion({ name: version('api-key', 'latest') }));
      await (await fetch(`${fake.restUrl}/v1/${version('api-key', 'latest')}:access`)).arrayBuffer();
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    }
    assert.ok(!seen.some((line) => line.includes('very-secret-value')));
  });
});

describe('Secret Manager fake over REST (client fallback mode, gcloud)', () => {
  let fake: SecretManagerFake;
  let config: GcloudConfig;

  before(async () => {
    fake = await startSecretManagerFake({ projectId: PROJECT, secrets: SEED });
    config = gcloudConfig('gcloud-secrets-spec-');
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await fake.close();
    config.remove();
  });

  const gcloud = (...args: string[]) =>
    config.gcloud([...args, `--project=${PROJECT}`], {
      CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER: `${fake.restUrl}/`,
    });

  const stderrMatches = (pattern: RegExp) => (error: { stderr: string }) => {
    assert.match(error.stderr, pattern);
    return true;
  };

  it('serves the Node client in REST fallback mode (GET /v1/...:access)', async () => {
    const client = new SecretManagerServiceClient(restFallback<GaxAuthClient>(fake.restUrl));
    try {
      const [latest] = await client.accessSecretVersion({ name: version('db-password', 'latest') });
      assert.equal(text(latest.payload!.data), SEED['db-password']);
      assert.equal(
        String(latest.payload!.dataCrc32c),
        String(referenceCrc(latest.payload!.data as Uint8Array)),
      );
      // This client version surfaces REST errors with the HTTP status (404), newer ones with the code (5).
      await assert.rejects(
        client.accessSecretVersion({ name: version('nope', 'latest') }),
        (error: { code: number }) => error.code === 404 || error.code === 5,
      );
    } finally {
      await client.close();
    }
  });

  it('gcloud secrets versions access latest prints the value after checking its CRC32C', async () => {
    assert.equal(
      await gcloud('secrets', 'versions', 'access', 'latest', '--secret=db-password'),
      SEED['db-password'],
    );
  });

  it('shares one store with gRPC: gcloud adds a version, the Node client reads it as latest', async () => {
    const file = join(config.dir, 'value');
    writeFileSync(file, 'from-gcloud');
    await gcloud('secrets', 'versions', 'add', 'api-key', `--data-file=${file}`);
    const client = grpcClient(fake);
    try {
      const [latest] = await client.accessSecretVersion({ name: version('api-key', 'latest') });
      assert.equal(latest.name, version('api-key', 2));
      assert.equal(text(latest.payload!.data), 'from-gcloud');
    } finally {
      await client.close();
    }
  });

  it('gcloud reports a disabled version and an injected 403 as Google would', async () => {
    fake.disableLatest('api-key');
    await assert.rejects(
      gcloud('secrets', 'versions', 'access', 'latest', '--secret=api-key'),
      stderrMatches(/FAILED_PRECONDITION: Secret Version \[.*\/versions\/1\] is in DISABLED state/),
    );
    fake.faults.add({ match: ':access', fault: { kind: 'status', status: 403 } });
    await assert.rejects(
      gcloud('secrets', 'versions', 'access', '1', '--secret=db-password'),
      stderrMatches(/PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied/),
    );
  });

  it('cuts a REST answer mid-body when asked', async () => {
    fake.faults.add({ match: ':access', fault: { kind: 'cut', afterBytes: 10 } });
    await assert.rejects(
      fetch(`${fake.restUrl}/v1/${version('api-key', 'latest')}:access`).then((r) => r.text()),
    );
  });
});

describe('Secret Manager fake lifecycle', () => {
  it('close frees both ports and can be called twice', async () => {
    const fake = await startSecretManagerFake({ projectId: PROJECT, secrets: {} });
    const grpcPort = Number(fake.address.split(':')[1]);
    const restPort = Number(new URL(fake.restUrl).port);
    await fake.close();
    await fake.close();
    for (const port of [grpcPort, restPort]) {
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve();
          });
          socket.once('error', reject);
        }),
        { code: 'ECONNREFUSED' },
      );
    }
  });
});
