// The Posit-Connect-compatible service-token handlers, invoked with the proxy events API Gateway sends
// them, on DynamoDB Local. Their routes carry no API Gateway authorizer: each handler checks the
// caller's token itself, with the authorizer's decision, and refuses in Connect's error shape.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { UnauthorizedError } from '#domain/errors';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { ENV } from '#spec/env';
import type { ScopeGrant } from '#spec/scopes';
import { freshTokensTable, testCredentialStore, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';
import { type HttpHandler, loadHandlers } from '#test-support/load-handlers';
import { ADMIN, stamp, tokenRecord } from './fixtures';

interface Handlers {
  create: HttpHandler;
  list: HttpHandler;
  scopes: HttpHandler;
  remove: HttpHandler;
}

const PATH = '/__api__/v1/system/service-tokens';
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-service-tokens-'));
const keyFile = join(dir, 'keys.json');
const client = testDocumentClient();

/** The four handlers as Lambda would load them, configured for `table`. */
function handlersOn(table: string): Promise<Handlers> {
  return loadHandlers(
    {
      create: () => import('#functions/service-tokens/create'),
      list: () => import('#functions/service-tokens/list'),
      scopes: () => import('#functions/service-tokens/scopes'),
      remove: () => import('#functions/service-tokens/delete'),
    },
    { [ENV.tokensTable]: table },
  );
}

function servicesOn(table: string) {
  const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
  const keys = new FileKeyRingSource(keyFile);
  return {
    store,
    tokens: new TokenService({ store, keys }),
    verifier: new BearerVerifier({ store: testCredentialStore(table), keys }),
  };
}

/** A new token in `table` with `scopes` (an admin's by default), as its Authorization header. */
async function bearerIn(table: string, scopes: ScopeGrant[] = [{ scope: 'global:admin', resources: null }]) {
  const { record, token } = await servicesOn(table).tokens.create(
    { kind: 'user', description: 'caller', userEmail: null, scopes, expiresAt: null },
    ADMIN,
  );
  return { id: record.id, authorization: `Bearer ${token}` };
}

let table: string;
let handlers: Handlers;
let services: ReturnType<typeof servicesOn>;
/** The admin token the requests carry, in `table`. */
let admin: { id: string; authorization: string };

beforeAll(async () => {
  useLocalHandlerEnv({ keyFile });
  table = await freshTokensTable();
  handlers = await handlersOn(table);
  services = servicesOn(table);
  admin = await bearerIn(table);
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

/** A request as API Gateway passes it on: no authorizer in front, the caller's header as sent. */
const as = (authorization: string) => ({ headers: { Authorization: authorization } });

function createEvent(
  body: unknown,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
  authorization = admin.authorization,
) {
  return proxyEvent('POST', PATH, {
    headers: { ...headers, Authorization: authorization },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function deleteEvent(guid: string, authorization = admin.authorization) {
  return proxyEvent('DELETE', `${PATH}/${guid}`, { ...as(authorization), pathParameters: { guid } });
}

function bodyOf(result: APIGatewayProxyResult): unknown {
  return JSON.parse(result.body);
}

async function itemCount(tableName: string): Promise<number> {
  const { Count } = await client.send(
    new ScanCommand({ TableName: tableName, ConsistentRead: true, Select: 'COUNT' }),
  );
  return Count ?? 0;
}

interface CreatedView {
  guid: string;
  name: string;
  key: string;
  scopes: string[];
  created_time: string;
  active_time: string | null;
  expires_at: string | null;
}

async function createViaApi(
  body: unknown,
  on: Handlers = handlers,
  authorization = admin.authorization,
): Promise<CreatedView> {
  const result = await on.create(createEvent(body, undefined, authorization), lambdaContext());
  expect(result.statusCode).toBe(201);
  return bodyOf(result) as CreatedView;
}

describe('POST /__api__/v1/system/service-tokens', () => {
  it('answers 201 with the token, its key shown this once, and the key works', async () => {
    const before = Date.now();

    const result = await handlers.create(
      createEvent({ name: 'SCIM sync', scopes: ['identity:manage', 'nameservice:read'] }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(201);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const body = bodyOf(result) as CreatedView;
    expect(Object.keys(body).sort()).toEqual(
      ['active_time', 'created_time', 'expires_at', 'guid', 'key', 'name', 'scopes'].sort(),
    );
    expect(body).toMatchObject({
      name: 'SCIM sync',
      scopes: ['identity:manage', 'nameservice:read'],
      active_time: null,
      expires_at: null,
    });
    expect(Date.parse(body.created_time)).toBeGreaterThanOrEqual(before - 1000);
    const caller = await services.verifier.verify(`Key ${body.key}`);
    expect(caller).toMatchObject({ tokenId: body.guid, kind: 'service' });
    await services.verifier.settle();
  });

  it('stores the token as created by the admin token that called, and only a hash of the key', async () => {
    const { guid, key } = await createViaApi({ name: 'attributed', scopes: ['nameservice:read'] });

    const record = await services.store.get(guid);
    const { Items } = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': guid },
      }),
    );

    expect(record).toMatchObject({
      kind: 'service',
      description: 'attributed',
      createdBy: `token:${admin.id}`,
    });
    expect(JSON.stringify(Items)).not.toContain(key);
    expect(JSON.stringify(Items)).not.toContain(key.slice(3));
  });

  it('takes an expiry and answers it in UTC', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    const body = await createViaApi({ name: 'expiring', scopes: ['identity:manage'], expires_at: tomorrow });

    expect(body.expires_at).toBe(`${tomorrow}T00:00:00.000Z`);
  });

  it.each(['APPLICATION/JSON', 'Application/Json; Charset=UTF-8'])(
    'the JSON content type %j is accepted: media types compare case-insensitively',
    async (contentType) => {
      const body = { name: 'any case', scopes: ['identity:manage'] };

      const result = await handlers.create(
        createEvent(body, { 'Content-Type': contentType }),
        lambdaContext(),
      );

      expect(result.statusCode, result.body).toBe(201);
    },
  );
});

describe('GET /__api__/v1/system/service-tokens', () => {
  it('lists the active service tokens, newest first, without key or hash', async () => {
    const listTable = await freshTokensTable();
    const on = await handlersOn(listTable);
    const { store, tokens } = servicesOn(listTable);
    const { authorization } = await bearerIn(listTable);
    const older = await createViaApi({ name: 'older', scopes: ['identity:manage'] }, on, authorization);
    await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
    const newer = await createViaApi({ name: 'newer', scopes: ['nameservice:read'] }, on, authorization);
    const revoked = await createViaApi({ name: 'revoked', scopes: ['identity:manage'] }, on, authorization);
    await tokens.revoke(revoked.guid, ADMIN);
    const expired = tokenRecord(await new FileKeyRingSource(keyFile).get(), {
      description: 'expired',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    await store.insert(expired.record, stamp('create', expired.record.createdAt));
    await tokens.create(
      {
        kind: 'user',
        description: 'a user token',
        userEmail: 'u@example.com',
        scopes: [{ scope: 'global:admin', resources: null }],
        expiresAt: null,
      },
      ADMIN,
    );

    const result = await on.list(proxyEvent('GET', PATH, as(authorization)), lambdaContext());

    expect(result.statusCode).toBe(200);
    const listed = bodyOf(result) as Record<string, unknown>[];
    expect(listed.map((token) => token.guid)).toEqual([newer.guid, older.guid]);
    expect(listed[0]).toEqual({
      guid: newer.guid,
      name: 'newer',
      scopes: ['nameservice:read'],
      created_time: newer.created_time,
      active_time: null,
      expires_at: null,
    });
    const newerHash = (await store.get(newer.guid))?.hash.hash ?? 'missing';
    expect(result.body).not.toContain(newer.key);
    expect(result.body).not.toContain(newerHash);
    for (const token of listed) {
      expect(token).not.toHaveProperty('key');
      expect(token).not.toHaveProperty('hash');
      expect(token).not.toHaveProperty('secret_hash');
    }
  });

  it('a table without service tokens lists nothing', async () => {
    const empty = await freshTokensTable();
    const on = await handlersOn(empty);
    const { authorization } = await bearerIn(empty);

    const result = await on.list(proxyEvent('GET', PATH, as(authorization)), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual([]);
  });
});

describe('GET /__api__/v1/system/service-tokens/scopes', () => {
  it('lists exactly the scopes a service token may hold, with descriptions', async () => {
    const result = await handlers.scopes(
      proxyEvent('GET', `${PATH}/scopes`, as(admin.authorization)),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    const { scopes } = bodyOf(result) as { scopes: { name: string; description: string }[] };
    expect(scopes.map((scope) => scope.name)).toEqual(['identity:manage', 'nameservice:read']);
    for (const scope of scopes) {
      expect(Object.keys(scope).sort()).toEqual(['description', 'name']);
      expect(scope.description).not.toBe('');
    }
  });
});

describe('DELETE /__api__/v1/system/service-tokens/{guid}', () => {
  it('answers 204, the token stops working, and it is gone', async () => {
    const { guid, key } = await createViaApi({ name: 'to delete', scopes: ['identity:manage'] });
    await services.verifier.verify(`Bearer ${key}`);
    await services.verifier.settle();

    const result = await handlers.remove(deleteEvent(guid), lambdaContext());

    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
    await expect(services.verifier.verify(`Bearer ${key}`)).rejects.toThrow(UnauthorizedError);
    expect(await services.store.get(guid)).toBeNull();
  });

  it('a second delete answers 404 in the Connect error shape', async () => {
    const { guid } = await createViaApi({ name: 'deleted twice', scopes: ['identity:manage'] });
    await handlers.remove(deleteEvent(guid), lambdaContext());

    const result = await handlers.remove(deleteEvent(guid), lambdaContext());

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toEqual({
      code: 6,
      error: expect.stringContaining(guid),
      payload: expect.anything(),
    });
  });

  it.each([
    ['an unknown guid', mintToken().id],
    ['a guid that is not a token id', 'not-a-guid'],
  ])('%s answers 404', async (_, guid) => {
    const result = await handlers.remove(deleteEvent(guid), lambdaContext());

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ code: 6, error: expect.any(String) });
  });
});

describe('refusals: the Connect error shape, and nothing written', () => {
  let empty: string;
  let on: Handlers;
  let authorization: string;
  /** The items of `empty` besides those the tests make: its admin token's. */
  let items: number;

  beforeAll(async () => {
    empty = await freshTokensTable();
    on = await handlersOn(empty);
    ({ authorization } = await bearerIn(empty));
    items = await itemCount(empty);
  });

  const valid = { name: 'n', scopes: ['identity:manage'] };
  it.each([
    ['name missing', { scopes: ['identity:manage'] }, 'name'],
    ['name empty', { ...valid, name: '' }, 'name'],
    ['name blank', { ...valid, name: '  ' }, 'name'],
    ['name over 500 characters', { ...valid, name: 'x'.repeat(501) }, 'name'],
    ['scopes missing', { name: 'n' }, 'scopes'],
    ['scopes empty', { ...valid, scopes: [] }, 'scopes'],
    ['an unknown scope', { ...valid, scopes: ['nope:nope'] }, 'scopes.0'],
    ['global:admin', { ...valid, scopes: ['global:admin'] }, 'scopes.0'],
    ['a native-only scope', { ...valid, scopes: ['identity:manage', 'repos:read'] }, 'scopes.1'],
    ['expires_at garbage', { ...valid, expires_at: 'next week' }, 'expires_at'],
    ['expires_at in the past', { ...valid, expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
    ['expires_at impossible', { ...valid, expires_at: '2027-02-30' }, 'expires_at'],
    ['expires_at empty', { ...valid, expires_at: '' }, 'expires_at'],
    ['an unknown field', { ...valid, foo: 'bar' }, 'foo'],
    ['a body that is a list', [valid], 'body'],
    ['a body that is null', null, 'body'],
  ])('%s: 400 naming %s', async (_, body, field) => {
    const result = await on.create(createEvent(body, undefined, authorization), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ code: 3, error: expect.any(String), payload: { field } });
    expect(await itemCount(empty)).toBe(items);
  });

  it('expires_at within the 30 s authorizer cache TTL and a second: 400 naming it, saying the token could never be used', async () => {
    const soon = new Date(Date.now() + 20_000).toISOString();
    const result = await on.create(
      createEvent({ ...valid, expires_at: soon }, undefined, authorization),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      code: 3,
      error: expect.stringMatching(/^expires_at must be more than 31 s ahead: .*could never be used$/),
      payload: { field: 'expires_at' },
    });
    expect(await itemCount(empty)).toBe(items);
  });

  it('malformed JSON: 400 naming the body', async () => {
    const result = await on.create(
      createEvent('{"name": "n", "scopes": [', undefined, authorization),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ code: 3, error: expect.any(String), payload: { field: 'body' } });
    expect(await itemCount(empty)).toBe(items);
  });

  it('a body over 64 KB: 413', async () => {
    const result = await on.create(
      createEvent({ ...valid, name: 'x'.repeat(70_000) }, undefined, authorization),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(413);
    expect(bodyOf(result)).toEqual({ code: 8, error: expect.any(String), payload: { field: 'body' } });
    expect(await itemCount(empty)).toBe(items);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['form data', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no content type', {} as Record<string, string>],
  ])('%s: 415', async (_, headers) => {
    const result = await on.create(createEvent(valid, headers, authorization), lambdaContext());

    expect(result.statusCode).toBe(415);
    expect(bodyOf(result)).toMatchObject({ code: 9, error: expect.any(String) });
    expect(await itemCount(empty)).toBe(items);
  });

  it('a request that carries what an authorizer would have passed on, but no token: 401, nothing written', async () => {
    // No authorizer stands in front of these routes: the function trusts no caller it did not verify.
    const event = proxyEvent('POST', PATH, {
      authorizer: adminAuthorizerContext(),
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(valid),
    });

    const result = await on.create(event, lambdaContext());

    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual(UNAUTHORIZED);
    expect(await itemCount(empty)).toBe(items);
  });
});

/** The authorizer's refusals, as the Connect routes answer them. */
const UNAUTHORIZED = { code: 4, error: 'A valid token is required', payload: null };
const FORBIDDEN = { code: 5, error: 'The token does not have the scope this needs', payload: null };

describe("the caller's token, checked by each handler with the authorizer's decision", () => {
  let checked: string;
  let on: Handlers;
  let items: number;
  const fresh: { name: string; scopes: string[] } = { name: 'never made', scopes: ['identity:manage'] };

  beforeAll(async () => {
    checked = await freshTokensTable();
    on = await handlersOn(checked);
  });

  /** Each route's request with `headers` (and `multiValueHeaders` when given), answered by its handler. */
  async function eachRoute(
    headers: Record<string, string>,
    multiValueHeaders?: Record<string, string[]>,
    method?: 'HEAD',
  ) {
    const guid = (await bearerIn(checked, [{ scope: 'nameservice:read', resources: null }])).id;
    const requests: [HttpHandler, ReturnType<typeof proxyEvent>][] = [
      [
        on.create,
        proxyEvent('POST', PATH, {
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify(fresh),
        }),
      ],
      [on.list, proxyEvent(method ?? 'GET', PATH, { headers })],
      [on.scopes, proxyEvent(method ?? 'GET', `${PATH}/scopes`, { headers })],
      [on.remove, proxyEvent('DELETE', `${PATH}/${guid}`, { headers, pathParameters: { guid } })],
    ];
    items = await itemCount(checked);
    const answers = [];
    for (const [handler, event] of requests) {
      if (multiValueHeaders) event.multiValueHeaders = { ...event.multiValueHeaders, ...multiValueHeaders };
      answers.push(await handler(event, lambdaContext()));
    }
    return answers;
  }

  async function expectRefused(answers: APIGatewayProxyResult[], status: number, body: unknown) {
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBe(status);
      expect(bodyOf(answer)).toEqual(body);
      expect(answer.headers).toMatchObject({
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
    }
    expect(await itemCount(checked)).toBe(items);
  }

  it('no Authorization header: 401 on every route, in Connect shape, nothing written', async () => {
    await expectRefused(await eachRoute({}), 401, UNAUTHORIZED);
  });

  it.each([
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bearer with no token', 'Bearer '],
    ['a malformed token', 'Bearer tg_notatoken'],
    ['a token with a wrong checksum', `Bearer ${mintToken().token.slice(0, -1)}x`],
    ['a well-formed token never issued', `Bearer ${mintToken().token}`],
  ])('%s: 401 on every route, in Connect shape', async (_, authorization) => {
    await expectRefused(await eachRoute({ Authorization: authorization }), 401, UNAUTHORIZED);
  });

  it('a revoked admin token: 401', async () => {
    const revoked = await bearerIn(checked);
    await servicesOn(checked).tokens.revoke(revoked.id, ADMIN);

    await expectRefused(await eachRoute({ Authorization: revoked.authorization }), 401, UNAUTHORIZED);
  });

  it.each([
    ['expired a minute ago', -60_000],
    // Behind API Gateway's cache such a token is refused already: the same decision here.
    ['expiring within the cache TTL and a second', 20_000],
  ])('an admin token %s: 401', async (_, offset) => {
    const ring = await new FileKeyRingSource(keyFile).get();
    const { record, token } = tokenRecord(ring, {
      kind: 'user',
      scopes: [{ scope: 'global:admin', resources: null }],
      expiresAt: new Date(Date.now() + offset).toISOString(),
    });
    await servicesOn(checked).store.insert(record, stamp('create', record.createdAt));

    await expectRefused(await eachRoute({ Authorization: `Key ${token}` }), 401, UNAUTHORIZED);
  });

  it('the admin token twice, or beside another value: 401, decided on neither', async () => {
    const { authorization } = await bearerIn(checked);
    for (const values of [
      [authorization, authorization],
      [authorization, 'Bearer tg_other'],
    ]) {
      const answers = await eachRoute({ Authorization: authorization }, { Authorization: values });
      await expectRefused(answers, 401, UNAUTHORIZED);
    }
  });

  it('the admin token under two spellings of the header name: 401', async () => {
    const { authorization } = await bearerIn(checked);
    const answers = await eachRoute({ Authorization: authorization, authorization });
    await expectRefused(answers, 401, UNAUTHORIZED);
  });

  it.each([
    ['identity:manage', [{ scope: 'identity:manage', resources: null }]],
    [
      'every scope but global:admin',
      [
        { scope: 'identity:manage', resources: null },
        { scope: 'nameservice:read', resources: null },
        { scope: 'sources:admin', resources: ['*'] },
      ],
    ],
  ])('a valid token with %s: 403 on every route, in Connect shape, nothing written', async (_, scopes) => {
    const { authorization } = await bearerIn(checked, scopes);

    await expectRefused(await eachRoute({ Authorization: authorization }), 403, FORBIDDEN);
  });

  it('HEAD without a token: 401; with the admin token: 200', async () => {
    const [, list, scopes] = await eachRoute({}, undefined, 'HEAD');
    expect([list?.statusCode, scopes?.statusCode]).toEqual([401, 401]);

    const { authorization } = await bearerIn(checked);
    const [, allowedList, allowedScopes] = await eachRoute(
      { Authorization: authorization },
      undefined,
      'HEAD',
    );
    expect([allowedList?.statusCode, allowedScopes?.statusCode]).toEqual([200, 200]);
  });

  it('the admin token, as Bearer or Key: the request is served and attributed to it', async () => {
    const { id, authorization } = await bearerIn(checked);
    const asKey = authorization.replace('Bearer ', 'Key ');

    const made = await createViaApi({ name: 'made by key', scopes: ['identity:manage'] }, on, asKey);

    expect((await servicesOn(checked).store.get(made.guid))?.createdBy).toBe(`token:${id}`);
    const removed = await on.remove(
      proxyEvent('DELETE', `${PATH}/${made.guid}`, {
        ...as(authorization),
        pathParameters: { guid: made.guid },
      }),
      lambdaContext(),
    );
    expect(removed.statusCode).toBe(204);
  });
});
