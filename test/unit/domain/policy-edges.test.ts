// The edges of the authorizer's policy decision, each pinned so that a loosened check fails a test
// (mutation testing): method ARN anchors, method matching (`*` grants, GET-only grants, the
// any-token routes), one segment per resource, "this path and below", and the path checks' rounds.
import { describe, expect, it } from 'vitest';
import { parseMethodArn, pathProblem, requestPolicy, scopesAllow } from '#domain/policy';
import type { ScopeGrant, ScopeName } from '#spec/scopes';

const API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const grant = (scope: ScopeName, resources: string[] | null = null): ScopeGrant[] => [{ scope, resources }];

describe('parseMethodArn anchors and parts', () => {
  it('refuses an ARN with anything before arn:, or a line break after the path', () => {
    expect(parseMethodArn(`x${API}/GET/repos/a/x`)).toBeNull();
    expect(parseMethodArn(`foo/${API}/GET/repos/a/x`)).toBeNull();
    expect(parseMethodArn(`${API}/GET/repos/a/x\n`)).toBeNull();
    expect(parseMethodArn(`${API}/GET/repos/a\nx`)).toBeNull();
  });

  it('requires the execute-api service, a partition, an API id, a stage and a method', () => {
    for (const arn of [
      'arn::execute-api:eu-west-1:123456789012:abc123/prod/GET/x',
      'arn:aws:lambda:eu-west-1:123456789012:abc123/prod/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:/prod/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123//GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod//x',
    ]) {
      expect(parseMethodArn(arn), arn).toBeNull();
    }
  });

  it('reads a region and account that API Gateway leaves empty, and keeps the path whole', () => {
    expect(parseMethodArn('arn:aws:execute-api:::abc123/prod/GET/a/b//c')).toEqual({
      apiPrefix: 'arn:aws:execute-api:::abc123/prod',
      method: 'GET',
      path: '/a/b//c',
    });
    expect(parseMethodArn(`${API}/*/repos/x`)).toEqual({ apiPrefix: API, method: '*', path: '/repos/x' });
  });

  it('the policy names the method ARN it was given, and only it', () => {
    const arn = `${API}/GET/repos/a/x`;
    expect(requestPolicy(arn, 'Allow')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn] }],
    });
    expect(requestPolicy(arn, 'Deny').Statement[0]?.Effect).toBe('Deny');
  });
});

describe('methods', () => {
  it('a grant on any method reaches every method; a GET grant only GET', () => {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']) {
      expect(scopesAllow(grant('sources:write', ['s']), method, '/sources/s/packages/p'), method).toBe(true);
      expect(scopesAllow(grant('repos:read', ['a']), method, '/repos/a/p'), method).toBe(method === 'GET');
    }
    // `*` in the request is a method name like any other: a GET grant does not read it as "any".
    expect(scopesAllow(grant('repos:read', ['a']), '*', '/repos/a/p')).toBe(false);
    expect(scopesAllow(grant('repos:read', ['a']), 'ANY', '/repos/a/p')).toBe(false);
  });

  it('every token reaches the any-token route on its method only, and only that exact path', () => {
    const none: ScopeGrant[] = [];
    expect(scopesAllow(none, 'GET', '/v1/whoami')).toBe(true);
    expect(scopesAllow(none, 'HEAD', '/v1/whoami')).toBe(true); // a GET route answers HEAD too
    expect(scopesAllow(none, 'HEAD', '/v1/tokens/self/rotate')).toBe(false);
    for (const [method, path] of [
      ['POST', '/v1/whoami'],
      ['DELETE', '/v1/whoami'],
      ['GET', '/v1/whoami/'],
      ['GET', '/v1/whoami/x'],
      ['GET', '/v1'],
      ['GET', '/v1/tokens'],
      ['GET', '/'],
    ] as const) {
      expect(scopesAllow(none, method, path), `${method} ${path}`).toBe(false);
    }
  });

  it('every token reaches POST /v1/tokens/self/rotate, and nothing beside it: not another id, method or path', () => {
    const none: ScopeGrant[] = [];
    expect(scopesAllow(none, 'POST', '/v1/tokens/self/rotate')).toBe(true);
    for (const [method, path] of [
      ['GET', '/v1/tokens/self/rotate'],
      ['PATCH', '/v1/tokens/self/rotate'],
      ['POST', '/v1/tokens/Tok3nId000000001/rotate'],
      ['POST', '/v1/tokens/self'],
      ['POST', '/v1/tokens/self/revoke'],
      ['POST', '/v1/tokens/self/rotate/x'],
      ['POST', '/v1/tokens/self/rotate/'],
      ['POST', '/v1/tokens/SELF/rotate'],
      ['POST', '/v1/whoami'],
    ] as const) {
      expect(scopesAllow(none, method, path), `${method} ${path}`).toBe(false);
      expect(scopesAllow([{ scope: 'sources:admin', resources: ['*'] }], method, path)).toBe(false);
    }
  });

  it('global:admin reaches every safe path with every method, and no unsafe one', () => {
    const admin = grant('global:admin');
    for (const method of ['GET', 'DELETE', 'POST']) {
      expect(scopesAllow(admin, method, '/v1/tokens')).toBe(true);
      expect(scopesAllow(admin, method, '/')).toBe(true);
    }
    expect(scopesAllow(admin, 'GET', '/repos/a/../b')).toBe(false);
    expect(scopesAllow([...grant('repos:read', ['a']), ...admin], 'DELETE', '/v1/tokens/x')).toBe(true);
  });
});

describe('resources and "this path and below"', () => {
  it('a resource grant reaches the resource itself, with or without a slash, and below it', () => {
    const read = grant('repos:read', ['a']);
    for (const path of ['/repos/a', '/repos/a/', '/repos/a/x', '/repos/a/x/y/z']) {
      expect(scopesAllow(read, 'GET', path), path).toBe(true);
    }
    for (const path of [
      '/repos',
      '/repos/',
      '/repos//a',
      '/repos/b',
      '/repo/a/x',
      '/reposa/x',
      '/x/repos/a',
    ]) {
      expect(scopesAllow(read, 'GET', path), path).toBe(false);
    }
  });

  it('`*` names every resource but never an empty segment', () => {
    const all = grant('repos:read', ['*']);
    expect(scopesAllow(all, 'GET', '/repos/anything/x')).toBe(true);
    expect(scopesAllow(all, 'GET', '/repos/a.b/x')).toBe(true);
    expect(scopesAllow(all, 'GET', '/repos//x')).toBe(false);
    expect(scopesAllow(all, 'GET', '/repos/')).toBe(false);
  });

  it('a resource scope with no resources (null or empty) reaches no resource path, only its plain grants', () => {
    for (const resources of [null, []]) {
      expect(scopesAllow(grant('repos:read', resources), 'GET', '/repos/a/x')).toBe(false);
      expect(scopesAllow(grant('repos:read', resources), 'GET', '/metadata/x')).toBe(true);
    }
  });

  it('a literal segment must match exactly: the prefix of a grant is not a substring test', () => {
    expect(scopesAllow(grant('sources:write', ['s']), 'PUT', '/sources/s/packages')).toBe(true);
    expect(scopesAllow(grant('sources:write', ['s']), 'PUT', '/sources/s/packagesX/p')).toBe(false);
    expect(scopesAllow(grant('sources:write', ['s']), 'PUT', '/sources/s/settings/packages/p')).toBe(false);
    expect(scopesAllow(grant('blocklist:read'), 'GET', '/blocklist')).toBe(true);
    expect(scopesAllow(grant('blocklist:read'), 'GET', '/blocklistX')).toBe(false);
    expect(scopesAllow(grant('identity:manage'), 'GET', '/scim/v2')).toBe(true);
    expect(scopesAllow(grant('identity:manage'), 'GET', '/scim/v3/Users')).toBe(false);
    expect(scopesAllow(grant('identity:manage'), 'GET', '/scim')).toBe(false);
  });

  it('the second grant of a scope counts too (repos:read reaches /metadata)', () => {
    expect(scopesAllow(grant('repos:read', ['a']), 'GET', '/metadata/pkg')).toBe(true);
    expect(scopesAllow(grant('repos:read', ['a']), 'PUT', '/metadata/pkg')).toBe(false);
  });

  it('any one of several scopes may allow', () => {
    const scopes = [...grant('blocklist:read'), ...grant('repos:read', ['a'])];
    expect(scopesAllow(scopes, 'GET', '/repos/a/x')).toBe(true);
    expect(scopesAllow(scopes, 'GET', '/blocklist/x')).toBe(true);
    expect(scopesAllow(scopes, 'GET', '/sources/a/x')).toBe(false);
  });
});

describe('pathProblem rounds and messages', () => {
  it('decodes up to three times looking for a dot segment, and refuses a fourth encoding', () => {
    expect(pathProblem('/repos/a/%25252e%25252e/x')).toBe(
      'The path may not contain a . or .. segment, encoded or not',
    );
    expect(pathProblem('/repos/a/%2525252e/x')).toBe('The path is percent-encoded too many times over');
    expect(pathProblem('/repos/a/%2525/x')).toBeNull();
  });

  it('a malformed escape is refused as sent, but a % left over after decoding is data', () => {
    expect(pathProblem('/repos/a/%zz')).toBe('The path holds a malformed percent-escape');
    expect(pathProblem('/repos/a/%')).toBe('The path holds a malformed percent-escape');
    expect(pathProblem('/repos/a/100%25zz')).toBeNull();
    expect(pathProblem('/repos/a/100%25')).toBeNull();
  });

  it('names each problem', () => {
    expect(pathProblem('repos/a')).toBe('The path must start with /');
    expect(pathProblem('')).toBe('The path must start with /');
    expect(pathProblem('/repos/a\\b')).toBe('The path may not contain a backslash');
    expect(pathProblem('/repos/a%2fb')).toBe('The path may not contain an encoded / or \\');
    expect(pathProblem('/repos/a%5cb')).toBe('The path may not contain an encoded / or \\');
    expect(pathProblem('/repos/a%252fb')).toBe('The path may not contain an encoded / or \\');
    expect(pathProblem('/repos/..')).toBe('The path may not contain a . or .. segment, encoded or not');
    expect(pathProblem('/..')).toBe('The path may not contain a . or .. segment, encoded or not');
    expect(pathProblem('/repos/..;%0a/x')).toBe('The path may not contain a . or .. segment, encoded or not');
    const wildcard = 'The path may not contain a * or ?, encoded or not';
    for (const path of [
      '/sources/*/packages/x',
      '/repos/a?',
      '/repos/%2A',
      '/repos/a%3f',
      '/repos/%25252a',
    ]) {
      expect(pathProblem(path), path).toBe(wildcard);
    }
  });

  it('control characters, raw or encoded, are refused; a space is not one', () => {
    for (const path of [
      '/repos/a\t/x',
      '/repos/a%09',
      '/repos/a%1f',
      '/repos/a%7f',
      '/repos/a%00',
      '/a\u0000',
    ]) {
      expect(pathProblem(path), JSON.stringify(path)).toBe('The path may not contain control characters');
    }
    expect(pathProblem('/repos/a%20b/x')).toBeNull();
    expect(pathProblem('/repos/a%7e/x')).toBeNull();
  });

  it('a dot segment is only . or .. (with an optional ;parameter), not a name with dots', () => {
    for (const segment of ['...', '.a', 'a.', '..a', 'a..', '.;', '..;x', '%2e%2e%2e']) {
      const expected = segment.startsWith('.;') || segment.startsWith('..;') ? 'dot' : null;
      expect(pathProblem(`/repos/${segment}/x`) === null ? null : 'dot', segment).toBe(expected);
    }
  });
});
