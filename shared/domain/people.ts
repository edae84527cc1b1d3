// People, as opposed to machines: someone signed in at the organisation's OpenID Connect issuer
// sends its ID token (a JWT) as `Authorization: Bearer`. This file decides what the verified claims
// make of them; checking the signature, issuer, audience and expiry is the verifier's job
// (shared/adapters/oidc-verifier.ts). A person is an admin when the groups claim holds the admin
// group, and nothing at all otherwise: people hold no scopes of their own.
import { GLOBAL_ADMIN } from '#spec/scopes';
import type { CallerSource } from './caller-source';
import { UnauthorizedError } from './errors';
import type { Caller } from './verify-bearer';

export interface PeopleConfig {
  /** The issuer's URL, exactly as its tokens' `iss` claim spells it. */
  issuer: string;
  /** The console's client id at the issuer: an ID token's `aud`. */
  clientId: string;
  /** The claim that lists a person's groups (`cognito:groups` for Cognito, often `groups`). */
  groupsClaim: string;
  /** The group whose members manage tokens. */
  adminGroup: string;
}

export const DEFAULT_ADMIN_GROUP = 'tokengate-admins';
export const COGNITO_GROUPS_CLAIM = 'cognito:groups';

/** Whether an issuer URL is a Cognito user pool's (whose groups claim is `cognito:groups`). */
export function isCognitoIssuer(issuer: string): boolean {
  return /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\//.test(issuer);
}

/**
 * Whether an Authorization header carries a JWT rather than a tokengate token: only a JWT holds a
 * dot (a tokengate token is `tg_` and base62). One scan of the header, no allocation: the token path
 * pays nothing more for it.
 */
export function carriesJwt(header: string): boolean {
  return header.includes('.');
}

const ADMIN_SCOPES: Caller['scopes'] = [{ scope: GLOBAL_ADMIN, resources: null }];
const NO_SCOPES: Caller['scopes'] = [];

/** The groups a claim lists: an array of names, or one name (some issuers send a lone group so). */
function groupsOf(claim: unknown): readonly unknown[] {
  if (Array.isArray(claim)) return claim;
  return typeof claim === 'string' ? [claim] : [];
}

/**
 * The caller a verified ID token's claims make: principal `user:<email>`, the admin scope when the
 * groups claim holds the admin group, no scope otherwise (the authorizer refuses them with 403). A
 * token without an email, or whose issuer says the email is not verified, is refused: the email is
 * the name every action is recorded under.
 */
export function personCaller(claims: Record<string, unknown>, config: PeopleConfig): Caller {
  const { email, email_verified: verified, exp } = claims;
  if (typeof email !== 'string' || email === '' || email.length > 320 || /[\s\p{Cc}]/u.test(email)) {
    throw new UnauthorizedError('The identity token carries no email');
  }
  if (verified === false || verified === 'false') {
    throw new UnauthorizedError('The identity token carries an email its issuer has not verified');
  }
  // The verifier checks `exp` only when there is one: without it a token would never end, and a
  // cached answer would have no expiry to stop at. OpenID Connect requires it in every ID token.
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new UnauthorizedError('The identity token carries no expiry');
  }
  const admin = groupsOf(claims[config.groupsClaim]).includes(config.adminGroup);
  return Object.freeze({
    tokenId: '',
    kind: 'user' as const,
    scopes: admin ? ADMIN_SCOPES : NO_SCOPES,
    principal: `user:${email}`,
    expiresAt: new Date(exp * 1000).toISOString(),
    adminGroup: config.adminGroup,
  });
}

/** Whether a person's caller is in the admin group (holds its scope). */
export function inAdminGroup(caller: Pick<Caller, 'scopes'>): boolean {
  return caller.scopes.some(({ scope }) => scope === GLOBAL_ADMIN);
}

/** The message of the 403 a person outside the admin group gets. */
export function notInAdminGroup(adminGroup: string): string {
  return `Only members of the group ${adminGroup} manage tokens`;
}

/** Who a person is, from their Authorization header: a verified ID token, or an UnauthorizedError. */
export interface PersonSource {
  verify(authorization: string): Promise<Caller>;
}

/**
 * `source` with people let in beside it: a header that carries a JWT goes to `people`, never to the
 * token path, and every other header to `source` exactly as before. With people sign-in off
 * (`people` undefined) it is `source` itself, and a JWT is refused there as a malformed token.
 */
export function withPeople(source: CallerSource, people: PersonSource | undefined): CallerSource {
  if (people === undefined) return source;
  return {
    verify: (authorization) =>
      authorization && carriesJwt(authorization)
        ? people.verify(authorization)
        : source.verify(authorization),
  };
}
