/**
 * OIDC tokens for `http_request.oidc_token`: JWTs signed RS256 by a key pair the fake owns, with
 * the claims of a Google-signed service-account ID token. The public half is on the handle (PEM
 * and JWKS) so a worker's verifier can be pointed at it.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export const OIDC_ISSUER = 'https://accounts.google.com';
const LIFETIME_S = 3600;

export interface Jwk {
  kty: 'RSA';
  n: string;
  e: string;
  alg: 'RS256';
  use: 'sig';
  kid: string;
}

export class OidcSigner {
  readonly kid: string;
  readonly publicKeyPem: string;
  readonly jwks: { keys: Jwk[] };
  readonly #privateKey: KeyObject;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    this.kid = createHash('sha256').update(this.publicKeyPem).digest('hex').slice(0, 40);
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    this.jwks = { keys: [{ kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig', kid: this.kid }] };
  }

  /** An ID token for `email` with audience `audience`, valid for an hour from now. */
  token(email: string, audience: string, nowMs = Date.now()): string {
    const iat = Math.floor(nowMs / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.kid };
    const claims = {
      iss: OIDC_ISSUER,
      aud: audience,
      azp: subjectFor(email),
      sub: subjectFor(email),
      email,
      email_verified: true,
      iat,
      exp: iat + LIFETIME_S,
    };
    const input = `${base64url(header)}.${base64url(claims)}`;
    const signature = sign('RSA-SHA256', Buffer.from(input), this.#privateKey).toString('base64url');
    return `${input}.${signature}`;
  }
}

/** Google's `sub` for a service account is its 21-digit unique id; this one is stable per email. */
function subjectFor(email: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 16)}`).toString();
  return `1${digits.padStart(20, '0').slice(0, 20)}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
