// How domain errors become HTTP responses, in each face's error shape.
import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsServiceError } from '#aws/json-client';
import {
  ConflictError,
  type DomainError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#domain/errors';
import type { ErrorBodyShape } from '#spec/functions';
import { lambdaContext, proxyEvent } from '#test-support/lambda-events';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

let http: typeof import('#functions/commons/http');
beforeAll(async () => {
  http = await import('#functions/commons/http');
});

/**
 * For a face whose functions check the token themselves (Connect), a stand-in check that lets every
 * request through: these tests are about what comes after it.
 */
const passing = (face: ErrorBodyShape) =>
  face === 'connect' ? { tokenCheck: { before: async () => {} } } : {};

/** Invokes a handler that fails with `error`, and returns the response the error became. */
async function responseTo(face: ErrorBodyShape, error: unknown) {
  const handler = http.httpHandler(
    face,
    async () => {
      throw error;
    },
    passing(face),
  );
  const result = await handler(proxyEvent('POST', '/x'), lambdaContext());
  return { statusCode: result.statusCode, headers: result.headers, body: JSON.parse(result.body) as unknown };
}

const jsonPost = (body: string, contentType = 'application/json') =>
  proxyEvent('POST', '/x', { body, headers: { 'Content-Type': contentType } });

describe('error mapping', () => {
  it('Connect face: {code, error, payload:{field}} for an error naming a field', async () => {
    const response = await responseTo('connect', new ValidationError('name is required', 'name'));

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({ code: 3, error: 'name is required', payload: { field: 'name' } });
    expect(response.headers?.['content-type']).toBe('application/json');
  });

  it('Connect face: payload null when no field is at fault', async () => {
    const response = await responseTo('connect', new NotFoundError('No token with id x'));

    expect(response.body).toEqual({ code: 6, error: 'No token with id x', payload: null });
  });

  it('native face: {error:{code, message, field}}', async () => {
    const response = await responseTo(
      'native',
      new ValidationError('description is required', 'description'),
    );

    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'invalid_request', message: 'description is required', field: 'description' },
    });
  });

  it('native face: no field key when no field is at fault', async () => {
    const response = await responseTo('native', new ConflictError('It changed'));

    expect(response.body).toEqual({ error: { code: 'conflict', message: 'It changed' } });
  });

  it.each([
    [new ValidationError('v'), 400, 'invalid_request', 3],
    [new UnauthorizedError(), 401, 'unauthorized', 4],
    [new ForbiddenError(), 403, 'forbidden', 5],
    [new NotFoundError('n'), 404, 'not_found', 6],
    [new ConflictError('c'), 409, 'conflict', 7],
    [new PayloadTooLargeError('p'), 413, 'payload_too_large', 8],
    [new UnsupportedMediaTypeError('u'), 415, 'unsupported_media_type', 9],
    [new TooManyRequestsError('t'), 429, 'too_many_requests', 10],
  ] as [DomainError, number, string, number][])(
    '%s → %i, native code %s, Connect code %i',
    async (error, status, code, connectCode) => {
      const native = await responseTo('native', error);
      const connect = await responseTo('connect', error);

      expect(native.statusCode).toBe(status);
      expect(native.body).toEqual({ error: { code, message: error.message } });
      expect(connect.statusCode).toBe(status);
      expect(connect.body).toEqual({ code: connectCode, error: error.message, payload: null });
    },
  );

  it.each([
    ['an unexpected error', new Error('connect ECONNREFUSED 10.0.0.7:8000 password=hunter2')],
    [
      'an HTTP 5xx error',
      Object.assign(new Error('upstream hunter2 is down'), { statusCode: 503, expose: false }),
    ],
    ['a 4xx error not meant to be shown', Object.assign(new Error('hunter2'), { statusCode: 400 })],
    ['a thrown string', 'hunter2'],
  ])('%s becomes a 500 that hides its message', async (_, error) => {
    const native = await responseTo('native', error);
    const connect = await responseTo('connect', error);

    expect(native.statusCode).toBe(500);
    expect(native.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(connect.statusCode).toBe(500);
    expect(connect.body).toEqual({ code: 1, error: 'Internal server error', payload: null });
    expect(JSON.stringify([native.body, connect.body])).not.toContain('hunter2');
  });

  it('a 429 that knows when to retry says so in Retry-After, in both faces; one that does not sends none', async () => {
    const error = new TooManyRequestsError('Wait', { retryAfterSeconds: 1_234 });
    for (const face of ['native', 'connect'] as const) {
      const response = await responseTo(face, error);
      expect(response.statusCode).toBe(429);
      expect(response.headers?.['retry-after']).toBe('1234');
      expect(response.headers?.['content-type']).toBe('application/json');
    }
    expect(
      (await responseTo('native', new TooManyRequestsError('t'))).headers?.['retry-after'],
    ).toBeUndefined();
  });

  it.each([
    [
      "the SDK's ProvisionedThroughputExceededException",
      new ProvisionedThroughputExceededException({ message: 'throughput hunter2', $metadata: {} }),
    ],
    ["the SDK's ThrottlingException", Object.assign(new Error('hunter2'), { name: 'ThrottlingException' })],
    [
      "the SDK-free client's RequestLimitExceeded",
      new AwsServiceError('RequestLimitExceeded', 'hunter2', 400, true),
    ],
    [
      'a transaction cancelled because an item was throttled',
      new TransactionCanceledException({
        message: 'hunter2',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
    ],
  ])(
    'DynamoDB throttling (%s) is a 503 with Retry-After, in both faces, its message hidden',
    async (_, error) => {
      for (const face of ['native', 'connect'] as const) {
        const response = await responseTo(face, error);
        expect(response.statusCode).toBe(503);
        expect(response.headers?.['retry-after']).toBe('1');
        expect(JSON.stringify(response.body)).not.toContain('hunter2');
      }
      expect((await responseTo('native', error)).body).toEqual({
        error: { code: 'unavailable', message: 'The database is busy: try again shortly' },
      });
      expect((await responseTo('connect', error)).body).toEqual({
        code: 14,
        error: 'The database is busy: try again shortly',
        payload: null,
      });
    },
  );

  it('a transaction cancelled for a failed condition is not throttling: still a 500', async () => {
    const error = new TransactionCanceledException({
      message: 'x',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
    });
    expect((await responseTo('native', error)).statusCode).toBe(500);
  });

  it('errorBody builds both shapes from one failure', () => {
    const failure = { statusCode: 409, code: 'conflict', message: 'm', field: 'f' };
    expect(http.errorBody('connect', failure)).toEqual({ code: 7, error: 'm', payload: { field: 'f' } });
    expect(http.errorBody('native', failure)).toEqual({
      error: { code: 'conflict', message: 'm', field: 'f' },
    });
  });
});

describe('request bodies', () => {
  const echoBody = () =>
    http.httpHandler('native', async (event) => http.json(200, { received: event.body }), { body: true });

  it('parses a JSON body, with or without a charset', async () => {
    const handler = echoBody();

    const plain = await handler(jsonPost('{"a":1}'), lambdaContext());
    const charset = await handler(
      proxyEvent('POST', '/x', {
        body: '{"a":2}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
      lambdaContext(),
    );

    expect(JSON.parse(plain.body)).toEqual({ received: { a: 1 } });
    expect(JSON.parse(charset.body)).toEqual({ received: { a: 2 } });
  });

  it('reads the Content-Type header whatever the case of its name', async () => {
    const result = await echoBody()(
      proxyEvent('POST', '/x', { body: '{"a":3}', headers: { 'CONTENT-TYPE': 'application/json' } }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ received: { a: 3 } });
  });

  it.each([
    'APPLICATION/JSON',
    'Application/Json',
    'application/json; charset=UTF-8',
    'APPLICATION/JSON; CHARSET=UTF-8',
    'application/json ; charset=utf-8',
    'application/json;',
    ' application/json ',
    'application/merge-patch+json',
    'Application/Merge-Patch+JSON',
  ])('the media type %j is JSON: media types compare case-insensitively', async (contentType) => {
    const result = await echoBody()(jsonPost('{"a":4}', contentType), lambdaContext());

    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ received: { a: 4 } });
  });

  it.each(['text/plain', 'application/jsonp', 'application/json-seq', 'text/json', 'json', '+json', ''])(
    'the media type %j is not JSON: 415',
    async (contentType) => {
      const result = await echoBody()(jsonPost('{"a":5}', contentType), lambdaContext());

      expect(result.statusCode).toBe(415);
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'unsupported_media_type' } });
    },
  );

  it('malformed JSON is a 400 naming the body', async () => {
    const result = await echoBody()(jsonPost('{"a":'), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'invalid_request', message: 'The request body is not valid JSON', field: 'body' },
    });
  });

  it.each([
    ['{"__proto__":{"admin":true}}', '__proto__'],
    ['{"a":{"constructor":{"prototype":{}}}}', 'a.constructor'],
    ['{"scopes":[{"scope":"x","prototype":1}]}', 'scopes.0.prototype'],
  ])('a body with a prototype key (%s) is a 400 naming where it is', async (body, field) => {
    const result = await echoBody()(jsonPost(body), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'invalid_request', message: `Forbidden key: ${field.split('.').at(-1)}`, field },
    });
  });

  it('a body nested 33 deep is a 400 saying so; 32 deep is parsed', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    const fits = await echoBody()(jsonPost(nested(32)), lambdaContext());
    const tooDeep = await echoBody()(jsonPost(nested(33)), lambdaContext());
    const veryDeep = await echoBody()(jsonPost(nested(5_000)), lambdaContext());

    expect(fits.statusCode).toBe(200);
    for (const result of [tooDeep, veryDeep]) {
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body)).toEqual({
        error: {
          code: 'invalid_request',
          message: 'The request body is nested deeper than 32 levels',
          field: 'body',
        },
      });
    }
  });

  it('a base64-encoded body (as API Gateway passes a binary one) is decoded first', async () => {
    const event = { ...jsonPost(Buffer.from('{"a":6}').toString('base64')), isBase64Encoded: true };

    const result = await echoBody()(event, lambdaContext());

    expect(JSON.parse(result.body)).toEqual({ received: { a: 6 } });
  });

  it('another content type is a 415', async () => {
    const result = await echoBody()(jsonPost('{"a":1}', 'text/plain'), lambdaContext());

    expect(result.statusCode).toBe(415);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it(`a body of exactly ${64 * 1024} bytes passes; one byte more is a 413`, async () => {
    const handler = echoBody();
    const fits = JSON.stringify({ a: 'x'.repeat(http.MAX_BODY_BYTES - 8) });
    expect(Buffer.byteLength(fits)).toBe(http.MAX_BODY_BYTES);

    const ok = await handler(jsonPost(fits), lambdaContext());
    const tooLarge = await handler(jsonPost(fits.replace('"x', '"xx')), lambdaContext());

    expect(ok.statusCode).toBe(200);
    expect(tooLarge.statusCode).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { code: 'payload_too_large', field: 'body' } });
  });

  it('counts the limit in bytes, not characters', async () => {
    const result = await echoBody()(
      jsonPost(JSON.stringify({ a: 'é'.repeat(http.MAX_BODY_BYTES / 2) })),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(413);
  });
});

describe('query strings', () => {
  const echoQuery = () =>
    http.httpHandler('native', async (event) => http.json(200, event.queryStringParameters));
  const withQuery = (multi: Record<string, string[]>) => ({
    ...proxyEvent('GET', '/x'),
    queryStringParameters: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.at(-1) ?? ''])),
    multiValueQueryStringParameters: multi,
  });

  it('a parameter given twice is a 400 naming it, in either face', async () => {
    const native = await echoQuery()(withQuery({ q: ['a'], status: ['active', 'revoked'] }), lambdaContext());
    const connect = await http.httpHandler(
      'connect',
      async () => http.json(200, {}),
      passing('connect'),
    )(withQuery({ status: ['active', 'active'] }), lambdaContext());

    expect(native.statusCode).toBe(400);
    expect(JSON.parse(native.body)).toEqual({
      error: { code: 'invalid_request', message: 'status is given more than once', field: 'status' },
    });
    expect(JSON.parse(connect.body)).toEqual({
      code: 3,
      error: 'status is given more than once',
      payload: { field: 'status' },
    });
  });

  it('parameters given once each reach the handler', async () => {
    const result = await echoQuery()(withQuery({ q: ['a'], status: ['active'] }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ q: 'a', status: 'active' });
  });
});

describe('json', () => {
  it('a response without a body has an empty body and no JSON content type', () => {
    expect(http.json(204)).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' });
  });

  it('a JSON response is never cached', () => {
    expect(http.json(200, { a: 1 }).headers).toEqual({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
  });
});

describe('actorOf', () => {
  it('is the token the authorizer verified', () => {
    const event = proxyEvent('GET', '/x', {
      authorizer: { token_id: 'Tok123', principalId: 'token:Tok123' },
    });
    expect(http.actorOf(event)).toEqual({ type: 'token', id: 'Tok123' });
  });

  it('is the IAM principal for an IAM-authorised call', () => {
    const event = proxyEvent('GET', '/x');
    event.requestContext.identity.userArn = 'arn:aws:iam::123456789012:user/ops';
    expect(http.actorOf(event)).toEqual({ type: 'iam', id: 'arn:aws:iam::123456789012:user/ops' });
  });

  it('refuses a request that reached a protected handler with no caller', () => {
    expect(() => http.actorOf(proxyEvent('GET', '/x'))).toThrow(/without an authenticated caller/);
  });
});

describe('pathParameter', () => {
  it('returns a parameter that matches its pattern', () => {
    const event = proxyEvent('GET', '/t/abc', { pathParameters: { id: 'abc' } });
    expect(http.pathParameter(event, 'id', /^[a-z]+$/)).toBe('abc');
  });

  it('a missing or malformed parameter is a NotFoundError naming it', () => {
    const malformed = proxyEvent('GET', '/t/ABC', { pathParameters: { id: 'ABC' } });
    expect(() => http.pathParameter(malformed, 'id', /^[a-z]+$/)).toThrow(NotFoundError);
    expect(() => http.pathParameter(proxyEvent('GET', '/t'), 'id', /^[a-z]+$/)).toThrow(
      expect.objectContaining({ field: 'id' }),
    );
  });
});

describe('the token check', () => {
  it('a Connect handler does not build without one: its routes have no API Gateway authorizer', () => {
    expect(() => http.httpHandler('connect', async () => http.json(200, {}))).toThrow(
      /checks its caller's token itself: pass tokenCheck/,
    );
  });

  it('a native handler does not take one: API Gateway checks its token', () => {
    expect(() =>
      http.httpHandler('native', async () => http.json(200, {}), { tokenCheck: { before: async () => {} } }),
    ).toThrow(/pass no tokenCheck/);
  });

  it('runs before the body limit and the header normaliser: it refuses first, and sees the headers as sent', async () => {
    let seen: unknown;
    const refuse = {
      before: async ({ event }: { event: ReturnType<typeof proxyEvent> }) => {
        seen = Object.keys(event.headers);
        throw new UnauthorizedError();
      },
    };
    const handler = http.httpHandler('connect', async () => http.json(200, {}), {
      body: true,
      tokenCheck: refuse,
    });
    const event = proxyEvent('POST', '/x', {
      body: 'x'.repeat(http.MAX_BODY_BYTES + 1),
      headers: { Authorization: 'Bearer a', authorization: 'Bearer b', 'CONTENT-TYPE': 'text/plain' },
    });

    const result = await handler(event, lambdaContext());

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toEqual({ code: 4, error: 'A valid token is required', payload: null });
    expect(seen).toEqual(['Authorization', 'authorization', 'CONTENT-TYPE']);
  });
});

describe('a person outside the admin group', () => {
  const PERSON = { token_id: '', kind: 'user', principal: 'user:bob@example.com', admin_group: 'ops' };

  /** What a handler that would answer 200 answers this authorizer context, in each shape. */
  async function answer(face: ErrorBodyShape, authorizer: Record<string, string>) {
    const reached = vi.fn(async () => http.json(200, { reached: true }));
    const handler = http.httpHandler(face, reached, { ...passing(face), body: true });
    const event = proxyEvent('POST', '/v1/tokens', {
      body: '{"description": "x"}',
      headers: { 'Content-Type': 'application/json' },
      authorizer,
    });
    const result = await handler(event, lambdaContext());
    return { status: result.statusCode, body: JSON.parse(result.body) as unknown, reached };
  }

  it('is refused with a 403 naming the group, before the handler runs, in the native shape', async () => {
    const { status, body, reached } = await answer('native', { ...PERSON, scopes: '[]' });
    expect(status).toBe(403);
    expect(body).toEqual({
      error: { code: 'forbidden', message: 'Only members of the group ops manage tokens' },
    });
    expect(reached).not.toHaveBeenCalled();
  });

  it('is refused in Connect’s shape on the Connect routes', async () => {
    const { status, body } = await answer('connect', { ...PERSON, scopes: '[]' });
    expect(status).toBe(403);
    expect(body).toEqual({ code: 5, error: 'Only members of the group ops manage tokens', payload: null });
  });

  it('is refused whatever the scopes context holds but the admin scope', async () => {
    for (const scopes of [
      '',
      'not json',
      '{}',
      JSON.stringify([{ scope: 'repos:read', resources: ['*'] }]),
    ]) {
      expect((await answer('native', { ...PERSON, scopes })).status, scopes).toBe(403);
    }
  });

  it('lets an admin person and every token through', async () => {
    const admin = JSON.stringify([{ scope: 'global:admin', resources: null }]);
    expect((await answer('native', { ...PERSON, scopes: admin })).status).toBe(200);
    const token = { token_id: 'tok1', kind: 'user', principal: 'token:tok1', scopes: '[]' };
    expect((await answer('native', token)).status).toBe(200);
  });
});
