import { describe, expect, it } from 'vitest';
import { parseMethodArn } from '#domain/policy';
import {
  authorizerEvent,
  type GatewayRequest,
  headerValue,
  identityValues,
  lambdaContext,
  methodArn,
  proxyEvent,
  requestTime,
} from '#local/events';
import { RouteTable } from '#local/routing';
import { FUNCTIONS } from '#spec/functions';
import { REST_AUTHORIZER_IDENTITY } from '#spec/gateway';
import { ROUTES } from '#spec/routes';

const table = new RouteTable(ROUTES);

function request(overrides: Partial<GatewayRequest> = {}): GatewayRequest {
  return {
    method: 'GET',
    path: '/scim/v2/Users',
    query: '',
    rawHeaders: ['Host', '127.0.0.1:8787', 'Authorization', 'Bearer t', 'X-Tag', 'a', 'x-tag', 'b'],
    body: null,
    sourceIp: '127.0.0.1',
    requestId: 'req-1',
    receivedAt: new Date('2026-01-31T09:08:07.000Z'),
    ...overrides,
  };
}

function matchOf(req: GatewayRequest) {
  const match = table.match(req.method, req.path);
  if (!match) throw new Error(`no route for ${req.method} ${req.path}`);
  return match;
}

describe('methodArn', () => {
  it('names the local API and stage, then the method and the requested path, as the policy reads it', () => {
    const arn = methodArn('DELETE', '/__api__/v1/system/service-tokens/abc');
    expect(arn).toBe(
      'arn:aws:execute-api:local:000000000000:local/local/DELETE/__api__/v1/system/service-tokens/abc',
    );
    expect(parseMethodArn(arn)).toEqual({
      apiPrefix: 'arn:aws:execute-api:local:000000000000:local/local',
      method: 'DELETE',
      path: '/__api__/v1/system/service-tokens/abc',
    });
  });
});

describe('authorizerEvent', () => {
  it('is a REST REQUEST authorizer event for the route', () => {
    const req = request({ query: 'filter=a&filter=b&x=1' });
    const event = authorizerEvent(req, matchOf(req));

    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe(methodArn('GET', '/scim/v2/Users'));
    expect(event.resource).toBe('/scim/v2/{proxy+}');
    expect(event.path).toBe('/scim/v2/Users');
    expect(event.httpMethod).toBe('GET');
    expect(event.headers?.Authorization).toBe('Bearer t');
    expect(event.pathParameters).toEqual({ proxy: 'Users' });
    expect(event.queryStringParameters).toEqual({ filter: 'b', x: '1' });
    expect(event.multiValueQueryStringParameters).toEqual({ filter: ['a', 'b'], x: ['1'] });
    expect(event.requestContext).toMatchObject({
      requestId: 'req-1',
      stage: 'local',
      resourcePath: '/scim/v2/{proxy+}',
      httpMethod: 'GET',
      path: '/local/scim/v2/Users',
      identity: { sourceIp: '127.0.0.1' },
    });
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('has empty maps, not null, for a request without query string or path parameters', () => {
    const req = request({ path: '/__api__/v1/system/service-tokens' });
    const event = authorizerEvent(req, matchOf(req));
    expect(event.queryStringParameters).toEqual({});
    expect(event.pathParameters).toEqual({});
  });
});

describe('proxyEvent', () => {
  it('carries the authorizer context with the principal, headers in the case sent, and the body', () => {
    const req = request({ method: 'POST', body: Buffer.from('{"a":1}') });
    const facts = { principalId: 'token:abc', token_id: 'abc', kind: 'service' };
    const event = proxyEvent(req, matchOf(req), facts);

    expect(event.requestContext.authorizer).toEqual(facts);
    expect(event.headers['X-Tag']).toBe('a');
    expect(event.headers['x-tag']).toBe('b');
    expect(event.multiValueHeaders.Authorization).toEqual(['Bearer t']);
    expect(event.body).toBe('{"a":1}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.resource).toBe('/scim/v2/{proxy+}');
    expect(event.requestContext.resourcePath).toBe('/scim/v2/{proxy+}');
    expect(event.requestContext.requestTimeEpoch).toBe(Date.parse('2026-01-31T09:08:07.000Z'));
  });

  it('has null query maps, path parameters and body when the request has none', () => {
    const req = request({ path: '/__api__/v1/system/service-tokens' });
    const event = proxyEvent(req, matchOf(req), undefined);
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
  });

  it('decodes query parameters', () => {
    const req = request({ query: 'q=a%20b&empty=' });
    expect(proxyEvent(req, matchOf(req), undefined).queryStringParameters).toEqual({ q: 'a b', empty: '' });
  });
});

describe('headerValue', () => {
  it('ignores case and takes the last value, as an identity source does', () => {
    expect(headerValue(['authorization', 'one', 'AUTHORIZATION', 'two'], 'Authorization')).toBe('two');
    expect(headerValue(['Host', 'x'], 'authorization')).toBeUndefined();
  });
});

describe('requestTime', () => {
  it('is in API Gateway format', () => {
    expect(requestTime(new Date('2026-01-31T09:08:07.000Z'))).toBe('31/Jan/2026:09:08:07 +0000');
  });
});

describe('lambdaContext', () => {
  it('names the function and counts the time left down to zero', () => {
    let now = 1_000;
    const context = lambdaContext(FUNCTIONS.echo, 'id-1', 4_000, () => now);

    expect(context.functionName).toBe('tokengate-ProtectedEcho');
    expect(context.awsRequestId).toBe('id-1');
    expect(context.invokedFunctionArn).toBe(
      'arn:aws:lambda:local:000000000000:function:tokengate-ProtectedEcho',
    );
    expect(context.getRemainingTimeInMillis()).toBe(3_000);
    now = 5_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });
});

describe('identityValues', () => {
  it('reads the REST authorizer identity as API Gateway does: the header, the method, the stage path', () => {
    const req = request({ method: 'DELETE', path: '/scim/v2/Users/42' });

    expect(identityValues(req, matchOf(req), REST_AUTHORIZER_IDENTITY)).toEqual([
      'Bearer t',
      'DELETE',
      '/local/scim/v2/Users/42',
    ]);
    expect(authorizerEvent(req, matchOf(req)).requestContext.path).toBe('/local/scim/v2/Users/42');
  });

  it('is null when a source is missing or blank: API Gateway answers 401 without the authorizer', () => {
    for (const rawHeaders of [[], ['Authorization', '  ']]) {
      const req = request({ rawHeaders });
      expect(identityValues(req, matchOf(req), REST_AUTHORIZER_IDENTITY)).toBeNull();
    }
  });
});
