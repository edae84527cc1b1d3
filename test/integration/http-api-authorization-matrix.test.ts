// The authorization matrix again, through the authorizer as an HTTP API (payload 2.0) calls it: the
// same oracle, cells and crafted paths as the local stack's matrix (test/support/authorization-contract.ts),
// with the route keys API Gateway really sends (`ANY /repos/{proxy+}` for every path under /repos), on
// DynamoDB Local. An HTTP API cannot key a cache on the concrete path, so every decision here must
// come from the path and method of the request itself, however many answers the authorizer
// remembers from the calls before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '../../shared/dynamo-token-store';
import { FileKeyRingSource } from '../../shared/keyring';
import { ROUTES, type Route } from '../../shared/routes';
import { SCOPE_NAMES, SCOPES, type ScopeGrant, SERVICE_SCOPE_NAMES } from '../../shared/scopes';
import type { TokenKind } from '../../shared/token';
import { mintToken } from '../../shared/token-format';
import { TokenService } from '../../shared/token-service';
import {
  CRAFTED,
  cellsOf,
  expectedFor,
  type Holder,
  REPRESENTATIVE_PATHS,
} from '../support/authorization-contract';
import { freshTokensTable, testDocumentClient } from '../support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '../support/handler-env';
import { httpApiAuthorizerEvent, lambdaContext } from '../support/lambda-events';

type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewaySimpleAuthorizerResult>;

const CACHE_TTL_ENV = 'TOKENGATE_AUTHORIZER_CACHE_TTL';
const restoreEnv = saveHandlerEnv();
const savedTtl = process.env[CACHE_TTL_ENV];
const dir = mkdtempSync(join(tmpdir(), 'tokengate-http-matrix-'));
const holders: Holder[] = [];
let authorizer: Authorizer;
let tokens: TokenService;
let settle: () => Promise<void>;

const SYSTEM = { type: 'system', id: 'http-matrix' } as const;

async function mint(kind: TokenKind, scopes: ScopeGrant[], expiresAt: string | null = null) {
  const { record, token } = await tokens.create(
    { kind, description: 'http matrix', userEmail: null, scopes, expiresAt },
    SYSTEM,
  );
  return { id: record.id, token };
}

/** The route key API Gateway sends for `path`: its route's, as the route table declares it. */
function routeKeyFor(method: string, path: string, route?: Route): string {
  if (route) return `${route.method} ${route.path}`;
  const prefix = Object.keys(REPRESENTATIVE_PATHS).find((p) => path.startsWith(`${p}/`));
  return prefix ? `ANY ${prefix}/{proxy+}` : `${method} ${path}`;
}

async function decide(holder: Holder, method: string, path: string, route?: Route): Promise<boolean> {
  const headers: Record<string, string> = holder.authorization ? { authorization: holder.authorization } : {};
  const event = httpApiAuthorizerEvent(method, path, headers);
  const routeKey = routeKeyFor(method, path, route);
  event.routeKey = routeKey;
  event.requestContext.routeKey = routeKey;
  const result = await authorizer(event, lambdaContext('authorizer'));
  return result.isAuthorized;
}

beforeAll(async () => {
  const keyFile = join(dir, 'keys.json');
  const tokensTable = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable });
  process.env[CACHE_TTL_ENV] = '300'; // remembered answers, if any, outlive the whole file
  authorizer = (await import('../../functions/authorizer/handler')).handler as Authorizer;
  const runtime = await import('../../functions/authorizer/runtime');
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
}, 60_000);

afterAll(async () => {
  await settle?.();
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

describe('the HTTP API authorizer, with real route keys', () => {
  const guarded = ROUTES.filter((route) => route.access !== 'public');

  it.each(guarded.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: every method and token decided as CONTRACT section 3 says',
    async (_, route) => {
      const wrong: string[] = [];
      for (const cell of cellsOf(route)) {
        await Promise.all(
          holders.map(async (h) => {
            const expected = expectedFor(h, route.access, cell.method, cell.path) === 'reach';
            const allowed = await decide(h, cell.method, cell.path, route);
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
      if (await decide(holder(token), method, path)) wrong.push(`${token}: ${method} ${path} allowed`);
    }
    expect(wrong.sort()).toEqual([]);
  });

  it('an allow for GET /repos/a/x covers neither /repos/b/x nor DELETE /repos/a/x on the same route key', async () => {
    const h = holder('repos:read [a]');
    expect(await decide(h, 'GET', '/repos/a/x')).toBe(true);
    expect(await decide(h, 'GET', '/repos/b/x')).toBe(false);
    expect(await decide(h, 'DELETE', '/repos/a/x')).toBe(false);
    expect(await decide(h, 'GET', '/repos/a/x')).toBe(true);
  });

  it('a token allowed just before its expires_at is refused after it', async () => {
    const grants = [{ scope: 'repos:read' as const, resources: ['a'] }];
    const expiresAt = Date.now() + 2_000;
    const { id, token } = await mint('user', grants, new Date(expiresAt).toISOString());
    const h: Holder = { name: 'expiring', authorization: `Bearer ${token}`, id, grants, kind: 'user' };

    expect(await decide(h, 'GET', '/repos/a/x')).toBe(true);
    await sleep(Math.max(0, expiresAt - Date.now() + 100));
    expect(await decide(h, 'GET', '/repos/a/x')).toBe(false);
  });
});
