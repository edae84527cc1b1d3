// The authorizer's decision (functions/authorizer/handler.ts) over fake caller sources and a fake
// clock: which answer each kind of event gets, for which caller. The real store and key ring are
// covered by test/integration/authorizer-handler.test.ts; this file pins the decision itself.
import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEvent, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallerSource } from '#domain/caller-source';
import { UnauthorizedError } from '#domain/errors';
import { compileCatalogue, requestPolicy } from '#domain/policy';
import type { Caller } from '#domain/verify-bearer';
import { authorizerFor, handler } from '#functions/authorizer/handler';
import { logger } from '#functions/commons/logger';
import { CACHED_ALLOW_EXPIRY_MARGIN_MS } from '#spec/gateway';
import type { Catalogue, ScopeGrant } from '#spec/scopes';
import {
  API_PREFIX,
  httpApiAuthorizerEvent,
  lambdaContext,
  restAuthorizerEvent,
} from '#test-support/lambda-events';

/** What the module-level `authorize` (behind `handler`) verifies with: set per test. */
const runtimeAnswer: { verify: (header: string | null | undefined) => Promise<Caller> } = {
  verify: async () => {
    throw new UnauthorizedError();
  },
};

vi.mock('#functions/authorizer/runtime', () => {
  const source = { verify: (header: string | null | undefined) => runtimeAnswer.verify(header) };
  // No catalogue: the default one.
  const metrics = { allowed() {}, denied() {}, memoHit() {}, flushIfDue() {} };
  return {
    cacheTtlSeconds: 300,
    verifier: source,
    rememberedCallers: source,
    grants: undefined,
    metrics,
    people: undefined, // people sign-in off
  };
});

const NOW = Date.parse('2026-06-15T12:00:00Z');
const TTL_SECONDS = 300;
const HEADER = 'Bearer some-token';
const READ_A: ScopeGrant[] = [{ scope: 'repos:read', resources: ['a'] }];

function caller(scopes: ScopeGrant[] = READ_A, expiresAt: string | null = null): Caller {
  return { tokenId: 'tok1', kind: 'user', scopes, principal: 'token:tok1', expiresAt };
}

const CONTEXT = {
  token_id: 'tok1',
  kind: 'user',
  scopes: JSON.stringify(READ_A),
  principal: 'token:tok1',
};

/** A caller source answering `answer` (thrown if an error), recording what it was asked. */
function source(answer: Caller | Error) {
  return {
    verify: vi.fn(async (_: string | null | undefined) => {
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  } satisfies CallerSource;
}

function setup(
  answer: Caller | Error = caller(),
  options: { cacheTtlSeconds?: number; now?: number; logDecisions?: boolean; catalogue?: Catalogue } = {},
) {
  const verifier = source(answer);
  const rememberedCallers = source(answer);
  const authorize = authorizerFor({
    verifier,
    rememberedCallers,
    cacheTtlSeconds: options.cacheTtlSeconds ?? TTL_SECONDS,
    now: () => options.now ?? NOW,
    ...(options.logDecisions !== undefined && { logDecisions: options.logDecisions }),
    ...(options.catalogue !== undefined && { grants: compileCatalogue(options.catalogue) }),
  });
  return { authorize, verifier, rememberedCallers };
}

const rest = (method: string, path: string, headers: Record<string, string> = { Authorization: HEADER }) =>
  restAuthorizerEvent(method, path, headers);
const http = (
  method: string,
  path: string,
  stage = '$default',
  headers: Record<string, string> = { authorization: HEADER },
) => httpApiAuthorizerEvent(method, path, headers, stage);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('REST authorizer decision', () => {
  it('allows a granted request with a policy for exactly its method ARN, and passes the caller on', async () => {
    const { authorize, verifier, rememberedCallers } = setup();
    const result = await authorize(rest('GET', '/repos/a/pkg'));
    expect(result).toEqual({
      principalId: 'token:tok1',
      policyDocument: requestPolicy(`${API_PREFIX}/GET/repos/a/pkg`, 'Allow'),
      context: CONTEXT,
    });
    expect(verifier.verify).toHaveBeenCalledWith(HEADER);
    expect(rememberedCallers.verify).not.toHaveBeenCalled();
  });

  it('denies a request outside the scopes, with no context', async () => {
    const { authorize } = setup();
    for (const [method, path] of [
      ['GET', '/repos/b/pkg'],
      ['PUT', '/repos/a/pkg'],
      ['GET', '/sources/a/x'],
    ] as const) {
      const result = await authorize(rest(method, path));
      expect(result).toEqual({
        principalId: 'token:tok1',
        policyDocument: requestPolicy(`${API_PREFIX}/${method}${path}`, 'Deny'),
      });
      expect(result).not.toHaveProperty('context');
    }
  });

  it('decides with the method ARN: its method and path, not the event path', async () => {
    const { authorize } = setup();
    const event = { ...rest('GET', '/repos/a/pkg'), methodArn: `${API_PREFIX}/DELETE/repos/a/pkg` };
    const result = (await authorize(event)) as { policyDocument: { Statement: { Effect: string }[] } };
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Deny');
  });

  it('denies when the event path is unsafe or missing, though the method ARN is granted', async () => {
    const { authorize } = setup();
    const arn = `${API_PREFIX}/GET/repos/a/pkg`;
    for (const path of ['/repos/a/%2e%2e/b', '/repos/a/../b', undefined]) {
      const event = {
        ...rest('GET', '/repos/a/pkg'),
        methodArn: arn,
        path,
      } as APIGatewayRequestAuthorizerEvent;
      expect(await authorize(event)).toEqual({
        principalId: 'token:tok1',
        policyDocument: requestPolicy(arn, 'Deny'),
      });
    }
  });

  it('denies a path with an IAM wildcard (* or ?, raw or encoded) in the method ARN or the event path', async () => {
    const admin = setup(caller([{ scope: 'global:admin', resources: null }]));
    const clean = '/sources/a/packages/x';
    for (const [arnPath, eventPath] of [
      ['/sources/*/packages/x', '/sources/*/packages/x'],
      ['/sources/*/packages/x', clean],
      ['/sources/%2A/packages/x', clean],
      [clean, '/sources/%2a/packages/x'],
      [clean, '/sources/a/packages/x%3F'],
      [clean, '/sources/%252A/packages/x'],
    ] as const) {
      const arn = `${API_PREFIX}/PUT${arnPath}`;
      const event = { ...rest('PUT', clean), methodArn: arn, path: eventPath };
      expect(await admin.authorize(event), `${arnPath} ${eventPath}`).toEqual({
        principalId: 'token:tok1',
        policyDocument: requestPolicy(arn, 'Deny'),
      });
    }
  });

  it('decides a safe event path that differs from the method ARN’s (as API Gateway decoded it) on the ARN', async () => {
    const { authorize } = setup();
    const arn = `${API_PREFIX}/GET/repos/a/caf%C3%A9`;
    const allowed = { ...rest('GET', '/repos/a/caf%C3%A9'), methodArn: arn, path: '/repos/a/café' };
    expect(await authorize(allowed)).toEqual({
      principalId: 'token:tok1',
      policyDocument: requestPolicy(arn, 'Allow'),
      context: CONTEXT,
    });
    const other = `${API_PREFIX}/GET/repos/b/x`;
    const denied = { ...rest('GET', '/repos/b/x'), methodArn: other, path: '/repos/b/%78' };
    expect(await authorize(denied)).toEqual({
      principalId: 'token:tok1',
      policyDocument: requestPolicy(other, 'Deny'),
    });
  });

  it('answers 401 (throws Unauthorized) for a refused token or a malformed method ARN', async () => {
    await expect(setup(new UnauthorizedError()).authorize(rest('GET', '/repos/a/pkg'))).rejects.toThrow(
      /^Unauthorized$/,
    );
    const event = { ...rest('GET', '/repos/a/pkg'), methodArn: 'not-an-arn' };
    await expect(setup().authorize(event)).rejects.toThrow(/^Unauthorized$/);
  });

  it('logs the decision at debug level with the token id only', async () => {
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => undefined);
    const { authorize } = setup(caller(), { logDecisions: true });
    await authorize(rest('GET', '/repos/a/pkg'));
    expect(debug).toHaveBeenLastCalledWith('Token accepted', { token_id: 'tok1' });
    await authorize(rest('GET', '/repos/b/pkg'));
    expect(debug).toHaveBeenLastCalledWith('Token refused for this request', { token_id: 'tok1' });
  });

  it.each([
    ['TRACE', LogLevelThreshold.TRACE, true],
    ['DEBUG', LogLevelThreshold.DEBUG, true],
    ['INFO', LogLevelThreshold.INFO, false],
  ])('logs each decision by default when the logger is at %s when made: %s', async (_, level, logs) => {
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => undefined);
    vi.spyOn(logger, 'level', 'get').mockReturnValue(level);
    const verifier = source(caller());
    const authorize = authorizerFor({
      verifier,
      rememberedCallers: verifier,
      cacheTtlSeconds: 300,
      now: () => NOW,
    });
    await authorize(rest('GET', '/repos/a/pkg'));
    expect(debug).toHaveBeenCalledTimes(logs ? 1 : 0);
  });

  it('does not call the logger per decision when decisions are not logged (the level is above DEBUG)', async () => {
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => undefined);
    const level = vi.spyOn(logger, 'level', 'get');
    const { authorize } = setup(caller(), { logDecisions: false });
    level.mockClear();
    await authorize(rest('GET', '/repos/a/pkg'));
    expect(debug).not.toHaveBeenCalled();
    expect(level).not.toHaveBeenCalled();
  });

  it('lets a store failure through as it is (API Gateway answers 500, which it does not cache)', async () => {
    const failure = new Error('DynamoDB is down');
    await expect(setup(failure).authorize(rest('GET', '/repos/a/pkg'))).rejects.toBe(failure);
  });

  it('finds the Authorization header whatever its case, and verifies nothing without headers', async () => {
    const { authorize, verifier } = setup();
    await authorize(rest('GET', '/repos/a/pkg', { AUTHORIZATION: HEADER }));
    expect(verifier.verify).toHaveBeenLastCalledWith(HEADER);
    await expect(authorize(rest('GET', '/repos/a/pkg', { 'X-Other': 'x' }))).rejects.toThrow(
      /^Unauthorized$/,
    );
    const bare = { ...rest('GET', '/repos/a/pkg'), headers: null, multiValueHeaders: null };
    await expect(authorize(bare)).rejects.toThrow(/^Unauthorized$/);
    expect(verifier.verify).toHaveBeenCalledOnce();
  });

  it('refuses more than one Authorization header (401), whatever they hold, without verifying either', async () => {
    const OTHER = 'Bearer other-token';
    const base = rest('GET', '/repos/a/pkg');
    const events: APIGatewayRequestAuthorizerEvent[] = [
      // Repeated under one name: `headers` keeps one, `multiValueHeaders` lists both.
      { ...base, headers: { Authorization: OTHER }, multiValueHeaders: { Authorization: [HEADER, OTHER] } },
      { ...base, headers: { Authorization: HEADER }, multiValueHeaders: { Authorization: [HEADER, HEADER] } },
      // Under names in two cases: two keys in each map, or in `headers` alone.
      {
        ...base,
        headers: { Authorization: HEADER, authorization: OTHER },
        multiValueHeaders: { Authorization: [HEADER], authorization: [OTHER] },
      },
      { ...base, headers: { authorization: HEADER, AUTHORIZATION: HEADER }, multiValueHeaders: null },
      { ...base, headers: null, multiValueHeaders: { aUtHoRiZaTiOn: [HEADER, OTHER] } },
      // Joined into one value by a proxy on the way.
      { ...base, headers: { Authorization: `${HEADER},${OTHER}` }, multiValueHeaders: null },
    ];
    for (const event of events) {
      const { authorize, verifier } = setup();
      await expect(authorize(event), JSON.stringify(event.multiValueHeaders)).rejects.toThrow(
        /^Unauthorized$/,
      );
      expect(verifier.verify).not.toHaveBeenCalled();
    }
    const { authorize, verifier } = setup();
    const one = { ...base, headers: null, multiValueHeaders: { authorization: [HEADER] } };
    expect(await authorize(one)).toHaveProperty('context', CONTEXT);
    expect(verifier.verify).toHaveBeenCalledWith(HEADER);
    // One value in each map: `headers` is read (`multiValueHeaders` counts only when it lists more).
    const each = {
      ...base,
      headers: { Authorization: HEADER },
      multiValueHeaders: { Authorization: ['Key x'] },
    };
    expect(await authorize(each)).toHaveProperty('context', CONTEXT);
    expect(verifier.verify).toHaveBeenLastCalledWith(HEADER);
  });

  it('refuses a token that expires before a cached Allow would (TTL plus margin), and no later one', async () => {
    const at = (ms: number) => new Date(NOW + ms).toISOString();
    const limit = TTL_SECONDS * 1000 + CACHED_ALLOW_EXPIRY_MARGIN_MS;
    const soon = setup(caller(READ_A, at(limit - 1)));
    await expect(soon.authorize(rest('GET', '/repos/a/pkg'))).rejects.toThrow(/^Unauthorized$/);
    const justInTime = setup(caller(READ_A, at(limit)));
    expect(await justInTime.authorize(rest('GET', '/repos/a/pkg'))).toHaveProperty('context');
    const never = setup(caller(READ_A, null));
    expect(await never.authorize(rest('GET', '/repos/a/pkg'))).toHaveProperty('context');
  });

  it('without an API Gateway cache, a token about to expire is still decided on', async () => {
    const { authorize } = setup(caller(READ_A, new Date(NOW + 1).toISOString()), { cacheTtlSeconds: 0 });
    expect(await authorize(rest('GET', '/repos/a/pkg'))).toHaveProperty('context', CONTEXT);
  });

  it('an event with a version other than 2.0 is a REST event', async () => {
    const { authorize, verifier, rememberedCallers } = setup();
    const event = { ...rest('GET', '/repos/a/pkg'), version: '1.0' } as APIGatewayRequestAuthorizerEvent;
    expect(await authorize(event)).toHaveProperty('policyDocument');
    expect(verifier.verify).toHaveBeenCalledOnce();
    expect(rememberedCallers.verify).not.toHaveBeenCalled();
  });
});

describe('HTTP API authorizer decision', () => {
  it('authorizes a granted request through the remembered callers, with the caller as context', async () => {
    const { authorize, verifier, rememberedCallers } = setup();
    expect(await authorize(http('GET', '/repos/a/pkg'))).toEqual({ isAuthorized: true, context: CONTEXT });
    expect(rememberedCallers.verify).toHaveBeenCalledWith(HEADER);
    expect(verifier.verify).not.toHaveBeenCalled();
  });

  it('refuses a request outside the scopes, and a refused token, with a bare no', async () => {
    expect(await setup().authorize(http('GET', '/repos/b/pkg'))).toEqual({ isAuthorized: false });
    expect(await setup().authorize(http('POST', '/repos/a/pkg'))).toEqual({ isAuthorized: false });
    const refused = setup(new UnauthorizedError());
    expect(await refused.authorize(http('GET', '/repos/a/pkg'))).toEqual({ isAuthorized: false });
  });

  it('lets a store failure through as it is', async () => {
    const failure = new Error('DynamoDB is down');
    await expect(setup(failure).authorize(http('GET', '/repos/a/pkg'))).rejects.toBe(failure);
  });

  it('decides on the path below a named stage, and on the whole raw path on $default', async () => {
    const { authorize } = setup();
    expect(await authorize(http('GET', '/repos/a/pkg', 'prod'))).toHaveProperty('isAuthorized', true);
    // A stage-like first segment on $default is part of the path.
    const onDefault = { ...http('GET', '/repos/a/pkg'), rawPath: '/prod/repos/a/pkg' };
    expect(await authorize(onDefault)).toEqual({ isAuthorized: false });
  });

  it('strips the stage only as a whole segment, and reads the bare stage as /', async () => {
    const admin = setup(caller([{ scope: 'global:admin', resources: null }]));
    const bare = http('GET', '/', 'prod');
    bare.rawPath = '/prod';
    bare.requestContext.http.path = '/prod';
    expect(await admin.authorize(bare)).toHaveProperty('isAuthorized', true);
    // `/production/...` does not start with the stage `/prod/`: it stays whole, and `/production`
    // is no path a repos:read token may call.
    const event = http('GET', '/repos/a/pkg', 'prod');
    event.rawPath = '/production/repos/a/pkg';
    const reader = setup();
    expect(await reader.authorize(event)).toEqual({ isAuthorized: false });
    // `/prodrepos/a/pkg` neither.
    const joined = http('GET', '/repos/a/pkg', 'prod');
    joined.rawPath = '/prodrepos/a/pkg';
    expect(await reader.authorize(joined)).toEqual({ isAuthorized: false });
  });

  it('strips only the stage itself: not another first segment, not on $default', async () => {
    const reader = setup();
    // Another four-letter first segment on stage `prod` is part of the path, not a stage.
    const other = http('GET', '/repos/a/pkg', 'prod');
    other.rawPath = '/beta/repos/a/pkg';
    expect(await reader.authorize(other)).toEqual({ isAuthorized: false });
    // On $default, a first segment `$default` is part of the path too.
    const onDefault = http('GET', '/repos/a/pkg');
    onDefault.rawPath = '/$default/repos/a/pkg';
    expect(await reader.authorize(onDefault)).toEqual({ isAuthorized: false });
  });

  it('the bare stage path is / even when the stage is named like a protected prefix', async () => {
    const { authorize } = setup(caller([{ scope: 'blocklist:read', resources: null }]));
    const event = http('GET', '/', 'blocklist');
    event.rawPath = '/blocklist';
    expect(await authorize(event)).toEqual({ isAuthorized: false });
    event.rawPath = '/blocklist/blocklist';
    expect(await authorize(event)).toHaveProperty('isAuthorized', true);
  });

  it('strips the stage once: /prod/prod/... is the path /prod/...', async () => {
    const { authorize } = setup(caller([{ scope: 'repos:read', resources: ['a'] }]));
    const event = http('GET', '/repos/a/pkg', 'prod');
    event.rawPath = '/prod/prod/repos/a/pkg';
    expect(await authorize(event)).toEqual({ isAuthorized: false });
  });

  it('refuses more than one Authorization header, joined with commas or under two names, unverified', async () => {
    const joined: Record<string, string>[] = [
      { authorization: `${HEADER},Bearer other-token` },
      { authorization: `${HEADER}, ${HEADER}` },
      { authorization: `${HEADER},` },
      { authorization: HEADER, Authorization: 'Bearer other-token' },
    ];
    for (const headers of joined) {
      const { authorize, rememberedCallers } = setup(caller([{ scope: 'global:admin', resources: null }]));
      expect(await authorize(http('GET', '/repos/a/pkg', '$default', headers))).toEqual({
        isAuthorized: false,
      });
      expect(rememberedCallers.verify).not.toHaveBeenCalled();
    }
  });

  it('refuses a path with an IAM wildcard (* or ?, raw or encoded) as it refuses a crafted one', async () => {
    const { authorize, rememberedCallers } = setup(caller([{ scope: 'global:admin', resources: null }]));
    for (const path of ['/sources/*/packages/x', '/sources/%2a/packages/x', '/sources/a/x%3F']) {
      expect(await authorize(http('PUT', path)), path).toEqual({ isAuthorized: false });
    }
    expect(rememberedCallers.verify).not.toHaveBeenCalled();
  });

  it('refuses an unsafe raw path or context path before verifying the token', async () => {
    for (const mangle of [
      (event: APIGatewayRequestAuthorizerEventV2) => {
        event.rawPath = '/repos/a/%2e%2e/b';
      },
      (event: APIGatewayRequestAuthorizerEventV2) => {
        event.requestContext.http.path = '/repos/a/../b';
      },
    ]) {
      const { authorize, rememberedCallers } = setup(caller([{ scope: 'global:admin', resources: null }]));
      const event = http('GET', '/repos/a/pkg');
      mangle(event);
      expect(await authorize(event)).toEqual({ isAuthorized: false });
      expect(rememberedCallers.verify).not.toHaveBeenCalled();
    }
  });
});

describe("a deployment's own scope catalogue", () => {
  const ORDERS: Catalogue = {
    'orders:read': {
      label: 'Orders: Read',
      resources: true,
      grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
    },
  };
  const orders = (scopes: ScopeGrant[]) => setup(caller(scopes), { catalogue: ORDERS }).authorize;
  const holding = (scope: string, resources: string[] | null) => [{ scope, resources }] as ScopeGrant[];

  it('grants the paths of its scopes, for REST and HTTP APIs, and no longer those of the default', async () => {
    const authorize = orders(holding('orders:read', ['o-1']));
    expect(await authorize(rest('GET', '/orders/o-1/lines'))).toMatchObject({
      policyDocument: requestPolicy(`${API_PREFIX}/GET/orders/o-1/lines`, 'Allow'),
    });
    expect(await authorize(http('GET', '/orders/o-1'))).toMatchObject({ isAuthorized: true });
    expect(await authorize(http('GET', '/orders/o-2'))).toEqual({ isAuthorized: false });
    expect(await authorize(http('POST', '/orders/o-1'))).toEqual({ isAuthorized: false });
    const repos = orders(READ_A);
    expect(await repos(rest('GET', '/repos/a/pkg'))).toMatchObject({
      policyDocument: requestPolicy(`${API_PREFIX}/GET/repos/a/pkg`, 'Deny'),
    });
    expect(await repos(http('GET', '/repos/a/pkg'))).toEqual({ isAuthorized: false });
  });

  it('a scope that left the catalogue grants nothing, and the token is still recognised', async () => {
    const authorize = orders(holding('metadata:read', null));
    expect(await authorize(rest('GET', '/metadata/x'))).toMatchObject({
      principalId: 'token:tok1',
      policyDocument: requestPolicy(`${API_PREFIX}/GET/metadata/x`, 'Deny'),
    });
    expect(await authorize(http('GET', '/v1/whoami'))).toMatchObject({ isAuthorized: true });
  });
});

describe('authorizer Lambda entry point', () => {
  it('logs an unexpected failure with the request id and rethrows it', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failure = new Error('DynamoDB is down');
    runtimeAnswer.verify = async () => {
      throw failure;
    };
    await expect(handler(rest('GET', '/repos/a/pkg'), lambdaContext())).rejects.toBe(failure);
    expect(error).toHaveBeenCalledWith('Authorization failed', {
      error: failure,
      function_request_id: lambdaContext().awsRequestId,
    });
  });

  it('does not log a refusal (401) as a failure', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    runtimeAnswer.verify = async () => {
      throw new UnauthorizedError();
    };
    await expect(handler(rest('GET', '/repos/a/pkg'), lambdaContext())).rejects.toThrow(/^Unauthorized$/);
    expect(error).not.toHaveBeenCalled();
  });

  it('answers with the runtime verifier and its cache TTL', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    runtimeAnswer.verify = async () => caller(READ_A, soon);
    // Expires within the runtime's 300 s TTL: refused.
    await expect(handler(rest('GET', '/repos/a/pkg'), lambdaContext())).rejects.toThrow(/^Unauthorized$/);
    runtimeAnswer.verify = async () => caller();
    expect(await handler(rest('GET', '/repos/a/pkg'), lambdaContext())).toHaveProperty('context', CONTEXT);
  });
});

describe('a person (an identity token) before the authorizer', () => {
  const ADMIN: ScopeGrant[] = [{ scope: 'global:admin', resources: null }];
  function person(scopes: ScopeGrant[]): Caller {
    return {
      tokenId: '',
      kind: 'user',
      scopes,
      principal: 'user:ada@example.com',
      expiresAt: null,
      adminGroup: 'ops',
    };
  }
  const effectOf = (result: unknown) =>
    (result as { policyDocument: { Statement: { Effect: string }[] } }).policyDocument.Statement[0]?.Effect;
  const OWN = [
    ['GET', '/v1/tokens'],
    ['POST', '/v1/tokens/AbCdEf0123456789/revoke'],
    ['GET', '/v1/whoami'],
    ['DELETE', '/__api__/v1/system/service-tokens/AbCdEf0123456789'],
  ] as const;
  // Paths a global:admin token reaches, in teams' APIs or in no route of tokengate at all.
  const ELSEWHERE = [
    ['GET', '/repos/a/pkg'],
    ['DELETE', '/sources/a/settings'],
    ['GET', '/scim/v2/Users'],
    ['PUT', '/v1/tokens'],
    ['GET', '/v1/tokens/a/b/c'],
    ['GET', '/orders/1'],
  ] as const;

  it('in the admin group: allowed on tokengate’s own routes only, never on a team’s API (REST)', async () => {
    const { authorize } = setup(person(ADMIN));
    for (const [method, path] of OWN) {
      const result = await authorize(rest(method, path));
      expect(effectOf(result), `${method} ${path}`).toBe('Allow');
      expect(result).toHaveProperty('context', {
        token_id: '',
        kind: 'user',
        scopes: JSON.stringify(ADMIN),
        principal: 'user:ada@example.com',
        admin_group: 'ops',
      });
    }
    for (const [method, path] of ELSEWHERE) {
      const result = await authorize(rest(method, path));
      expect(effectOf(result), `${method} ${path}`).toBe('Deny');
      expect(result).not.toHaveProperty('context');
    }
  });

  it('in the admin group: the same as an HTTP API calls it', async () => {
    const { authorize } = setup(person(ADMIN));
    for (const [method, path] of OWN) {
      expect(await authorize(http(method, path)), `${method} ${path}`).toMatchObject({ isAuthorized: true });
    }
    for (const [method, path] of ELSEWHERE) {
      expect(await authorize(http(method, path)), `${method} ${path}`).toEqual({ isAuthorized: false });
    }
  });

  it('outside the group: let through to tokengate’s own routes with no scope and the group named, for the function to refuse; denied elsewhere', async () => {
    const { authorize } = setup(person([]));
    for (const [method, path] of OWN) {
      const result = await authorize(rest(method, path));
      expect(effectOf(result), `${method} ${path}`).toBe('Allow');
      expect(result).toHaveProperty('context.scopes', '[]');
      expect(result).toHaveProperty('context.admin_group', 'ops');
    }
    for (const [method, path] of ELSEWHERE) {
      expect(effectOf(await authorize(rest(method, path))), `${method} ${path}`).toBe('Deny');
    }
  });

  it('outside the group: refused everywhere by the HTTP API authorizer (no tokengate function behind it)', async () => {
    const { authorize } = setup(person([]));
    for (const [method, path] of [...OWN, ...ELSEWHERE]) {
      expect(await authorize(http(method, path)), `${method} ${path}`).toEqual({ isAuthorized: false });
    }
  });

  it('in the admin group: refused on a deployment’s own catalogue’s paths, which a global:admin token reaches', async () => {
    const catalogue: Catalogue = {
      'orders:read': {
        label: 'Orders: Read',
        resources: true,
        grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
      },
    };
    const token = setup(caller(ADMIN), { catalogue });
    expect(effectOf(await token.authorize(rest('GET', '/orders/o-1/lines')))).toBe('Allow');
    const { authorize } = setup(person(ADMIN), { catalogue });
    expect(effectOf(await authorize(rest('GET', '/orders/o-1/lines')))).toBe('Deny');
    expect(await authorize(http('GET', '/orders/o-1/lines'))).toEqual({ isAuthorized: false });
    expect(effectOf(await authorize(rest('GET', '/v1/audit')))).toBe('Allow');
  });

  it('never on a crafted path that would reach a route of tokengate', async () => {
    const { authorize } = setup(person(ADMIN));
    for (const path of ['/repos/../v1/tokens', '/v1/tokens/%2e%2e/audit', '/v1/tokens/*/revoke']) {
      const event = { ...rest('GET', '/v1/tokens'), methodArn: `${API_PREFIX}/GET${path}`, path };
      expect(effectOf(await authorize(event)), path).toBe('Deny');
    }
  });
});
