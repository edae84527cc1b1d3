// The OpenAPI document (shared/api/openapi.ts): OpenAPI 3.1 in shape, complete for the route table, and
// its request schemas in agreement with the parsers the handlers use: a request the document
// refuses is refused, and requests it accepts (short of rules JSON Schema cannot say, such as
// "in the future") are accepted.

import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parseCreateToken, parseListQuery, parseRevokeLeaked, parseUpdateToken } from '#api/native-tokens';
import { openApiDocument } from '#api/openapi';
import { parseServiceTokenCreate } from '#api/service-tokens';
import { ValidationError } from '#domain/errors';
import { usesTables } from '#spec/functions';
import { ROUTES, type Route } from '#spec/routes';
import { SCOPE_NAMES, scopeEntries } from '#spec/scopes';
import { lambdaContext, proxyEvent } from '#test-support/lambda-events';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Operation {
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<
    string,
    {
      description: string;
      headers?: Record<string, { required?: boolean; schema: Record<string, unknown> }>;
      content?: Record<string, { schema: Record<string, unknown> }>;
    }
  >;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const document = openApiDocument() as unknown as Document;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The parts of the OpenAPI 3.1 schema this document uses, as JSON Schema 2020-12. */
const OPENAPI_31_OUTLINE = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: {
      type: 'object',
      required: ['title', 'version'],
      properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' } },
    },
    security: { $ref: '#/$defs/security' },
    components: {
      type: 'object',
      properties: {
        securitySchemes: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['type'],
            properties: { type: { enum: ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'] } },
          },
        },
      },
    },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: HTTP_METHODS },
        additionalProperties: { $ref: '#/$defs/operation' },
      },
    },
  },
  $defs: {
    security: {
      type: 'array',
      items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    },
    content: {
      type: 'object',
      propertyNames: { pattern: '^[a-z]+/[a-z0-9.+-]+$' },
      additionalProperties: {
        type: 'object',
        required: ['schema'],
        properties: { schema: { type: 'object' } },
      },
    },
    operation: {
      type: 'object',
      required: ['responses'],
      additionalProperties: false,
      properties: {
        operationId: { type: 'string' },
        summary: { type: 'string' },
        security: { $ref: '#/$defs/security' },
        parameters: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'in', 'schema'],
            properties: {
              name: { type: 'string' },
              in: { enum: ['query', 'header', 'path', 'cookie'] },
              required: { type: 'boolean' },
              schema: { type: 'object' },
            },
            if: { properties: { in: { const: 'path' } } },
            // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
            then: { required: ['required'], properties: { required: { const: true } } },
          },
        },
        requestBody: {
          type: 'object',
          required: ['content'],
          properties: { required: { type: 'boolean' }, content: { $ref: '#/$defs/content' } },
        },
        responses: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^([1-5][0-9]{2}|[1-5]XX|default)$' },
          additionalProperties: {
            type: 'object',
            required: ['description'],
            properties: { description: { type: 'string' }, content: { $ref: '#/$defs/content' } },
          },
        },
      },
    },
  },
};

function newAjv(options: { coerceTypes?: boolean } = {}) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, ...options });
  addFormats(ajv);
  return ajv;
}

const ajv = newAjv();

function operations(): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(
      ([method, operation]) => [path, method, operation] as [string, string, Operation],
    ),
  );
}

function methodsOf(route: Route): string[] {
  return route.method === 'ANY' ? ['get', 'post', 'put', 'patch', 'delete'] : [route.method.toLowerCase()];
}

function operationOf(route: Route): Operation {
  const operation = document.paths[route.path.replace('{proxy+}', '{proxy}')]?.[methodsOf(route)[0] ?? ''];
  if (!operation) throw new Error(`No operation for ${route.method} ${route.path}`);
  return operation;
}

describe('the document', () => {
  it('has the outline of OpenAPI 3.1', () => {
    const validate = newAjv().compile(OPENAPI_31_OUTLINE);

    const valid = validate(document);

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('is plain JSON: it survives serialisation unchanged', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('has every route of the route table, with each of its methods, and nothing else', () => {
    const fromRoutes = ROUTES.flatMap((route) =>
      methodsOf(route).map((method) => `${method} ${route.path.replace('{proxy+}', '{proxy}')}`),
    );
    const documented = operations().map(([path, method]) => `${method} ${path}`);

    expect(documented.sort()).toEqual([...new Set(fromRoutes)].sort());
  });

  it('declares each path parameter of each path, as a required path parameter', () => {
    for (const [path, method, operation] of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
      expect(declared.map((parameter) => parameter.name).sort(), `${method} ${path}`).toEqual(inPath);
      for (const parameter of declared) expect(parameter.required).toBe(true);
    }
  });

  it('every schema in it is a valid JSON Schema 2020-12 (ajv compiles it in strict mode)', () => {
    let compiled = 0;
    for (const [path, method, operation] of operations()) {
      const schemas = [
        ...(operation.parameters ?? []).map((parameter) => parameter.schema),
        ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema),
        ...Object.values(operation.responses).flatMap((response) =>
          Object.values(response.content ?? {}).map((media) => media.schema),
        ),
      ];
      for (const schema of schemas) {
        expect(() => ajv.compile(schema), `${method} ${path}`).not.toThrow();
        compiled++;
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });

  it('public routes need no token; every other route needs the bearer token', () => {
    for (const route of ROUTES) {
      const operation = operationOf(route);
      if (route.access === 'public') expect(operation.security).toEqual([]);
      else expect(operation.security).toBeUndefined();
    }
    expect((openApiDocument() as { security: unknown }).security).toEqual([{ bearer: [] }]);
  });

  it('routes that need a token document 401 and 403; public ones do not', () => {
    for (const route of ROUTES) {
      const statuses = Object.keys(operationOf(route).responses);
      if (route.access === 'public') expect(statuses).not.toContain('401');
      else expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('every route whose function reads or writes DynamoDB documents 503 with Retry-After, and the answer of the error mapper to the database throttling matches it', async () => {
    const http = await import('#functions/commons/http');
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    const withTables = ROUTES.filter((route) => usesTables(route.fn.needs));
    expect(withTables.length).toBeGreaterThan(10);
    for (const route of ROUTES) {
      const documented = operationOf(route).responses['503'];
      const name = `${route.method} ${route.path}`;
      if (!usesTables(route.fn.needs)) {
        expect(documented, name).toBeUndefined();
        continue;
      }
      expect(documented?.headers?.['Retry-After'], name).toEqual({
        description: expect.any(String),
        required: true,
        schema: { type: 'integer', minimum: 0 },
      });
      const handler = http.httpHandler(
        route.fn.face,
        async () => {
          throw throttled;
        },
        route.fn.face === 'connect' ? { tokenCheck: { before: async () => {} } } : {},
      );
      const answer = await handler(proxyEvent('GET', '/x'), lambdaContext());
      expect(answer.statusCode, name).toBe(503);
      expect(Number(answer.headers?.['retry-after']), name).toBeGreaterThan(0);
      const schema = documented?.content?.['application/json']?.schema ?? { not: {} };
      const validate = ajv.compile(schema);
      expect(validate(JSON.parse(answer.body)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('a route without documentation fails the generation instead of going missing', () => {
    const undocumented: Route = { ...(ROUTES[0] as Route), method: 'PATCH', path: '/v1/undocumented' };

    expect(() => openApiDocument([...ROUTES, undocumented])).toThrow(/PATCH \/v1\/undocumented/);
  });
});

// ---- requests: the document against the parsers ----

function requestSchema(method: string, path: string): ValidateFunction {
  const schema = document.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`No request body for ${method} ${path}`);
  return ajv.compile(schema);
}

function accepts(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

const NOW = new Date();
const DAY = 86_400_000;
const future = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

const createDoc = requestSchema('post', '/v1/tokens');
const acceptsCreate = (body: unknown) => accepts(() => parseCreateToken(body, NOW));

describe('POST /v1/tokens: the request schema and the parser agree', () => {
  it.each([
    ['the least token', { description: 'd', scopes: [{ scope: 'global:admin' }] }],
    [
      'every field',
      {
        description: 'CI',
        user_email: 'ci@example.com',
        scopes: [
          { scope: 'repos:read', resources: ['cran', 'internal.pkgs'] },
          { scope: 'sources:write', resources: ['*'] },
          { scope: 'metadata:read' },
        ],
        expires_in_days: 3650,
      },
    ],
    [
      'an expiry date-time',
      { description: 'd', scopes: [{ scope: 'blocklist:read' }], expires_at: future(3) },
    ],
    [
      'explicit nulls',
      { description: 'd', scopes: [{ scope: 'identity:manage' }], user_email: null, expires_at: null },
    ],
    [
      '500 characters',
      { description: 'x'.repeat(500), scopes: [{ scope: 'sources:admin', resources: ['a-b_c.d'] }] },
    ],
  ])('%s: both accept', (_, body) => {
    expect(createDoc(body)).toBe(true);
    expect(acceptsCreate(body)).toBe(true);
  });

  const valid = { description: 'd', scopes: [{ scope: 'repos:read', resources: ['cran'] }] };
  it.each([
    ['no description', { scopes: valid.scopes }],
    ['an empty description', { ...valid, description: '' }],
    ['501 characters', { ...valid, description: 'y'.repeat(501) }],
    ['500 characters and a space around them', { ...valid, description: ` ${'y'.repeat(500)} ` }],
    ['a malformed email', { ...valid, user_email: 'me@' }],
    ['an unknown scope', { ...valid, scopes: [{ scope: 'repos:write' }] }],
    ['no scopes', { ...valid, scopes: [] }],
    ['an empty resource list', { ...valid, scopes: [{ scope: 'repos:read', resources: [] }] }],
    ['a resource name with a slash', { ...valid, scopes: [{ scope: 'repos:read', resources: ['a/b'] }] }],
    ['a resource name with a wildcard', { ...valid, scopes: [{ scope: 'repos:read', resources: ['a*'] }] }],
    [
      'a resource name of 101 characters',
      { ...valid, scopes: [{ scope: 'repos:read', resources: ['r'.repeat(101)] }] },
    ],
    ['expires_in_days 0', { ...valid, expires_in_days: 0 }],
    ['expires_in_days 1.5', { ...valid, expires_in_days: 1.5 }],
    ['expires_in_days 3651', { ...valid, expires_in_days: 3651 }],
    ['an unknown field', { ...valid, owner: 'x' }],
    ['an unknown field in a scope', { ...valid, scopes: [{ scope: 'blocklist:read', note: 'x' }] }],
  ])('%s: both refuse', (_, body) => {
    expect(createDoc(body)).toBe(false);
    expect(acceptsCreate(body)).toBe(false);
  });

  const resource = fc.oneof(
    fc.constantFrom(
      '*',
      'cran',
      'internal.pkgs',
      'a-b_c',
      'a/b',
      'a*',
      '',
      '.hidden',
      'r'.repeat(100),
      'r'.repeat(101),
    ),
    fc.string({ maxLength: 4 }),
  );
  const anyGrant = fc.record(
    {
      scope: fc.oneof(fc.constantFrom(...SCOPE_NAMES), fc.constantFrom('nope', 'REPOS:READ')),
      resources: fc.oneof(fc.array(resource, { maxLength: 3 }), fc.constant(null)),
      extra: fc.constant('x'),
    },
    { requiredKeys: ['scope'] },
  );
  // Mostly grants the parser takes, so that the other fields decide.
  const grant = fc.oneof(
    { arbitrary: fc.constantFrom({ scope: 'blocklist:read' }, { scope: 'global:admin' }), weight: 2 },
    {
      arbitrary: fc.record({
        scope: fc.constant('repos:read'),
        resources: fc.array(resource, { minLength: 1, maxLength: 2 }),
      }),
      weight: 2,
    },
    { arbitrary: anyGrant, weight: 1 },
  );
  const body = fc.record(
    {
      description: fc.oneof(
        fc.string({ maxLength: 6 }),
        fc.constantFrom(
          '',
          '   ',
          ' x ',
          'x'.repeat(500),
          ` ${'x'.repeat(499)} `,
          ` ${'x'.repeat(500)} `,
          'x'.repeat(501),
        ),
        fc.integer(),
      ),
      user_email: fc.constantFrom(
        null,
        'a@b.io',
        'A.B+c@sub.example.co.uk',
        "o'brien@example.com",
        'bad',
        'a@b',
        'x@y..z',
        'x@my-.io',
        'x@-my.io',
        '.x@example.com',
        'ü@example.com',
      ),
      scopes: fc.array(grant, { minLength: 1, maxLength: 2 }),
      expires_in_days: fc.oneof(fc.constantFrom(null, 0, 1, 3650, 3651, 1.5, '5'), fc.integer()),
      expires_at: fc.constantFrom(null, '', 'tomorrow', future(2), future(2).slice(0, 10)),
      extra: fc.constant(true),
    },
    { requiredKeys: ['scopes'] },
  );

  it('whatever the parser accepts, the document accepts: a body the document refuses is refused', () => {
    fc.assert(
      fc.property(body, (candidate) => {
        if (acceptsCreate(candidate)) expect(createDoc(candidate), JSON.stringify(candidate)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the other request bodies: the document refuses only what the parser refuses', () => {
  it.each([
    ['PATCH /v1/tokens/{id}', 'patch', '/v1/tokens/{id}', (b: unknown) => parseUpdateToken(b)],
    ['POST /v1/tokens/revoke', 'post', '/v1/tokens/revoke', (b: unknown) => parseRevokeLeaked(b)],
    [
      'POST /__api__/v1/system/service-tokens',
      'post',
      '/__api__/v1/system/service-tokens',
      (b: unknown) => parseServiceTokenCreate(b, NOW),
    ],
  ] as const)('%s', (_, method, path, parse) => {
    const validate = requestSchema(method, path);
    const value = fc.oneof(
      fc.constantFrom(
        null,
        '',
        ' x ',
        'a@b.io',
        'x@my-.io',
        'identity:manage',
        'nameservice:read',
        'global:admin',
      ),
      fc.constantFrom(future(1), 'tg_x', 'x'.repeat(201), 'x'.repeat(501)),
      fc.integer(),
      fc.array(fc.constantFrom('identity:manage', 'nameservice:read', 'tg_abc', 'x'.repeat(201), 7), {
        maxLength: 3,
      }),
    );
    const candidate = fc.dictionary(
      fc.constantFrom('user_email', 'tokens', 'name', 'scopes', 'expires_at', 'other'),
      value,
      { maxKeys: 4 },
    );

    fc.assert(
      fc.property(candidate, (body) => {
        if (accepts(() => parse(body))) expect(validate(body), JSON.stringify(body)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the bodies each route accepts, both accept', () => {
    expect(requestSchema('patch', '/v1/tokens/{id}')({ user_email: null })).toBe(true);
    expect(requestSchema('patch', '/v1/tokens/{id}')({ user_email: 'a@b.io' })).toBe(true);
    expect(requestSchema('post', '/v1/tokens/revoke')({ tokens: ['tg_anything'] })).toBe(true);
    expect(accepts(() => parseRevokeLeaked({ tokens: ['tg_anything'] }))).toBe(true);
    expect(requestSchema('post', '/v1/tokens/revoke')({ tokens: Array(1001).fill('x') })).toBe(false);
    expect(accepts(() => parseRevokeLeaked({ tokens: Array(1001).fill('x') }))).toBe(false);
  });
});

describe('GET /v1/tokens: the query parameters and the parser agree', () => {
  const parameters = document.paths['/v1/tokens']?.get?.parameters ?? [];
  // Query strings are strings: the document's integer `limit` is validated as the number it reads.
  const validate = newAjv({ coerceTypes: true }).compile({
    type: 'object',
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
    additionalProperties: false,
  });
  const docAccepts = (query: Record<string, string>) => validate({ ...query });
  const parserAccepts = (query: Record<string, string>) => accepts(() => parseListQuery(query));

  it.each<Record<string, string>>([
    {},
    { status: 'active' },
    { status: 'revoked', expiration: 'has_expiration', kind: 'service', sort: 'name_desc' },
    { q: 'deploy', limit: '100' },
    { limit: '1', sort: 'oldest', expiration: 'never' },
  ])('%o: both accept', (query) => {
    expect(docAccepts(query)).toBe(true);
    expect(parserAccepts(query)).toBe(true);
  });

  it.each<Record<string, string>>([
    { status: 'x' },
    { expiration: 'soon' },
    { kind: 'robot' },
    { sort: 'x' },
    { limit: '0' },
    { limit: '101' },
    { limit: '2.5' },
    { limit: 'ten' },
    { q: 'q'.repeat(201) },
    { search: 'x' },
  ])('%o: both refuse', (query) => {
    expect(docAccepts(query)).toBe(false);
    expect(parserAccepts(query)).toBe(false);
  });
});

describe("the document for a deployment's own catalogue", () => {
  const ORDERS = scopeEntries({
    'orders:read': {
      label: 'Orders: Read',
      resources: true,
      grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
    },
    'reports:read': {
      label: 'Reports: Read',
      resources: false,
      grants: [{ methods: ['GET'], path: '/reports/*' }],
    },
  });
  const bodyOf = (document: Record<string, unknown>, path: string) =>
    JSON.stringify((document.paths as Record<string, { post: unknown }>)[path]?.post);

  it("names the catalogue's scopes in the request bodies' enums, and not the default's", () => {
    const document = openApiDocument(ROUTES, ORDERS);
    const create = bodyOf(document, '/v1/tokens');
    expect(create).toContain('"enum":["global:admin","orders:read","reports:read"]');
    expect(create).not.toContain('repos:read');
    expect(bodyOf(document, '/__api__/v1/system/service-tokens')).toContain('"enum":["reports:read"]');
    expect(bodyOf(openApiDocument(), '/v1/tokens')).toContain('repos:read');
  });
});
