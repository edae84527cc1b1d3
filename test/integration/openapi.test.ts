// The OpenAPI document as GET /openapi.json serves it, checked against what the handlers really
// answer: every route's success and error responses validate against the document's schema for
// that status (ajv, JSON Schema 2020-12), and an undocumented status fails.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoClient } from '#adapters/clients';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { ensureTables } from '#local/dynamodb-local';
import { checksOwnToken } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES, type Route } from '#spec/routes';
import { AUDIT_TABLE } from '#spec/tables';
import { freshTokensTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-openapi-'));
const keyFile = join(dir, 'keys.json');

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

/** Every route's handler, loaded from the entry the route table names, as Lambda loads it. */
const handlers = new Map<string, Handler>();
let document: Document;
let tokens: TokenService;
/** An admin token's Authorization header, for the functions that check the token themselves. */
let adminAuthorization: string;

beforeAll(async () => {
  FileKeyRingSource.ensure(keyFile);
  const table = await freshTokensTable();
  const auditTable = `audit-${randomUUID()}`;
  const admin = dynamoClient(testEndpoint());
  await ensureTables(admin, [{ definition: AUDIT_TABLE, name: auditTable }]);
  admin.destroy();
  useLocalHandlerEnv({ keyFile, tokensTable: table, auditTable });
  vi.resetModules();
  for (const entry of new Set(ROUTES.map((route) => route.fn.entry))) {
    const module = (await import(/* @vite-ignore */ `../../${entry}`)) as { handler: Handler };
    handlers.set(entry, module.handler);
  }
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
  adminAuthorization = `Bearer ${(await tokens.bootstrapAdmin({ type: 'system', id: 'openapi' })).token}`;
  const served = await call('GET', '/openapi.json', { caller: null });
  expect(served.statusCode).toBe(200);
  document = JSON.parse(served.body) as Document;
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

function routeOf(method: string, resource: string): Route {
  const route = ROUTES.find(
    (candidate) => candidate.path === resource && (candidate.method === method || candidate.method === 'ANY'),
  );
  if (!route) throw new Error(`No route ${method} ${resource}`);
  return route;
}

interface Call {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
  caller?: Record<string, string> | null;
}

/** Invokes the handler of `method resource` with a REST proxy event, as API Gateway would. */
async function call(method: string, resource: string, options: Call = {}): Promise<APIGatewayProxyResult> {
  const route = routeOf(method, resource);
  const handler = handlers.get(route.fn.entry);
  if (!handler) throw new Error(`No handler for ${route.fn.entry}`);
  const path = resource.replace(/\{(\w+)\+?\}/g, (_, name: string) => options.params?.[name] ?? '');
  const body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  const headers = options.headers ?? (body === null ? {} : { 'Content-Type': 'application/json' });
  // No authorizer in front of these: the admin's header stands for the admin caller.
  const ownCheck = checksOwnToken(route.fn) && options.caller === undefined;
  const event = proxyEvent(method, path, {
    body,
    headers: ownCheck ? { ...headers, Authorization: adminAuthorization } : headers,
    pathParameters: options.params ?? null,
    authorizer: options.caller === undefined ? adminAuthorizerContext() : options.caller,
  });
  return handler(
    {
      ...event,
      resource,
      queryStringParameters: options.query ?? null,
      requestContext: { ...event.requestContext, resourcePath: resource },
    },
    lambdaContext(),
  );
}

/** The document's operation for a route table entry: `{proxy+}` is `{proxy}` there. */
function operationOf(method: string, resource: string): Operation {
  const operation = document.paths[resource.replace('{proxy+}', '{proxy}')]?.[method.toLowerCase()];
  if (!operation) throw new Error(`The document has no ${method} ${resource}`);
  return operation;
}

/** Fails unless the document lists this status for the operation and the body fits its schema. */
function expectDocumented(method: string, resource: string, result: { statusCode: number; body: string }) {
  const { responses } = operationOf(method, resource);
  expect(
    Object.keys(responses),
    `${method} ${resource} answered ${result.statusCode}, which the document does not list`,
  ).toContain(String(result.statusCode));
  const documented = responses[String(result.statusCode)];
  const schema = documented?.content?.['application/json']?.schema;
  if (!schema) {
    expect(
      result.body,
      `${method} ${resource} ${result.statusCode} has a body the document does not describe`,
    ).toBe('');
    return;
  }
  const validate = ajv.compile(schema);
  const valid = validate(JSON.parse(result.body));
  expect(validate.errors ?? [], `${method} ${resource} ${result.statusCode}: ${result.body}`).toEqual([]);
  expect(valid).toBe(true);
}

async function answered(
  method: string,
  resource: string,
  options: Call,
  status: number,
): Promise<APIGatewayProxyResult> {
  const result = await call(method, resource, options);
  expect(result.statusCode, result.body).toBe(status);
  expectDocumented(method, resource, result);
  return result;
}

async function newToken(kind: 'user' | 'service' = 'user') {
  return tokens.create(
    {
      kind,
      description: `a ${kind} token`,
      userEmail: kind === 'user' ? 'someone@example.com' : null,
      scopes: [{ scope: kind === 'user' ? 'blocklist:read' : 'identity:manage', resources: null }],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
    { type: 'token', id: 'AdminTokenId0001' },
  );
}

const TOKEN_BODY = { description: 'docs', scopes: [{ scope: 'repos:read', resources: ['cran'] }] };
const SERVICE_BODY = { name: 'docs', scopes: ['identity:manage'] };
const TOO_LARGE = JSON.stringify({ description: 'x'.repeat(300 * 1024) });
const NOT_JSON = { rawBody: 'x', headers: { 'Content-Type': 'text/plain' } };

describe('the served document', () => {
  it('is OpenAPI 3.1 JSON with every route of the route table and each of its methods', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const methods =
        route.method === 'ANY' ? ['get', 'post', 'put', 'patch', 'delete'] : [route.method.toLowerCase()];
      for (const method of methods) expect(() => operationOf(method, route.path)).not.toThrow();
    }
  });

  it('answers with a JSON content type, cacheable by nobody', async () => {
    const result = await call('GET', '/openapi.json', { caller: null });

    expect(result.headers).toMatchObject({ 'content-type': 'application/json' });
  });
});

describe('responses of every route validate against the document', () => {
  it('POST /__api__/v1/system/service-tokens: 201, 400, 413, 415', async () => {
    const path = '/__api__/v1/system/service-tokens';
    await answered('POST', path, { body: SERVICE_BODY }, 201);
    await answered('POST', path, { body: { ...SERVICE_BODY, scopes: ['global:admin'] } }, 400);
    await answered(
      'POST',
      path,
      { rawBody: TOO_LARGE, headers: { 'Content-Type': 'application/json' } },
      413,
    );
    await answered('POST', path, NOT_JSON, 415);
  });

  it('GET /__api__/v1/system/service-tokens: 200', async () => {
    await newToken('service');

    const result = await answered('GET', '/__api__/v1/system/service-tokens', {}, 200);

    expect(JSON.parse(result.body)).not.toEqual([]);
  });

  it('GET /__api__/v1/system/service-tokens/scopes: 200', async () => {
    await answered('GET', '/__api__/v1/system/service-tokens/scopes', {}, 200);
  });

  it('DELETE /__api__/v1/system/service-tokens/{guid}: 204, 404', async () => {
    const path = '/__api__/v1/system/service-tokens/{guid}';
    const service = await newToken('service');
    const user = await newToken('user');

    await answered('DELETE', path, { params: { guid: service.record.id } }, 204);
    await answered('DELETE', path, { params: { guid: service.record.id } }, 404);
    await answered('DELETE', path, { params: { guid: user.record.id } }, 404);
    await answered('DELETE', path, { params: { guid: 'bad' } }, 404);
  });

  it('POST /v1/tokens: 201 (with and without warnings), 400, 413, 415', async () => {
    await answered('POST', '/v1/tokens', { body: TOKEN_BODY }, 201);
    const warned = await answered(
      'POST',
      '/v1/tokens',
      {
        body: {
          ...TOKEN_BODY,
          scopes: [{ scope: 'metadata:read' }],
          expires_in_days: 2,
          user_email: 'a@b.io',
        },
      },
      201,
    );
    expect(JSON.parse(warned.body)).toHaveProperty('warnings');
    await answered('POST', '/v1/tokens', { body: { ...TOKEN_BODY, expires_in_days: 0 } }, 400);
    await answered(
      'POST',
      '/v1/tokens',
      { rawBody: '{', headers: { 'Content-Type': 'application/json' } },
      400,
    );
    await answered(
      'POST',
      '/v1/tokens',
      { rawBody: TOO_LARGE, headers: { 'Content-Type': 'application/json' } },
      413,
    );
    await answered('POST', '/v1/tokens', NOT_JSON, 415);
  });

  it('GET /v1/tokens: 200 (a page with a cursor, the last page without), 400', async () => {
    await newToken();
    const revoked = await newToken();
    await tokens.revoke(revoked.record.id, { type: 'token', id: 'AdminTokenId0001' });

    const first = await answered('GET', '/v1/tokens', { query: { limit: '1' } }, 200);
    const { next_cursor: cursor } = JSON.parse(first.body) as { next_cursor: string | null };
    expect(cursor).not.toBeNull();
    await answered('GET', '/v1/tokens', { query: { status: 'revoked' } }, 200);
    await answered('GET', '/v1/tokens', { query: { limit: '1', cursor: cursor ?? '' } }, 200);
    await answered('GET', '/v1/tokens', { query: { sort: 'sideways' } }, 400);
  });

  it('GET /v1/tokens/{id}: 200 (active and revoked), 404', async () => {
    const token = await newToken();
    await answered('GET', '/v1/tokens/{id}', { params: { id: token.record.id } }, 200);
    await tokens.revoke(token.record.id, { type: 'token', id: 'AdminTokenId0001' });
    await answered('GET', '/v1/tokens/{id}', { params: { id: token.record.id } }, 200);
    await answered('GET', '/v1/tokens/{id}', { params: { id: mintToken().id } }, 404);
  });

  it('PATCH /v1/tokens/{id}: 200, 400, 404, 413, 415', async () => {
    const path = '/v1/tokens/{id}';
    const id = (await newToken()).record.id;
    await answered('PATCH', path, { params: { id }, body: { user_email: 'new@example.com' } }, 200);
    await answered('PATCH', path, { params: { id }, body: { user_email: null } }, 200);
    await answered('PATCH', path, { params: { id }, body: { user_email: 'x' } }, 400);
    await answered('PATCH', path, { params: { id: mintToken().id }, body: { user_email: null } }, 404);
    await answered(
      'PATCH',
      path,
      { params: { id }, rawBody: TOO_LARGE, headers: { 'Content-Type': 'application/json' } },
      413,
    );
    await answered('PATCH', path, { params: { id }, ...NOT_JSON }, 415);
  });

  it('POST /v1/tokens/{id}/revoke: 200, 404', async () => {
    const id = (await newToken()).record.id;
    await answered('POST', '/v1/tokens/{id}/revoke', { params: { id } }, 200);
    await answered('POST', '/v1/tokens/{id}/revoke', { params: { id: 'nope' } }, 404);
  });

  it('POST /v1/tokens/revoke: 202, 400, 413, 415', async () => {
    const real = await newToken();
    const path = '/v1/tokens/revoke';
    await answered('POST', path, { caller: null, body: { tokens: [real.token, 'junk'] } }, 202);
    await answered('POST', path, { caller: null, body: { tokens: [] } }, 400);
    await answered(
      'POST',
      path,
      { caller: null, rawBody: 'x'.repeat(1024 * 1024), headers: { 'Content-Type': 'application/json' } },
      413,
    );
    await answered('POST', path, { caller: null, ...NOT_JSON }, 415);
  });

  it('GET /v1/whoami: 200 for a user and a service token, 404 for a caller that is no token', async () => {
    for (const kind of ['user', 'service'] as const) {
      const { record } = await newToken(kind);
      await answered('GET', '/v1/whoami', { caller: adminAuthorizerContext(record.id) }, 200);
    }
    await answered('GET', '/v1/whoami', { caller: adminAuthorizerContext(mintToken().id) }, 404);
  });

  it('GET /v1/audit: 200, 400', async () => {
    await answered('GET', '/v1/audit', {}, 200);
    await answered('GET', '/v1/audit', { query: { limit: '0' } }, 400);
  });

  it('GET /v1/scopes: 200', async () => {
    await answered('GET', '/v1/scopes', {}, 200);
  });

  it('GET /openapi.json: 200', async () => {
    await answered('GET', '/openapi.json', { caller: null }, 200);
  });

  it.each(ROUTES.filter((route) => route.access === 'scoped').map((route) => [route.path] as const))(
    '%s, the example protected API, answers every method as documented',
    async (resource) => {
      const caller = adminAuthorizerContext();
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        await answered(method, resource, { caller, params: { proxy: 'a/b' } }, 200);
      }
    },
  );
});

describe("API Gateway's own refusals validate against the document", () => {
  it.each(
    ROUTES.filter((route) => route.access !== 'public').map((route) => [route.method, route.path] as const),
  )('%s %s: 401 and 403 bodies', (method, resource) => {
    const operationMethod = method === 'ANY' ? 'GET' : method;
    for (const status of [401, 403] as const) {
      const { message } = GATEWAY_RESPONSES[status].error;
      // A function that checks its own token refuses with the same words, in its own error shape.
      const body = checksOwnToken(routeOf(operationMethod, resource).fn)
        ? { code: status === 401 ? 4 : 5, error: message, payload: null }
        : GATEWAY_RESPONSES[status];
      expectDocumented(operationMethod, resource, { statusCode: status, body: JSON.stringify(body) });
    }
  });

  it.each(
    ROUTES.filter((route) => checksOwnToken(route.fn)).map((route) => [route.method, route.path] as const),
  )('%s %s, which checks its own token: its real 401 and 403 answers', async (method, resource) => {
    const params = resource.includes('{guid}') ? { guid: 'UnknownTokenId01' } : undefined;
    const refused = await call(method, resource, { caller: null, params, headers: {} });
    expect(refused.statusCode).toBe(401);
    expectDocumented(method, resource, refused);
    const { token } = await tokens.create(
      {
        kind: 'user',
        description: 'not an admin',
        userEmail: null,
        scopes: [{ scope: 'identity:manage', resources: null }],
        expiresAt: null,
      },
      { type: 'system', id: 'openapi' },
    );
    const forbidden = await call(method, resource, {
      caller: null,
      params,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(forbidden.statusCode).toBe(403);
    expectDocumented(method, resource, forbidden);
  });

  it.each(ROUTES.filter((route) => route.throttle).map((route) => [route.method, route.path] as const))(
    '%s %s, throttled: the 429 body',
    (method, resource) => {
      expectDocumented(method, resource, { statusCode: 429, body: JSON.stringify(GATEWAY_RESPONSES[429]) });
    },
  );
});
