import { describe, expect, it } from 'vitest';
import { RouteTable } from '#local/routing';
import { FUNCTIONS } from '#spec/functions';
import { ROUTES, type Route } from '#spec/routes';

const route = (method: Route['method'], path: string): Route => ({
  method,
  path,
  access: 'admin',
  fn: FUNCTIONS.echo,
});

describe('RouteTable on the deployment routes', () => {
  const table = new RouteTable(ROUTES);

  it('matches a literal path and method', () => {
    const match = table.match('GET', '/__api__/v1/system/service-tokens');
    expect(match?.route.fn).toBe(FUNCTIONS.listServiceTokens);
    expect(match?.pathParameters).toBeNull();
  });

  it('binds a {name} path parameter, decoded', () => {
    const match = table.match('DELETE', '/__api__/v1/system/service-tokens/abc%20def');
    expect(match?.route.fn).toBe(FUNCTIONS.deleteServiceToken);
    expect(match?.pathParameters).toEqual({ guid: 'abc def' });
  });

  it('prefers a literal segment over a {name} parameter', () => {
    expect(table.match('GET', '/__api__/v1/system/service-tokens/scopes')?.route.fn).toBe(
      FUNCTIONS.listServiceTokenScopes,
    );
  });

  it('a GET route answers HEAD too; no other route does', () => {
    expect(table.match('HEAD', '/v1/tokens')?.route.fn).toBe(FUNCTIONS.listTokens);
    expect(table.match('HEAD', '/openapi.json')?.route.fn).toBe(FUNCTIONS.openApi);
    expect(table.match('HEAD', '/v1/tokens/abc')?.route.fn).toBe(FUNCTIONS.getToken);
    expect(table.match('HEAD', '/v1/tokens/abc/revoke')).toBeNull();
    expect(table.match('HEAD', '/v1/tokens/self/rotate')).toBeNull();
  });

  it('does not fall back to a less specific resource when the method is missing on the best one', () => {
    expect(table.match('DELETE', '/__api__/v1/system/service-tokens/scopes')).toBeNull();
    expect(table.match('PUT', '/__api__/v1/system/service-tokens')).toBeNull();
  });

  it('{proxy+} takes the rest of the path, across slashes, for any method', () => {
    for (const method of ['GET', 'POST', 'DELETE', 'PATCH', 'HEAD']) {
      const match = table.match(method, '/scim/v2/Users/42/groups');
      expect(match?.route.fn).toBe(FUNCTIONS.echo);
      expect(match?.route.path).toBe('/scim/v2/{proxy+}');
      expect(match?.pathParameters).toEqual({ proxy: 'Users/42/groups' });
    }
  });

  it('{proxy+} needs at least one segment', () => {
    expect(table.match('GET', '/scim/v2')).toBeNull();
    expect(table.match('GET', '/scim/v2/')).toBeNull();
  });

  it('an unknown path matches nothing', () => {
    expect(table.match('GET', '/')).toBeNull();
    expect(table.match('GET', '/nope')).toBeNull();
    expect(table.match('GET', '/__api__/v1/system/service-tokens/a/b')).toBeNull();
  });
});

describe('RouteTable specificity', () => {
  it('a {name} parameter beats {proxy+}, and an exact method beats ANY on the same resource', () => {
    const byId = route('GET', '/items/{id}');
    const proxy = route('ANY', '/items/{proxy+}');
    const anyById = route('ANY', '/items/{id}');
    const table = new RouteTable([proxy, anyById, byId]);

    expect(table.match('GET', '/items/7')?.route).toBe(byId);
    expect(table.match('POST', '/items/7')?.route).toBe(anyById);
    expect(table.match('GET', '/items/7/parts')?.route).toBe(proxy);
  });

  it('an empty segment does not bind a parameter', () => {
    const table = new RouteTable([route('GET', '/items/{id}')]);
    expect(table.match('GET', '/items/')).toBeNull();
  });
});
