// An OpenID Connect issuer for tests: an RSA key pair made here, its discovery document and JWKS
// served on the loopback, and ID tokens signed with node:crypto. Also signs with a key the JWKS does
// not hold, and writes unsigned (`alg: none`) tokens, for the refusals.
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_OIDC_CLIENT_ID } from '#local/oidc-issuer';

export interface TestIssuer {
  issuer: string;
  /** An ID token signed by the issuer's published key, with `claims` over the defaults. */
  idToken(claims?: Record<string, unknown>, options?: { key?: 'published' | 'unpublished' }): string;
  /** The same claims, unsigned: `{"alg": "none"}` and an empty signature. */
  unsignedToken(claims?: Record<string, unknown>): string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startTestIssuer(defaults: Record<string, unknown> = {}): Promise<TestIssuer> {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fetches = 0;
  let issuer = '';
  const jwk = {
    ...published.publicKey.export({ format: 'jwk' }),
    kid: 'published',
    alg: 'RS256',
    use: 'sig',
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (request.url === '/jwks') {
      fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const claimsOf = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, iat: now, exp: now + 3600, ...defaults, ...claims };
  };
  const signed = (claims: Record<string, unknown>, key: KeyObject, kid: string) => {
    const body = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(claimsOf(claims))}`;
    return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
  };
  return {
    issuer,
    idToken: (claims = {}, options = {}) =>
      options.key === 'unpublished'
        ? signed(claims, unpublished.privateKey, 'unpublished')
        : signed(claims, published.privateKey, 'published'),
    unsignedToken: (claims = {}) =>
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claimsOf(claims))}.`,
    jwksFetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An ID token signed as the local stack's development issuer signs its own: with the private key it
 * keeps in the data folder (`oidc-issuer-keys.json`), for tests that need a person's token without
 * a browser at its sign-in page. One hour valid, the email verified, `claims` over those.
 */
export function localIssuerIdToken(keyFile: string, issuer: string, claims: Record<string, unknown>): string {
  const { jwks } = JSON.parse(readFileSync(keyFile, 'utf8')) as { jwks: { keys: JsonWebKey[] } };
  const jwk = jwks.keys[0];
  if (!jwk) throw new Error(`No signing key in ${keyFile}`);
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid: jwk.kid });
  const body = base64url({
    iss: issuer,
    aud: LOCAL_OIDC_CLIENT_ID,
    iat: now,
    exp: now + 3600,
    email_verified: true,
    ...claims,
  });
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return `${header}.${body}.${sign('sha256', Buffer.from(`${header}.${body}`), key).toString('base64url')}`;
}
