// What the scope table of docs/scopes.md says each token may reach, written out again as a small oracle that shares
// nothing with shared/domain/policy.ts (so a mistake there cannot hide itself), and the cells and crafted
// paths the authorization matrices try: through the local stack (test/e2e/authorization-matrix.test.ts)
// and through the authorizer as an HTTP API calls it (test/integration/authorizer-matrix.test.ts).
import type { Access, Route } from '#spec/routes';
import type { ScopeName } from '#spec/scopes';

export const ANY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** A well-formed id no token has: management routes with it answer from their handler (404, 400). */
export const UNKNOWN_ID = 'UnknownTokenId01';

// ---------------------------------------------------------------------------------------------
// The oracle: the scope table of docs/scopes.md, on clean paths (the representative paths below are).

type Segments = readonly string[];
type Rule = (method: string, segments: Segments, resources: readonly string[] | null) => boolean;

const named = (resources: readonly string[] | null, name: string | undefined) =>
  name !== undefined && name !== '' && (resources ?? []).some((r) => r === '*' || r === name);
const under = (segments: Segments, ...prefix: string[]) =>
  segments.length > prefix.length && prefix.every((part, index) => segments[index] === part);

/** `scope | grants | resources`, row by row. */
export const DOCUMENTED_SCOPES: Record<ScopeName, Rule> = {
  'global:admin': () => true,
  'identity:manage': (_, s) => under(s, 'scim', 'v2'),
  'nameservice:read': (m, s) => m === 'GET' && under(s, 'nameservice'),
  'repos:read': (m, s, r) =>
    m === 'GET' && ((under(s, 'repos') && s.length > 2 && named(r, s[1])) || under(s, 'metadata')),
  'sources:write': (_, s, r) => under(s, 'sources') && named(r, s[1]) && s[2] === 'packages' && s.length > 3,
  'sources:admin': (_, s, r) => under(s, 'sources') && s.length > 2 && named(r, s[1]),
  'blocklist:read': (m, s) => m === 'GET' && under(s, 'blocklist'),
  'blocklist:admin': (_, s) => under(s, 'blocklist'),
  'metadata:read': (m, s) => m === 'GET' && under(s, 'metadata'),
  'metadata:admin': (_, s) => under(s, 'metadata'),
};

export interface Grant {
  scope: ScopeName;
  resources: string[] | null;
}

export interface Holder {
  name: string;
  /** The Authorization header, or undefined for none. */
  authorization: string | undefined;
  /** The token id, for tokens that work. */
  id?: string;
  /** null: no valid token (missing, malformed, unknown, revoked, expired). */
  grants: Grant[] | null;
  /**
   * `person`: someone signed in at the OpenID Connect issuer, sending its ID token: global:admin in
   * the admin group, nothing outside it, and in either case tokengate's own routes alone, never a
   * team's API (the `scoped` routes), whatever a global:admin token reaches there.
   */
  kind: 'user' | 'service' | 'person' | 'invalid';
}

/**
 * `not-admin`: a person outside the admin group on a route of tokengate's own: the REST authorizer
 * lets them through with no scope, and tokengate's function answers 403 naming the admin group (in
 * the route's error shape); the HTTP API authorizer refuses them.
 */
export type Expected = 'reach' | 401 | 403 | 'not-admin';

export function expectedFor(holder: Holder, access: Access, method: string, path: string): Expected {
  if (access === 'public') return 'reach';
  if (holder.grants === null) return 401;
  const isAdmin = holder.grants.some((grant) => grant.scope === 'global:admin');
  if (holder.kind === 'person') {
    if (access === 'scoped') return 403;
    return isAdmin ? 'reach' : 'not-admin';
  }
  if (access === 'any-token') return 'reach';
  if (access === 'admin') return isAdmin ? 'reach' : 403;
  const segments = path.split('/').slice(1);
  return holder.grants.some((grant) => DOCUMENTED_SCOPES[grant.scope](method, segments, grant.resources))
    ? 'reach'
    : 403;
}

// ---------------------------------------------------------------------------------------------
// The cells: the route table's routes, and for its `{proxy+}` routes representative concrete paths.

/** Per protected prefix: paths inside and just outside each scope's grants. */
export const REPRESENTATIVE_PATHS: Record<string, string[]> = {
  '/scim/v2': ['/scim/v2/Users', '/scim/v2/Groups/g1'],
  '/nameservice': ['/nameservice/users/u1'],
  '/repos': ['/repos/a/x', '/repos/a/pkgs/p/1.0.tar.gz', '/repos/b/x', '/repos/ab/x'],
  '/sources': [
    '/sources/a/packages/p',
    '/sources/b/packages/p',
    '/sources/a/settings',
    '/sources/b/settings',
    '/sources/a/packagesx/p',
  ],
  '/blocklist': ['/blocklist/rules/r1'],
  '/metadata': ['/metadata/p/1.0'],
};

export interface Cell {
  route: Route;
  method: string;
  path: string;
}

export function cellsOf(route: Route): Cell[] {
  if (route.method === 'ANY') {
    const prefix = route.path.replace(/\/\{proxy\+\}$/, '');
    const paths = REPRESENTATIVE_PATHS[prefix] ?? [];
    return ANY_METHODS.flatMap((method) => paths.map((path) => ({ route, method, path })));
  }
  return [{ route, method: route.method, path: route.path.replace(/\{\w+\}/g, UNKNOWN_ID) }];
}

// ---------------------------------------------------------------------------------------------
// Crafted paths: what a prefix or IAM glob match would let through.

export interface Crafted {
  token: string;
  method: string;
  path: string;
  /** The answers the contract allows: 400 or 403, and 404 where no route matches the path. */
  allowed: readonly number[];
}

export const REFUSED = [400, 403] as const;
export const REFUSED_OR_NO_ROUTE = [400, 403, 404] as const;
const crafted = (token: string, method: string, paths: string[], allowed: readonly number[] = REFUSED) =>
  paths.map((path): Crafted => ({ token, method, path, allowed }));

export const CRAFTED: readonly Crafted[] = [
  // Dot segments, raw and percent-encoded in every case mix, before and after the resource.
  ...crafted('repos:read [a]', 'GET', [
    '/repos/a/../b/x',
    '/repos/a/%2e%2e/b/x',
    '/repos/a/%2E%2E/b/x',
    '/repos/a/.%2e/b/x',
    '/repos/a/%2e./b/x',
    '/repos/a/x/../../b/x',
    '/repos/a/x/..',
    '/repos/a/./x',
    '/repos/a/%2e/x',
  ]),
  ...crafted('repos:read [*]', 'GET', ['/repos/./a/x', '/repos/../v1/tokens', '/repos/a/../../v1/tokens']),
  ...crafted('sources:write [a]', 'DELETE', [
    '/sources/a/packages/../settings',
    '/sources/a/packages/%2e%2e/settings',
    '/sources/a/packages/..%2fsettings',
  ]),
  ...crafted('sources:write [*]', 'DELETE', ['/sources/a/packages/../../b/settings']),
  // Whatever the token: even an admin's request with a dot segment or an encoded slash reaches no backend.
  ...crafted('global:admin', 'GET', ['/repos/a/../b/x', '/repos/a/%2e%2e/b/x', '/repos/a%2Fb/x']),
  ...crafted('global:admin', 'DELETE', ['/sources/a/./packages/x', '/sources/a%5cb/packages/x']),
  // Encoded slashes and backslashes, in and after the resource segment.
  ...crafted('repos:read [a]', 'GET', [
    '/repos/a/x%2F..%2F..%2Fb/y',
    '/repos/a/x%2f..%2f..%2fb/y',
    '/repos/a/x%5C..%5C..%5Cb/y',
    '/repos/a/x%5c..%5c..%5cb/y',
  ]),
  ...crafted('repos:read [*]', 'GET', ['/repos/a%2Fb/x', '/repos/a%5cb/x', '/repos/a%2F..%2Fb/x']),
  ...crafted('sources:write [*]', 'PUT', ['/sources/a%2Fsettings/packages/x', '/sources/a%5Cb/packages/x']),
  // Double slashes: an empty segment is no resource name.
  ...crafted('repos:read [a]', 'GET', ['/repos//a/x']),
  ...crafted('sources:write [*]', 'DELETE', ['/sources//packages/x']),
  ...crafted('repos:read [a]', 'GET', ['//repos/a/x'], REFUSED_OR_NO_ROUTE),
  // Case: resource names and paths are case-sensitive.
  ...crafted('repos:read [a]', 'GET', ['/repos/A/x']),
  ...crafted('repos:read [a]', 'GET', ['/REPOS/a/x', '/Repos/a/x'], REFUSED_OR_NO_ROUTE),
  ...crafted('sources:write [*]', 'DELETE', ['/SOURCES/a/packages/x'], REFUSED_OR_NO_ROUTE),
  // Trailing slashes do not widen a grant.
  ...crafted('repos:read [a]', 'GET', ['/repos/b/', '/repos/ab/']),
  ...crafted('repos:read [a]', 'DELETE', ['/repos/a/x/']),
  ...crafted('sources:write [a]', 'DELETE', ['/sources/a/settings/']),
  ...crafted('repos:read [*]', 'GET', ['/v1/tokens/', '/v1/audit/'], REFUSED_OR_NO_ROUTE),
  // Extra segments before the scope's anchor: `*` is one segment, never several.
  ...crafted('sources:write [*]', 'DELETE', [
    '/sources/s/settings/packages/x',
    '/sources/a/b/c/packages/d',
    '/sources/a/b/packages/d',
  ]),
  ...crafted('sources:write [*]', 'POST', ['/sources/s/settings/packages/x']),
  ...crafted('sources:write [a]', 'DELETE', ['/sources/a/x/packages/y']),
  ...crafted('identity:manage', 'GET', ['/scim/x/v2/Users', '/scim/V2/Users'], REFUSED_OR_NO_ROUTE),
  ...crafted('service identity:manage', 'GET', ['/scim/v2/../../v1/tokens', '/scim/v2/x/../../../v1/whoami']),
  // IAM wildcards: in a REST Allow policy for the method ARN, `*` would match any run of characters
  // (`/sources/*/packages/x` also `/sources/a/settings/packages/x`) and `?` any one; raw or encoded.
  ...crafted('sources:write [*]', 'PUT', [
    '/sources/*/packages/x',
    '/sources/a*/packages/x',
    '/sources/%2A/packages/x',
    '/sources/%2a/packages/x',
    '/sources/%252A/packages/x',
    '/sources/a/packages/x%3F',
    '/sources/%3f/packages/x',
  ]),
  ...crafted('repos:read [*]', 'GET', ['/repos/*/x', '/repos/a/%2A', '/repos/%3F/x']),
  ...crafted('global:admin', 'PUT', ['/sources/*/packages/x', '/sources/a/settings/*', '/v1/tokens/*']),
];

// ---------------------------------------------------------------------------------------------
// More than one Authorization header: refused (401) whatever they hold, the admin's token among them.

export interface RepeatedAuthorization {
  /** The holders whose headers are sent together, in this order. */
  tokens: readonly [string, string];
  /** The header's name as sent each time. */
  names: readonly [string, string];
}

export const REPEATED_AUTHORIZATION: readonly RepeatedAuthorization[] = [
  { tokens: ['global:admin', 'repos:read [a]'], names: ['Authorization', 'authorization'] },
  { tokens: ['repos:read [a]', 'global:admin'], names: ['authorization', 'Authorization'] },
  { tokens: ['global:admin', 'repos:read [a]'], names: ['Authorization', 'Authorization'] },
  { tokens: ['global:admin', 'global:admin'], names: ['Authorization', 'AUTHORIZATION'] },
  { tokens: ['repos:read [a]', 'repos:read [a]'], names: ['authorization', 'authorization'] },
  { tokens: ['global:admin', 'malformed'], names: ['Authorization', 'authorization'] },
];
