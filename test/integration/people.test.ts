// People signed in at an OpenID Connect issuer, through the real authorizer and token handlers on
// DynamoDB Local: ID tokens signed by a key made here, the issuer's discovery document and JWKS served
// on the loopback. Each forged or unfit ID token is refused; an admin's work is recorded under their
// email; tokengate tokens go on working as before beside them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewaySimpleAuthorizerResult,
  Context,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { TokenService } from '#domain/token-service';
import { ENV } from '#spec/env';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import {
  httpApiAuthorizerEvent,
  lambdaContext,
  proxyEvent,
  restAuthorizerEvent,
} from '#test-support/lambda-events';
import { startTestIssuer, type TestIssuer } from '#test-support/test-issuer';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Authorizer = (
  event: unknown,
  context: Context,
) => Promise<APIGatewayAuthorizerResult | APIGatewaySimpleAuthorizerResult>;

const CLIENT_ID = 'tokengate-console';
const ADMIN_GROUP = 'tokengate-admins';
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-people-'));
const keyFile = join(dir, 'keys.json');
const client = testDocumentClient();

let issuer: TestIssuer;
let table: string;
let authorizer: Authorizer;
let createToken: Handler;
let tokens: TokenService;

const admin = { email: 'ada@example.com', aud: CLIENT_ID, groups: [ADMIN_GROUP, 'staff'] };

beforeAll(async () => {
  issuer = await startTestIssuer({ aud: CLIENT_ID });
  useLocalHandlerEnv({ keyFile });
  table = await freshTokensTable();
  process.env[ENV.tokensTable] = table;
  process.env[ENV.oidcIssuer] = issuer.issuer;
  process.env[ENV.oidcClientId] = CLIENT_ID;
  process.env[ENV.oidcGroupsClaim] = 'groups';
  delete process.env[ENV.oidcAdminGroup]; // the default, tokengate-admins
  vi.resetModules();
  const [authorizerModule, createModule] = await Promise.all([
    import('#functions/authorizer/handler'),
    import('#functions/tokens/create'),
  ]);
  authorizer = authorizerModule.handler as unknown as Authorizer;
  createToken = createModule.handler as unknown as Handler;
  const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
});

afterAll(async () => {
  restoreEnv();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The REST authorizer's answer for `method path` with `Authorization: Bearer <jwt>`. */
function restDecision(jwt: string, method = 'GET', path = '/v1/tokens') {
  return authorizer(
    restAuthorizerEvent(method, path, { Authorization: `Bearer ${jwt}` }),
    lambdaContext('authorizer'),
  ) as Promise<APIGatewayAuthorizerResult>;
}

/** 401 (API Gateway's answer to the thrown `Unauthorized`), 403 (a Deny) or 200 (an Allow). */
async function restStatus(jwt: string, method = 'GET', path = '/v1/tokens'): Promise<number> {
  try {
    const result = await restDecision(jwt, method, path);
    return result.policyDocument.Statement.every((statement) => statement.Effect === 'Allow') ? 200 : 403;
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 401;
    throw error;
  }
}

describe('a person signed in at the configured issuer', () => {
  it('is allowed on the management routes when the groups claim holds the admin group', async () => {
    const result = await restDecision(issuer.idToken(admin));
    expect(result.principalId).toBe('user:ada@example.com');
    expect(result.policyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'execute-api:Invoke' }),
    ]);
    expect(result.context).toEqual({
      token_id: '',
      kind: 'user',
      scopes: JSON.stringify([{ scope: 'global:admin', resources: null }]),
      principal: 'user:ada@example.com',
      admin_group: ADMIN_GROUP,
    });
  });

  it('is allowed by the HTTP API authorizer too', async () => {
    const event = httpApiAuthorizerEvent('GET', '/v1/audit', {
      authorization: `Bearer ${issuer.idToken(admin)}`,
    });
    const result = (await authorizer(event, lambdaContext('authorizer'))) as APIGatewaySimpleAuthorizerResult;
    expect(result.isAuthorized).toBe(true);
  });

  it('outside the admin group gets 403 naming the group on every management route, and 401 is not what it gets', async () => {
    const outsider = issuer.idToken({ ...admin, email: 'bob@example.com', groups: ['staff'] });
    const noGroups = issuer.idToken({ email: 'carol@example.com' });
    for (const [jwt, method, path] of [
      [outsider, 'GET', '/v1/tokens'],
      [outsider, 'POST', '/v1/tokens'],
      [outsider, 'GET', '/v1/audit'],
      [noGroups, 'POST', '/v1/tokens'],
    ] as const) {
      // The authorizer passes the person on with no scope, so that tokengate's function names the group.
      const decision = await restDecision(jwt, method, path);
      expect(decision.context).toMatchObject({ scopes: '[]', admin_group: ADMIN_GROUP });
      const event = proxyEvent(method, path, {
        body: JSON.stringify({ description: 'Not mine to make', scopes: [{ scope: 'nameservice:read' }] }),
        headers: { 'Content-Type': 'application/json' },
        authorizer: { principalId: decision.principalId, ...(decision.context as Record<string, string>) },
      });
      const result = await createToken(event, lambdaContext());
      expect(result.statusCode).toBe(403);
      expect(JSON.parse(result.body)).toEqual({
        error: { code: 'forbidden', message: `Only members of the group ${ADMIN_GROUP} manage tokens` },
      });
    }
  });

  it('is refused on a team’s API, in the admin group or not: a person reaches tokengate’s own routes alone', async () => {
    const outsider = issuer.idToken({ ...admin, email: 'bob@example.com', groups: ['staff'] });
    for (const jwt of [issuer.idToken(admin), outsider]) {
      expect(await restStatus(jwt, 'GET', '/repos/a/x')).toBe(403);
      expect(await restStatus(jwt, 'DELETE', '/sources/a/settings')).toBe(403);
      const event = httpApiAuthorizerEvent('GET', '/scim/v2/Users', { authorization: `Bearer ${jwt}` });
      const result = (await authorizer(
        event,
        lambdaContext('authorizer'),
      )) as APIGatewaySimpleAuthorizerResult;
      expect(result.isAuthorized).toBe(false);
    }
    expect(await restStatus(issuer.idToken(admin), 'GET', '/v1/tokens')).toBe(200);
  });

  it('creates a token that carries created_by user:<email>, with the change stamped by the person', async () => {
    const decision = await restDecision(issuer.idToken(admin), 'POST', '/v1/tokens');
    const event = proxyEvent('POST', '/v1/tokens', {
      body: JSON.stringify({ description: 'Nightly export', scopes: [{ scope: 'nameservice:read' }] }),
      headers: { 'Content-Type': 'application/json' },
      authorizer: { principalId: decision.principalId, ...(decision.context as Record<string, string>) },
    });
    const result = await createToken(event, lambdaContext());
    expect(result.statusCode).toBe(201);
    const created = JSON.parse(result.body) as { id: string; created_by: string; created_by_name: string };
    expect(created.created_by).toBe('user:ada@example.com');
    expect(created.created_by_name).toBe('ada@example.com');
    const item = await client.send(new GetCommand({ TableName: table, Key: { id: created.id } }));
    expect(item.Item?.stamp).toMatchObject({ actor_type: 'user', actor_id: 'ada@example.com', op: 'create' });
  });

  it('leaves tokengate tokens working as before beside people', async () => {
    const { token } = await tokens.bootstrapAdmin({ type: 'system', id: 'people-test' });
    const result = await restDecision(token);
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.principalId).toMatch(/^token:/);
  });
});

describe('an ID token that must be refused (401)', () => {
  it.each([
    ['signed for another issuer', () => issuer.idToken({ ...admin, iss: 'https://evil.example.com' })],
    ['meant for another client', () => issuer.idToken({ ...admin, aud: 'another-app' })],
    [
      'expired',
      () =>
        issuer.idToken({
          ...admin,
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 60,
        }),
    ],
    ['unsigned (alg: none)', () => issuer.unsignedToken(admin)],
    ['signed by a key the JWKS does not hold', () => issuer.idToken(admin, { key: 'unpublished' })],
    [
      'with its payload changed after signing',
      () => {
        const [header, , signature] = issuer.idToken({ ...admin, groups: ['staff'] }).split('.');
        const payload = issuer.idToken(admin).split('.')[1];
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['without an email', () => issuer.idToken({ aud: CLIENT_ID, groups: [ADMIN_GROUP] })],
    ['with an email its issuer has not verified', () => issuer.idToken({ ...admin, email_verified: false })],
    [
      'without an expiry (exp), which the JWT verifier alone would accept forever',
      () => issuer.idToken({ ...admin, exp: undefined }),
    ],
    ['that is not a JWT at all but has dots', () => 'not.a.jwt'],
  ])('%s', async (_, jwt) => {
    expect(await restStatus(jwt())).toBe(401);
  });

  it('an ID token that expires within the authorizer cache TTL is refused, as a token would be', async () => {
    const soon = issuer.idToken({ ...admin, exp: Math.floor(Date.now() / 1000) + 5 });
    expect(await restStatus(soon)).toBe(401);
  });
});
