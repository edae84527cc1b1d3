// The native token API, each endpoint through its Lambda handler, on DynamoDB
// Local. Callers are authorised by the real authorizer handler, and the handlers receive what API
// Gateway passes on from it: its context plus the principal.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { MAX_LEAKED_BODY_BYTES, MAX_LEAKED_TOKENS, MAX_RESOURCES } from '#api/native-tokens';
import { UnauthorizedError } from '#domain/errors';
import { type TokenView, tokenView } from '#domain/token';
import { HINT_LENGTH, mintToken, TOKEN_PREFIX } from '#domain/token-format';
import { LEAK_REPORT_MISS_LIMIT, TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { ENV } from '#spec/env';
import { SCOPE_NAMES } from '#spec/scopes';
import {
  freshTokensTable,
  testCredentialStore,
  testDocumentClient,
  watchDynamoRequests,
} from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { lambdaContext, proxyEvent, restAuthorizerEvent } from '#test-support/lambda-events';
import { type HttpHandler, loadHandlers } from '#test-support/load-handlers';

type Authorizer = (event: unknown, context: Context) => Promise<APIGatewayAuthorizerResult>;
type Caller = Record<string, string | number>;

const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-native-'));
const keyFile = join(dir, 'keys.json');
const client = testDocumentClient();

/** The handlers as Lambda loads them (configuration read at import), for `table`. */
async function handlersOn(table: string) {
  const http = await loadHandlers(
    {
      create: () => import('#functions/tokens/create'),
      list: () => import('#functions/tokens/list'),
      get: () => import('#functions/tokens/get'),
      update: () => import('#functions/tokens/update'),
      revoke: () => import('#functions/tokens/revoke'),
      revokeLeaked: () => import('#functions/tokens/revoke-leaked'),
      whoami: () => import('#functions/tokens/whoami'),
      scopes: () => import('#functions/tokens/scopes'),
      deleteService: () => import('#functions/service-tokens/delete'),
      rotate: () => import('#functions/tokens/rotate'),
      rotateSelf: () => import('#functions/tokens/rotate-self'),
    },
    { [ENV.tokensTable]: table },
  );
  // Loaded after them, without another reset: the same modules, configured for the same table.
  const [{ handler: authorizer }, runtime] = await Promise.all([
    import('#functions/authorizer/handler'),
    import('#functions/authorizer/runtime'),
  ]);
  return {
    ...http,
    // The authorizer takes a REST or an HTTP API's event: this test sends the REST one.
    authorizer: authorizer as Authorizer,
    /** Waits for the authorizer's background `last_used_at` writes. */
    settle: () => runtime.verifier.settle(),
  };
}

let table: string;
let handlers: Awaited<ReturnType<typeof handlersOn>>;
let store: DynamoTokenStore;
let tokens: TokenService;
let verifier: BearerVerifier;
let admin: { id: string; token: string; caller: Caller };

/** What API Gateway hands the integration after the authorizer accepted `token`. */
async function callerFor(token: string): Promise<Caller> {
  const result = await handlers.authorizer(
    restAuthorizerEvent('GET', '/v1/whoami', { Authorization: `Bearer ${token}` }),
    lambdaContext('authorizer'),
  );
  await handlers.settle();
  return {
    ...(result.context as Record<string, string>),
    principalId: result.principalId,
    integrationLatency: 9,
  };
}

beforeAll(async () => {
  useLocalHandlerEnv({ keyFile });
  table = await freshTokensTable();
  handlers = await handlersOn(table);
  store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
  const keys = new FileKeyRingSource(keyFile);
  tokens = new TokenService({ store, keys });
  verifier = new BearerVerifier({ store: testCredentialStore(table), keys });
  const bootstrap = await tokens.bootstrapAdmin({ type: 'system', id: 'test' });
  admin = { id: bootstrap.record.id, token: bootstrap.token, caller: {} };
  admin.caller = await callerFor(bootstrap.token);
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

interface Call {
  /** JSON-encoded unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** What the authorizer passed on; the admin by default, null for a public route. */
  caller?: Caller | null;
}

/** A REST API proxy event for `method resource` (`resource` as in the route table). */
function apiEvent(method: string, resource: string, call: Call = {}): APIGatewayProxyEvent {
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(call.params?.[name] ?? ''),
  );
  const body = call.rawBody ?? (call.body === undefined ? null : JSON.stringify(call.body));
  const given = call.headers ?? (body === null ? {} : { 'Content-Type': 'application/json' });
  // The admin's header too: the Connect functions check the token themselves (no authorizer in front).
  const headers = call.caller === undefined ? { ...given, Authorization: `Bearer ${admin.token}` } : given;
  const event = proxyEvent(method, path, { body, headers, pathParameters: call.params ?? null });
  const query = call.query ?? null;
  return {
    ...event,
    resource,
    queryStringParameters: query,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    requestContext: {
      ...event.requestContext,
      resourcePath: resource,
      authorizer: call.caller === undefined ? admin.caller : call.caller,
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

async function invoke(handler: HttpHandler, event: APIGatewayProxyEvent): Promise<Answer> {
  const result = await handler(event, lambdaContext());
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body === '' ? undefined : JSON.parse(result.body),
  };
}

const send = {
  create: (call: Call) => invoke(handlers.create, apiEvent('POST', '/v1/tokens', call)),
  list: (query: Record<string, string> = {}) =>
    invoke(handlers.list, apiEvent('GET', '/v1/tokens', { query })),
  get: (id: string) => invoke(handlers.get, apiEvent('GET', '/v1/tokens/{id}', { params: { id } })),
  update: (id: string, body: unknown) =>
    invoke(handlers.update, apiEvent('PATCH', '/v1/tokens/{id}', { params: { id }, body })),
  revoke: (id: string) =>
    invoke(handlers.revoke, apiEvent('POST', '/v1/tokens/{id}/revoke', { params: { id } })),
  revokeLeaked: (body: unknown, call: Call = {}) =>
    invoke(handlers.revokeLeaked, apiEvent('POST', '/v1/tokens/revoke', { body, caller: null, ...call })),
  whoami: (caller: Caller) => invoke(handlers.whoami, apiEvent('GET', '/v1/whoami', { caller })),
  rotate: (id: string, call: Call = {}) =>
    invoke(handlers.rotate, apiEvent('POST', '/v1/tokens/{id}/rotate', { params: { id }, ...call })),
  rotateSelf: (caller: Caller, call: Call = {}) =>
    invoke(handlers.rotateSelf, apiEvent('POST', '/v1/tokens/self/rotate', { caller, ...call })),
  scopes: () => invoke(handlers.scopes, apiEvent('GET', '/v1/scopes')),
};

interface Created extends TokenView {
  token: string;
  warnings?: string[];
}

const VALID = { description: 'CI deploys', scopes: [{ scope: 'repos:read', resources: ['cran'] }] };

async function created(body: Record<string, unknown> = {}): Promise<Created> {
  const answer = await send.create({ body: { ...VALID, ...body } });
  expect(answer.status).toBe(201);
  return answer.body as Created;
}

/**
 * A token that expires `ms` from now, made by the token service underneath: the API refuses an expiry
 * this close (the authorizer would refuse the token behind its cache from the first use on).
 */
async function expiringIn(ms: number, description = VALID.description): Promise<Created> {
  const { record, token } = await tokens.create(
    {
      kind: 'user',
      description,
      userEmail: null,
      scopes: [{ scope: 'repos:read', resources: ['cran'] }],
      expiresAt: new Date(Date.now() + ms).toISOString(),
    },
    { type: 'token', id: admin.id },
  );
  return { ...tokenView(record, new Date()), token };
}

let names = 0;
/** A description no other token of the run has, so that `q` finds this token alone. */
const uniqueName = (label: string) => `${label} ${process.pid}-${++names}`;

/** The ids that a listing of `status` shows among the tokens named as `token` is. */
async function listedIds(status: string, token: TokenView): Promise<string[]> {
  const answer = await send.list({ status, q: token.description });
  return (answer.body as { tokens: TokenView[] }).tokens.map((listed) => listed.id);
}

async function itemCount(): Promise<number> {
  const { Count } = await client.send(
    new ScanCommand({ TableName: table, ConsistentRead: true, Select: 'COUNT' }),
  );
  return Count ?? 0;
}

async function rawItem(id: string) {
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }));
  return Item;
}

const TOKEN_VIEW_KEYS = [
  'id',
  'kind',
  'description',
  'user_email',
  'scopes',
  'status',
  'created_at',
  'created_by',
  'created_by_name',
  'expires_at',
  'revoked_at',
  'revoked_by',
  'last_used_at',
  'hint',
  'rotated_from',
  'rotated_to',
].sort();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('POST /v1/tokens', () => {
  it('answers 201 with the token object and the secret, which works as a bearer token', async () => {
    const before = Date.now();

    const answer = await send.create({
      body: {
        description: 'CI deploys',
        user_email: 'ci@example.com',
        scopes: [
          { scope: 'repos:read', resources: ['cran', 'internal'] },
          { scope: 'sources:write', resources: ['uploads'] },
        ],
        expires_in_days: 30,
      },
    });

    expect(answer.status).toBe(201);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const body = answer.body as Created;
    expect(Object.keys(body).sort()).toEqual([...TOKEN_VIEW_KEYS, 'token'].sort());
    expect(body).toMatchObject({
      kind: 'user',
      description: 'CI deploys',
      user_email: 'ci@example.com',
      scopes: [
        { scope: 'repos:read', resources: ['cran', 'internal'] },
        { scope: 'sources:write', resources: ['uploads'] },
      ],
      status: 'active',
      created_by: `token:${admin.id}`,
      created_by_name: 'Bootstrap admin token',
      revoked_at: null,
      revoked_by: null,
      last_used_at: null,
    });
    expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 1000);
    // Within the request's time: expiry is reckoned when the body is read, creation a moment later.
    expect(Date.parse(body.expires_at ?? '') - Date.parse(body.created_at) - 30 * 86_400_000).toBeGreaterThan(
      -1000,
    );
    expect(
      Date.parse(body.expires_at ?? '') - Date.parse(body.created_at) - 30 * 86_400_000,
    ).toBeLessThanOrEqual(0);
    expect(body.token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(body.hint).toBe(body.token.slice(0, HINT_LENGTH));
    const caller = await verifier.verify(`Bearer ${body.token}`);
    expect(caller).toMatchObject({ tokenId: body.id, kind: 'user', scopes: body.scopes });
    await verifier.settle();
  });

  it("created_by_name says who made it in words: the creating token's description, in lists too; an IAM principal's ARN", async () => {
    const maker = await created({
      description: uniqueName('Provisioner'),
      scopes: [{ scope: 'global:admin' }],
    });
    const made = await send.create({
      body: { ...VALID, description: uniqueName('Made') },
      caller: await callerFor(maker.token),
    });
    expect(made.body).toMatchObject({ created_by: `token:${maker.id}`, created_by_name: maker.description });
    const listed = await send.list({ q: (made.body as TokenView).description });
    expect((listed.body as { tokens: TokenView[] }).tokens).toMatchObject([
      { created_by_name: maker.description },
    ]);

    const event = apiEvent('POST', '/v1/tokens', { body: VALID, caller: {} });
    event.requestContext.identity.userArn = 'arn:aws:iam::123456789012:role/ops';
    const byIam = await invoke(handlers.create, event);
    expect(byIam.body).toMatchObject({
      created_by: 'iam:arn:aws:iam::123456789012:role/ops',
      created_by_name: 'arn:aws:iam::123456789012:role/ops',
    });
  });

  it('stores only a hash: the secret appears in no item of the table', async () => {
    const body = await created();

    const item = await rawItem(body.id);

    expect(JSON.stringify(item)).not.toContain(body.token.slice(TOKEN_PREFIX.length));
  });

  it('a token without email or expiry has nulls, and never expires', async () => {
    const body = await created();

    expect(body).toMatchObject({ user_email: null, expires_at: null, status: 'active' });
    expect(body).not.toHaveProperty('warnings');
  });

  it('warns that metadata:read is deprecated, and still makes the token', async () => {
    const body = await created({ scopes: [{ scope: 'metadata:read' }] });

    expect(body.warnings).toEqual([expect.stringContaining('repos:read')]);
    expect(body.scopes).toEqual([{ scope: 'metadata:read', resources: null }]);
  });

  it('normalises a resource list holding * to just *', async () => {
    const body = await created({ scopes: [{ scope: 'sources:admin', resources: ['a', '*', 'b'] }] });

    expect(body.scopes).toEqual([{ scope: 'sources:admin', resources: ['*'] }]);
  });

  it('takes an expiry date as 00:00 UTC that day, and a date-time with an offset in UTC', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

    const onDate = await created({ expires_at: day });
    const onTime = await created({ expires_at: `${day}T12:30:00+02:00` });

    expect(onDate.expires_at).toBe(`${day}T00:00:00.000Z`);
    expect(onTime.expires_at).toBe(`${day}T10:30:00.000Z`);
  });

  it('an explicit null email and null expiry mean none', async () => {
    const body = await created({ user_email: null, expires_at: null, expires_in_days: null });

    expect(body).toMatchObject({ user_email: null, expires_at: null });
  });

  it(`accepts ${MAX_RESOURCES} resources`, async () => {
    const names = Array.from({ length: MAX_RESOURCES }, (_, i) => `repo-${i}`);

    const body = await created({ scopes: [{ scope: 'repos:read', resources: names }] });

    expect(body.scopes[0]?.resources).toEqual(names);
  });
});

describe('POST /v1/tokens refusals: 400 naming the field, and nothing written', () => {
  const repos = { scope: 'repos:read', resources: ['cran'] };
  const day = 86_400_000;
  it.each([
    ['description missing', 'description', { scopes: [repos] }],
    ['description empty', 'description', { ...VALID, description: '' }],
    ['description blank', 'description', { ...VALID, description: '   ' }],
    ['description of 501 characters', 'description', { ...VALID, description: 'x'.repeat(501) }],
    ['description not a string', 'description', { ...VALID, description: 5 }],
    ['email malformed', 'user_email', { ...VALID, user_email: 'not-an-email' }],
    ['email without domain', 'user_email', { ...VALID, user_email: 'me@' }],
    ['scopes missing', 'scopes', { description: 'd' }],
    ['scopes empty', 'scopes', { ...VALID, scopes: [] }],
    ['a scope as a plain string', 'scopes.0', { ...VALID, scopes: ['repos:read'] }],
    ['an unknown scope', 'scopes.0.scope', { ...VALID, scopes: [{ scope: 'repos:write' }] }],
    ['repos:read without resources', 'scopes.0.resources', { ...VALID, scopes: [{ scope: 'repos:read' }] }],
    [
      'sources:write without resources',
      'scopes.0.resources',
      { ...VALID, scopes: [{ scope: 'sources:write' }] },
    ],
    [
      'sources:admin without resources',
      'scopes.1.resources',
      { ...VALID, scopes: [repos, { scope: 'sources:admin' }] },
    ],
    [
      'resources for a scope that takes none',
      'scopes.0.resources',
      { ...VALID, scopes: [{ scope: 'blocklist:read', resources: ['x'] }] },
    ],
    [
      'resources null for a scope that takes none',
      'scopes.0.resources',
      { ...VALID, scopes: [{ scope: 'blocklist:read', resources: null }] },
    ],
    [
      'an empty resource list',
      'scopes.0.resources',
      { ...VALID, scopes: [{ scope: 'repos:read', resources: [] }] },
    ],
    [
      'a resource name with a slash',
      'scopes.0.resources.0',
      { ...VALID, scopes: [{ scope: 'repos:read', resources: ['a/b'] }] },
    ],
    [
      'a resource name with a wildcard',
      'scopes.0.resources.1',
      { ...VALID, scopes: [{ scope: 'repos:read', resources: ['cran', 'a*'] }] },
    ],
    [
      'an empty resource name',
      'scopes.0.resources.0',
      { ...VALID, scopes: [{ scope: 'sources:write', resources: [''] }] },
    ],
    [
      `more than ${MAX_RESOURCES} resources`,
      'scopes.0.resources',
      {
        ...VALID,
        scopes: [
          { scope: 'repos:read', resources: Array.from({ length: MAX_RESOURCES + 1 }, (_, i) => `r${i}`) },
        ],
      },
    ],
    [
      'a scope listed twice',
      'scopes.1.scope',
      { ...VALID, scopes: [repos, { scope: 'repos:read', resources: ['x'] }] },
    ],
    ['expires_in_days 0', 'expires_in_days', { ...VALID, expires_in_days: 0 }],
    ['expires_in_days 3651', 'expires_in_days', { ...VALID, expires_in_days: 3651 }],
    ['expires_in_days 1.5', 'expires_in_days', { ...VALID, expires_in_days: 1.5 }],
    ['expires_in_days as a string', 'expires_in_days', { ...VALID, expires_in_days: '30' }],
    ['expires_at in the past', 'expires_at', { ...VALID, expires_at: '2020-01-01T00:00:00Z' }],
    [
      'expires_at today (00:00 UTC has passed)',
      'expires_at',
      { ...VALID, expires_at: new Date().toISOString().slice(0, 10) },
    ],
    ['expires_at not a date', 'expires_at', { ...VALID, expires_at: 'next tuesday' }],
    ['expires_at an impossible date', 'expires_at', { ...VALID, expires_at: '2030-02-30' }],
    ['expires_at empty', 'expires_at', { ...VALID, expires_at: '' }],
    [
      'expires_at beyond ten years',
      'expires_at',
      { ...VALID, expires_at: new Date(Date.now() + 3660 * day).toISOString() },
    ],
    [
      'both expires_in_days and expires_at',
      'expires_at',
      { ...VALID, expires_in_days: 5, expires_at: new Date(Date.now() + 9 * day).toISOString() },
    ],
    ['an unknown top-level field', 'owner', { ...VALID, owner: 'me' }],
    ['a field of the token object', 'status', { ...VALID, status: 'active' }],
    ['an unknown field in a scope', 'scopes.0.level', { ...VALID, scopes: [{ ...repos, level: 'read' }] }],
    ['a body that is a list', 'body', [VALID]],
    ['a body that is null', 'body', null],
  ])('%s: 400 naming %s', async (_, field, body) => {
    const before = await itemCount();

    const answer = await send.create({ body });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), field } });
    expect(await itemCount()).toBe(before);
  });

  it.each([
    ['a second', 1_000],
    ['31 s', 31_000],
  ])(
    'expires_at %s ahead, within the 30 s cache TTL and a second: 400 saying the token could never be used',
    async (_, ms) => {
      const before = await itemCount();

      const answer = await send.create({
        body: { ...VALID, expires_at: new Date(Date.now() + ms).toISOString() },
      });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: {
          field: 'expires_at',
          message: expect.stringMatching(/more than 31 s ahead.*could never be used/),
        },
      });
      expect(await itemCount()).toBe(before);
    },
  );

  it('expires_at a minute ahead: 201', async () => {
    const token = await created({ expires_at: new Date(Date.now() + 60_000).toISOString() });
    expect(token.status).toBe('active');
  });

  it('expires_at of this very moment: 400, it must lie in the future', async () => {
    const before = await itemCount();

    const answer = await send.create({ body: { ...VALID, expires_at: new Date().toISOString() } });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { field: 'expires_at', message: expect.stringMatching(/future/) },
    });
    expect(await itemCount()).toBe(before);
  });

  it('malformed JSON: 400 naming the body', async () => {
    const before = await itemCount();

    const answer = await send.create({ rawBody: '{"description": "x", "scopes": [' });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'invalid_request', message: expect.any(String), field: 'body' },
    });
    expect(await itemCount()).toBe(before);
  });

  it('a body over 64 KB: 413 naming the body', async () => {
    const before = await itemCount();

    const answer = await send.create({ body: { ...VALID, description: 'x'.repeat(65 * 1024) } });

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: { code: 'payload_too_large', message: expect.any(String), field: 'body' },
    });
    expect(await itemCount()).toBe(before);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['form data', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('%s: 415', async (_, headers) => {
    const before = await itemCount();

    const answer = await send.create({ body: VALID, headers });

    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ error: { code: 'unsupported_media_type', message: expect.any(String) } });
    expect(await itemCount()).toBe(before);
  });

  it.each(['application/json; charset=utf-8', 'APPLICATION/JSON', 'Application/Json; Charset=UTF-8'])(
    'the JSON content type %j is accepted: media types compare case-insensitively',
    async (contentType) => {
      const answer = await send.create({ body: VALID, headers: { 'Content-Type': contentType } });

      expect(answer.status).toBe(201);
    },
  );
});

describe('GET /v1/tokens/{id}', () => {
  it('answers the token object, without the secret or its hash', async () => {
    const token = await created({ user_email: 'get@example.com' });
    const hash = String((await rawItem(token.id))?.secret_hash);

    const answer = await send.get(token.id);

    expect(answer.status).toBe(200);
    const { token: secret, ...view } = token;
    expect(answer.body).toEqual(view);
    expect(JSON.stringify(answer.body)).not.toContain(secret);
    expect(JSON.stringify(answer.body)).not.toContain(hash);
  });

  it.each([
    ['an unknown id', () => mintToken().id],
    ['a malformed id', () => 'not-a-token-id'],
    ['a whole token instead of its id', () => mintToken().token],
  ])('%s: 404 naming the id', async (_, id) => {
    const answer = await send.get(id());

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), field: 'id' } });
  });
});

describe('a token holding a scope the catalogue no longer has', () => {
  it('keeps its record, shows the scope as stored, and is granted nothing for it', async () => {
    // Made under a catalogue with orders:read; this deployment's (the default) has since lost it.
    const { record, token } = await tokens.create(
      {
        kind: 'user',
        description: 'from an older catalogue',
        userEmail: null,
        scopes: [
          { scope: 'orders:read', resources: ['o-1'] },
          { scope: 'blocklist:read', resources: null },
        ],
        expiresAt: null,
      },
      { type: 'token', id: admin.id },
    );
    const stored = [
      { scope: 'orders:read', resources: ['o-1'] },
      { scope: 'blocklist:read', resources: null },
    ];

    const answer = await send.get(record.id);
    expect(answer.status).toBe(200);
    expect((answer.body as TokenView).scopes).toEqual(stored);
    const listed = await send.list({ q: 'older catalogue' });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain('"scope":"orders:read"');

    const decide = (path: string) =>
      handlers.authorizer(
        restAuthorizerEvent('GET', path, { Authorization: `Bearer ${token}` }),
        lambdaContext('authorizer'),
      );
    expect((await decide('/orders/o-1/x')).policyDocument.Statement[0]?.Effect).toBe('Deny');
    expect((await decide('/blocklist/x')).policyDocument.Statement[0]?.Effect).toBe('Allow');
    await handlers.settle();
  });
});

describe('PATCH /v1/tokens/{id}', () => {
  it('sets the email, and the change is stored', async () => {
    const token = await created();

    const answer = await send.update(token.id, { user_email: 'owner@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: token.id, user_email: 'owner@example.com', status: 'active' });
    expect((await send.get(token.id)).body).toMatchObject({ user_email: 'owner@example.com' });
  });

  it('clears the email with null', async () => {
    const token = await created({ user_email: 'leaving@example.com' });

    const answer = await send.update(token.id, { user_email: null });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ user_email: null });
    expect((await send.get(token.id)).body).toMatchObject({ user_email: null });
    expect(await rawItem(token.id)).not.toHaveProperty('user_email');
  });

  it('changes nothing else of the token', async () => {
    const { token: _secret, ...token } = await created({ user_email: 'a@example.com', expires_in_days: 9 });

    const answer = await send.update(token.id, { user_email: 'b@example.com' });

    expect(answer.body).toEqual({ ...token, user_email: 'b@example.com' });
  });

  it.each([
    ['an unknown id', () => mintToken().id],
    ['a malformed id', () => 'nope'],
  ])('%s: 404 naming the id, and nothing written', async (_, id) => {
    const before = await itemCount();

    const answer = await send.update(id(), { user_email: 'x@example.com' });

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), field: 'id' } });
    expect(await itemCount()).toBe(before);
  });

  it('sets the description: stored, searched by its new words, sorted by it, and attributed', async () => {
    const token = await created({ description: uniqueName('Old words'), user_email: 'kept@example.com' });
    const renamed = uniqueName('Nightly mirror');

    const answer = await send.update(token.id, { description: `  ${renamed} ` });

    expect(answer.status).toBe(200);
    const { token: _secret, ...view } = token;
    expect(answer.body).toEqual({ ...view, description: renamed });
    expect((await send.get(token.id)).body).toMatchObject({ description: renamed });
    expect(await listedIds('active', answer.body as TokenView)).toEqual([token.id]);
    expect(await listedIds('active', token)).toEqual([]);
    const sorted = await send.list({ q: renamed, sort: 'name_asc' });
    expect((sorted.body as { tokens: TokenView[] }).tokens.map((listed) => listed.id)).toEqual([token.id]);
    expect(await rawItem(token.id)).toMatchObject({
      stamp: { op: 'update', actor_type: 'token', actor_id: admin.id },
      name_sk: expect.stringMatching(new RegExp(`^A#${renamed.toLowerCase()}`)),
    });
  });

  it('sets the description and the email together', async () => {
    const token = await created();
    const answer = await send.update(token.id, {
      description: 'Both at once',
      user_email: 'both@example.com',
    });
    expect(answer.body).toMatchObject({ description: 'Both at once', user_email: 'both@example.com' });
  });

  it('a revoked token takes a new description and stays revoked, listed among the revoked', async () => {
    const token = await created({ description: uniqueName('Revoked before') });
    await send.revoke(token.id);
    const renamed = uniqueName('Revoked after');

    const answer = await send.update(token.id, { description: renamed });

    expect(answer.body).toMatchObject({ description: renamed, status: 'revoked' });
    expect(await listedIds('revoked', answer.body as TokenView)).toEqual([token.id]);
    expect(await rawItem(token.id)).toMatchObject({ name_sk: expect.stringMatching(/^R#/) });
    const refusal = await verifier.verify(`Bearer ${token.token}`).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UnauthorizedError);
    expect(refusal).toMatchObject({ reason: 'revoked' });
  });

  it.each([
    ['a malformed email', 'user_email', { user_email: 'nope' }],
    ['neither field', 'body', {}],
    ['an empty description', 'description', { description: ' ' }],
    ['a description of 501 characters', 'description', { description: 'x'.repeat(501) }],
    ['a field that cannot change', 'scopes', { user_email: 'a@example.com', scopes: [] }],
  ])('%s: 400 naming %s, and the token unchanged', async (_, field, body) => {
    const token = await created({ user_email: 'kept@example.com' });
    const item = await rawItem(token.id);

    const answer = await send.update(token.id, body);

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), field } });
    expect(await rawItem(token.id)).toEqual(item);
  });
});

describe('POST /v1/tokens/{id}/revoke', () => {
  it('answers 200 with the token revoked by the caller, and the token stops working', async () => {
    const token = await created();
    await verifier.verify(`Bearer ${token.token}`);
    await verifier.settle();
    const before = Date.now();

    const answer = await send.revoke(token.id);

    expect(answer.status).toBe(200);
    const body = answer.body as TokenView;
    expect(body).toMatchObject({ id: token.id, status: 'revoked', revoked_by: `token:${admin.id}` });
    expect(Date.parse(body.revoked_at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    await expect(verifier.verify(`Bearer ${token.token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('a second revoke changes nothing: same revoked_at, same item', async () => {
    const token = await created();
    const first = (await send.revoke(token.id)).body as TokenView;
    const item = await rawItem(token.id);
    await sleep(5);

    const second = await send.revoke(token.id);

    expect(second.status).toBe(200);
    expect(second.body).toEqual(first);
    expect(await rawItem(token.id)).toEqual(item);
  });

  it('is permanent: editing the email, revoking again or reporting it leaked never reinstates it', async () => {
    const token = await created({ description: uniqueName('permanent') });
    await send.revoke(token.id);

    await send.update(token.id, { user_email: 'after@example.com' });
    await send.revoke(token.id);
    await send.revokeLeaked({ tokens: [token.token] });

    const answer = await send.get(token.id);
    expect(answer.body).toMatchObject({ status: 'revoked', user_email: 'after@example.com' });
    expect(await listedIds('active', token)).toEqual([]);
    await expect(verifier.verify(`Bearer ${token.token}`)).rejects.toThrow(UnauthorizedError);
  });

  it.each([
    ['an unknown id', () => mintToken().id],
    ['a malformed id', () => 'x'],
  ])('%s: 404 naming the id, and nothing written', async (_, id) => {
    const before = await itemCount();

    const answer = await send.revoke(id());

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), field: 'id' } });
    expect(await itemCount()).toBe(before);
  });
});

describe('POST /v1/tokens/{id}/rotate', () => {
  it('answers 201 with the new token object and its secret; the old one is linked and works for the grace', async () => {
    const old = await created({ user_email: 'ci@example.com', expires_in_days: 30 });
    const before = Date.now();

    const answer = await send.rotate(old.id, { body: { grace_seconds: 120 } });

    expect(answer.status).toBe(201);
    expect(answer.headers).toMatchObject({ 'cache-control': 'no-store' });
    const body = answer.body as Created;
    expect(Object.keys(body).sort()).toEqual([...TOKEN_VIEW_KEYS, 'token', 'previous_accepted_until'].sort());
    expect(body).toMatchObject({
      kind: old.kind,
      description: old.description,
      user_email: 'ci@example.com',
      scopes: old.scopes,
      expires_at: old.expires_at,
      status: 'active',
      created_by: `token:${admin.id}`,
      rotated_from: old.id,
      rotated_to: null,
    });
    expect(body.id).not.toBe(old.id);
    expect((await verifier.verify(`Bearer ${body.token}`)).tokenId).toBe(body.id);
    const previous = (await send.get(old.id)).body as TokenView;
    expect(previous).toMatchObject({ status: 'active', rotated_to: body.id, rotated_from: null });
    const graceEnd = Date.parse(previous.expires_at ?? '');
    expect(graceEnd).toBeGreaterThanOrEqual(before + 120_000);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 120_000);
    expect((await verifier.verify(`Bearer ${old.token}`)).tokenId).toBe(old.id);
    expect(JSON.stringify(await rawItem(body.id))).not.toContain(body.token);
    // Behind the default 30 s authorizer cache the old token is accepted until 31 s before its expiry.
    expect((body as Created & { previous_accepted_until: string }).previous_accepted_until).toBe(
      new Date(graceEnd - 31_000).toISOString(),
    );
  });

  it.each([
    [1, 'self'],
    [10, 'self'],
    [31, 'self'],
    [10, 'admin'],
  ])(
    'grace_seconds %i (%s) with the default 30 s TTL: 400 naming grace_seconds and 32, and nothing changes',
    async (grace, by) => {
      const old = await created();
      const caller = by === 'self' ? await callerFor(old.token) : null;
      const item = await rawItem(old.id);
      const count = await itemCount();
      const body = { grace_seconds: grace };

      const answer = caller ? await send.rotateSelf(caller, { body }) : await send.rotate(old.id, { body });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: {
          code: 'invalid_request',
          field: 'grace_seconds',
          message: expect.stringMatching(/at least 32\b/),
        },
      });
      expect(await rawItem(old.id)).toEqual(item);
      expect(await itemCount()).toBe(count);
    },
  );

  it.each([0, 32])('grace_seconds %i: 201', async (grace) => {
    const old = await created();
    const answer = await send.rotate(old.id, { body: { grace_seconds: grace } });
    expect(answer.status).toBe(201);
    expect((answer.body as { previous_accepted_until: string | null }).previous_accepted_until).toSatisfy(
      (until: string | null) => (grace === 0 ? until === null : Date.parse(until ?? '') > Date.now()),
    );
  });

  it('without a body (or with an empty one) the grace is an hour', async () => {
    for (const call of [{}, { rawBody: '' }, { body: {} }]) {
      const old = await created();
      const before = Date.now();
      const answer = await send.rotate(old.id, call);
      expect(answer.status, JSON.stringify(call)).toBe(201);
      const graceEnd = Date.parse(((await send.get(old.id)).body as TokenView).expires_at ?? '');
      expect(graceEnd).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(graceEnd).toBeLessThanOrEqual(Date.now() + 3_600_000);
    }
  });

  it.each([
    [{ grace_seconds: -1 }, 'grace_seconds'],
    [{ grace_seconds: 604_801 }, 'grace_seconds'],
    [{ grace_seconds: 1.5 }, 'grace_seconds'],
    [{ grace_seconds: '60' }, 'grace_seconds'],
    [{ grace_seconds: null }, 'grace_seconds'],
    [{ grace: 60 }, 'grace'],
    [[], 'body'],
  ])('%j: 400 naming %s, and nothing changed', async (body, field) => {
    const old = await created();
    const item = await rawItem(old.id);
    const count = await itemCount();

    const answer = await send.rotate(old.id, { body });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'invalid_request', field } });
    expect(await rawItem(old.id)).toEqual(item);
    expect(await itemCount()).toBe(count);
  });

  it('a new expiry renews: the successor gets it instead of the old one, the old token only the grace', async () => {
    const old = await created({ expires_in_days: 3 });
    const before = Date.now();

    const answer = await send.rotate(old.id, { body: { grace_seconds: 60, expires_in_days: 90 } });

    expect(answer.status).toBe(201);
    const body = answer.body as Created;
    const renewed = Date.parse(body.expires_at ?? '');
    expect(renewed).toBeGreaterThanOrEqual(before + 90 * 86_400_000);
    expect(renewed).toBeLessThanOrEqual(Date.now() + 90 * 86_400_000);
    expect(body).toMatchObject({ rotated_from: old.id, description: old.description, scopes: old.scopes });
    const previous = (await send.get(old.id)).body as TokenView;
    expect(Date.parse(previous.expires_at ?? '')).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await rawItem(body.id)).toMatchObject({ expires_at: body.expires_at });
  });

  it.each([
    [{ expires_at: '2027-01-31' }, '2027-01-31T00:00:00.000Z'],
    [{ expires_at: null }, null],
    [{ expires_in_days: null }, null],
  ])('a renewal %j: the successor expires at %s', async (renewal, expiresAt) => {
    const old = await created({ expires_in_days: 3 });
    const answer = await send.rotate(old.id, { body: renewal });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ expires_at: expiresAt });
  });

  it.each([
    [{ expires_in_days: 30, expires_at: '2027-01-31' }, 'expires_at', /not both/],
    [{ expires_in_days: 0 }, 'expires_in_days', /at least 1/],
    [{ expires_at: '2020-01-01' }, 'expires_at', /in the future/],
    [{ expires_at: 'tomorrow' }, 'expires_at', /RFC 3339/],
  ])('a renewal %j: 400 naming %s, and nothing changed', async (renewal, field, message) => {
    const old = await created();
    const item = await rawItem(old.id);
    const count = await itemCount();

    const answer = await send.rotate(old.id, { body: renewal });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { code: 'invalid_request', field, message: expect.stringMatching(message) },
    });
    expect(await rawItem(old.id)).toEqual(item);
    expect(await itemCount()).toBe(count);
  });

  it('a renewal closer than the authorizer cache TTL + 1 s: 400 naming expires_at, as create says, and nothing changed', async () => {
    const old = await created();
    const item = await rawItem(old.id);
    const count = await itemCount();
    const soon = new Date(Date.now() + 20_000).toISOString();

    const answer = await send.rotate(old.id, { body: { expires_at: soon } });
    const create = await send.create({ body: { ...VALID, expires_at: soon } });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        code: 'invalid_request',
        field: 'expires_at',
        message: expect.stringMatching(/could never be used/),
      },
    });
    expect((answer.body as { error: { message: string } }).error.message).toBe(
      (create.body as { error: { message: string } }).error.message,
    );
    expect(await rawItem(old.id)).toEqual(item);
    expect(await itemCount()).toBe(count);
  });

  it("carries the rotating admin's description as created_by_name", async () => {
    const old = await created();
    const answer = await send.rotate(old.id);
    expect(answer.body).toMatchObject({
      created_by: `token:${admin.id}`,
      created_by_name: 'Bootstrap admin token',
    });
  });

  it('malformed JSON: 400 naming the body', async () => {
    const old = await created();
    const answer = await send.rotate(old.id, { rawBody: '{"grace_seconds":' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { field: 'body' } });
  });

  it.each([
    ['revoked', async (id: string) => void (await send.revoke(id))],
    ['already rotated', async (id: string) => void (await send.rotate(id))],
  ])('a %s token: 409, and nothing changes', async (_, prepare) => {
    const old = await created();
    await prepare(old.id);
    const item = await rawItem(old.id);
    const count = await itemCount();

    const answer = await send.rotate(old.id, { body: { grace_seconds: 60 } });

    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({ error: { code: 'conflict', message: expect.any(String) } });
    expect(await rawItem(old.id)).toEqual(item);
    expect(await itemCount()).toBe(count);
  });

  it('a token at its expires_at is expired: 409, and nothing changes', async () => {
    const old = await expiringIn(60_000);
    const item = await rawItem(old.id);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(old.expires_at as string) });
    try {
      const answer = await send.rotate(old.id);

      expect(answer.status).toBe(409);
      expect(await rawItem(old.id)).toEqual(item);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['an unknown id', () => mintToken().id],
    ['a malformed id', () => 'x'],
    ['self, which is not an id', () => 'self'],
  ])('%s: 404 naming the id, and nothing written', async (_, id) => {
    const before = await itemCount();

    const answer = await send.rotate(id());

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), field: 'id' } });
    expect(await itemCount()).toBe(before);
  });
});

describe('POST /v1/tokens/self/rotate', () => {
  it('any valid token rotates itself, without an admin scope; the rotation is attributed to it', async () => {
    const old = await created({ scopes: [{ scope: 'blocklist:read' }], expires_in_days: 7 });
    const caller = await callerFor(old.token);

    const answer = await send.rotateSelf(caller, { body: { grace_seconds: 60 } });

    expect(answer.status).toBe(201);
    const body = answer.body as Created;
    expect(body).toMatchObject({
      scopes: [{ scope: 'blocklist:read', resources: null }],
      expires_at: old.expires_at,
      rotated_from: old.id,
      created_by: `token:${old.id}`,
    });
    expect((await send.get(old.id)).body).toMatchObject({ rotated_to: body.id });
    expect((await verifier.verify(`Bearer ${body.token}`)).scopes).toEqual(body.scopes);
  });

  it('a service token of the Connect API rotates itself into a service token', async () => {
    const service = await tokens.create(
      {
        kind: 'service',
        description: 'SCIM sync',
        userEmail: null,
        scopes: [{ scope: 'identity:manage', resources: null }],
        expiresAt: null,
      },
      { type: 'token', id: admin.id },
    );

    const answer = await send.rotateSelf(await callerFor(service.token));

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ kind: 'service', description: 'SCIM sync', expires_at: null });
  });

  it('a token minted by self-rotation may not rotate itself within its first hour: 429 with Retry-After, nothing changes', async () => {
    const parent = await created();
    const first = await send.rotateSelf(await callerFor(parent.token), { body: { grace_seconds: 60 } });
    expect(first.status).toBe(201);
    const child = first.body as Created;
    const caller = await callerFor(child.token);
    const item = await rawItem(child.id);
    const count = await itemCount();

    const again = await send.rotateSelf(caller);

    expect(again.status).toBe(429);
    expect(again.body).toMatchObject({
      error: { code: 'too_many_requests', message: expect.stringMatching(/less than an hour ago/) },
    });
    const wait = Number(again.headers?.['retry-after']);
    const createdAt = Date.parse(child.created_at);
    expect(wait).toBeGreaterThan(3_590);
    expect(wait).toBeLessThanOrEqual(3_600);
    expect(createdAt + 3_600_000 - Date.now()).toBeLessThanOrEqual(wait * 1000);
    expect(await rawItem(child.id)).toEqual(item);
    expect(await itemCount()).toBe(count);

    // An admin's rotation is not bounded; an hour on, the child may rotate itself.
    const later = new TokenService({
      store,
      keys: new FileKeyRingSource(keyFile),
      now: () => new Date(createdAt + 3_600_000),
    });
    const actor = { type: 'token', id: child.id } as const;
    await expect(later.rotate(child.id, { graceSeconds: 0, actor })).resolves.toMatchObject({
      record: { rotatedFrom: child.id },
    });
    const grandchild = await tokens.get((await tokens.get(child.id)).rotatedTo ?? '');
    expect((await send.rotate(grandchild.id)).status).toBe(201);
  });

  it('a second self-rotation with the old token: 409 (rotate the new one)', async () => {
    const old = await created();
    const caller = await callerFor(old.token);
    expect((await send.rotateSelf(caller)).status).toBe(201);
    const again = await send.rotateSelf(caller);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/rotated already/) },
    });
  });

  it('a token may bring its own expiry forward, or give one where it had none; its created_by_name is its own description', async () => {
    const old = await created({ description: uniqueName('Nightly job'), expires_in_days: 30 });
    const sooner = await send.rotateSelf(await callerFor(old.token), { body: { expires_in_days: 7 } });
    expect(sooner.status).toBe(201);
    expect(Date.parse((sooner.body as Created).expires_at ?? '')).toBeLessThan(
      Date.parse(old.expires_at ?? ''),
    );
    expect(sooner.body).toMatchObject({ created_by: `token:${old.id}`, created_by_name: old.description });

    const forever = await created();
    const bounded = await send.rotateSelf(await callerFor(forever.token), { body: { expires_in_days: 7 } });
    expect(bounded.status).toBe(201);
    expect((bounded.body as Created).expires_at).not.toBeNull();
  });

  it.each([
    ['a later date', { expires_in_days: 60 }],
    ['never', { expires_at: null }],
  ])(
    'a token may not put its own expiry later (%s): 400 naming expires_at, and nothing changed',
    async (_, renewal) => {
      const old = await created({ expires_in_days: 30 });
      const caller = await callerFor(old.token);
      const item = await rawItem(old.id);
      const count = await itemCount();

      const answer = await send.rotateSelf(caller, { body: renewal });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: {
          code: 'invalid_request',
          field: 'expires_at',
          message: expect.stringMatching(/cannot extend/),
        },
      });
      expect(await rawItem(old.id)).toEqual(item);
      expect(await itemCount()).toBe(count);
      // An admin's rotation renews it.
      expect((await send.rotate(old.id, { body: renewal })).status).toBe(201);
    },
  );

  it('a caller that is not a token (IAM): 404, nothing written', async () => {
    const before = await itemCount();
    const event = apiEvent('POST', '/v1/tokens/self/rotate', { caller: {} });
    event.requestContext.identity.userArn = 'arn:aws:iam::123456789012:role/ops';

    const answer = await invoke(handlers.rotateSelf, event);

    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: 'not_found', field: 'authorization' } });
    expect(await itemCount()).toBe(before);
  });

  it('unknown fields: 400 naming the field', async () => {
    const old = await created();
    const answer = await send.rotateSelf(await callerFor(old.token), { body: { scopes: [] } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { field: 'scopes' } });
  });
});

describe('GET /v1/whoami', () => {
  it("answers the admin caller's own token object", async () => {
    const answer = await send.whoami(admin.caller);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: admin.id, kind: 'user', status: 'active' });
    expect(Object.keys(answer.body as object).sort()).toEqual(TOKEN_VIEW_KEYS);
  });

  it('answers any valid token, a service token without any native scope included', async () => {
    const service = await tokens.create(
      {
        kind: 'service',
        description: 'SCIM sync',
        userEmail: null,
        scopes: [{ scope: 'nameservice:read', resources: null }],
        expiresAt: null,
      },
      { type: 'token', id: admin.id },
    );
    const caller = await callerFor(service.token);

    const answer = await send.whoami(caller);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: service.record.id,
      kind: 'service',
      description: 'SCIM sync',
      scopes: [{ scope: 'nameservice:read', resources: null }],
      status: 'active',
    });
  });

  it('shows the use the authorizer recorded', async () => {
    const token = await created({ scopes: [{ scope: 'blocklist:read' }] });
    const caller = await callerFor(token.token);

    const answer = await send.whoami(caller);

    expect(answer.body).toMatchObject({ id: token.id, last_used_at: expect.any(String) });
  });
});

describe('GET /v1/scopes', () => {
  it('answers the catalogue of section 3: every scope, its resource type and what it grants', async () => {
    const answer = await send.scopes();

    expect(answer.status).toBe(200);
    const { scopes } = answer.body as {
      scopes: {
        name: string;
        resource_type: string | null;
        grants: string[];
        deprecated_by: string | null;
      }[];
    };
    expect(scopes.map((scope) => scope.name)).toEqual([...SCOPE_NAMES]);
    const byName = Object.fromEntries(scopes.map((scope) => [scope.name, scope]));
    expect(byName['repos:read']).toMatchObject({ resource_type: 'repos' });
    expect(byName['sources:write']).toMatchObject({ resource_type: 'sources' });
    expect(byName['sources:admin']).toMatchObject({ resource_type: 'sources' });
    expect(byName['metadata:read']).toMatchObject({ resource_type: null, deprecated_by: 'repos:read' });
    expect(byName['nameservice:read']?.grants).toEqual(['GET /nameservice/*']);
  });
});

describe('POST /v1/tokens/revoke (leaked tokens, no authentication)', () => {
  it('revokes a real token, attributed to the token itself, and answers 202 {}', async () => {
    const token = await created();

    const answer = await send.revokeLeaked({ tokens: [token.token] });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({});
    expect((await send.get(token.id)).body).toMatchObject({
      status: 'revoked',
      revoked_by: `token:${token.id}`,
    });
    await expect(verifier.verify(`Bearer ${token.token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('answers the same 202 {} for tokens that never existed', async () => {
    const answer = await send.revokeLeaked({ tokens: [mintToken().token, 'tg_garbage', 'hello'] });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({});
  });

  it('a forged token (real id, valid checksum, wrong secret) revokes nothing', async () => {
    const token = await created();
    const forged = mintToken(token.id).token;
    const item = await rawItem(token.id);

    const answer = await send.revokeLeaked({ tokens: [forged] });

    expect(answer.status).toBe(202);
    expect(await rawItem(token.id)).toEqual(item);
    expect((await send.get(token.id)).body).toMatchObject({ status: 'active' });
  });

  it('a token whose checksum is wrong revokes nothing, even if the rest is the real token', async () => {
    const token = await created();
    const last = token.token.at(-1) === 'A' ? 'B' : 'A';
    const mistyped = token.token.slice(0, -1) + last;

    await send.revokeLeaked({ tokens: [mistyped] });

    expect((await send.get(token.id)).body).toMatchObject({ status: 'active' });
  });

  it('malformed entries cost no read of the table', async () => {
    const log = watchDynamoRequests();
    const service = new TokenService({
      store: new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 }),
      keys: new FileKeyRingSource(keyFile),
    });
    const real = mintToken().token;

    await service.revokeLeaked([
      '',
      'tg_short',
      `${real}x`,
      real.slice(0, -1) + (real.at(-1) === '0' ? '1' : '0'),
    ]);
    log.stop();

    expect(log.sent).toEqual([]);
  });

  it(`answers 202 to ${MAX_LEAKED_TOKENS} tokens, revoking the real ones read before ${LEAK_REPORT_MISS_LIMIT} unknown ones and none after`, async () => {
    const real = await Promise.all(Array.from({ length: 4 }, () => created()));
    const unknown = Array.from({ length: MAX_LEAKED_TOKENS - real.length }, () => mintToken().token);
    const [late, ...early] = real;
    const list = [
      ...early.map((token) => token.token),
      ...unknown.slice(0, 500),
      late?.token as string,
      ...unknown.slice(500),
    ];

    const answer = await send.revokeLeaked({ tokens: list });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({});
    for (const token of early) {
      expect((await send.get(token.id)).body).toMatchObject({
        status: 'revoked',
        revoked_by: `token:${token.id}`,
      });
    }
    // Past the bound on forged tokens, the report reads no more: report a real token again, alone.
    expect((await send.get(late?.id as string)).body).toMatchObject({ status: 'active' });
  });

  it(`refuses ${MAX_LEAKED_TOKENS + 1} tokens with 400 naming tokens, revoking none`, async () => {
    const token = await created();
    const list = [token.token, ...Array.from({ length: MAX_LEAKED_TOKENS }, () => mintToken().token)];

    const answer = await send.revokeLeaked({ tokens: list });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'invalid_request', message: expect.any(String), field: 'tokens' },
    });
    expect((await send.get(token.id)).body).toMatchObject({ status: 'active' });
  });

  it.each([
    ['no tokens', 'tokens', { tokens: [] }],
    ['tokens missing', 'tokens', {}],
    ['tokens not a list', 'tokens', { tokens: 'tg_x' }],
    ['an entry that is not a string', 'tokens.0', { tokens: [42] }],
    ['an unknown field', 'reason', { tokens: ['x'], reason: 'leaked' }],
  ])('%s: 400 naming %s', async (_, field, body) => {
    const answer = await send.revokeLeaked(body);

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), field } });
  });

  it("a body over the route's limit: 413 naming the body", async () => {
    const huge = JSON.stringify({ tokens: ['x'.repeat(MAX_LEAKED_BODY_BYTES)] });

    const answer = await send.revokeLeaked(undefined, { rawBody: huge });

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: { code: 'payload_too_large', message: expect.any(String), field: 'body' },
    });
  });

  it('a token listed twice is revoked once', async () => {
    const token = await created();

    const answer = await send.revokeLeaked({ tokens: [token.token, token.token] });

    expect(answer.status).toBe(202);
    expect((await send.get(token.id)).body).toMatchObject({ status: 'revoked' });
  });

  it('an already revoked token keeps its first revocation', async () => {
    const token = await created();
    const first = (await send.revoke(token.id)).body as TokenView;

    await send.revokeLeaked({ tokens: [token.token] });

    expect((await send.get(token.id)).body).toMatchObject({
      revoked_at: first.revoked_at,
      revoked_by: `token:${admin.id}`,
    });
  });
});

describe('GET /v1/tokens query refusals: 400 naming the parameter', () => {
  it.each([
    ['status=x', { status: 'x' }, 'status'],
    ['expiration=soon', { expiration: 'soon' }, 'expiration'],
    ['kind=robot', { kind: 'robot' }, 'kind'],
    ['sort=x', { sort: 'x' }, 'sort'],
    ['limit=0', { limit: '0' }, 'limit'],
    ['limit=101', { limit: '101' }, 'limit'],
    ['limit=2.5', { limit: '2.5' }, 'limit'],
    ['limit=ten', { limit: 'ten' }, 'limit'],
    ['a cursor this API never made', { cursor: 'bm90IGEgY3Vyc29y' }, 'cursor'],
    ['an unknown parameter', { search: 'x' }, 'search'],
  ])('%s', async (_, query, field) => {
    const answer = await send.list(query);

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String), field } });
  });
});

describe('statuses are computed when read', () => {
  // Two tokens that expire in a minute; the clock is then moved to that minute's end, not waited for.
  let expiring: Created;
  let expiringThenRevoked: Created;
  let itemBefore: Record<string, unknown> | undefined;

  beforeAll(async () => {
    const soon = Date.now() + 60_000;
    [expiring, expiringThenRevoked] = await Promise.all([
      expiringIn(soon - Date.now(), uniqueName('expiring')),
      expiringIn(soon - Date.now(), uniqueName('expiring')),
    ]);
    const ends = [expiring, expiringThenRevoked].map((token) => Date.parse(token.expires_at as string));
    // The handlers and the verifier read this clock.
    vi.useFakeTimers({ toFake: ['Date'], now: Math.min(...ends) - 1 });
    expect((await send.get(expiring.id)).body).toMatchObject({ status: 'active' }); // up to its last millisecond
    itemBefore = await rawItem(expiring.id);
    vi.setSystemTime(Math.max(...ends));
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('a token becomes expired the moment expires_at passes, with no write', async () => {
    const token = expiring;

    const answer = await send.get(token.id);

    expect(answer.body).toMatchObject({ status: 'expired', revoked_at: null });
    expect(await listedIds('expired', token)).toEqual([token.id]);
    expect(await listedIds('active', token)).toEqual([]);
    expect(await rawItem(token.id)).toEqual(itemBefore);
    await expect(verifier.verify(`Bearer ${token.token}`)).rejects.toThrow(/expired/);
  });

  it('revoked wins over expired: an expired token that is revoked shows as revoked', async () => {
    const token = expiringThenRevoked;
    expect((await send.get(token.id)).body).toMatchObject({ status: 'expired' });

    const answer = await send.revoke(token.id);

    expect(answer.body).toMatchObject({ status: 'revoked' });
    expect((await send.get(token.id)).body).toMatchObject({ status: 'revoked' });
    expect(await listedIds('expired', token)).toEqual([]);
    expect(await listedIds('revoked', token)).toEqual([token.id]);
  });
});

describe('DELETE /__api__/v1/system/service-tokens/{guid} deletes service tokens only', () => {
  const remove = (guid: string) =>
    invoke(
      handlers.deleteService,
      apiEvent('DELETE', '/__api__/v1/system/service-tokens/{guid}', { params: { guid } }),
    );

  it('a native user token is not a service token: 404 naming guid, and it stays and works', async () => {
    const token = await created();
    const item = await rawItem(token.id);

    const answer = await remove(token.id);

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 6, error: expect.any(String), payload: { field: 'guid' } });
    expect(await rawItem(token.id)).toEqual(item);
    await expect(verifier.verify(`Bearer ${token.token}`)).resolves.toMatchObject({ tokenId: token.id });
    await verifier.settle();
  });

  it.each([
    ['an unknown guid', () => mintToken().id],
    ['a malformed guid', () => 'not-a-guid'],
  ])('%s: 404 naming guid', async (_, guid) => {
    const answer = await remove(guid());

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 6, error: expect.any(String), payload: { field: 'guid' } });
  });

  it('a service token is deleted: 204', async () => {
    const service = await tokens.create(
      {
        kind: 'service',
        description: 'to delete',
        userEmail: null,
        scopes: [{ scope: 'identity:manage', resources: null }],
        expiresAt: null,
      },
      { type: 'token', id: admin.id },
    );

    const answer = await remove(service.record.id);

    expect(answer.status).toBe(204);
    expect(await rawItem(service.record.id)).toBeUndefined();
  });

  it('30 concurrent DELETEs of one service token: each answers 204 or 404, never 409, and it is gone', async () => {
    const service = await tokens.create(
      {
        kind: 'service',
        description: 'deleted by many at once',
        userEmail: null,
        scopes: [{ scope: 'identity:manage', resources: null }],
        expiresAt: null,
      },
      { type: 'token', id: admin.id },
    );

    const answers = await Promise.all(Array.from({ length: 30 }, () => remove(service.record.id)));

    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.filter((status) => status !== 204 && status !== 404),
      statuses.join(' '),
    ).toEqual([]);
    expect(statuses).toContain(204);
    expect(await rawItem(service.record.id)).toBeUndefined();
    await expect(verifier.verify(`Bearer ${service.token}`)).rejects.toThrow(UnauthorizedError);
  });
});
