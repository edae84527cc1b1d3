// The authorizer Lambda as API Gateway invokes it, with its real store on DynamoDB Local and its key
// ring in a file, configured through the environment as the CDK stack configures it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '../../shared/dynamo-token-store';
import { FileKeyRingSource } from '../../shared/keyring';
import { allowPolicy, type PolicyDocument, policyAllows } from '../../shared/policy';
import type { ScopeGrant } from '../../shared/scopes';
import { mintToken } from '../../shared/token-format';
import { TokenService } from '../../shared/token-service';
import { freshTokensTable, testDocumentClient, testEndpoint } from '../support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '../support/handler-env';
import {
  API_PREFIX,
  httpApiAuthorizerEvent,
  lambdaContext,
  restAuthorizerEvent,
} from '../support/lambda-events';
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

let handler: Handler;
let unreachableHandler: Handler;
let tokens: TokenService;
let store: DynamoTokenStore;

async function importHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import('../../functions/authorizer/handler');
  return module.handler as unknown as Handler;
}

beforeAll(async () => {
  restoreOutput = captureOutput();
  const table = await freshTokensTable();
  // Log all it would ever log: the token must be in none of it.
  useLocalHandlerEnv({ keyFile, tokensTable: table, logLevel: 'DEBUG' });
  handler = await importHandler();
  process.env.TOKENGATE_DYNAMODB_ENDPOINT = 'http://127.0.0.1:1';
  unreachableHandler = await importHandler();
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

describe('REST API (REQUEST authorizer, IAM policy)', () => {
  it('a valid token gets an Allow policy for the route, covering every route its scopes grant', async () => {
    const { record, token } = await create([...IDENTITY, { scope: 'repos:read', resources: ['cran'] }]);

    const result = await authorizeRest('GET', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    expect(result.principalId).toBe(`token:${record.id}`);
    expect(result.policyDocument).toEqual(allowPolicy(API_PREFIX, record.scopes));
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/scim/v2/Users`)).toBe(true);
    // API Gateway caches the policy per token: it must also answer the token's other routes.
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/DELETE/scim/v2/Groups/7`)).toBe(true);
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/repos/cran/src/contrib/PACKAGES`)).toBe(
      true,
    );
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/repos/other/x`)).toBe(false);
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

  it('a valid token without the scope gets a policy that does not allow the route (API Gateway answers 403)', async () => {
    const { token } = await create([{ scope: 'nameservice:read', resources: null }]);

    const result = await authorizeRest('POST', '/scim/v2/Users', { Authorization: `Bearer ${token}` });

    expect(policyAllows(result.policyDocument, `${API_PREFIX}/POST/scim/v2/Users`)).toBe(false);
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/nameservice/users`)).toBe(true);
  });

  it('a service token reaches neither token management nor the service-token API', async () => {
    const { token } = await create([...IDENTITY, { scope: 'nameservice:read', resources: null }]);

    const result = await authorizeRest('POST', '/__api__/v1/system/service-tokens', {
      Authorization: `Bearer ${token}`,
    });

    expect(policyAllows(result.policyDocument, `${API_PREFIX}/POST/__api__/v1/system/service-tokens`)).toBe(
      false,
    );
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/v1/tokens`)).toBe(false);
  });

  it('a global:admin token is allowed everything on its API and stage', async () => {
    const { token } = await create([{ scope: 'global:admin', resources: null }]);

    const result = await authorizeRest('DELETE', '/__api__/v1/system/service-tokens/abc', {
      Authorization: `Bearer ${token}`,
    });

    expect(
      policyAllows(result.policyDocument, `${API_PREFIX}/DELETE/__api__/v1/system/service-tokens/abc`),
    ).toBe(true);
    expect(policyAllows(result.policyDocument, `${API_PREFIX}/GET/v1/tokens`)).toBe(true);
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
