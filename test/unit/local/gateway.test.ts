// The gateway's decisions with stub Lambda handlers and a fake clock: no sockets, no database.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { parseMethodArn, requestPolicy, scopesAllow } from '#domain/policy';
import { accessLogLine, parseRequestTime, requestTime } from '#local/access-log';
import type { GatewayRequest } from '#local/events';
import { type AccessLogEntry, Gateway, type GatewayResponse, type LambdaHandler } from '#local/gateway';
import { ACCESS_LOG_FORMAT } from '#spec/access-log';
import { AUTHORIZER, FUNCTIONS } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES, type Route } from '#spec/routes';
import type { ScopeGrant } from '#spec/scopes';

const SCIM_TOKEN = 'Bearer scim';
const ADMIN_TOKEN = 'Bearer admin';
const REPO_A_TOKEN = 'Bearer repo-a';
/** A token whose authorizer answers with a policy wider than the request (any method and path). */
const WIDE_TOKEN = 'Bearer wide';

const STUB_SCOPES: Record<string, ScopeGrant[]> = {
  [SCIM_TOKEN]: [{ scope: 'identity:manage', resources: null }],
  [ADMIN_TOKEN]: [{ scope: 'global:admin', resources: null }],
  [REPO_A_TOKEN]: [{ scope: 'repos:read', resources: ['a'] }],
};

/** An authorizer in the shape of ours: Allow or Deny for the method ARN, `Unauthorized` otherwise. */
function stubAuthorizer() {
  return vi.fn(async (raw: unknown) => {
    const event = raw as APIGatewayRequestAuthorizerEvent;
    const authorization = event.headers?.Authorization ?? '';
    const arn = parseMethodArn(event.methodArn);
    const scopes = STUB_SCOPES[authorization];
    if (scopes && arn) {
      const allowed = scopesAllow(scopes, arn.method, arn.path);
      const token = authorization.slice('Bearer '.length);
      return {
        principalId: `token:${token}`,
        policyDocument: requestPolicy(event.methodArn, allowed ? 'Allow' : 'Deny'),
        context: { token_id: token, kind: token === 'scim' ? 'service' : 'user' },
      };
    }
    switch (authorization) {
      case WIDE_TOKEN: {
        // Allows everything on its API, but only when asked about GET /repos/a/x.
        const allowed = arn?.method === 'GET' && arn.path === '/repos/a/x';
        return {
          principalId: 'token:wide',
          policyDocument: requestPolicy(`${arn?.apiPrefix}/*/*`, allowed ? 'Allow' : 'Deny'),
        };
      }
      case 'Bearer boom':
        throw new Error('DynamoDB is unreachable');
      case 'Bearer throttled':
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ProvisionedThroughputExceededException',
        });
      case 'Bearer odd':
        return { principalId: 'token:odd' }; // no policy
      default:
        throw new Error('Unauthorized');
    }
  });
}

/** Answers with the event it got, so tests can see what the integration saw. */
const echo = vi.fn(async (event: unknown) => ({
  statusCode: 200,
  headers: { 'x-seen': 'yes' },
  body: JSON.stringify(event),
}));

function setup(
  options: {
    ttl?: number;
    routes?: readonly Route[];
    handler?: LambdaHandler;
    accessLog?: (entry: AccessLogEntry) => void;
  } = {},
) {
  let now = 1_000_000;
  const authorizer = stubAuthorizer();
  const routes = options.routes ?? ROUTES;
  const handler = options.handler ?? echo;
  const gateway = new Gateway({
    routes,
    authorizer: { fn: AUTHORIZER, handler: authorizer },
    handlers: new Map(routes.map((route) => [route.fn.entry, handler])),
    cacheTtlSeconds: options.ttl ?? 2,
    now: () => now,
    timeoutMs: 200,
    ...(options.accessLog && { accessLog: options.accessLog }),
  });
  return { gateway, authorizer, advance: (ms: number) => (now += ms) };
}

function get(path: string, authorization?: string, method = 'GET'): GatewayRequest {
  return {
    method,
    path,
    query: '',
    rawHeaders: authorization ? ['Authorization', authorization] : [],
    body: null,
    sourceIp: '127.0.0.1',
    requestId: 'req',
    receivedAt: new Date(),
  };
}

const json = (response: GatewayResponse) => JSON.parse(String(response.body));

describe('Gateway routing', () => {
  it('answers an unknown route 404 in the native error shape, without calling the authorizer', async () => {
    const { gateway, authorizer } = setup();
    const response = await gateway.handle(get('/nowhere', ADMIN_TOKEN));
    expect(response.statusCode).toBe(404);
    expect(json(response)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(authorizer).not.toHaveBeenCalled();
  });

  it('calls a public route without the authorizer', async () => {
    const publicRoute: Route = {
      method: 'POST',
      path: '/v1/tokens/revoke',
      access: 'public',
      fn: FUNCTIONS.echo,
    };
    const { gateway, authorizer } = setup({ routes: [publicRoute] });
    const response = await gateway.handle(get('/v1/tokens/revoke', undefined, 'POST'));
    expect(response.statusCode).toBe(200);
    expect(authorizer).not.toHaveBeenCalled();
    expect(json(response).requestContext.authorizer).toBeUndefined();
  });
});

describe('Gateway authorization', () => {
  it('refuses a request without an Authorization header with 401, without calling the authorizer', async () => {
    const { gateway, authorizer } = setup();
    const response = await gateway.handle(get('/scim/v2/Users'));
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual(GATEWAY_RESPONSES[401]);
    expect(authorizer).not.toHaveBeenCalled();
  });

  it('answers 401 when the authorizer says Unauthorized', async () => {
    const { gateway } = setup();
    const response = await gateway.handle(get('/scim/v2/Users', 'Bearer nobody'));
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual(GATEWAY_RESPONSES[401]);
  });

  it('answers 403 when the policy denies the method ARN', async () => {
    const { gateway } = setup();
    const response = await gateway.handle(get('/v1/tokens', SCIM_TOKEN));
    expect(response.statusCode).toBe(403);
    expect(json(response)).toEqual(GATEWAY_RESPONSES[403]);
  });

  it("leaves a Connect route's token to its function, which checks it itself: no authorizer call, no gateway refusal", async () => {
    const { gateway, authorizer } = setup();
    for (const authorization of [undefined, SCIM_TOKEN]) {
      const response = await gateway.handle(get('/__api__/v1/system/service-tokens', authorization));
      expect(response.statusCode).toBe(200);
      expect(json(response).requestContext.authorizer).toBeUndefined();
    }
    expect(authorizer).not.toHaveBeenCalled();
  });

  it('answers 500 when the authorizer fails otherwise, and does not cache the failure', async () => {
    const { gateway, authorizer } = setup();
    expect((await gateway.handle(get('/scim/v2/Users', 'Bearer boom'))).statusCode).toBe(500);
    expect((await gateway.handle(get('/scim/v2/Users', 'Bearer boom'))).statusCode).toBe(500);
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('answers 500 when the authorizer returns no policy', async () => {
    const { gateway } = setup();
    expect((await gateway.handle(get('/scim/v2/Users', 'Bearer odd'))).statusCode).toBe(500);
  });

  it("answers the authorizer's own read throttled as API Gateway's AUTHORIZER_FAILURE: 500 in the API's error shape, no Retry-After, never the backend", async () => {
    const { gateway, authorizer } = setup();
    echo.mockClear();
    for (const authorization of ['Bearer throttled', 'Bearer boom', 'Bearer odd']) {
      const response = await gateway.handle(get('/scim/v2/Users', authorization));
      expect(response.statusCode).toBe(500);
      expect(json(response)).toEqual(GATEWAY_RESPONSES[500]);
      expect(response.headers['retry-after']).toBeUndefined();
    }
    expect((await gateway.handle(get('/scim/v2/Users', 'Bearer throttled'))).statusCode).toBe(500);
    expect(authorizer).toHaveBeenCalledTimes(4); // never cached
    expect(echo).not.toHaveBeenCalled();
  });

  it('passes the principal and the authorizer context to the handler in requestContext.authorizer', async () => {
    const { gateway } = setup();
    const response = await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(response.statusCode).toBe(200);
    const event = json(response) as APIGatewayProxyEvent;
    expect(event.requestContext.authorizer).toMatchObject({
      principalId: 'token:scim',
      token_id: 'scim',
      kind: 'service',
    });
    expect(event.pathParameters).toEqual({ proxy: 'Users' });
  });
});

describe('Gateway authorizer cache (keyed on Authorization, method and path)', () => {
  it('reuses the answer for the same header, method and path until the TTL passes', async () => {
    const { gateway, authorizer, advance } = setup({ ttl: 2 });
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    advance(1_999);
    expect((await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN))).statusCode).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(1);

    advance(1);
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('a cached allow for GET /repos/a/x does not let the same token through on /repos/b/x or DELETE', async () => {
    const { gateway, authorizer } = setup();
    expect((await gateway.handle(get('/repos/a/x', REPO_A_TOKEN))).statusCode).toBe(200);

    expect((await gateway.handle(get('/repos/b/x', REPO_A_TOKEN))).statusCode).toBe(403);
    expect((await gateway.handle(get('/repos/a/x', REPO_A_TOKEN, 'DELETE'))).statusCode).toBe(403);
    expect(authorizer).toHaveBeenCalledTimes(3); // each new request was decided by the authorizer
    expect((await gateway.handle(get('/repos/a/x', REPO_A_TOKEN))).statusCode).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(3); // and the same request again came from the cache
  });

  it('an answer wider than its request is still only applied to that request', async () => {
    const { gateway } = setup();
    expect((await gateway.handle(get('/repos/a/x', WIDE_TOKEN))).statusCode).toBe(200);

    expect((await gateway.handle(get('/repos/b/x', WIDE_TOKEN))).statusCode).toBe(403);
    expect((await gateway.handle(get('/repos/a/x', WIDE_TOKEN, 'DELETE'))).statusCode).toBe(403);
    expect((await gateway.handle(get('/scim/v2/Users', WIDE_TOKEN))).statusCode).toBe(403);
  });

  it('judges a cached policy against the request: a cached deny stays a 403', async () => {
    const { gateway, authorizer } = setup();
    expect((await gateway.handle(get('/nameservice/users', SCIM_TOKEN))).statusCode).toBe(403);
    expect((await gateway.handle(get('/nameservice/users', SCIM_TOKEN))).statusCode).toBe(403);
    expect(authorizer).toHaveBeenCalledTimes(1);
  });

  it('with a TTL of 0 calls the authorizer on every request', async () => {
    const { gateway, authorizer } = setup({ ttl: 0 });
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('refuses two Authorization headers with 401 without asking the authorizer: none is cached for the other', async () => {
    // The attack: the cache keyed on one header while the authorizer decided on the other, so the
    // low token alone then passed on the admin's cached answer.
    const { gateway, authorizer } = setup();
    const both = {
      ...get('/scim/v2/Users'),
      rawHeaders: ['Authorization', ADMIN_TOKEN, 'authorization', REPO_A_TOKEN],
    };

    const first = await gateway.handle(both);
    expect(first.statusCode).toBe(401);
    expect(json(first)).toEqual(GATEWAY_RESPONSES[401]);
    expect(authorizer).not.toHaveBeenCalled();
    const alone = await gateway.handle(get('/scim/v2/Users', REPO_A_TOKEN));
    expect(alone.statusCode).toBe(403);
  });

  it('refuses a repeated Authorization header whatever the values: the same one twice, in any case', async () => {
    const { gateway, authorizer } = setup();
    for (const rawHeaders of [
      ['Authorization', ADMIN_TOKEN, 'Authorization', ADMIN_TOKEN],
      ['authorization', REPO_A_TOKEN, 'AUTHORIZATION', ADMIN_TOKEN],
      ['Authorization', ADMIN_TOKEN, 'X-Other', 'x', 'authorization', ''],
    ]) {
      const response = await gateway.handle({ ...get('/scim/v2/Users'), rawHeaders });
      expect(response.statusCode, rawHeaders.join(' ')).toBe(401);
    }
    expect(authorizer).not.toHaveBeenCalled();
    expect((await gateway.handle(get('/scim/v2/Users', ADMIN_TOKEN))).statusCode).toBe(200);
  });

  it('does not cache a refusal', async () => {
    const { gateway, authorizer } = setup();
    await gateway.handle(get('/scim/v2/Users', 'Bearer nobody'));
    await gateway.handle(get('/scim/v2/Users', 'Bearer nobody'));
    expect(authorizer).toHaveBeenCalledTimes(2);
  });
});

describe('Gateway crafted paths', () => {
  it.each([
    ['/repos/a/../b/x'],
    ['/repos/a/%2e%2e/b/x'],
    ['/repos/a/%2E%2e/b/x'],
    ['/repos/a/.%2e/b/x'],
    ['/repos/a/./x'],
    ['/repos/a%2fb/x'],
    ['/repos/a%2F..%2Fb/x'],
    ['/repos/a%5cb/x'],
    ['/repos/a\\b/x'],
    ['/v1/tokens/revoke/..'],
    ['/nowhere/../v1/whoami'],
    ['/sources/*/packages/x'],
    ['/sources/%2A/packages/x'],
    ['/sources/a/packages/x%3f'],
    ['/sources/%252a/packages/x'],
  ])('answers %s with 400 naming the path, before routing: no authorizer, no backend', async (path) => {
    const handler = vi.fn(async () => ({ statusCode: 200, body: '{}' }));
    const { gateway, authorizer } = setup({ handler });

    const response = await gateway.handle(get(path, ADMIN_TOKEN));

    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      error: { code: 'invalid_request', message: expect.any(String), field: 'path' },
    });
    expect(authorizer).not.toHaveBeenCalled();
    expect(handler).not.toHaveBeenCalled();
  });

  it('leaves double slashes and a trailing slash to the scopes: an empty segment names no repository', async () => {
    const { gateway } = setup();
    expect((await gateway.handle(get('/repos/a/', REPO_A_TOKEN))).statusCode).toBe(200);
    expect((await gateway.handle(get('/repos/a//x', REPO_A_TOKEN))).statusCode).toBe(200);
    expect((await gateway.handle(get('/repos//a/x', REPO_A_TOKEN))).statusCode).toBe(403);
  });
});

describe('Gateway integration response', () => {
  it('writes status, headers (content-type defaulting to JSON) and body', async () => {
    const { gateway } = setup();
    const response = await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(response.headers).toMatchObject({ 'x-seen': 'yes', 'content-type': 'application/json' });
  });

  it('merges multi-value headers and decodes a base64 body', async () => {
    const handler = async () => ({
      statusCode: 201,
      headers: { 'Set-Cookie': 'a=1' },
      multiValueHeaders: { 'set-cookie': ['b=2'] },
      body: Buffer.from('binary').toString('base64'),
      isBase64Encoded: true,
    });
    const { gateway } = setup({ handler });
    const response = await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(response.statusCode).toBe(201);
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(String(response.body)).toBe('binary');
  });

  it('answers 502 when the handler throws or returns something that is not a proxy response', async () => {
    const throwing = setup({
      handler: async () => {
        throw new Error('bug');
      },
    });
    expect((await throwing.gateway.handle(get('/scim/v2/Users', SCIM_TOKEN))).statusCode).toBe(502);
    const malformed = setup({ handler: async () => ({ status: 200 }) });
    expect((await malformed.gateway.handle(get('/scim/v2/Users', SCIM_TOKEN))).statusCode).toBe(502);
  });

  it('answers 504 when the handler does not answer within the integration timeout', async () => {
    const { gateway } = setup({ handler: () => new Promise(() => {}) });
    expect((await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN))).statusCode).toBe(504);
  });
});

describe('Gateway access log', () => {
  it('logs every request with its status and the authorizer’s principal, from its cache too', async () => {
    const entries: AccessLogEntry[] = [];
    const { gateway, authorizer } = setup({ accessLog: (entry) => entries.push(entry) });
    await gateway.handle(get('/repos/a/x', REPO_A_TOKEN)); // asks the authorizer
    await gateway.handle(get('/repos/a/x', REPO_A_TOKEN)); // from its cache
    await gateway.handle(get('/repos/b/x', REPO_A_TOKEN)); // denied by its policy
    await gateway.handle(get('/repos/a/x', 'Bearer nobody')); // refused: no principal
    await gateway.handle(get('/nowhere'));
    expect(authorizer).toHaveBeenCalledTimes(3);
    expect(entries.map(({ status, principal, route }) => [status, principal, route?.path])).toEqual([
      [200, 'token:repo-a', '/repos/{proxy+}'],
      [200, 'token:repo-a', '/repos/{proxy+}'],
      [403, 'token:repo-a', '/repos/{proxy+}'],
      [401, undefined, '/repos/{proxy+}'],
      [404, undefined, undefined],
    ]);
  });

  it('writes a line in the fields and names of the access-log format in AWS, and no header', () => {
    const request = { ...get('/repos/a/x', REPO_A_TOKEN), receivedAt: new Date('2026-12-07T09:05:03.250Z') };
    const line = JSON.parse(
      accessLogLine({ request, route: undefined, status: 403, principal: 'token:abc', latencyMs: 12 }),
    );
    expect(line).toEqual({
      requestId: 'req',
      requestTime: '07/Dec/2026:09:05:03 +0000',
      ip: '127.0.0.1',
      userAgent: '-',
      method: 'GET',
      resourcePath: '-',
      path: '/repos/a/x',
      status: '403',
      responseLength: '-',
      responseLatency: '12',
      integrationLatency: '-',
      principal: 'token:abc',
      authorizerLatency: '-',
      authorizerStatus: '-',
      authorizerError: '-',
      errorType: '-',
    });
    expect(Object.keys(line)).toEqual(Object.keys(ACCESS_LOG_FORMAT)); // the AWS format's fields, in its order
    expect(JSON.stringify(line)).not.toContain('repo-a');
    expect(parseRequestTime(line.requestTime)).toBe(Date.parse('2026-12-07T09:05:03Z'));
    expect(parseRequestTime(requestTime(new Date('2027-01-31T23:59:59Z')))).toBe(
      Date.parse('2027-01-31T23:59:59Z'),
    );
    expect(parseRequestTime('2026-12-07T09:05:03Z')).toBeNaN();
  });
});
