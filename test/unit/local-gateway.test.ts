// The gateway's decisions with stub Lambda handlers and a fake clock: no sockets, no database.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { GatewayRequest } from '../../local/events';
import { Gateway, type GatewayResponse, type LambdaHandler } from '../../local/gateway';
import { allowPolicy, parseMethodArn } from '../../shared/policy';
import { AUTHORIZER, FUNCTIONS, GATEWAY_RESPONSES, ROUTES, type Route } from '../../shared/routes';

const SCIM_TOKEN = 'Bearer scim';
const ADMIN_TOKEN = 'Bearer admin';

/** An authorizer in the shape of ours: a policy for the token's scopes, `Unauthorized` otherwise. */
function stubAuthorizer() {
  return vi.fn(async (raw: unknown) => {
    const event = raw as APIGatewayRequestAuthorizerEvent;
    const apiPrefix = parseMethodArn(event.methodArn)?.apiPrefix ?? '';
    switch (event.headers?.Authorization) {
      case SCIM_TOKEN:
        return {
          principalId: 'token:scim',
          policyDocument: allowPolicy(apiPrefix, [{ scope: 'identity:manage', resources: null }]),
          context: { token_id: 'scim', kind: 'service' },
        };
      case ADMIN_TOKEN:
        return {
          principalId: 'token:admin',
          policyDocument: allowPolicy(apiPrefix, [{ scope: 'global:admin', resources: null }]),
          context: { token_id: 'admin', kind: 'user' },
        };
      case 'Bearer boom':
        throw new Error('DynamoDB is unreachable');
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

function setup(options: { ttl?: number; routes?: readonly Route[]; handler?: LambdaHandler } = {}) {
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
      face: 'native',
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

  it('answers 403 when the policy does not cover the method ARN', async () => {
    const { gateway } = setup();
    const response = await gateway.handle(get('/__api__/v1/system/service-tokens', SCIM_TOKEN));
    expect(response.statusCode).toBe(403);
    expect(json(response)).toEqual(GATEWAY_RESPONSES[403]);
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

describe('Gateway authorizer cache', () => {
  it('reuses the answer for the same Authorization header until the TTL passes', async () => {
    const { gateway, authorizer, advance } = setup({ ttl: 2 });
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    advance(1_999);
    expect((await gateway.handle(get('/scim/v2/Groups', SCIM_TOKEN))).statusCode).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(1);

    advance(1);
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('judges a cached policy against each new route: a cache hit can still be refused', async () => {
    const { gateway, authorizer } = setup();
    expect((await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN))).statusCode).toBe(200);
    expect((await gateway.handle(get('/nameservice/users', SCIM_TOKEN))).statusCode).toBe(403);
    expect(authorizer).toHaveBeenCalledTimes(1);
  });

  it('with a TTL of 0 calls the authorizer on every request', async () => {
    const { gateway, authorizer } = setup({ ttl: 0 });
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    await gateway.handle(get('/scim/v2/Users', SCIM_TOKEN));
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('does not cache a refusal', async () => {
    const { gateway, authorizer } = setup();
    await gateway.handle(get('/scim/v2/Users', 'Bearer nobody'));
    await gateway.handle(get('/scim/v2/Users', 'Bearer nobody'));
    expect(authorizer).toHaveBeenCalledTimes(2);
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
