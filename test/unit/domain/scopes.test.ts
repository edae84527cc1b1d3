// The default scope catalogue against the scope table of docs/scopes.md, written out here by hand: a
// changed grant, method, resource kind or service flag in shared/spec/scopes.ts fails this file
// (mutation testing).
import { describe, expect, it } from 'vitest';
import { scopesAllow } from '#domain/policy';
import {
  isScopeName,
  PROTECTED_PREFIXES,
  RESOURCE_NAME_PATTERN,
  SCOPE_NAMES,
  SCOPES,
  SERVICE_SCOPE_NAMES,
} from '#spec/scopes';

describe('scope catalogue', () => {
  it('holds exactly the contract scopes, their grants and resource kinds', () => {
    expect(
      Object.fromEntries(
        SCOPE_NAMES.map((name) => [name, { resource: SCOPES[name].resource, grants: SCOPES[name].grants }]),
      ),
    ).toEqual({
      'global:admin': { resource: null, grants: [{ methods: ['*'], path: '/*' }] },
      'identity:manage': { resource: null, grants: [{ methods: ['*'], path: '/scim/v2/*' }] },
      'nameservice:read': { resource: null, grants: [{ methods: ['GET'], path: '/nameservice/*' }] },
      'repos:read': {
        resource: 'repos',
        grants: [
          { methods: ['GET'], path: '/repos/{resource}/*' },
          { methods: ['GET'], path: '/metadata/*' },
        ],
      },
      'sources:write': {
        resource: 'sources',
        grants: [{ methods: ['*'], path: '/sources/{resource}/packages/*' }],
      },
      'sources:admin': { resource: 'sources', grants: [{ methods: ['*'], path: '/sources/{resource}/*' }] },
      'blocklist:read': { resource: null, grants: [{ methods: ['GET'], path: '/blocklist/*' }] },
      'blocklist:admin': { resource: null, grants: [{ methods: ['*'], path: '/blocklist/*' }] },
      'metadata:read': { resource: null, grants: [{ methods: ['GET'], path: '/metadata/*' }] },
      'metadata:admin': { resource: null, grants: [{ methods: ['*'], path: '/metadata/*' }] },
    });
    expect(Object.keys(SCOPES)).toEqual([...SCOPE_NAMES]);
  });

  it('only identity:manage and nameservice:read can be given to a Connect service token', () => {
    expect(SERVICE_SCOPE_NAMES).toEqual(['identity:manage', 'nameservice:read']);
    expect(SCOPE_NAMES.filter((name) => SCOPES[name].service)).toEqual([
      'identity:manage',
      'nameservice:read',
    ]);
  });

  it('metadata:read, and only it, is deprecated in favour of repos:read', () => {
    expect(SCOPE_NAMES.filter((name) => SCOPES[name].deprecatedBy !== undefined)).toEqual(['metadata:read']);
    expect(SCOPES['metadata:read'].deprecatedBy).toBe('repos:read');
  });

  it('every scope has a description; the deprecated one says so', () => {
    for (const name of SCOPE_NAMES) expect(SCOPES[name].description.length, name).toBeGreaterThan(10);
    expect(SCOPES['metadata:read'].description).toMatch(/deprecated/);
    expect(SCOPES['identity:manage'].description).toMatch(/SCIM/);
  });

  it('isScopeName knows the catalogue and nothing else, inherited names included', () => {
    for (const name of SCOPE_NAMES) expect(isScopeName(name)).toBe(true);
    for (const name of ['', 'admin', 'repos:write', 'toString', '__proto__', 'constructor', 'GLOBAL:ADMIN']) {
      expect(isScopeName(name), name).toBe(false);
    }
  });

  it("the protected prefixes are the top-level paths the scopes guard, without global:admin's /", () => {
    expect([...PROTECTED_PREFIXES].sort()).toEqual(
      ['/blocklist', '/metadata', '/nameservice', '/repos', '/scim/v2', '/sources'].sort(),
    );
  });
});

describe('resource names', () => {
  it('are 1 to 100 letters, digits, dots, dashes and underscores, starting with a letter or digit', () => {
    for (const name of ['a', 'A', '0', 'a.b', 'my-repo_2', 'x'.repeat(100), 'R.1-_z']) {
      expect(RESOURCE_NAME_PATTERN.test(name), name).toBe(true);
    }
    for (const name of [
      '',
      '*',
      '.a',
      '-a',
      '_a',
      'x'.repeat(101),
      'a/b',
      'a b',
      'a*',
      'a?',
      ' a',
      'a\n',
      '\na',
      'a%2e',
      'é',
    ]) {
      expect(RESOURCE_NAME_PATTERN.test(name), JSON.stringify(name)).toBe(false);
    }
  });

  it('a grant on repo a.b reaches a.b and no look-alike: axb, a-b, a.bc, A.b', () => {
    const scopes = [{ scope: 'repos:read' as const, resources: ['a.b'] }];
    expect(scopesAllow(scopes, 'GET', '/repos/a.b/pkg')).toBe(true);
    for (const repo of ['axb', 'a-b', 'a.bc', 'xa.b', 'A.b', 'a', 'a.', 'a%2eb', '*']) {
      expect(scopesAllow(scopes, 'GET', `/repos/${repo}/pkg`), repo).toBe(false);
    }
  });
});
