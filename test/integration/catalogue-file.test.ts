// A deployment's own catalogue of 200 scopes, in the file the functions' environment names (as the
// construct's catalogue layer gives it to them): the authorizer decides on it, and the API validates
// and lists its scopes, with their real store on DynamoDB Local.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { TokenService } from '#domain/token-service';
import { ENV } from '#spec/env';
import { AUTHORIZER, FUNCTIONS } from '#spec/functions';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import {
  adminAuthorizerContext,
  httpApiAuthorizerEvent,
  lambdaContext,
  proxyEvent,
} from '#test-support/lambda-events';
import { heldScopes, largeCatalogue, lastScopeRequest } from '#test-support/large-catalogue';
import { ADMIN } from './fixtures';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type ApiHandler = Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;

const LARGE = largeCatalogue(200);
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-catalogue-file-'));
const keyFile = join(dir, 'keys.json');

let authorize: Handler<unknown, { isAuthorized: boolean }>;
let createToken: ApiHandler;
let listScopes: ApiHandler;
let tokens: TokenService;

async function load<T>(entry: string): Promise<T> {
  return ((await import(/* @vite-ignore */ `../../${entry}`)) as { handler: T }).handler;
}

beforeAll(async () => {
  FileKeyRingSource.ensure(keyFile);
  const table = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable: table });
  const scopesFile = join(dir, 'scopes.json');
  writeFileSync(scopesFile, JSON.stringify(LARGE));
  process.env[ENV.catalogueFile] = scopesFile;
  vi.resetModules();
  authorize = await load(AUTHORIZER.entry);
  createToken = await load(FUNCTIONS.createToken.entry);
  listScopes = await load(FUNCTIONS.listScopes.entry);
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

const admin = { authorizer: adminAuthorizerContext() };

describe('a catalogue of 200 scopes read from TOKENGATE_SCOPES_FILE', () => {
  it('the authorizer grants a token holding 50 of them the path only its last scope grants, and not the default catalogue’s', async () => {
    const held = heldScopes(LARGE, 50);
    const { token } = await tokens.create(
      { kind: 'service', description: 'fifty scopes', userEmail: null, scopes: held, expiresAt: null },
      ADMIN,
    );
    const headers = { authorization: `Bearer ${token}` };
    const { method, path } = lastScopeRequest(LARGE, held);
    const decide = async (m: string, p: string) =>
      (await authorize(httpApiAuthorizerEvent(m, p, headers), lambdaContext())).isAuthorized;

    expect(await decide(method, path)).toBe(true);
    expect(await decide(method, path.replace('/r-2/', '/r-9/'))).toBe(false);
    expect(await decide('GET', '/scim/v2/Users')).toBe(false);
  });

  it('the API lists its scopes and takes a token with one of them, and refuses a scope of the default catalogue', async () => {
    const listed = await listScopes(proxyEvent('GET', '/v1/scopes', admin), lambdaContext());
    const names = (JSON.parse(listed.body) as { scopes: { name: string }[] }).scopes.map(
      (scope) => scope.name,
    );
    expect(names).toEqual(['global:admin', ...Object.keys(LARGE)]);

    const create = (scope: string) =>
      createToken(
        proxyEvent('POST', '/v1/tokens', {
          ...admin,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ description: 'area 98', scopes: [{ scope, resources: ['r-1'] }] }),
        }),
        lambdaContext(),
      );
    expect((await create('area98:read')).statusCode).toBe(201);
    expect((await create('repos:read')).statusCode).toBe(400);
  });
});
