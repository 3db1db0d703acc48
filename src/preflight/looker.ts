import type { IRole } from '@looker/sdk';
import type { Config, LookerInstance } from '../config/index.js';
import { DependencyError, isTransient } from '../errors.js';
import { SYSTEM_ACTIVITY_MODEL } from '../explores/index.js';
import { DISCOVER_PREFIX, discoveredExplore } from '../explores/discovered.js';
import { EXPLORE_METADATA_FIELDS, type LookerFieldset } from '../explores/live-schema.js';
import { unreadableFields } from '../pipeline/fields.js';
import type { ExploreDefinition } from '../explores/types.js';
import type { Logger } from '../log.js';
import { CredentialCache } from '../looker/credentials.js';
import { LookerClient } from '../looker/client.js';
import type { SecretSource } from '../secrets/index.js';
import { ok, type CheckResult } from './report.js';

export interface LookerCheckContext {
  config: Config;
  secrets: SecretSource;
  logger: Logger;
  explores: readonly ExploreDefinition[];
  /** Looker retries: a check should answer in seconds, not sit through a run's backoff. */
  retry: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
  timeoutMs: number;
}

/** The permission that lifts Looker's row cap on query results (`limit: -1`). */
const DOWNLOAD_WITHOUT_LIMIT = 'download_without_limit';

/**
 * Everything one Looker instance needs, in order: both secrets readable, the login, access to
 * System Activity, the row-limit permission and each selected explore's metadata. A check that
 * needs an earlier one to pass is not run when it failed (the failure says so).
 *
 * System Activity access is checked with `lookml_model_explore` of `system__activity/history`,
 * which spends no Looker query (query-based API calls count against Looker's monthly quota).
 */
export async function checkLookerInstance(
  instance: LookerInstance,
  ctx: LookerCheckContext,
): Promise<CheckResult[]> {
  const on = (result: CheckResult): CheckResult => ({ instance: instance.name, ...result });
  const secretNames = [instance.clientIdSecret, instance.clientSecretSecret];
  const secretResults = await Promise.all(
    secretNames.map(async (name) => on(await checkSecret(ctx.secrets, name, 'a Looker API credential'))),
  );
  if (secretResults.some((r) => r.status !== 'ok')) return secretResults;

  const looker = new LookerClient({
    baseUrl: instance.baseUrl,
    timeoutMs: ctx.timeoutMs,
    verifySsl: instance.verifySsl,
    credentials: new CredentialCache(ctx.secrets, instance.clientIdSecret, instance.clientSecretSecret),
    logger: ctx.logger.child({ instance: instance.name, preflight: true }),
    retry: ctx.retry,
  });
  try {
    let userId: string;
    try {
      userId = await looker.myUserId();
    } catch (error) {
      return [...secretResults, on(loginFailure(instance, error))];
    }
    const login = on(ok('looker.login', `logged in to ${instance.baseUrl} as API user ${userId}`));
    const later = await Promise.all([
      checkSystemActivity(looker),
      checkRowLimit(looker, userId, ctx.config.looker.rowCap),
      checkExploreCatalog(looker, ctx.explores),
      ...exploresToCheck(ctx.explores).map((explore) =>
        checkExploreMetadata(
          looker,
          explore,
          ctx.explores.filter((table) => table.explore === explore),
        ),
      ),
    ]);
    return [...secretResults, login, ...later.map(on)];
  } finally {
    await looker.logout();
  }
}

/** One secret's latest version is readable (its value is read and dropped, never reported). */
export async function checkSecret(secrets: SecretSource, name: string, holds: string): Promise<CheckResult> {
  try {
    await secrets.read(name);
    return ok('secret', `secret ${name} (${holds}) is readable`);
  } catch (error) {
    return {
      check: 'secret',
      status: 'failed',
      detail: messageOf(error),
      fix:
        `Make sure secret ${name} exists in the function's project and has an enabled version ` +
        `(gcloud secrets versions add ${name.replace(/^projects\/[^/]+\/secrets\//, '')} --data-file=-), ` +
        `and that the function's service account has roles/secretmanager.secretAccessor on it.`,
      retryable: isTransient(error),
    };
  }
}

function loginFailure(instance: LookerInstance, error: unknown): CheckResult {
  const rejected =
    error instanceof DependencyError && error.call === 'login' && [401, 403, 404].includes(error.status ?? 0);
  return {
    check: 'looker.login',
    status: 'failed',
    detail: `${messageOf(error)} (System Activity access, the row limit and explore metadata were not checked)`,
    fix: rejected
      ? `Looker rejected the API key in secrets ${instance.clientIdSecret} and ${instance.clientSecretSecret}: ` +
        `create an API key for the exporter's user (Admin > Users > Edit Keys) on ${instance.baseUrl} ` +
        `and add its client id and secret as new versions of those two secrets.`
      : `Check that ${instance.baseUrl} is the Looker API host (LOOKER_BASE_URL / LOOKER_INSTANCES) and is ` +
        `reachable from the function; a transient failure passes on retry.`,
    retryable: isTransient(error),
  };
}

async function checkSystemActivity(looker: LookerClient): Promise<CheckResult> {
  const how = `lookml_model_explore ${SYSTEM_ACTIVITY_MODEL}/history; no Looker query spent`;
  try {
    await looker.explore(SYSTEM_ACTIVITY_MODEL, 'history', 'name');
    return ok('looker.system_activity', `the API user can see the ${SYSTEM_ACTIVITY_MODEL} model (${how})`);
  } catch (error) {
    const hidden = error instanceof DependencyError && [403, 404].includes(error.status ?? 0);
    return {
      check: 'looker.system_activity',
      status: 'failed',
      detail: `${messageOf(error)} (${how})`,
      fix: hidden
        ? `Give the API user a role whose permission set has see_system_activity (Admin > Roles).`
        : 'Looker did not answer the metadata call; a transient failure passes on retry.',
      retryable: isTransient(error),
    };
  }
}

async function checkRowLimit(looker: LookerClient, userId: string, rowCap: number): Promise<CheckResult> {
  let roles: IRole[];
  try {
    roles = await looker.userRoles(userId);
  } catch (error) {
    return {
      check: 'looker.row_limit',
      status: 'warning',
      detail: `cannot read the API user's roles (${messageOf(error)}), so whether Looker caps its results is unknown`,
      fix: `Check in Admin > Users that a role of the API user has ${DOWNLOAD_WITHOUT_LIMIT}.`,
    };
  }
  const permissions = new Set(roles.flatMap((role) => role.permission_set?.permissions ?? []));
  const names = roles.map((role) => role.name ?? role.id).join(', ') || 'none';
  if (permissions.has(DOWNLOAD_WITHOUT_LIMIT))
    return ok('looker.row_limit', `the API user's roles (${names}) have ${DOWNLOAD_WITHOUT_LIMIT}`);
  const grant = `Add ${DOWNLOAD_WITHOUT_LIMIT} to the permission set of a role the API user has (Admin > Roles).`;
  return {
    check: 'looker.row_limit',
    status: 'warning',
    detail:
      `the API user's roles (${names}) lack ${DOWNLOAD_WITHOUT_LIMIT}: Looker caps each result (5000 rows by ` +
      `default), so reads go on in pages of the cap, one Looker query each; no row is lost (every read is ` +
      `checked against Looker's count), but a busy day costs more queries of the monthly API quota` +
      (rowCap === 0
        ? ' (the cap is learned from the first short page)'
        : ` (pages of LOOKER_ROW_CAP=${rowCap})`),
    fix: `${grant} Until then, setting LOOKER_ROW_CAP to the cap saves the query that learns it.`,
  };
}

/** Explores several tables share are checked once. */
export function exploresToCheck(tables: readonly ExploreDefinition[]): string[] {
  return [...new Set(tables.map((table) => table.explore))];
}

/**
 * Which explores Looker offers in System Activity and which of them the selected tables export:
 * `npm run check` lists them, so an explore added since the registry was written is seen (and can
 * be exported as `discover:NAME`), and an exported one Looker no longer has is named.
 */
async function checkExploreCatalog(
  looker: LookerClient,
  tables: readonly ExploreDefinition[],
): Promise<CheckResult> {
  let offered: string[];
  try {
    offered = (await looker.modelExplores(SYSTEM_ACTIVITY_MODEL)).map((e) => e.name).sort();
  } catch (error) {
    return {
      check: 'looker.explores',
      status: 'warning',
      detail: `cannot list the explores of ${SYSTEM_ACTIVITY_MODEL}: ${messageOf(error)}`,
      fix: 'Looker did not answer lookml_model; a transient failure passes on retry.',
    };
  }
  const exported = new Set(tables.map((table) => table.explore));
  const notExported = offered.filter((name) => !exported.has(name));
  const lacking = [...exported].filter((name) => !offered.includes(name)).sort();
  const detail =
    `${SYSTEM_ACTIVITY_MODEL} offers ${offered.length} explores: ${offered.join(', ')}. ` +
    `Exported: ${offered.filter((name) => exported.has(name)).join(', ') || 'none'}. ` +
    `Not exported: ${notExported.join(', ') || 'none'}` +
    (notExported.length ? ` (export one as ${DISCOVER_PREFIX}NAME in EXPORT_EXPLORES or a request)` : '') +
    '.' +
    (lacking.length ? ` Looker lacks: ${lacking.join(', ')} (runs skip their tables).` : '');
  const extra = { offered, exported: [...exported].sort(), notExported, lacking };
  if (lacking.length === 0) return { ...ok('looker.explores', detail), ...extra };
  return {
    check: 'looker.explores',
    status: 'warning',
    detail,
    fix: `Leave ${lacking.join(', ')} out of EXPORT_EXPLORES, or check the API user's model set includes every ${SYSTEM_ACTIVITY_MODEL} explore.`,
    ...extra,
  };
}

/**
 * One explore's metadata is readable, and each selected table of it can be read: Looker offers
 * the fields it is sorted, filtered and counted by (a join declared `fields: []` hides a view's
 * fields). A table that cannot be read is a warning: runs skip it with a note, the rest work.
 */
async function checkExploreMetadata(
  looker: LookerClient,
  explore: string,
  tables: readonly ExploreDefinition[],
): Promise<CheckResult> {
  let metadata;
  try {
    metadata = await looker.explore(SYSTEM_ACTIVITY_MODEL, explore, EXPLORE_METADATA_FIELDS);
  } catch (error) {
    return {
      check: 'looker.explore_metadata',
      explore,
      status: 'failed',
      detail: `${SYSTEM_ACTIVITY_MODEL}/${explore}: ${messageOf(error)}`,
      fix:
        `Check that this Looker has the ${explore} explore in ${SYSTEM_ACTIVITY_MODEL} and that the API ` +
        `user's model set includes ${SYSTEM_ACTIVITY_MODEL}; or leave ${explore} out of EXPORT_EXPLORES.`,
      retryable: isTransient(error),
    };
  }
  const fields = (metadata.fields ?? {}) as LookerFieldset;
  const dimensions = fields.dimensions?.length ?? 0;
  const problems: string[] = [];
  const notes: string[] = [];
  for (const table of tables) {
    try {
      const readable = table.discovered ? discoveredExplore(table, metadata as never) : table;
      const missing = unreadableFields(readable, fields);
      if (missing.length)
        problems.push(`${table.name} cannot be read: the explore does not expose ${missing.join(', ')}`);
      else if (table.discovered)
        notes.push(
          `${table.name} (discovered): ${readable.fields.length} columns, key ${readable.primaryKey.join(', ')}`,
        );
    } catch (error) {
      problems.push(`${table.name} cannot be read: ${messageOf(error)}`);
    }
  }
  const detail = [
    `${SYSTEM_ACTIVITY_MODEL}/${explore}: ${dimensions} dimensions readable`,
    ...notes,
    ...problems,
  ].join('; ');
  if (problems.length === 0) return ok('looker.explore_metadata', detail, { explore });
  return {
    check: 'looker.explore_metadata',
    explore,
    status: 'warning',
    detail: `${detail} (runs skip it with a note)`,
    fix: `Leave the table out of EXPORT_EXPLORES, or make the explore expose those fields (a join declared fields: [] hides its view's fields).`,
  };
}

/** Error messages of the exporter's own errors name secrets and hosts, never values. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
