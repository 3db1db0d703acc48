import type { SecretSource } from '../secrets/index.js';

export interface LookerApiCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * The Looker API client id and secret, read from Secret Manager once per function instance and
 * re-read on demand (after Looker rejects them, as happens right after a key rotation).
 */
export class CredentialCache {
  #pending: Promise<LookerApiCredentials> | undefined;

  constructor(
    private readonly secrets: SecretSource,
    private readonly clientIdSecret: string,
    private readonly clientSecretSecret: string,
  ) {}

  get(): Promise<LookerApiCredentials> {
    this.#pending ??= this.#read();
    return this.#pending;
  }

  /** Forgets the cached pair and reads the current secret versions. */
  refresh(): Promise<LookerApiCredentials> {
    this.#pending = this.#read();
    return this.#pending;
  }

  async #read(): Promise<LookerApiCredentials> {
    try {
      const [clientId, clientSecret] = await Promise.all([
        this.secrets.read(this.clientIdSecret),
        this.secrets.read(this.clientSecretSecret),
      ]);
      return { clientId, clientSecret };
    } catch (error) {
      this.#pending = undefined; // a failed read must not be cached for the instance's life
      throw error;
    }
  }
}
