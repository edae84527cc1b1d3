import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowPolicy,
  grantedPatterns,
  type PolicyDocument,
  parseMethodArn,
  policyAllows,
  scopesAllow,
} from '../../shared/policy';
import { ROUTES } from '../../shared/routes';
import { SCOPE_NAMES, SCOPES, type ScopeGrant, type ScopeName } from '../../shared/scopes';

const API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

const grant = (scope: ScopeName, resources: string[] | null = null): ScopeGrant => ({ scope, resources });
const everyMethod = (path: string) => METHODS.map((method) => `${method}${path}`);
const sorted = (values: readonly string[]) => [...values].sort();
/** What every valid token may call whatever its scopes: the route table's `any-token` routes. */
const anyTokenPatterns = () => grantedPatterns([]);
/** The patterns the scopes add to those. */
const ownPatterns = (scopes: ScopeGrant[]) => {
  const base = new Set(anyTokenPatterns());
  return grantedPatterns(scopes).filter((pattern) => !base.has(pattern));
};

describe('grantedPatterns', () => {
  it("every token may call the route table's any-token routes, on their method only", () => {
    const expected = ROUTES.filter((route) => route.access === 'any-token').flatMap((route) =>
      route.method === 'ANY' ? everyMethod(route.path) : [`${route.method}${route.path}`],
    );

    expect(sorted(anyTokenPatterns())).toEqual(sorted(expected));
    for (const pattern of anyTokenPatterns()) {
      expect(grantedPatterns([grant('nameservice:read')])).toContain(pattern);
    }
  });

  it('global:admin grants every method on every path, whatever else the token holds', () => {
    expect(grantedPatterns([grant('global:admin')])).toEqual(['*/*']);
    expect(grantedPatterns([grant('nameservice:read'), grant('global:admin')])).toEqual(['*/*']);
  });

  it.each([
    ['identity:manage', [...everyMethod('/scim/v2'), ...everyMethod('/scim/v2/*')]],
    ['nameservice:read', ['GET/nameservice', 'GET/nameservice/*']],
    ['blocklist:read', ['GET/blocklist', 'GET/blocklist/*']],
    ['blocklist:admin', [...everyMethod('/blocklist'), ...everyMethod('/blocklist/*')]],
    ['metadata:read', ['GET/metadata', 'GET/metadata/*']],
    ['metadata:admin', [...everyMethod('/metadata'), ...everyMethod('/metadata/*')]],
  ] as const)('%s grants its own prefix and the path below it', (scope, expected) => {
    expect(sorted(ownPatterns([grant(scope)]))).toEqual(sorted(expected));
  });

  it('repos:read grants GET on each named repository, and GET /metadata/* too', () => {
    expect(sorted(ownPatterns([grant('repos:read', ['a', 'b'])]))).toEqual(
      sorted([
        'GET/repos/a',
        'GET/repos/a/*',
        'GET/repos/b',
        'GET/repos/b/*',
        'GET/metadata',
        'GET/metadata/*',
      ]),
    );
  });

  it('repos:read on `*` grants GET on every repository', () => {
    expect(sorted(ownPatterns([grant('repos:read', ['*'])]))).toEqual(
      sorted(['GET/repos/*', 'GET/repos/*/*', 'GET/metadata', 'GET/metadata/*']),
    );
  });

  it('sources:write grants every method on the packages of each named source', () => {
    expect(sorted(ownPatterns([grant('sources:write', ['s'])]))).toEqual(
      sorted([...everyMethod('/sources/s/packages'), ...everyMethod('/sources/s/packages/*')]),
    );
  });

  it('sources:admin grants every method on each named source, or on all of them with `*`', () => {
    expect(sorted(ownPatterns([grant('sources:admin', ['s', 't'])]))).toEqual(
      sorted([
        ...everyMethod('/sources/s'),
        ...everyMethod('/sources/s/*'),
        ...everyMethod('/sources/t'),
        ...everyMethod('/sources/t/*'),
      ]),
    );
    expect(sorted(ownPatterns([grant('sources:admin', ['*'])]))).toEqual(
      sorted([...everyMethod('/sources/*'), ...everyMethod('/sources/*/*')]),
    );
  });

  it('a resource-limited scope without resources grants no resource path', () => {
    expect(ownPatterns([grant('sources:write', null)])).toEqual([]);
    expect(ownPatterns([grant('repos:read', [])])).toEqual(['GET/metadata', 'GET/metadata/*']);
  });

  it('overlapping scopes give each pattern once', () => {
    const patterns = grantedPatterns([grant('metadata:read'), grant('repos:read', ['a'])]);
    expect(patterns).toHaveLength(new Set(patterns).size);
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
    [[grant('identity:manage')], 'GET', '/scim/v1/Users', false],
    [[grant('identity:manage')], 'GET', '/nameservice/x', false],
    [[grant('nameservice:read')], 'GET', '/nameservice/x', true],
    [[grant('nameservice:read')], 'POST', '/nameservice/x', false],
    [[grant('nameservice:read')], 'GET', '/nameservicex', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a/x', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/a', true],
    [[grant('repos:read', ['a'])], 'GET', '/repos/ab/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/repos/b/x', false],
    [[grant('repos:read', ['a'])], 'POST', '/repos/a/x', false],
    [[grant('repos:read', ['a'])], 'GET', '/metadata/pkg', true],
    [[grant('repos:read', ['*'])], 'GET', '/repos/anything/at/all', true],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/s/packages/p', true],
    [[grant('sources:write', ['s'])], 'DELETE', '/sources/s/packages/p/1.0', true],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/s/settings', false],
    [[grant('sources:write', ['s'])], 'PUT', '/sources/t/packages/p', false],
    [[grant('sources:admin', ['s'])], 'PUT', '/sources/s/settings', true],
    [[grant('sources:admin', ['s'])], 'PUT', '/sources/st/settings', false],
    [[grant('blocklist:read')], 'GET', '/blocklist/x', true],
    [[grant('blocklist:read')], 'DELETE', '/blocklist/x', false],
    [[grant('blocklist:admin')], 'DELETE', '/blocklist/x', true],
    [[grant('metadata:read')], 'GET', '/metadata/x', true],
    [[grant('metadata:read')], 'PUT', '/metadata/x', false],
    [[grant('metadata:admin')], 'PUT', '/metadata/x', true],
    [[grant('global:admin')], 'DELETE', '/v1/tokens/abc', true],
    [[grant('global:admin')], 'POST', '/__api__/v1/system/service-tokens', true],
  ] as const)('%j: %s %s → %s', (scopes, method, path, allowed) => {
    expect(scopesAllow(scopes as readonly ScopeGrant[], method, path)).toBe(allowed);
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

// Generators for the property tests: scopes a token may hold, and request paths built from the
// segments the scopes care about, so that near misses come up often.
const resourceName = fc.constantFrom('a', 'ab', 'b', 's', 'st', 'x-1', 'pkg.v2');
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
);
const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
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
          const prefixes = SCOPES[g.scope].grants.map((x) => x.path.split('/')[1]);
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

  it("the REST policy and the HTTP API decision agree on every request (IAM's evaluation of the policy)", () => {
    fc.assert(
      fc.property(fc.array(scopeGrant, { minLength: 1, maxLength: 4 }), method, path, (scopes, m, p) => {
        const viaPolicy = policyAllows(allowPolicy(API, scopes), `${API}/${m}${p}`);
        expect(viaPolicy).toBe(scopesAllow(scopes, m, p));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('remembered patterns and policies (keyed by the scopes JSON)', () => {
  it('give the same answers as deriving them afresh', () => {
    fc.assert(
      fc.property(fc.array(scopeGrant, { maxLength: 4 }), method, path, (scopes, m, p) => {
        const key = JSON.stringify(scopes);
        expect(scopesAllow(scopes, m, p, key)).toBe(scopesAllow(scopes, m, p));
        expect(allowPolicy(API, scopes, key)).toEqual(allowPolicy(API, scopes));
      }),
      { numRuns: 500 },
    );
  });

  it('return one document per API and scope set, and another for another API', () => {
    const scopes = [grant('repos:read', ['a'])];
    const key = JSON.stringify(scopes);
    const other = 'arn:aws:execute-api:eu-west-1:123456789012:other99/prod';

    expect(allowPolicy(API, scopes, key)).toBe(allowPolicy(API, scopes, key));
    expect(allowPolicy(other, scopes, key).Statement[0]?.Resource[0]?.startsWith(`${other}/`)).toBe(true);
  });
});

describe('allowPolicy', () => {
  it('one Allow statement for execute-api:Invoke, every resource under the API id and stage that asked', () => {
    const policy = allowPolicy(API, [grant('repos:read', ['a']), grant('identity:manage')]);

    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement?.Effect).toBe('Allow');
    expect(statement?.Action).toBe('execute-api:Invoke');
    expect(statement?.Resource.length).toBeGreaterThan(0);
    for (const resource of statement?.Resource ?? []) expect(resource.startsWith(`${API}/`)).toBe(true);
  });

  it('allows the granted routes on its own API and stage only', () => {
    const policy = allowPolicy(API, [grant('repos:read', ['a'])]);

    expect(policy.Statement[0]?.Resource).toContain(`${API}/GET/repos/a/*`);
    expect(policyAllows(policy, `${API}/GET/repos/a/x`)).toBe(true);
    expect(policyAllows(policy, 'arn:aws:execute-api:eu-west-1:123456789012:abc123/test/GET/repos/a/x')).toBe(
      false,
    );
    expect(policyAllows(policy, 'arn:aws:execute-api:eu-west-1:123456789012:other9/prod/GET/repos/a/x')).toBe(
      false,
    );
    expect(policyAllows(policy, 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/repos/a/x')).toBe(
      false,
    );
  });

  it('global:admin covers every method and path of its API and stage', () => {
    const policy = allowPolicy(API, [grant('global:admin')]);

    expect(policy.Statement[0]?.Resource).toEqual([`${API}/*/*`]);
    expect(policyAllows(policy, `${API}/DELETE/v1/tokens/abc`)).toBe(true);
    expect(policyAllows(policy, `${API}/GET/`)).toBe(true);
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
