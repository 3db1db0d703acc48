import { Readable } from 'node:stream';
import { Looker40SDK } from '@looker/sdk';
import type { IWriteQuery, ILookmlModelExplore, IRole } from '@looker/sdk';
import { NodeSession, NodeSettings, NodeTransport } from '@looker/sdk-node';
import type {
  Authenticator,
  HttpMethod,
  IApiSection,
  ITransportSettings,
  SDKResponse,
  Values,
} from '@looker/sdk-rtl';
import pRetry, { AbortError } from 'p-retry';
import { Agent } from 'undici';
import { DependencyError } from '../errors.js';
import type { Logger } from '../log.js';
import { anySignal, timeoutSignal } from '../signals.js';
import type { CredentialCache, LookerApiCredentials } from './credentials.js';
import { lookerHttpError, lookerNetworkError } from './errors.js';

const API_PATH = '/api/4.0';

export interface LookerClientOptions {
  baseUrl: string;
  /** Longest wait for Looker to start answering, and longest silence within a result body. */
  timeoutMs: number;
  /** False only when a user turned TLS verification off explicitly. */
  verifySsl: boolean;
  credentials: CredentialCache;
  logger: Logger;
  /** Aborts every request of this client (the run's deadline). */
  signal?: AbortSignal;
  retry?: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
}

/** What one client has spent of Looker's quota: query calls made (retried attempts count) and result bytes read. */
export interface LookerUsage {
  queries: number;
  bytesRead: number;
}

/** What a caller gets to read: the raw result body as it arrives, with back-pressure. */
export type ResultConsumer<T> = (body: AsyncIterable<Buffer>) => Promise<T>;

/**
 * The Looker API as the exporter uses it: `run_inline_query` streamed, explore metadata, logout.
 *
 * Built on `@looker/sdk-node`, working around what its 26.x transport does not do: it throws on
 * HTTP errors with their status (the SDK resolves them, and hands error bodies to stream
 * callbacks as if they were rows), bounds every request by a timeout (the SDK's `timeout` is
 * never applied), retries 408/429/5xx with backoff honouring Retry-After, logs in again once on a
 * 401 and re-reads the credentials once when Looker rejects them (a rotated key).
 */
export class LookerClient {
  readonly #transport: ExporterTransport;
  readonly #session: NodeSession;
  readonly #sdk: Looker40SDK;
  readonly #options: LookerClientOptions;
  #credentials: LookerApiCredentials | undefined;
  /** Monotonic counters; callers take differences around a piece of work. */
  readonly usage: LookerUsage = { queries: 0, bytesRead: 0 };

  constructor(options: LookerClientOptions) {
    this.#options = options;
    const settings = new CredentialSettings(
      { base_url: options.baseUrl, verify_ssl: true, timeout: options.timeoutMs / 1000 },
      () => {
        if (!this.#credentials) throw new Error('credentials are read before login');
        return this.#credentials;
      },
    );
    // The SDK's own verify_ssl=false turns TLS checks off for the whole process (Google's
    // clients included); an agent of our own limits that to Looker requests.
    const dispatcher = options.verifySsl ? undefined : new Agent({ connect: { rejectUnauthorized: false } });
    this.#transport = new ExporterTransport(settings, options.timeoutMs, options.signal, dispatcher);
    this.#session = new NodeSession(settings, this.#transport);
    this.#sdk = new Looker40SDK(this.#session);
  }

  /**
   * Runs an inline query and hands the streamed result body to `consume`. Failures before the
   * body starts are retried; a failure inside the body is the caller's (it cannot be resumed).
   */
  async streamQuery<T>(
    resultFormat: 'json' | 'csv',
    query: IWriteQuery,
    consume: ResultConsumer<T>,
    params: Values = {},
    /** Further counters to charge (an explore's, a window's), besides the client's own. */
    meters: readonly LookerUsage[] = [],
  ): Promise<T> {
    const charged = [this.usage, ...meters];
    const response = await this.#withRetries('run_inline_query', async () => {
      const controller = new AbortController();
      const signal = anySignal(controller.signal, this.#options.signal);
      const headerTimer = setTimeout(
        () => controller.abort(new Error('no response within the timeout')),
        this.#options.timeoutMs,
      );
      try {
        // Every attempt that reaches Looker is a query call against the instance's monthly quota.
        for (const meter of charged) meter.queries += 1;
        const res = await this.#transport.openStream(
          'POST',
          `${API_PATH}/queries/run/${resultFormat}`,
          { ...params, limit: query.limit === undefined ? undefined : Number(query.limit) },
          query,
          (props) => this.#session.authenticate(props),
          signal,
        );
        if (!res.ok) {
          const text = await res.text().catch(() => '');
          throw lookerHttpError('run_inline_query', res.status, text, res.headers.get('retry-after'));
        }
        if (!res.body) throw lookerHttpError('run_inline_query', res.status, 'response has no body', null);
        return { res, controller };
      } catch (error) {
        throw error instanceof DependencyError ? error : lookerNetworkError('run_inline_query', error);
      } finally {
        clearTimeout(headerTimer);
      }
    });
    const body = Readable.fromWeb(response.res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    return consume(idleGuarded(body, this.#options.timeoutMs, response.controller, charged));
  }

  /** Field metadata of an explore (`lookml_model_explore`), trimmed to `fields`. */
  async explore(model: string, explore: string, fields = 'name,fields'): Promise<ILookmlModelExplore> {
    return this.#withRetries('lookml_model_explore', () =>
      this.#sdk.ok(
        this.#sdk.lookml_model_explore({ lookml_model_name: model, explore_name: explore, fields }),
      ),
    );
  }

  /** The explores a model offers (`lookml_model`), hidden ones included: names only. */
  async modelExplores(model: string): Promise<{ name: string; hidden: boolean }[]> {
    const found = await this.#withRetries('lookml_model', () =>
      this.#sdk.ok(this.#sdk.lookml_model(model, 'explores(name,hidden)')),
    );
    return (found.explores ?? []).flatMap((e) =>
      e.name ? [{ name: e.name, hidden: e.hidden === true }] : [],
    );
  }

  /** The id of the API user this session acts as. */
  async myUserId(): Promise<string> {
    const me = await this.#withRetries('me', () => this.#sdk.ok(this.#sdk.me('id')));
    if (me.id === undefined || me.id === null) throw new Error('Looker did not say who the API user is');
    return String(me.id);
  }

  /** A user's roles (direct and through groups) with their permission sets (`user_roles`). */
  async userRoles(userId: string): Promise<IRole[]> {
    return this.#withRetries('user_roles', () => this.#sdk.ok(this.#sdk.user_roles({ user_id: userId })));
  }

  /** Ends the API session; failures are only logged (the token expires on its own). */
  async logout(): Promise<void> {
    if (!this.#session.isAuthenticated()) return;
    try {
      await this.#session.logout();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'Looker logout failed');
    }
  }

  async #withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const policy = this.#options.retry ?? { retries: 4, minTimeoutMs: 1000, maxTimeoutMs: 30_000 };
    let reloggedIn = false;
    let rereadCredentials = false;
    return pRetry(
      async () => {
        this.#credentials ??= await this.#options.credentials.get();
        try {
          return await attempt();
        } catch (error) {
          const status = error instanceof DependencyError ? error.status : undefined;
          // An expired or revoked token: log in again, once.
          if (status === 401 && !reloggedIn) {
            reloggedIn = true;
            this.#session.reset();
            return attempt();
          }
          throw error;
        }
      },
      {
        retries: policy.retries,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        randomize: true,
        signal: this.#options.signal,
        shouldRetry: async (error: unknown) => {
          if (!(error instanceof DependencyError) || error.service !== 'looker') return false;
          if (isRejectedLogin(error) && !rereadCredentials) {
            // Looker answers a login with unknown credentials with 404: the key may have been rotated.
            rereadCredentials = true;
            this.#session.reset();
            this.#credentials = await this.#options.credentials.refresh();
            return true;
          }
          if (!error.transient) return false;
          if (error.retryAfterMs !== undefined)
            await sleep(Math.min(error.retryAfterMs, policy.maxTimeoutMs), this.#options.signal);
          return true;
        },
        onFailedAttempt: (error) => {
          this.#options.logger.warn(
            { err: error, attempt: error.attemptNumber, retriesLeft: error.retriesLeft, call: what },
            `Looker ${what} attempt failed`,
          );
        },
      },
    ).catch((error: unknown) => {
      if (error instanceof AbortError) throw error.cause ?? error;
      throw error;
    });
  }
}

function isRejectedLogin(error: DependencyError): boolean {
  return error.call === 'login' && [401, 403, 404].includes(error.status ?? 0);
}

/** NodeSettings whose credentials come from memory (Secret Manager), never from a file or the environment. */
class CredentialSettings extends NodeSettings {
  constructor(
    settings: { base_url: string; verify_ssl: boolean; timeout: number },
    private readonly source: () => LookerApiCredentials,
  ) {
    super('LOOKERSDK_UNUSED', { ...settings, agentTag: 'looker-activity-export' } as never);
  }
  override readConfig(): IApiSection {
    const { clientId, clientSecret } = this.source();
    return { client_id: clientId, client_secret: clientSecret };
  }
}

/** The SDK's transport with errors that carry their status, and a timeout that is applied. */
class ExporterTransport extends NodeTransport {
  constructor(
    options: ITransportSettings,
    private readonly timeoutMs: number,
    private readonly runSignal?: AbortSignal,
    private readonly dispatcher?: Agent,
  ) {
    super(options);
  }

  override async initRequest(
    method: HttpMethod,
    path: string,
    body?: unknown,
    authenticator?: Authenticator,
    options?: Partial<ITransportSettings>,
  ) {
    const signal = anySignal(timeoutSignal(this.timeoutMs), this.runSignal);
    // Passing a signal also keeps the SDK from printing a debug line on every call.
    const props = await super.initRequest(method, path, body, authenticator, { ...options, signal });
    props.signal = signal;
    if (this.dispatcher) props.dispatcher = this.dispatcher;
    return props;
  }

  override async request<TSuccess, TError>(
    method: HttpMethod,
    path: string,
    queryParams?: Values,
    body?: unknown,
    authenticator?: Authenticator,
    options?: Partial<ITransportSettings>,
  ): Promise<SDKResponse<TSuccess, TError>> {
    const what = path.endsWith('/login') ? 'login' : `${method} ${path.replace(/\?.*$/, '')}`;
    const res = await this.rawRequest(method, path, queryParams, body, authenticator, options);
    if (!res.ok) {
      if (res.statusCode === undefined) throw lookerNetworkError(what, res.body);
      const text = await Promise.resolve(res.body).then(String, () => '');
      throw lookerHttpError(what, res.statusCode, text, res.headers?.['retry-after']);
    }
    return this.parseResponse<TSuccess, TError>(res);
  }

  /** Starts a request whose body the caller reads; the SDK's own `stream()` ignores per-call options. */
  async openStream(
    method: HttpMethod,
    path: string,
    queryParams: Values,
    body: unknown,
    authenticator: Authenticator,
    signal: AbortSignal,
  ): Promise<Response> {
    const url = this.makeUrl(path, this.options, queryParams);
    const init = await this.initRequest(method, url, body, authenticator, this.options);
    init.signal = signal;
    return fetch(url, init as RequestInit);
  }
}

/** Yields the body's chunks; aborts the request if Looker goes silent for `idleMs`. */
async function* idleGuarded(
  body: Readable,
  idleMs: number,
  controller: AbortController,
  meters: readonly LookerUsage[],
): AsyncGenerator<Buffer> {
  const timer = setTimeout(() => controller.abort(new Error(`Looker sent nothing for ${idleMs} ms`)), idleMs);
  try {
    for await (const chunk of body) {
      timer.refresh();
      for (const meter of meters) meter.bytesRead += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (error) {
    throw lookerNetworkError('result stream', controller.signal.aborted ? controller.signal.reason : error);
  } finally {
    clearTimeout(timer);
    body.destroy();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
