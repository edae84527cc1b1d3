// The authorization matrix again, through the authorizer handler itself on DynamoDB Local, with the
// events API Gateway really sends: the same oracle, cells and crafted paths as the local stack's
// matrix (test/support/authorization-contract.ts). As an HTTP API (payload 2.0) calls it, with the
// route key of a proxy route (`ANY /repos/{proxy+}`) shared by every path below it, so each decision
// must come from the request's own path and method, however many answers the authorizer remembers
// from the calls before. As a REST API calls it, with its IAM policy judged here by a few lines of
// IAM matching written for this test, not by shared/domain/policy.ts: the policy may allow the method ARN of
// exactly what the contract grants, and never a crafted path (in AWS no local gateway stands before it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import type { TokenKind } from '#domain/token';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { ENV } from '#spec/env';
import { ROUTES, type Route } from '#spec/routes';
import { SCOPE_NAMES, SCOPES, type ScopeGrant, SERVICE_SCOPE_NAMES } from '#spec/scopes';
import {
  CRAFTED,
  cellsOf,
  type Expected,
  expectedFor,
  type Holder,
  REPEATED_AUTHORIZATION,
  REPRESENTATIVE_PATHS,
  type RepeatedAuthorization,
} from '#test-support/authorization-contract';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { httpApiAuthorizerEvent, lambdaContext, restAuthorizerEvent } from '#test-support/lambda-events';
import { startTestIssuer, type TestIssuer } from '#test-support/test-issuer';

type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2 | APIGatewayRequestAuthorizerEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewaySimpleAuthorizerResult | APIGatewayAuthorizerResult>;

const CACHE_TTL_ENV = 'TOKENGATE_AUTHORIZER_CACHE_TTL';
const restoreEnv = saveHandlerEnv();
const savedTtl = process.env[CACHE_TTL_ENV];
const dir = mkdtempSync(join(tmpdir(), 'tokengate-authorizer-matrix-'));
const holders: Holder[] = [];
let authorizer: Authorizer;
let tokens: TokenService;
let settle: () => Promise<void>;
let issuer: TestIssuer | undefined;

const SYSTEM = { type: 'system', id: 'authorizer-matrix' } as const;

async function mint(kind: TokenKind, scopes: ScopeGrant[], expiresAt: string | null = null) {
  const { record, token } = await tokens.create(
    { kind, description: 'authorizer matrix', userEmail: null, scopes, expiresAt },
    SYSTEM,
  );
  return { id: record.id, token };
}

/** The route a request reaches in API Gateway: the given one, or the proxy route of its prefix. */
function resourceFor(method: string, path: string, route?: Route): { method: string; path: string } {
  if (route) return { method: route.method, path: route.path };
  const prefix = Object.keys(REPRESENTATIVE_PATHS).find((p) => path.startsWith(`${p}/`));
  return prefix ? { method: 'ANY', path: `${prefix}/{proxy+}` } : { method, path };
}

function headersOf(holder: Holder): Record<string, string> {
  return holder.authorization ? { authorization: holder.authorization } : {};
}

/** The HTTP API's answer: allowed or not (a refusal is a 403, or a 401 without a header). */
async function decideHttp(holder: Holder, method: string, path: string, route?: Route): Promise<boolean> {
  const event = httpApiAuthorizerEvent(method, path, headersOf(holder));
  const resource = resourceFor(method, path, route);
  event.routeKey = `${resource.method} ${resource.path}`;
  event.requestContext.routeKey = event.routeKey;
  const result = (await authorizer(event, lambdaContext('authorizer'))) as APIGatewaySimpleAuthorizerResult;
  return result.isAuthorized;
}

// IAM's matching for `execute-api:Invoke`, for this test only: `*` any run of characters (slashes
// too), `?` one character; an explicit Deny wins over any Allow; nothing matching is a Deny.
function iamMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

function iamAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const list = (value: string | string[] | undefined) =>
    Array.isArray(value) ? value : value ? [value] : [];
  const matching = result.policyDocument.Statement.filter((statement) => {
    const { Action, Resource } = statement as { Action?: string | string[]; Resource?: string | string[] };
    return (
      list(Action).some((action) => iamMatches(action, 'execute-api:Invoke')) &&
      list(Resource).some((resource) => iamMatches(resource, methodArn))
    );
  });
  return matching.length > 0 && matching.every((statement) => statement.Effect === 'Allow');
}

/** The REST API's answer: 401 (`Unauthorized`), or what the returned policy makes of the method ARN. */
async function decideRest(holder: Holder, method: string, path: string, route?: Route): Promise<Expected> {
  const event = restAuthorizerEvent(
    method,
    path,
    holder.authorization ? { Authorization: holder.authorization } : {},
  );
  const resource = resourceFor(method, path, route).path;
  event.resource = resource;
  event.requestContext.resourcePath = resource;
  try {
    const result = (await authorizer(event, lambdaContext('authorizer'))) as APIGatewayAuthorizerResult;
    if (!iamAllows(result, event.methodArn)) return 403;
    // A person outside the admin group passed on with no scope and the group, for the function to refuse.
    const context = result.context ?? {};
    return context.admin_group === 'tokengate-admins' && context.scopes === '[]' ? 'not-admin' : 'reach';
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 401;
    throw error;
  }
}

/** The header values of a repeated Authorization header, in the order sent. */
function repeatedValues({ tokens }: RepeatedAuthorization): string[] {
  return tokens.map((name) => holder(name).authorization as string);
}

/** An HTTP API joins a repeated header's values with commas, under its lower-case name. */
async function decideHttpRepeated(repeated: RepeatedAuthorization, method: string, path: string) {
  const joined = repeatedValues(repeated).join(',');
  const event = httpApiAuthorizerEvent(method, path, { authorization: joined });
  const result = (await authorizer(event, lambdaContext('authorizer'))) as APIGatewaySimpleAuthorizerResult;
  return result.isAuthorized;
}

/**
 * A REST API passes names in the case sent: one name twice is one key in `headers` (the last value)
 * and both values in `multiValueHeaders`; two cases are two keys in each.
 */
async function decideRestRepeated(repeated: RepeatedAuthorization, method: string, path: string) {
  const values = repeatedValues(repeated);
  const event = restAuthorizerEvent(method, path);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  repeated.names.forEach((name, index) => {
    headers[name] = values[index] as string;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), values[index] as string];
  });
  Object.assign(event.headers ?? {}, headers);
  event.multiValueHeaders = { ...event.multiValueHeaders, ...multiValueHeaders };
  try {
    const result = (await authorizer(event, lambdaContext('authorizer'))) as APIGatewayAuthorizerResult;
    return iamAllows(result, event.methodArn) ? 'reach' : 403;
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 401;
    throw error;
  }
}

beforeAll(async () => {
  const keyFile = join(dir, 'keys.json');
  const tokensTable = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable });
  process.env[CACHE_TTL_ENV] = '300'; // remembered answers, if any, outlive the whole file
  // People sign in at an issuer served here: their ID tokens are a column of the matrix too.
  issuer = await startTestIssuer({ aud: 'matrix-console' });
  process.env[ENV.oidcIssuer] = issuer.issuer;
  process.env[ENV.oidcClientId] = 'matrix-console';
  process.env[ENV.oidcGroupsClaim] = 'groups';
  authorizer = (await import('#functions/authorizer/handler')).handler as Authorizer;
  const runtime = await import('#functions/authorizer/runtime');
  settle = () => runtime.verifier.settle();
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: tokensTable, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });

  for (const scope of SCOPE_NAMES) {
    const variants: (string[] | null)[] = SCOPES[scope].resource ? [['a'], ['*']] : [null];
    for (const resources of variants) {
      const grants = [{ scope, resources }];
      const { id, token } = await mint('user', grants);
      const name = resources ? `${scope} [${resources.join(',')}]` : scope;
      holders.push({ name, authorization: `Bearer ${token}`, id, grants, kind: 'user' });
    }
  }
  for (const scope of SERVICE_SCOPE_NAMES) {
    const grants = [{ scope, resources: null }];
    const { id, token } = await mint('service', grants);
    holders.push({ name: `service ${scope}`, authorization: `Key ${token}`, id, grants, kind: 'service' });
  }
  const revoked = await mint('user', [{ scope: 'global:admin', resources: null }]);
  await tokens.revokeLeaked([revoked.token]);
  const expired = await mint(
    'user',
    [{ scope: 'global:admin', resources: null }],
    new Date(Date.now() - 60_000).toISOString(),
  );
  const invalid = (name: string, authorization: string | undefined) =>
    holders.push({ name, authorization, grants: null, kind: 'invalid' });
  invalid('no token', undefined);
  invalid('malformed', 'Bearer tg_not-a-token');
  invalid('unknown (well-formed, never stored)', `Bearer ${mintToken().token}`);
  invalid('revoked admin', `Bearer ${revoked.token}`);
  invalid('expired admin', `Bearer ${expired.token}`);
  const person = (name: string, groups: string[], grants: Holder['grants']) => {
    const jwt = issuer?.idToken({ email: `${name.replaceAll(' ', '-')}@example.com`, groups }) ?? '';
    holders.push({ name, authorization: `Bearer ${jwt}`, grants, kind: 'person' });
  };
  person('person in the admin group', ['tokengate-admins'], [{ scope: 'global:admin', resources: null }]);
  person('person outside the admin group', ['staff'], []);
  const forged = issuer?.idToken(
    { email: 'mallory@example.com', groups: ['tokengate-admins'] },
    { key: 'unpublished' },
  );
  invalid('person, signed by a key the issuer does not publish', `Bearer ${forged}`);
}, 60_000);

afterAll(async () => {
  await settle?.();
  await issuer?.close();
  restoreEnv();
  if (savedTtl === undefined) delete process.env[CACHE_TTL_ENV];
  else process.env[CACHE_TTL_ENV] = savedTtl;
  rmSync(dir, { recursive: true, force: true });
});

function holder(name: string): Holder {
  const found = holders.find((h) => h.name === name);
  if (!found) throw new Error(`No token "${name}"`);
  return found;
}

const GUARDED = ROUTES.filter((route) => route.access !== 'public');
const routeCases = GUARDED.map((route) => [`${route.method} ${route.path}`, route] as const);

describe('the authorizer as an HTTP API calls it, with real route keys', () => {
  it.each(routeCases)(
    '%s: every method and token decided as the default scope table says',
    async (_, route) => {
      const wrong: string[] = [];
      for (const cell of cellsOf(route)) {
        await Promise.all(
          holders.map(async (h) => {
            const expected = expectedFor(h, route.access, cell.method, cell.path) === 'reach';
            const allowed = await decideHttp(h, cell.method, cell.path, route);
            if (allowed !== expected) {
              wrong.push(`${h.name}: ${cell.method} ${cell.path} expected ${expected ? 'allow' : 'refuse'}`);
            }
          }),
        );
      }
      expect(wrong.sort()).toEqual([]);
    },
    60_000,
  );

  it('refuses every crafted path, whatever the token allows on clean ones', async () => {
    const wrong: string[] = [];
    for (const { token, method, path } of CRAFTED) {
      if (await decideHttp(holder(token), method, path)) wrong.push(`${token}: ${method} ${path} allowed`);
    }
    expect(wrong.sort()).toEqual([]);
  });

  it('refuses more than one Authorization header (joined with commas), whatever they hold, and remembers none', async () => {
    const wrong: string[] = [];
    for (const repeated of REPEATED_AUTHORIZATION) {
      for (const [method, path] of [
        ['GET', '/v1/tokens'],
        ['GET', '/repos/a/x'],
      ] as const) {
        if (await decideHttpRepeated(repeated, method, path)) {
          wrong.push(`${repeated.tokens.join(' + ')}: ${method} ${path} allowed`);
        }
      }
      // Each token alone is then decided as itself.
      for (const name of repeated.tokens) {
        const alone = holder(name);
        const expected = expectedFor(alone, 'admin', 'GET', '/v1/tokens') === 'reach';
        if ((await decideHttp(alone, 'GET', '/v1/tokens')) !== expected) {
          wrong.push(`${name} alone after ${repeated.tokens.join(' + ')}: expected ${expected}`);
        }
      }
    }
    expect(wrong.sort()).toEqual([]);
  });

  it('an allow for GET /repos/a/x covers neither /repos/b/x nor DELETE /repos/a/x on the same route key', async () => {
    const h = holder('repos:read [a]');
    expect(await decideHttp(h, 'GET', '/repos/a/x')).toBe(true);
    expect(await decideHttp(h, 'GET', '/repos/b/x')).toBe(false);
    expect(await decideHttp(h, 'DELETE', '/repos/a/x')).toBe(false);
    expect(await decideHttp(h, 'GET', '/repos/a/x')).toBe(true);
  });

  it('a token allowed up to the last millisecond before its expires_at is refused from that instant on, though remembered for 300 s', async () => {
    const grants = [{ scope: 'repos:read' as const, resources: ['a'] }];
    const start = Date.now();
    const expiresAt = start + 60_000;
    const { id, token } = await mint('user', grants, new Date(expiresAt).toISOString());
    const h: Holder = { name: 'expiring', authorization: `Bearer ${token}`, id, grants, kind: 'user' };
    vi.useFakeTimers({ toFake: ['Date'], now: start }); // the authorizer, its memo and the verifier read this clock
    try {
      expect(await decideHttp(h, 'GET', '/repos/a/x')).toBe(true); // remembered from here
      vi.setSystemTime(expiresAt - 1);
      expect(await decideHttp(h, 'GET', '/repos/a/x')).toBe(true);
      vi.setSystemTime(expiresAt);
      expect(await decideHttp(h, 'GET', '/repos/a/x')).toBe(false);
      expect(await decideHttp(h, 'GET', '/repos/b/x')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the authorizer as a REST API calls it, its policy judged by IAM’s rules', () => {
  it.each(routeCases)(
    '%s: every method and token answered as the default scope table says: allowed, 401 or 403',
    async (_, route) => {
      const wrong: string[] = [];
      for (const cell of cellsOf(route)) {
        await Promise.all(
          holders.map(async (h) => {
            const expected = expectedFor(h, route.access, cell.method, cell.path);
            const answer = await decideRest(h, cell.method, cell.path, route);
            if (answer !== expected) {
              wrong.push(`${h.name}: ${cell.method} ${cell.path} expected ${expected}, got ${answer}`);
            }
          }),
        );
      }
      expect(wrong.sort()).toEqual([]);
    },
    60_000,
  );

  it('answers more than one Authorization header 401, whatever they hold, in any case of the name', async () => {
    const wrong: string[] = [];
    for (const repeated of REPEATED_AUTHORIZATION) {
      for (const [method, path] of [
        ['GET', '/v1/tokens'],
        ['GET', '/repos/a/x'],
      ] as const) {
        const answer = await decideRestRepeated(repeated, method, path);
        if (answer !== 401) {
          wrong.push(
            `${repeated.names.join('/')} ${repeated.tokens.join(' + ')}: ${method} ${path} got ${answer}`,
          );
        }
      }
    }
    expect(wrong.sort()).toEqual([]);
  });

  it('never allows a crafted path, whatever the token allows on clean ones', async () => {
    const wrong: string[] = [];
    for (const { token, method, path } of CRAFTED) {
      const answer = await decideRest(holder(token), method, path);
      if (answer === 'reach') wrong.push(`${token}: ${method} ${path} allowed`);
    }
    expect(wrong.sort()).toEqual([]);
  });
});
