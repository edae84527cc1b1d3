// The authorizer Lambda as API Gateway invokes it, with its real store on DynamoDB Local and its key
// ring in a file, configured through the environment as the CDK stack configures it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { type PolicyDocument, requestPolicy } from '#domain/policy';
import { RememberedCallers } from '#domain/remembered-callers';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { type GatewayRequest, LOCAL_STAGE } from '#local/events';
import { Gateway } from '#local/gateway';
import { policyAllows } from '#local/iam-policy';
import { AUTHORIZER } from '#spec/functions';
import { ROUTES } from '#spec/routes';
import type { ScopeGrant } from '#spec/scopes';
import { freshTokensTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import {
  API_PREFIX,
  httpApiAuthorizerEvent,
  httpRouteKey,
  lambdaContext,
  restAuthorizerEvent,
} from '#test-support/lambda-events';
import { ADMIN, stamp, tokenRecord } from './fixtures';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
interface RestResult {
  principalId: string;
  policyDocument: PolicyDocument;
  context?: Record<string, string>;
}

const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-authorizer-'));
const keyFile = join(dir, 'keys.json');

/**
 * Everything the file's handlers write: stdout, stderr and the console are captured (and kept off the
 * test output) from the start, as the authorizer logs at DEBUG level here.
 */
const written: string[] = [];
let restoreOutput: () => void = () => undefined;

function captureOutput(): () => void {
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ...(['log', 'info', 'debug', 'warn', 'error', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      }),
    ),
  ];
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

type AuthorizerModule = typeof import('#functions/authorizer/handler');
type RuntimeModule = typeof import('#functions/authorizer/runtime');

let handler: Handler;
let unreachableHandler: Handler;
/** The module behind `handler`, and its runtime (verifier, memo), for deciding with other settings. */
let authorizerModule: AuthorizerModule;
let runtime: RuntimeModule;
let tokens: TokenService;
let store: DynamoTokenStore;

/** The cache TTL the handler reads, as the CDK construct sets it. */
const CACHE_TTL_SECONDS = 30;

async function importHandler(): Promise<{ module: AuthorizerModule; runtime: RuntimeModule }> {
  vi.resetModules();
  const module = await import('#functions/authorizer/handler');
  return { module, runtime: await import('#functions/authorizer/runtime') };
}

beforeAll(async () => {
  restoreOutput = captureOutput();
  const table = await freshTokensTable();
  // Log all it would ever log: the token must be in none of it.
  useLocalHandlerEnv({ keyFile, tokensTable: table, logLevel: 'DEBUG' });
  process.env.TOKENGATE_AUTHORIZER_CACHE_TTL = String(CACHE_TTL_SECONDS);
  ({ module: authorizerModule, runtime } = await importHandler());
  handler = authorizerModule.handler as unknown as Handler;
  process.env.TOKENGATE_DYNAMODB_ENDPOINT = 'http://127.0.0.1:1';
  unreachableHandler = (await importHandler()).module.handler as unknown as Handler;
  process.env.TOKENGATE_DYNAMODB_ENDPOINT = testEndpoint();

  store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
});

afterAll(() => {
  restoreOutput();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

async function create(scopes: ScopeGrant[], expiresAt: string | null = null) {
  return tokens.create(
    { kind: 'service', description: 'authorizer test', userEmail: null, scopes, expiresAt },
    ADMIN,
  );
}

const IDENTITY: ScopeGrant[] = [{ scope: 'identity:manage', resources: null }];

async function authorizeRest(method: string, path: string, headers: Record<string, string>) {
  return (await handler(restAuthorizerEvent(method, path, headers), lambdaContext())) as RestResult;
}

/** API Gateway turns exactly `Error('Unauthorized')` into a 401; anything else is a 500. */
async function expectUnauthorized(outcome: Promise<unknown>) {
  await expect(outcome).rejects.toThrow(/^Unauthorized$/);
  await expect(outcome).rejects.toSatisfy((error) => Object.getPrototypeOf(error) === Error.prototype);
}

afterEach(() => {
  vi.useRealTimers();
});

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('REST API (REQUEST authorizer, IAM policy)', () => {
  it('a valid token with the scope gets an Allow policy for exactly the method ARN asked about', async () => {
    const { record, token } = await create([...IDENTITY, { scope: 'repos:read', resources: ['cran'] }]);

    const result = await authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    expect(result.principalId).toBe(`token:${record.id}`);
    expect(result.policyDocument).toEqual(requestPolicy(`${API_PREFIX}/GET/scim/v2/Users`, 'Allow'));
    // API Gateway caches it per token, method and path: it covers no other request.
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/DELETE/scim/v2/Users`)).toBe(false);
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/repos/cran/src/contrib/PACKAGES`)).toBe(
      false,
    );
  });

  it('passes on the token id, kind, scopes (JSON) and principal as the context, all strings', async () => {
    const { record, token } = await create(IDENTITY);

    const result = await authorizeRest('POST', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    expect(result.context).toEqual({
      token_id: record.id,
      kind: 'service',
      scopes: JSON.stringify(record.scopes),
      principal: `token:${record.id}`,
    });
    expect(JSON.parse(String(result.context?.scopes))).toEqual(record.scopes);
  });

  it('accepts the Key scheme and the header in any case', async () => {
    const { record, token } = await create(IDENTITY);

    for (const headers of <Record<string, string>[]>[
      { Authorization: `Key ${token}` },
      { authorization: `Bearer ${token}` },
      { AUTHORIZATION: `Bearer ${token}` },
    ]) {
      expect((await authorizeRest('GET', '/scim/v2/Users', headers)).principalId).toBe(`token:${record.id}`);
    }
  });

  it('a valid token without the scope gets a Deny for the method ARN (API Gateway answers 403)', async () => {
    const { token } = await create([{ scope: 'nameservice:read', resources: null }]);

    const result = await authorizeRest('POST', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    expect(result.policyDocument).toEqual(requestPolicy(`${API_PREFIX}/POST/scim/v2/Users`, 'Deny'));
    expect(result.context).toBeUndefined();
  });

  it('decides each request on its own: repos:read on a reaches GET /repos/a/x, not /repos/b/x nor DELETE', async () => {
    const { token } = await create([{ scope: 'repos:read', resources: ['a'] }]);
    const headers = { Authorization: `Bearer ${token}` };

    const effect = async (method: string, path: string) =>
      (await authorizeRest(method, path, headers)).policyDocument.Statement[0]?.Effect;

    expect(await effect('GET', '/repos/a/x')).toBe('Allow');
    expect(await effect('GET', '/repos/b/x')).toBe('Deny');
    expect(await effect('DELETE', '/repos/a/x')).toBe('Deny');
  });

  it('sources:write on * reaches one source segment only, never a path with more before packages', async () => {
    const { token } = await create([{ scope: 'sources:write', resources: ['*'] }]);
    const headers = { Authorization: `Bearer ${token}` };

    const effect = async (path: string) =>
      (await authorizeRest('DELETE', path, headers)).policyDocument.Statement[0]?.Effect;

    expect(await effect('/sources/s/packages/x')).toBe('Allow');
    expect(await effect('/sources/s/settings/packages/x')).toBe('Deny');
    expect(await effect('/sources/a/b/c/packages/d')).toBe('Deny');
  });

  it.each([
    ['/repos/a/../b/x', '/repos/a/../b/x'],
    ['/repos/a/%2e%2e/b/x', '/repos/a/%2e%2e/b/x'],
    ['/repos/a/%2F../b/x', '/repos/a/%2F../b/x'],
    // Either path unsafe is enough: API Gateway may have normalised one of them.
    ['/repos/b/x', '/repos/a/../b/x'],
    ['/repos/a/..%2fb/x', '/repos/a/x'],
  ])(
    'denies a crafted path whatever the token, even admin (method ARN %s, event path %s)',
    async (arnPath, path) => {
      const { token } = await create([{ scope: 'global:admin', resources: null }]);
      const event: APIGatewayRequestAuthorizerEvent = {
        ...restAuthorizerEvent('GET', arnPath, { Authorization: `Bearer ${token}` }),
        path,
      };

      const result = (await handler(event, lambdaContext())) as RestResult;

      expect(result.policyDocument).toEqual(requestPolicy(event.methodArn, 'Deny'));
    },
  );

  it('a service token reaches neither token management nor the service-token API', async () => {
    const { token } = await create([...IDENTITY, { scope: 'nameservice:read', resources: null }]);
    const headers = { Authorization: `Bearer ${token}` };

    for (const [method, path] of [
      ['POST', '/__api__/v1/system/service-tokens'],
      ['GET', '/v1/tokens'],
    ] as const) {
      const result = await authorizeRest(method, path, headers);
      expect(result.policyDocument).toEqual(requestPolicy(`${API_PREFIX}/${method}${path}`, 'Deny'));
    }
  });

  it('a global:admin token is allowed what it asks on its API and stage', async () => {
    const { token } = await create([{ scope: 'global:admin', resources: null }]);

    const result = await authorizeRest('DELETE', '/__api__/v1/system/service-tokens/abc', {
      Authorization: `Bearer ${token}`,
    });

    expect(
      policyAllows(result.policyDocument, `${API_PREFIX}/DELETE/__api__/v1/system/service-tokens/abc`),
    ).toBe(true);
  });

  it('a token that expires within the cache TTL: Unauthorized, so no cached Allow outlives it', async () => {
    const soon = await create(IDENTITY, inSeconds(CACHE_TTL_SECONDS - 5));
    const later = await create(IDENTITY, inSeconds(CACHE_TTL_SECONDS + 60));

    await expectUnauthorized(
      authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${soon.token}` }),
    );
    const result = await authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${later.token}` });
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
  });

  it('with a shorter TTL (an injected clock), the same token passes until TTL before its expiry', async () => {
    const expiresAt = Date.now() + 20_000;
    const { token } = await create(IDENTITY, new Date(expiresAt).toISOString());
    let now = Date.now();
    const authorize = authorizerModule.authorizerFor({
      verifier: runtime.verifier,
      rememberedCallers: runtime.rememberedCallers,
      cacheTtlSeconds: 5,
      now: () => now,
    });
    const event = restAuthorizerEvent('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    await expect(authorize(event)).resolves.toMatchObject({ principalId: expect.any(String) });
    now = expiresAt - 5_500; // a 5 s cache from here would end 0.5 s before expiry: within the margin
    await expectUnauthorized(authorize(event));
  });

  it('with caching off (TTL 0) a token passes right up to its expiry', async () => {
    const { token } = await create(IDENTITY, inSeconds(3));
    const authorize = authorizerModule.authorizerFor({
      verifier: runtime.verifier,
      rememberedCallers: runtime.rememberedCallers,
      cacheTtlSeconds: 0,
    });

    const result = await authorize(
      restAuthorizerEvent('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }),
    );

    expect(result).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
  });

  it('no Authorization header: Unauthorized', async () => {
    await expectUnauthorized(handler(restAuthorizerEvent('GET', '/scim/v2/Users'), lambdaContext()));
  });

  it('a malformed token: Unauthorized', async () => {
    await expectUnauthorized(authorizeRest('GET', '/scim/v2/Users', { Authorization: 'Bearer not-a-token' }));
  });

  it('an unknown token: Unauthorized', async () => {
    await expectUnauthorized(
      authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${mintToken().token}` }),
    );
  });

  it('a revoked token: Unauthorized', async () => {
    const { record, token } = await create(IDENTITY);
    await tokens.revoke(record.id, ADMIN);

    await expectUnauthorized(authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }));
  });

  it('an expired token still in the table: Unauthorized', async () => {
    const ring = await new FileKeyRingSource(keyFile).get();
    const { record, token } = tokenRecord(ring, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    await store.insert(record, stamp('create', record.createdAt));

    await expectUnauthorized(authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }));
  });

  it('a method ARN it cannot read: Unauthorized', async () => {
    const { token } = await create(IDENTITY);
    const event: APIGatewayRequestAuthorizerEvent = {
      ...restAuthorizerEvent('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }),
      methodArn: 'garbage',
    };

    await expectUnauthorized(handler(event, lambdaContext()));
  });

  it('DynamoDB unreachable: fails with an error that is not Unauthorized (a 500, not cached)', async () => {
    const { token } = await create(IDENTITY);

    const outcome = unreachableHandler(
      restAuthorizerEvent('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    await expect(outcome).rejects.toThrow();
    await expect(outcome).rejects.not.toThrow(/^Unauthorized$/);
  });
});

describe('HTTP API (payload 2.0, simple response)', () => {
  it('a valid token with the scope: authorized, with the context', async () => {
    const { record, token } = await create(IDENTITY);

    const result = await handler(
      httpApiAuthorizerEvent('PATCH', '/scim/v2/Users/42', { authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    expect(result).toEqual({
      isAuthorized: true,
      context: {
        token_id: record.id,
        kind: 'service',
        scopes: JSON.stringify(record.scopes),
        principal: `token:${record.id}`,
      },
    });
  });

  it('reads the route without the stage name in the raw path', async () => {
    const { token } = await create(IDENTITY);

    const result = await handler(
      httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${token}` }, 'prod'),
      lambdaContext(),
    );

    expect(result).toMatchObject({ isAuthorized: true });
  });

  it('carries the route key of the route, not the path: one key for every path and method of a proxy route', () => {
    expect(httpApiAuthorizerEvent('GET', '/repos/a/x').routeKey).toBe('ANY /repos/{proxy+}');
    expect(httpApiAuthorizerEvent('DELETE', '/repos/b/x').routeKey).toBe('ANY /repos/{proxy+}');
    expect(httpRouteKey('GET', '/v1/whoami')).toBe('GET /v1/whoami');
  });

  it('one token allowed on GET /repos/a/x is refused on /repos/b/x and on DELETE, on the same route key, memo warm', async () => {
    const { record, token } = await create([{ scope: 'repos:read', resources: ['a'] }]);
    const headers = { authorization: `Bearer ${token}` };
    const allowed = httpApiAuthorizerEvent('GET', '/repos/a/x', headers);
    const otherRepo = httpApiAuthorizerEvent('GET', '/repos/b/x', headers);
    const otherMethod = httpApiAuthorizerEvent('DELETE', '/repos/a/x', headers);
    expect(new Set([allowed, otherRepo, otherMethod].map((event) => event.routeKey)).size).toBe(1);

    expect(await handler(allowed, lambdaContext())).toMatchObject({ isAuthorized: true });
    expect(runtime.rememberedCallers.size).toBeGreaterThan(0); // the caller is remembered now

    expect(await handler(otherRepo, lambdaContext())).toEqual({ isAuthorized: false });
    expect(await handler(otherMethod, lambdaContext())).toEqual({ isAuthorized: false });
    expect(await handler(allowed, lambdaContext())).toMatchObject({
      isAuthorized: true,
      context: { token_id: record.id },
    });
  });

  it.each([
    ['/repos/a/../b/x'],
    ['/repos/a/%2e%2e/b/x'],
    ['/repos/a/%2E%2e/b/x'],
    ['/repos/a%2fb/x'],
    ['/repos/a%5cb/x'],
  ])('refuses the crafted path %s whatever the token, even admin', async (path) => {
    const { token } = await create([{ scope: 'global:admin', resources: null }]);

    const result = await handler(
      httpApiAuthorizerEvent('GET', path, { authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    expect(result).toEqual({ isAuthorized: false });
  });

  it('a revoked token stops within the TTL on HTTP APIs (the memo asks the table again after it)', async () => {
    const { record, token } = await create(IDENTITY);
    let now = Date.now();
    const authorize = authorizerModule.authorizerFor({
      verifier: runtime.verifier,
      rememberedCallers: new RememberedCallers(runtime.verifier, { ttlSeconds: 2, now: () => now }),
      cacheTtlSeconds: 2,
      now: () => now,
    });
    const event = httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${token}` });
    expect(await authorize(event)).toMatchObject({ isAuthorized: true });

    await tokens.revoke(record.id, ADMIN);
    now += 1_999;
    expect(await authorize(event)).toMatchObject({ isAuthorized: true }); // remembered
    now += 1;
    expect(await authorize(event)).toEqual({ isAuthorized: false });
  });

  it.each([
    ['rotated with grace 0', 0],
    ['rotated with its expiry brought forward to 5 s ahead', 5],
  ])(
    'a token %s: once a request with another header reads its item, the memo admits it on no path',
    async (_, grace) => {
      const { record, token } = await create([{ scope: 'repos:read', resources: ['a', 'b'] }]);
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(start);
      const authorize = authorizerModule.authorizerFor({
        verifier: runtime.verifier,
        rememberedCallers: new RememberedCallers(runtime.verifier, { ttlSeconds: 300 }),
        cacheTtlSeconds: 300,
      });
      const on = (path: string, authorization: string) =>
        authorize(httpApiAuthorizerEvent('GET', path, { authorization }));
      expect(await on('/repos/a/x', `Bearer ${token}`)).toMatchObject({ isAuthorized: true }); // remembered

      // The service of this file has no cache TTL, so it takes any grace: the expiry becomes now + grace.
      await tokens.rotate(record.id, { graceSeconds: grace, actor: ADMIN });
      // The same token under another header (the Key scheme) is not remembered: its item is read.
      expect(await on('/repos/b/x', `Key ${token}`)).toMatchObject({ isAuthorized: grace > 0 });
      vi.setSystemTime(start + grace * 1000); // the grace is over, the memo's entry (300 s) is not

      expect(await on('/repos/a/x', `Bearer ${token}`)).toEqual({ isAuthorized: false });
      expect(await on('/repos/b/y', `Bearer ${token}`)).toEqual({ isAuthorized: false });
    },
  );

  it('a valid token without the scope for the route: refused', async () => {
    const { token } = await create([{ scope: 'nameservice:read', resources: null }]);

    const result = await handler(
      httpApiAuthorizerEvent('POST', '/nameservice/users', { authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    expect(result).toEqual({ isAuthorized: false });
  });

  it.each([
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer tg_nope' }],
    ['an unknown token', { authorization: `Bearer ${mintToken().token}` }],
  ])('%s: refused', async (_, headers) => {
    const result = await handler(httpApiAuthorizerEvent('GET', '/scim/v2/Users', headers), lambdaContext());

    expect(result).toEqual({ isAuthorized: false });
  });

  it('a revoked token: refused', async () => {
    const { record, token } = await create(IDENTITY);
    await tokens.revoke(record.id, ADMIN);

    const result = await handler(
      httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    expect(result).toEqual({ isAuthorized: false });
  });

  it('DynamoDB unreachable: fails with an error, not a refusal', async () => {
    const { token } = await create(IDENTITY);

    const outcome = unreachableHandler(
      httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${token}` }),
      lambdaContext(),
    );

    await expect(outcome).rejects.toThrow();
  });
});

describe('behind the local gateway and its cache', () => {
  const echo = async () => ({ statusCode: 200, body: '{}' });

  function request(method: string, path: string, authorization: string): GatewayRequest {
    return {
      method,
      path,
      query: '',
      rawHeaders: ['Authorization', authorization],
      body: null,
      sourceIp: '127.0.0.1',
      requestId: 'req',
      receivedAt: new Date(),
    };
  }

  it('never lets a token through after its expires_at, though answers are cached for the TTL', async () => {
    const start = Date.now();
    const expiresAt = start + 45_000; // longer than the 30 s TTL: its first check is allowed and cached
    const { token } = await create(IDENTITY, new Date(expiresAt).toISOString());
    vi.useFakeTimers({ toFake: ['Date'] }); // the gateway's cache and the verifier share this clock
    const gateway = new Gateway({
      routes: ROUTES,
      authorizer: { fn: AUTHORIZER, handler },
      handlers: new Map(ROUTES.map((route) => [route.fn.entry, echo])),
      cacheTtlSeconds: CACHE_TTL_SECONDS,
    });

    const passedAt: number[] = [];
    for (let at = start; at <= expiresAt + 40_000; at += 1_000) {
      vi.setSystemTime(at);
      const { statusCode } = await gateway.handle(request('GET', '/scim/v2/Users', `Bearer ${token}`));
      expect([200, 401], `at +${at - start} ms`).toContain(statusCode);
      if (statusCode === 200) passedAt.push(at);
    }

    expect(passedAt[0]).toBe(start); // it did pass, and from the cache for a while
    expect(Math.max(...passedAt)).toBeLessThan(expiresAt);
  });

  it('answers a crafted path 400 before the authorizer is asked', async () => {
    const authorizer = vi.fn(handler);
    const gateway = new Gateway({
      routes: ROUTES,
      authorizer: { fn: AUTHORIZER, handler: authorizer },
      handlers: new Map(ROUTES.map((route) => [route.fn.entry, echo])),
      cacheTtlSeconds: CACHE_TTL_SECONDS,
    });
    const { token } = await create([{ scope: 'repos:read', resources: ['a'] }]);

    const response = await gateway.handle(request('GET', '/repos/a/%2e%2e/b/x', `Bearer ${token}`));

    expect(response.statusCode).toBe(400);
    expect(authorizer).not.toHaveBeenCalled();
  });

  it(`keys its cache on the stage path as API Gateway does (/${LOCAL_STAGE}/...)`, async () => {
    const { token } = await create([{ scope: 'repos:read', resources: ['a'] }]);
    const authorizer = vi.fn(handler);
    const gateway = new Gateway({
      routes: ROUTES,
      authorizer: { fn: AUTHORIZER, handler: authorizer },
      handlers: new Map(ROUTES.map((route) => [route.fn.entry, echo])),
      cacheTtlSeconds: CACHE_TTL_SECONDS,
    });
    const call = (method: string, path: string) =>
      gateway.handle(request(method, path, `Bearer ${token}`)).then((response) => response.statusCode);

    expect(await call('GET', '/repos/a/x')).toBe(200);
    expect(await call('GET', '/repos/b/x')).toBe(403);
    expect(await call('DELETE', '/repos/a/x')).toBe(403);
    expect(await call('GET', '/repos/a/x')).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(3);
  });
});

describe('logging', () => {
  it('never writes the token, whatever the outcome, even at DEBUG level', async () => {
    const valid = await create(IDENTITY);
    const revoked = await create(IDENTITY);
    await tokens.revoke(revoked.record.id, ADMIN);
    const unknown = mintToken().token;
    const secrets = [valid.token, revoked.token, unknown];
    written.length = 0;

    await authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${valid.token}` });
    await authorizeRest('GET', '/nameservice/x', { Authorization: `Bearer ${valid.token}` });
    await handler(
      httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${valid.token}` }),
      lambdaContext(),
    );
    for (const token of [revoked.token, unknown, `${valid.token.slice(0, -1)}x`]) {
      await authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` }).catch(
        () => undefined,
      );
    }
    await unreachableHandler(
      restAuthorizerEvent('GET', '/scim/v2/Users', { Authorization: `Bearer ${valid.token}` }),
      lambdaContext(),
    ).catch(() => undefined);

    const output = written.join('\n');
    expect(output).toContain('Token accepted'); // the capture works: the handler's own DEBUG line is here
    for (const secret of [...secrets, valid.token.slice(3, 40)]) expect(output).not.toContain(secret);
  });
});
