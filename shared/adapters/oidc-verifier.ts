// Verifies a person's ID token with aws-jwt-verify: signature against the issuer's JWKS (fetched
// once, kept, fetched again for a key id it does not hold), issuer, audience (the console's client
// id), expiry and not-before; `alg: none` and symmetric algorithms are refused by the library. The
// JWKS address comes from the issuer's discovery document, read at the first ID token a process sees.
// The token itself is never logged nor kept.
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { UnauthorizedError } from '#domain/errors';
import { type PeopleConfig, personCaller } from '#domain/people';
import { tokenFromAuthorization } from '#domain/token-format';
import type { Caller } from '#domain/verify-bearer';

const FETCH_TIMEOUT_MS = 3000;

/** Reads a JSON document over HTTPS (or plain HTTP on the loopback, the local stack's issuer). */
async function fetchBytes(uri: string): Promise<ArrayBuffer> {
  const response = await fetch(uri, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`The identity provider answered ${response.status} for ${uri}`);
  return response.arrayBuffer();
}

const fetcher: Fetcher = { fetch: (uri) => fetchBytes(uri) };

/** The issuer's JWKS address, from its OpenID Connect discovery document. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const document: unknown = JSON.parse(new TextDecoder().decode(await fetchBytes(url)));
  const jwksUri = (document as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof jwksUri !== 'string') throw new Error(`The discovery document at ${url} names no jwks_uri`);
  return jwksUri;
}

type Verifier = { verify(jwt: string): Promise<Record<string, unknown>> };

export class PersonVerifier {
  private verifier: Promise<Verifier> | undefined;

  constructor(private readonly config: PeopleConfig) {}

  /** The person, or an UnauthorizedError; an unreachable issuer fails the request (500), closed. */
  async verify(authorization: string): Promise<Caller> {
    const jwt = tokenFromAuthorization(authorization);
    if (!jwt) throw new UnauthorizedError('Send the identity token as "Authorization: Bearer <token>"');
    const verifier = await this.ready();
    let claims: Record<string, unknown>;
    try {
      claims = await verifier.verify(jwt);
    } catch (error) {
      if (error instanceof JwtBaseError && !(error instanceof FetchError)) {
        throw new UnauthorizedError('The identity token is not valid');
      }
      throw error;
    }
    return personCaller(claims, this.config);
  }

  private ready(): Promise<Verifier> {
    this.verifier ??= discoverJwksUri(this.config.issuer).then(
      (jwksUri): Verifier =>
        JwtVerifier.create(
          { issuer: this.config.issuer, audience: this.config.clientId, jwksUri },
          { jwksCache: new SimpleJwksCache({ fetcher }) },
        ),
    );
    // A failed discovery is tried again at the next ID token, not remembered.
    this.verifier.catch(() => {
      this.verifier = undefined;
    });
    return this.verifier;
  }
}
