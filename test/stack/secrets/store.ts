/**
 * The Secret Manager fake's data and rules, independent of the wire: both transports (gRPC for
 * the Node client, REST for gcloud) call `SecretStore.call(method, request)` and serialise what
 * comes back. Resources come back with `Date` and `Buffer` values; each transport encodes them.
 */
import { crc32c } from './crc32c.js';
import { ApiError } from '../grpc-status.js';

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

/** A request in the field names of the protos (camelCase), whichever transport it came by. */
export interface SecretRequest {
  name?: string;
  parent?: string;
  secretId?: string;
  secret?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    replication?: unknown;
  } | null;
  payload?: { data?: Uint8Array | null; dataCrc32c?: string | number | null } | null;
  pageSize?: number;
  pageToken?: string;
  filter?: string;
}

interface StoredVersion {
  number: number;
  data: Buffer | undefined; // gone once destroyed
  state: VersionState;
  createTime: Date;
  destroyTime?: Date;
  clientChecksum: boolean;
  changed: number;
}

interface StoredSecret {
  id: string;
  createTime: Date;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  replication: unknown;
  versions: StoredVersion[];
  changed: number;
}

/** The RPCs the fake answers; every other RPC of the service is UNIMPLEMENTED. */
export const METHODS = {
  AccessSecretVersion: { permission: 'secretmanager.versions.access', target: 'name' },
  GetSecretVersion: { permission: 'secretmanager.versions.get', target: 'name' },
  ListSecretVersions: { permission: 'secretmanager.versions.list', target: 'parent' },
  AddSecretVersion: { permission: 'secretmanager.versions.add', target: 'parent' },
  DisableSecretVersion: { permission: 'secretmanager.versions.disable', target: 'name' },
  EnableSecretVersion: { permission: 'secretmanager.versions.enable', target: 'name' },
  DestroySecretVersion: { permission: 'secretmanager.versions.destroy', target: 'name' },
  GetSecret: { permission: 'secretmanager.secrets.get', target: 'name' },
  ListSecrets: { permission: 'secretmanager.secrets.list', target: 'parent' },
  CreateSecret: { permission: 'secretmanager.secrets.create', target: 'parent' },
  DeleteSecret: { permission: 'secretmanager.secrets.delete', target: 'name' },
} as const;

export type MethodName = keyof typeof METHODS;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

/** Google's wording when the caller may not do `method` on the resource named in `request`. */
export function permissionDenied(method: MethodName, request: SecretRequest): ApiError {
  const { permission, target } = METHODS[method];
  return new ApiError(
    'PERMISSION_DENIED',
    `Permission '${permission}' denied for resource '${request[target] ?? ''}' (or it may not exist).`,
  );
}

const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_PAGE_SIZE = 25_000;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

export class SecretStore {
  readonly #projectId: string;
  readonly #projectNumber: string | undefined;
  #secrets = new Map<string, StoredSecret>();
  #clock = 0;

  constructor(projectId: string, projectNumber?: string) {
    this.#projectId = projectId;
    this.#projectNumber = projectNumber;
  }

  /** Google names resources by project number in its answers; without one the id is echoed. */
  get #project(): string {
    return this.#projectNumber ?? this.#projectId;
  }

  /** Forgets everything, then gives each seeded secret one version holding its value. */
  seed(values: Record<string, string>): void {
    this.#secrets = new Map();
    for (const [id, value] of Object.entries(values)) this.put(id, value);
  }

  /** Test hook: adds a version (creating the secret if needed); returns its number. */
  put(id: string, value: string | Uint8Array): number {
    if (!SECRET_ID.test(id)) throw new Error(`invalid secret id ${JSON.stringify(id)}`);
    const secret = this.#secrets.get(id) ?? this.#newSecret(id, {});
    return this.#addVersion(secret, Buffer.from(value), false).number;
  }

  /** Test hook: disables the newest version, so `latest` fails FAILED_PRECONDITION. */
  disableLatest(id: string): void {
    const latest = this.#secrets.get(id)?.versions.at(-1);
    if (!latest) throw new Error(`the secret ${id} has no version to disable`);
    if (latest.state === 'DESTROYED') throw new Error(`the latest version of ${id} is destroyed`);
    latest.state = 'DISABLED';
    latest.changed = this.#tick();
  }

  call(method: MethodName, request: SecretRequest): unknown {
    switch (method) {
      case 'AccessSecretVersion': {
        const { secret, version } = this.#findVersion(request, method);
        if (version.state !== 'ENABLED') {
          throw new ApiError(
            'FAILED_PRECONDITION',
            `Secret Version [${this.#versionName(secret, version)}] is in ${version.state} state.`,
          );
        }
        return {
          name: this.#versionName(secret, version),
          payload: { data: version.data!, dataCrc32c: String(crc32c(version.data!)) },
        };
      }
      case 'GetSecretVersion': {
        const { secret, version } = this.#findVersion(request, method);
        return this.#versionResource(secret, version);
      }
      case 'ListSecretVersions': {
        const secret = this.#findSecret(request.parent, method, request);
        const wanted = parseStateFilter(request.filter);
        // Google lists the newest version first.
        const versions = [...secret.versions].reverse().filter((v) => !wanted || v.state === wanted);
        const page = paginate(versions, request);
        return {
          versions: page.items.map((v) => this.#versionResource(secret, v)),
          nextPageToken: page.nextPageToken,
          totalSize: versions.length,
        };
      }
      case 'AddSecretVersion': {
        const secret = this.#findSecret(request.parent, method, request);
        const data = Buffer.from(request.payload?.data ?? new Uint8Array());
        if (data.length > MAX_PAYLOAD_BYTES) {
          throw new ApiError('INVALID_ARGUMENT', `Secret Payload cannot be larger than 64KiB.`);
        }
        const claimed = request.payload?.dataCrc32c;
        const hasClaim = claimed !== undefined && claimed !== null && claimed !== '';
        if (hasClaim && Number(claimed) !== crc32c(data)) {
          throw new ApiError(
            'INVALID_ARGUMENT',
            'Checksum mismatch: the payload data_crc32c does not match the payload data.',
          );
        }
        return this.#versionResource(secret, this.#addVersion(secret, data, hasClaim));
      }
      case 'DisableSecretVersion':
      case 'EnableSecretVersion':
      case 'DestroySecretVersion': {
        const { secret, version } = this.#findVersion(request, method);
        if (version.state === 'DESTROYED') {
          throw new ApiError(
            'FAILED_PRECONDITION',
            `Secret Version [${this.#versionName(secret, version)}] is in DESTROYED state.`,
          );
        }
        if (method === 'DestroySecretVersion') {
          version.state = 'DESTROYED';
          version.data = undefined;
          version.destroyTime = new Date();
        } else {
          version.state = method === 'DisableSecretVersion' ? 'DISABLED' : 'ENABLED';
        }
        version.changed = this.#tick();
        return this.#versionResource(secret, version);
      }
      case 'GetSecret':
        return this.#secretResource(this.#findSecret(request.name, method, request));
      case 'ListSecrets': {
        this.#checkProject(request.parent ?? '', /^projects\/([^/]+)$/, method, request);
        const page = paginate([...this.#secrets.values()], request);
        return {
          secrets: page.items.map((s) => this.#secretResource(s)),
          nextPageToken: page.nextPageToken,
          totalSize: this.#secrets.size,
        };
      }
      case 'CreateSecret': {
        this.#checkProject(request.parent ?? '', /^projects\/([^/]+)$/, method, request);
        const id = request.secretId ?? '';
        if (!SECRET_ID.test(id)) {
          throw new ApiError(
            'INVALID_ARGUMENT',
            'Secret ID must be 1 to 255 characters of letters, numbers, hyphens and underscores.',
          );
        }
        if (this.#secrets.has(id)) {
          throw new ApiError(
            'ALREADY_EXISTS',
            `Secret [projects/${this.#project}/secrets/${id}] already exists.`,
          );
        }
        return this.#secretResource(this.#newSecret(id, request.secret ?? {}));
      }
      case 'DeleteSecret': {
        const secret = this.#findSecret(request.name, method, request);
        this.#secrets.delete(secret.id);
        return {};
      }
    }
  }

  #tick(): number {
    // Strictly increasing, so two changes within one millisecond still get different etags.
    this.#clock = Math.max(this.#clock + 1, Date.now() * 1000);
    return this.#clock;
  }

  #newSecret(id: string, input: NonNullable<SecretRequest['secret']>): StoredSecret {
    const secret: StoredSecret = {
      id,
      createTime: new Date(),
      labels: { ...input.labels },
      annotations: { ...input.annotations },
      replication: input.replication ?? { automatic: {} },
      versions: [],
      changed: this.#tick(),
    };
    this.#secrets.set(id, secret);
    return secret;
  }

  #addVersion(secret: StoredSecret, data: Buffer, clientChecksum: boolean): StoredVersion {
    const version: StoredVersion = {
      number: secret.versions.length + 1,
      data,
      state: 'ENABLED',
      createTime: new Date(),
      clientChecksum,
      changed: this.#tick(),
    };
    secret.versions.push(version);
    return version;
  }

  #checkProject(name: string, pattern: RegExp, method: MethodName, request: SecretRequest): RegExpExecArray {
    const match = pattern.exec(name);
    if (!match) {
      throw new ApiError('INVALID_ARGUMENT', `Invalid resource field value in the request.`);
    }
    // The fake serves one project; any other is one the caller has no access to.
    if (match[1] !== this.#projectId && match[1] !== this.#projectNumber) {
      throw permissionDenied(method, request);
    }
    return match;
  }

  #findSecret(name: string | undefined, method: MethodName, request: SecretRequest): StoredSecret {
    const [, , id] = this.#checkProject(name ?? '', /^projects\/([^/]+)\/secrets\/([^/]+)$/, method, request);
    const secret = this.#secrets.get(id!);
    if (!secret)
      throw new ApiError('NOT_FOUND', `Secret [projects/${this.#project}/secrets/${id}] not found.`);
    return secret;
  }

  #findVersion(request: SecretRequest, method: MethodName): { secret: StoredSecret; version: StoredVersion } {
    const [, , id, alias] = this.#checkProject(
      request.name ?? '',
      /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/,
      method,
      request,
    );
    const secret = this.#secrets.get(id!);
    if (!secret || secret.versions.length === 0) {
      throw new ApiError(
        'NOT_FOUND',
        `Secret [projects/${this.#project}/secrets/${id}] not found or has no versions.`,
      );
    }
    // `latest` is the most recently created version, whatever its state.
    const number =
      alias === 'latest' ? secret.versions.length : /^[1-9]\d*$/.test(alias!) ? Number(alias) : 0;
    const version = secret.versions[number - 1];
    if (!version) {
      throw new ApiError(
        'NOT_FOUND',
        `Secret Version [projects/${this.#project}/secrets/${id}/versions/${alias}] not found.`,
      );
    }
    return { secret, version };
  }

  #versionName(secret: StoredSecret, version: StoredVersion): string {
    return `projects/${this.#project}/secrets/${secret.id}/versions/${version.number}`;
  }

  #versionResource(secret: StoredSecret, version: StoredVersion) {
    return {
      name: this.#versionName(secret, version),
      createTime: version.createTime,
      ...(version.destroyTime ? { destroyTime: version.destroyTime } : {}),
      state: version.state,
      replicationStatus: { automatic: {} },
      etag: `"${version.changed.toString(16)}"`,
      clientSpecifiedPayloadChecksum: version.clientChecksum,
    };
  }

  #secretResource(secret: StoredSecret) {
    return {
      name: `projects/${this.#project}/secrets/${secret.id}`,
      replication: secret.replication,
      createTime: secret.createTime,
      // Empty maps are absent on the wire, as in Google's answers.
      ...(Object.keys(secret.labels).length ? { labels: secret.labels } : {}),
      ...(Object.keys(secret.annotations).length ? { annotations: secret.annotations } : {}),
      etag: `"${secret.changed.toString(16)}"`,
    };
  }
}

function parseStateFilter(filter: string | undefined): VersionState | undefined {
  if (!filter) return undefined;
  const match = /^\s*state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)\s*$/i.exec(filter);
  if (!match) {
    throw new ApiError(
      'INVALID_ARGUMENT',
      `The fake understands only state:ENABLED|DISABLED|DESTROYED filters.`,
    );
  }
  return match[1]!.toUpperCase() as VersionState;
}

function paginate<T>(items: T[], request: SecretRequest): { items: T[]; nextPageToken: string } {
  const size = request.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new ApiError('INVALID_ARGUMENT', `page_size must be between 0 and ${MAX_PAGE_SIZE}.`);
  }
  let start = 0;
  if (request.pageToken) {
    start = Number(Buffer.from(request.pageToken, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw new ApiError('INVALID_ARGUMENT', 'Invalid page token.');
  }
  // Page size 0 means the server's choice: here, everything that is left.
  const end = size === 0 ? items.length : Math.min(items.length, start + size);
  return {
    items: items.slice(start, end),
    nextPageToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : '',
  };
}
