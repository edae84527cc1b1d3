// The OpenAPI 3.1 document of the whole HTTP API, generated from the route table and from the same
// zod schemas that validate the requests. Nothing here restates a field.
import * as z from 'zod/mini';
import { databaseBusy } from '#domain/errors';
import { checksOwnToken, usesTables } from '#spec/functions';
import { ROUTES, type Route } from '#spec/routes';
import { DEFAULT_SCOPE_ENTRIES, type ScopeEntry } from '#spec/scopes';
import { auditQuerySchema } from './audit-query';
import {
  createTokenSchema,
  createTokenSchemaFor,
  listTokensQuerySchema,
  revokeLeakedSchema,
  rotateTokenSchema,
  tokenUsageQuerySchema,
  updateTokenSchema,
} from './native-tokens';
import {
  auditPageSchema,
  connectErrorSchema,
  createdServiceTokenSchema,
  createdTokenSchema,
  echoSchema,
  emptySchema,
  nativeErrorSchema,
  openApiDocumentSchema,
  rotatedTokenSchema,
  scopeCatalogueSchema,
  serviceTokenSchema,
  serviceTokenScopesSchema,
  tokenPageSchema,
  tokenUsageSchema,
  tokenViewSchema,
} from './responses';
import { serviceTokenCreateSchema, serviceTokenCreateSchemaFor } from './service-tokens';

interface OperationDoc {
  summary: string;
  body?: z.core.$ZodType;
  /** The body may be left out altogether. */
  bodyOptional?: boolean;
  query?: z.core.$ZodObject;
  /** Success responses; error responses are added from the route's access and face. */
  responses: Record<number, { description: string; schema?: z.core.$ZodType }>;
  /** When a route without a path parameter can answer 404 all the same. */
  notFound?: string;
  /** When the route answers 409: the state of the token forbids it. */
  conflict?: string;
  /** When the route answers 429 of its own (with `Retry-After`), besides a stage throttle. */
  tooManyRequests?: string;
}

const ROTATED =
  'Created: the new token, with `rotated_from`, and `token` (shown only here). The old token works until ' +
  'the earlier of its own expires_at and now + grace_seconds, and carries `rotated_to`; behind the ' +
  'authorizer cache it is accepted until `previous_accepted_until`. A grace_seconds from 1 to the cache TTL ' +
  'plus 1 s would give it no time at all and is refused (400, naming the smallest grace that does)';
const NOT_ROTATABLE =
  'The token is revoked, expired or rotated already (or another rotation won); nothing changed';

/** Documentation of each route, keyed `METHOD path` as in the route table. */
export const OPERATIONS: Record<string, OperationDoc> = {
  'POST /__api__/v1/system/service-tokens': {
    summary: 'Create a service token (Posit Connect compatible)',
    body: serviceTokenCreateSchema,
    responses: {
      201: { description: 'Created; `key` is shown only here', schema: createdServiceTokenSchema },
    },
  },
  'GET /__api__/v1/system/service-tokens': {
    summary: 'List the service tokens that still work',
    responses: { 200: { description: 'Service tokens, newest first', schema: z.array(serviceTokenSchema) } },
  },
  'GET /__api__/v1/system/service-tokens/scopes': {
    summary: 'List the scopes a service token can have',
    responses: { 200: { description: 'Scopes', schema: serviceTokenScopesSchema } },
  },
  'DELETE /__api__/v1/system/service-tokens/{guid}': {
    summary: 'Delete a service token: it stops working',
    responses: { 204: { description: 'Deleted' } },
  },
  'POST /v1/tokens': {
    summary: 'Create a token',
    body: createTokenSchema,
    responses: { 201: { description: 'Created; `token` is shown only here', schema: createdTokenSchema } },
  },
  'GET /v1/tokens': {
    summary: 'List tokens: active ones first, then revoked and expired',
    query: listTokensQuerySchema,
    responses: { 200: { description: 'A page of tokens', schema: tokenPageSchema } },
  },
  'GET /v1/tokens/{id}': {
    summary: 'Get a token',
    responses: { 200: { description: 'The token', schema: tokenViewSchema } },
  },
  'GET /v1/tokens/{id}/usage': {
    summary:
      'Requests that carried a token, per UTC day, counted from the access log (a cached authorizer answer counts too), at most a minute behind',
    query: tokenUsageQuerySchema,
    responses: { 200: { description: "The token's usage", schema: tokenUsageSchema } },
  },
  'PATCH /v1/tokens/{id}': {
    summary: 'Edit a token: set or clear its user email, set its description (at least one of them)',
    body: updateTokenSchema,
    responses: { 200: { description: 'The updated token', schema: tokenViewSchema } },
  },
  'POST /v1/tokens/{id}/revoke': {
    summary: 'Revoke a token, permanently (a second revoke changes nothing)',
    responses: { 200: { description: 'The revoked token', schema: tokenViewSchema } },
  },
  'POST /v1/tokens/{id}/rotate': {
    summary:
      'Rotate a token: a new one with the same kind, description, user email, scopes and expiry (or the expiry the body gives: a renewal); the old one keeps working for the grace',
    body: rotateTokenSchema,
    bodyOptional: true,
    responses: { 201: { description: ROTATED, schema: rotatedTokenSchema } },
    conflict: NOT_ROTATABLE,
  },
  'POST /v1/tokens/self/rotate': {
    summary:
      'Rotate the calling token itself (any valid token, no admin scope): its successor can do no more, for no longer (a new expiry may come sooner, never later)',
    body: rotateTokenSchema,
    bodyOptional: true,
    responses: { 201: { description: ROTATED, schema: rotatedTokenSchema } },
    notFound: 'The calling token is gone: deleted after the authorizer let it in, or not a token at all',
    conflict: NOT_ROTATABLE,
    tooManyRequests:
      'The calling token was itself minted by self-rotation less than an hour ago: `Retry-After` says in how many seconds it may rotate itself',
  },
  'POST /v1/tokens/revoke': {
    summary: 'Revoke leaked tokens: no authentication, holding the token is enough',
    body: revokeLeakedSchema,
    responses: { 202: { description: 'Accepted, whether or not each token existed', schema: emptySchema } },
  },
  'GET /v1/whoami': {
    summary: "The calling token's own token object",
    responses: { 200: { description: 'The caller', schema: tokenViewSchema } },
    notFound: 'The calling token is gone: deleted after the authorizer let it in, or not a token at all',
  },
  'GET /v1/audit': {
    summary: 'Audit events, newest first: by token, actor, type and time range',
    query: auditQuerySchema,
    responses: { 200: { description: 'A page of audit events', schema: auditPageSchema } },
  },
  'GET /v1/scopes': {
    summary: 'The scope catalogue',
    responses: { 200: { description: 'Scopes', schema: scopeCatalogueSchema } },
  },
  'GET /openapi.json': {
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: openApiDocumentSchema } },
  },
};

const ECHO: OperationDoc = {
  summary: 'Example protected API: echoes what the authorizer passed on',
  responses: { 200: { description: 'The caller as the backend sees it', schema: echoSchema } },
};

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function content(schema: z.core.$ZodType, io: 'input' | 'output') {
  return { 'application/json': { schema: jsonSchema(schema, io) } };
}

function errorResponses(route: Route, doc: OperationDoc) {
  const schema = route.fn.face === 'connect' ? connectErrorSchema : nativeErrorSchema;
  const gateway = { 'application/json': { schema: jsonSchema(nativeErrorSchema, 'output') } };
  const responses: Record<string, unknown> = {
    400: {
      description: 'Bad input: the error names the field; nothing changed',
      content: content(schema, 'output'),
    },
  };
  if (route.access !== 'public') {
    // API Gateway's own refusals, but from a function that checks its own token: in its shape.
    const refusal = checksOwnToken(route.fn) ? content(schema, 'output') : gateway;
    responses[401] = {
      description: 'Missing, malformed, unknown, revoked or expired token',
      content: refusal,
    };
    responses[403] = { description: 'The token lacks the scope', content: refusal };
  }
  if (route.path.includes('{') && route.access !== 'scoped') {
    responses[404] = { description: 'Unknown id', content: content(schema, 'output') };
  } else if (doc.notFound) {
    responses[404] = { description: doc.notFound, content: content(schema, 'output') };
  }
  if (doc.conflict) {
    responses[409] = { description: doc.conflict, content: content(schema, 'output') };
  }
  if (doc.body) {
    responses[413] = { description: 'The request body is too large', content: content(schema, 'output') };
    responses[415] = { description: 'The request body is not JSON', content: content(schema, 'output') };
  }
  if (doc.tooManyRequests) {
    responses[429] = {
      description: doc.tooManyRequests,
      headers: RETRY_AFTER,
      content: content(schema, 'output'),
    };
  } else if (route.throttle) {
    responses[429] = { description: 'Too many requests: slow down and try again', content: gateway };
  }
  if (usesTables(route.fn.needs)) {
    // Described from the very error the functions answer with when the database throttles.
    const busy = databaseBusy();
    responses[busy.statusCode] = {
      description: `${busy.message} (\`${busy.code}\`): DynamoDB throttled past its retries; nothing changed, and \`Retry-After\` (${busy.retryAfterSeconds} s) says when to send it again`,
      headers: RETRY_AFTER,
      content: content(schema, 'output'),
    };
  }
  return responses;
}

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
};

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * A stable operationId from the route table: the function's name (`CreateToken` → `createToken`),
 * and, for a function that serves more than one route or method (the example protected API), the
 * method and the fixed words of the path too (`protectedEchoGetScimV2`).
 */
export function operationIdOf(route: Route, method: string, routes: readonly Route[] = ROUTES): string {
  const base = route.fn.name.charAt(0).toLowerCase() + route.fn.name.slice(1);
  const shared = route.method === 'ANY' || routes.filter((other) => other.fn === route.fn).length > 1;
  if (!shared) return base;
  const words = route.path
    .split(/[^A-Za-z0-9{}+]+/)
    .filter((word) => word !== '' && !word.startsWith('{'))
    .map((word) => capitalised(word.toLowerCase()));
  return [base, capitalised(method.toLowerCase()), ...words].join('');
}

function operation(route: Route, method: string, doc: OperationDoc, routes: readonly Route[]) {
  const pathParams = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
  const queryShape = doc.query ? doc.query._zod.def.shape : {};
  const parameters = [
    ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...Object.entries(queryShape).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema: jsonSchema(schema, 'input'),
    })),
  ];
  return {
    operationId: operationIdOf(route, method, routes),
    summary: doc.summary,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 && { parameters }),
    ...(doc.body && {
      requestBody: { required: doc.bodyOptional !== true, content: content(doc.body, 'input') },
    }),
    responses: {
      ...Object.fromEntries(
        Object.entries(doc.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema && { content: content(response.schema, 'output') }),
          },
        ]),
      ),
      ...errorResponses(route, doc),
    },
  };
}

/** The operations whose request bodies name scopes, with the deployment's catalogue in their enums. */
function operationsFor(entries: readonly ScopeEntry[]): Record<string, OperationDoc> {
  if (entries === DEFAULT_SCOPE_ENTRIES) return OPERATIONS;
  const withBody = (key: string, body: z.ZodMiniType): [string, OperationDoc] => [
    key,
    { ...(OPERATIONS[key] as OperationDoc), body },
  ];
  return {
    ...OPERATIONS,
    ...Object.fromEntries([
      withBody('POST /__api__/v1/system/service-tokens', serviceTokenCreateSchemaFor(entries)),
      withBody('POST /v1/tokens', createTokenSchemaFor(entries)),
    ]),
  };
}

/**
 * The document, for the deployment's scope catalogue; throws if a route has no documentation, so
 * the two cannot drift apart.
 */
export function openApiDocument(
  routes: readonly Route[] = ROUTES,
  entries: readonly ScopeEntry[] = DEFAULT_SCOPE_ENTRIES,
): Record<string, unknown> {
  const operations = operationsFor(entries);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const doc = route.access === 'scoped' ? ECHO : operations[key];
    if (!doc) throw new Error(`Route ${key} has no OpenAPI documentation in shared/api/openapi.ts`);
    const path = route.path.replace('{proxy+}', '{proxy}');
    paths[path] ??= {};
    const methods = route.method === 'ANY' ? HTTP_METHODS : [route.method.toLowerCase()];
    for (const method of methods) paths[path][method] = operation(route, method, doc, routes);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tokengate',
      version: '1',
      description: 'Scoped API tokens. Send a token as `Authorization: Bearer <token>` (or `Key <token>`).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: '/',
        description:
          'The origin that serves this document: the deployed API, or the local stack (http://127.0.0.1:8787 by default)',
      },
    ],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A tokengate token (tg_...)' },
      },
    },
    paths,
  };
}
