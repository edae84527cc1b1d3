import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSafePath,
  type PolicyDocument,
  parseMethodArn,
  pathProblem,
  requestPolicy,
  scopesAllow,
} from '#domain/policy';
import { policyAllows } from '#local/iam-policy';
import { ROUTES } from '#spec/routes';
import { SCOPE_NAMES, SCOPES, type ScopeGrant, type ScopeName } from '#spec/scopes';

const API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

const grant = (scope: ScopeName, resources: string[] | null = null): ScopeGrant => ({ scope, resources });

describe('pathProblem', () => {
  it.each([
    ['/repos/a/../b/x', 'a raw .. segment'],
    ['/repos/a/./x', 'a raw . segment'],
    ['/repos/a/..', 'a trailing .. segment'],
    ['/repos/a/%2e%2e/b/x', 'an encoded .. segment'],
    ['/repos/a/%2E%2e/b/x', 'an encoded .. segment in mixed case'],
    ['/repos/a/.%2e/b/x', 'a half-encoded .. segment'],
    ['/repos/a/%2e./b/x', 'a half-encoded .. segment, the other half'],
    ['/repos/a/%2e/x', 'an encoded . segment'],
    ['/repos/a/%252e%252e/b/x', 'a .. segment encoded twice'],
    ['/repos/a/..;/b/x', 'a .. segment with a ;parameter'],
    ['/repos/a%2fb/x', 'an encoded /'],
    ['/repos/a/..%2F..%2Fb/x', 'encoded / in capitals'],
    ['/repos/a%5cb/x', 'an encoded \\'],
    ['/repos/a%5C..%5Cb/x', 'an encoded \\ in capitals'],
    ['/repos/a\\b/x', 'a raw \\'],
    ['/repos/a%00/x', 'an encoded NUL'],
    ['/repos/a/%zz', 'a malformed escape'],
    ['repos/a/x', 'no leading /'],
    ['/sources/*/packages/x', 'a raw * (a wildcard in an IAM policy)'],
    ['/sources/a*/packages/x', 'a * inside a segment'],
    ['/sources/?/packages/x', 'a raw ?'],
    ['/sources/%2a/packages/x', 'an encoded *'],
    ['/sources/%2A/packages/x', 'an encoded * in capitals'],
    ['/sources/a%3fb/packages/x', 'an encoded ?'],
    ['/sources/%3F/packages/x', 'an encoded ? in capitals'],
    ['/sources/%252a/packages/x', 'a * encoded twice'],
    ['/sources/%25253F/packages/x', 'a ? encoded three times'],
  ])('refuses %s (%s)', (path) => {
    expect(pathProblem(path)).toEqual(expect.any(String));
    expect(isSafePath(path)).toBe(false);
  });

  it.each([
    ['/repos/a/x'],
    ['/repos/a/'],
    ['/repos//a/x'],
    ['/'],
    ['/repos/a/pkg.v2/x..y/.hidden/...'],
    ['/repos/a/100%25'],
    ['/repos/a/caf%C3%A9'],
    ['/repos/a/b;c'],
  ])('accepts %s (the scope matcher decides)', (path) => {
    expect(pathProblem(path)).toBeNull();
  });
});

describe('scopesAllow', () => {
  it.each([
    // [scopes, method, path, allowed]
    [[grant('identity:manage')], 'GET', '/scim/v2/Users', true],
    [[grant('identity:manage')], 'POST', '/scim/v2/Users', true],
    [[grant('identity:manage')], 'DELETE', '/scim/v2/Users/42', true],
    [[grant('identity:manage')], 'PATCH', '/scim/v2/Groups/7', true],
    [[grant('identity:manage')], 'GET', '/scim/v2', true],
    [[grant('identity:manage')], 'GET', '/scim/v2/', true],
    [[grant('identity:manage')], 'GET', '/scim/v1/Users', false],
    [[grant('identity:manage')], 'GET', '/scim/v2x', false],
    [[grant('identity:manage')], 'GET', '/SCIM/v2/Users', false],
    [[grant('identity:manage')], 'GET', '/nameservice/x', false],
    [[grant('nameservice:read')], 'GET', '/nameservice/x', true],
    [[grant('nameservice:read')], 'POST', '/nameservice/x', false],
    [[grant('nameservice:read')], 'HEAD', '/nameservice/x', false],
    [[grant('nameservice:read')], 'GET', '/nameservicex', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/x', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/x/y', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a//x', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos//a/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/A/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/ab/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/b/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/../b/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/%2e%2e/b/x', false],
    [[grant('repos:read', ['a'])], 'POST', '/repos/a/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/metadata/pkg', true],
    [[grant('repos:read', ['a.b'])], 'GET', '/repos/a.b/x', true],
    [[grant('repos:read', ['a.b'])], 'GET', '/repos/axb/x', false],
    [[grant('repos:read', ['*'])], 'GET', '/repos/anything/at/all', true],
    [[grant('repos:read', ['*'])], 'GET', '/repos/*/x', false],
    [[grant('global:admin')], 'PUT', '/sources/*/packages/x', false],
    [[grant('repos:read', ['*'])], 'GET', '/repos//x', false],
    [[grant('repos:read', ['*'])], 'GET', '/repos', false],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/s/packages/p', true],
    [[grant('sources:write', ['s'])], 'DELETE', '/sources/s/packages/p/1.0', true],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/s/packages', true],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/s/settings', false],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/t/packages/p', false],
    [[grant('sources:write', ['*'])], 'DELETE', '/sources/x/packages/p', true],
    [[grant('sources:write', ['*'])], 'DELETE', '/sources/s/settings/packages/x', false],
    [[grant('sources:write', ['*'])], 'DELETE', '/sources/a/b/c/packages/d', false],
    [[grant('sources:write', ['*'])], 'DELETE', '/sources//packages/d', false],
    [[grant('sources:write', ['s'])], 'DELETE', '/sources/s/packages/../settings', false],
    [[grant('sources:admin', ['s'])], 'PUT', '/sources/s/settings', true],
    [[grant('sources:admin', ['s'])], 'PUT', '/sources/st/settings', false],
    [[grant('sources:admin', ['*'])], 'PUT', '/sources/st/settings/x', true],
    [[grant('blocklist:read')], 'GET', '/blocklist/x', true],
    [[grant('blocklist:read')], 'DELETE', '/blocklist/x', false],
    [[grant('blocklist:admin')], 'DELETE', '/blocklist/x', true],
    [[grant('metadata:read')], 'GET', '/metadata/x', true],
    [[grant('metadata:read')], 'PUT', '/metadata/x', false],
    [[grant('metadata:admin')], 'PUT', '/metadata/x', true],
    [[grant('global:admin')], 'DELETE', '/v1/tokens/abc', true],
    [[grant('global:admin')], 'POST', '/__api__/v1/system/service-tokens', true],
    [[grant('global:admin')], 'GET', '/v1/tokens/a/../b', false],
    [[grant('global:admin')], 'GET', '/v1/tokens/a%2fb', false],
  ] as const)('%j: %s %s → %s', (scopes, method, path, allowed) => {
    expect(scopesAllow(scopes as readonly ScopeGrant[], method, path)).toBe(allowed);
  });

  it("every valid token may call the route table's any-token routes, on their method only", () => {
    const anyToken = ROUTES.filter((route) => route.access === 'any-token');
    expect(anyToken.length).toBeGreaterThan(0);
    for (const route of anyToken) {
      expect(scopesAllow([], route.method, route.path), route.path).toBe(true);
      expect(scopesAllow([grant('nameservice:read')], route.method, route.path)).toBe(true);
      expect(scopesAllow([], 'DELETE', route.path)).toBe(route.method === 'ANY');
      expect(scopesAllow([], route.method, `${route.path}/x`)).toBe(false);
    }
  });

  it('a resource-limited scope without resources reaches none of its resource paths', () => {
    expect(scopesAllow([grant('sources:write', null)], 'PUT', '/sources/s/packages/p')).toBe(false);
    expect(scopesAllow([grant('repos:read', [])], 'GET', '/repos/a/x')).toBe(false);
    expect(scopesAllow([grant('repos:read', [])], 'GET', '/metadata/x')).toBe(true);
  });

  it('no scope but global:admin reaches token management or the Connect service-token API', () => {
    const nonAdmin = SCOPE_NAMES.filter((name) => name !== 'global:admin').map((name) =>
      grant(name, SCOPES[name].resource ? ['*'] : null),
    );
    for (const path of [
      '/v1/tokens',
      '/v1/tokens/abc',
      '/v1/audit',
      '/__api__/v1/system/service-tokens',
      '/__api__/v1/system/service-tokens/abc',
    ]) {
      for (const method of METHODS)
        expect(scopesAllow(nonAdmin, method, path), `${method} ${path}`).toBe(false);
    }
  });

  it("a grant with any method does not reach a path that only contains its prefix further down (another scope's path)", () => {
    expect(scopesAllow([grant('identity:manage')], 'DELETE', '/repos/a/scim/v2/Users')).toBe(false);
    expect(scopesAllow([grant('metadata:admin')], 'PUT', '/sources/s/metadata/x')).toBe(false);
    expect(
      scopesAllow([grant('sources:write', ['s'])], 'PUT', '/sources/s/settings/sources/s/packages/p'),
    ).toBe(false);
  });
});

/**
 * The catalogue read another way, as anchored regular expressions over the whole path: each
 * `{resource}` becomes one non-empty segment (an escaped name, or any for `*`), a trailing `/*`
 * "this and below". Only for checking the matcher; paths here are safe ones, but for IAM's wildcards
 * (`*`, `?`), which no token may send.
 */
function referenceAllows(scopes: readonly ScopeGrant[], method: string, path: string): boolean {
  if (path.includes('*') || path.includes('?')) return false;
  if (scopes.some((g) => g.scope === 'global:admin')) return true;
  if (ROUTES.some((r) => r.access === 'any-token' && r.method === method && r.path === path)) return true;
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return scopes.some(({ scope, resources }) =>
    SCOPES[scope as ScopeName].grants.some((g) => {
      if (!g.methods.includes('*') && !(g.methods as readonly string[]).includes(method)) return false;
      const below = g.path.endsWith('/*');
      const body = below ? g.path.slice(0, -2) : g.path;
      const names = resources ?? [];
      if (body.includes('{resource}') && names.length === 0) return false;
      const one = names.includes('*') ? '[^/]+' : `(?:${names.map(literal).join('|')})`;
      const source = literal(body).replace(literal('{resource}'), one);
      return new RegExp(`^${source}${below ? '(?:/.*)?' : ''}$`, 's').test(path);
    }),
  );
}

// Generators for the property tests: scopes a token may hold, and request paths built from the
// segments the scopes care about, so that near misses come up often.
const resourceName = fc.constantFrom('a', 'ab', 'b', 's', 'st', 'x-1', 'pkg.v2', 'pkgxv2');
const scopeGrant = fc
  .constantFrom(...SCOPE_NAMES)
  .chain((scope) =>
    SCOPES[scope].resource
      ? fc
          .oneof(fc.constant(['*']), fc.uniqueArray(resourceName, { minLength: 1, maxLength: 3 }))
          .map((resources) => grant(scope, [...resources]))
      : fc.constant(grant(scope)),
  );
const nonAdminScopes = fc.array(
  scopeGrant.filter((g) => g.scope !== 'global:admin'),
  { minLength: 1, maxLength: 5 },
);
const segment = fc.constantFrom(
  'scim',
  'v2',
  'Users',
  'nameservice',
  'repos',
  'sources',
  'packages',
  'settings',
  'blocklist',
  'metadata',
  'v1',
  'tokens',
  'a',
  'ab',
  's',
  '*',
  '',
  'pkg.v2',
  'pkgxv2',
);
const anyPath = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
/** A scope's own top-level segment, then anything: where near misses of a grant live. */
const nearPath = fc
  .tuple(
    fc.constantFrom('repos', 'sources', 'scim', 'nameservice', 'blocklist', 'metadata'),
    fc.array(segment, { maxLength: 5 }),
  )
  .map(([first, rest]) => `/${[first, ...rest].join('/')}`);
const path = fc.oneof(anyPath, nearPath);
const method = fc.constantFrom(...METHODS);

describe('policy properties', () => {
  it('without global:admin, no management path is ever allowed, whatever follows it', () => {
    const management = fc.constantFrom('/v1/tokens', '/v1/audit', '/v1/scopes', '/__api__/v1/system');
    fc.assert(
      fc.property(nonAdminScopes, method, management, fc.option(path), (scopes, m, base, rest) => {
        expect(scopesAllow(scopes, m, `${base}${rest ?? ''}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('a single non-admin scope only ever allows paths under its own top-level prefix', () => {
    fc.assert(
      fc.property(
        scopeGrant.filter((g) => g.scope !== 'global:admin'),
        method,
        path,
        (g, m, p) => {
          fc.pre(scopesAllow([g], m, p) && !scopesAllow([], m, p));
          const prefixes = SCOPES[g.scope as ScopeName].grants.map((x) => x.path.split('/')[1]);
          expect(prefixes).toContain(p.split('/')[1]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('repos:read on named repositories never reaches another repository', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(resourceName, { minLength: 1, maxLength: 3 }),
        resourceName,
        path,
        (names, other, rest) => {
          fc.pre(!names.includes(other));
          expect(scopesAllow([grant('repos:read', names)], 'GET', `/repos/${other}${rest}`)).toBe(false);
        },
      ),
    );
  });

  it('agrees with an independent reading of the catalogue (one segment per resource, nothing escapes it)', () => {
    fc.assert(
      fc.property(fc.array(scopeGrant, { maxLength: 4 }), method, path, (scopes, m, p) => {
        expect(scopesAllow(scopes, m, p)).toBe(referenceAllows(scopes, m, p));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('requestPolicy', () => {
  const arn = `${API}/GET/repos/a/x`;

  it('allows exactly the method ARN it was decided for: no other path, method, stage or API', () => {
    const policy = requestPolicy(arn, 'Allow');

    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn] }],
    });
    expect(policyAllows(policy, arn)).toBe(true);
    for (const other of [
      `${API}/GET/repos/b/x`,
      `${API}/DELETE/repos/a/x`,
      `${API}/GET/repos/a/x/y`,
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/test/GET/repos/a/x',
      'arn:aws:execute-api:eu-west-1:123456789012:other9/prod/GET/repos/a/x',
    ]) {
      expect(policyAllows(policy, other), other).toBe(false);
    }
  });

  it('an Allow for a request the decision lets through covers no other method or path under IAM matching', () => {
    // A `*` or `?` in the method ARN would be an IAM wildcard: such a path is refused before any Allow.
    fc.assert(
      fc.property(method, path, method, path, (m1, p1, m2, p2) => {
        fc.pre(isSafePath(p1) && (m1 !== m2 || p1 !== p2));
        expect(policyAllows(requestPolicy(`${API}/${m1}${p1}`, 'Allow'), `${API}/${m2}${p2}`)).toBe(false);
      }),
      {
        numRuns: 2000,
        examples: [['PUT', '/sources/*/packages/x', 'PUT', '/sources/a/settings/packages/x']],
      },
    );
  });

  it('denies the method ARN when the scopes do not allow it (API Gateway answers 403)', () => {
    expect(policyAllows(requestPolicy(arn, 'Deny'), arn)).toBe(false);
  });
});

describe('policyAllows', () => {
  const statement = (Effect: 'Allow' | 'Deny', Resource: string[], Action = 'execute-api:Invoke') => ({
    Action,
    Effect,
    Resource,
  });
  const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({
    Version: '2012-10-17',
    Statement,
  });
  const target = `${API}/GET/repos/a/x`;

  it('allows what an Allow statement matches', () => {
    expect(policyAllows(policy(statement('Allow', [`${API}/GET/repos/a/*`])), target)).toBe(true);
  });

  it('refuses what no statement matches', () => {
    expect(policyAllows(policy(statement('Allow', [`${API}/GET/repos/b/*`])), target)).toBe(false);
    expect(policyAllows(policy(), target)).toBe(false);
  });

  it('an explicit Deny wins over a matching Allow, whatever their order', () => {
    const allow = statement('Allow', [`${API}/*/*`]);
    const deny = statement('Deny', [`${API}/GET/repos/*`]);

    expect(policyAllows(policy(allow, deny), target)).toBe(false);
    expect(policyAllows(policy(deny, allow), target)).toBe(false);
  });

  it('a Deny that does not match the request does not stop an Allow', () => {
    const policyDoc = policy(statement('Deny', [`${API}/POST/*`]), statement('Allow', [`${API}/GET/*`]));
    expect(policyAllows(policyDoc, target)).toBe(true);
  });

  it('a statement for another action does not count; wildcard actions do', () => {
    expect(
      policyAllows(policy(statement('Allow', [`${API}/*`], 'execute-api:ManageConnections')), target),
    ).toBe(false);
    expect(policyAllows(policy(statement('Allow', [`${API}/*`], 'execute-api:*')), target)).toBe(true);
  });

  it('`?` in a resource matches exactly one character', () => {
    expect(policyAllows(policy(statement('Allow', [`${API}/GET/repos/?/x`])), target)).toBe(true);
    expect(policyAllows(policy(statement('Allow', [`${API}/GET/repos/??/x`])), target)).toBe(false);
  });
});

describe('parseMethodArn', () => {
  it('splits a REST API method ARN into the API prefix, the method and the path', () => {
    expect(parseMethodArn(`${API}/GET/scim/v2/Users`)).toEqual({
      apiPrefix: API,
      method: 'GET',
      path: '/scim/v2/Users',
    });
  });

  it('reads the root path, with or without its slash, as /', () => {
    expect(parseMethodArn(`${API}/GET/`)).toEqual({ apiPrefix: API, method: 'GET', path: '/' });
    expect(parseMethodArn(`${API}/GET`)).toEqual({ apiPrefix: API, method: 'GET', path: '/' });
  });

  it('keeps other partitions and a trailing slash in the path', () => {
    const arn = 'arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/$default/POST/sources/s/packages/';
    expect(parseMethodArn(arn)).toEqual({
      apiPrefix: 'arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/$default',
      method: 'POST',
      path: '/sources/s/packages/',
    });
  });

  it.each([
    [''],
    ['not an arn'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:f/prod/GET/x'],
    ['arn:aws:execute-api:eu-west-1:123456789012:abc123'],
    ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod'],
    ['arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/'],
  ])('refuses %j', (arn) => {
    expect(parseMethodArn(arn)).toBeNull();
  });
});
