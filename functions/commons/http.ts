// What every HTTP handler shares: middy with body limits, JSON parsing, logging, and the one place
// where domain errors become HTTP responses, in the error shape of the API's face.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { checkJsonShape } from '#api/validation';
import { isThrottling } from '#aws/throttling';
import {
  DomainError,
  databaseBusy,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#domain/errors';
import { notInAdminGroup } from '#domain/people';
import type { Actor } from '#domain/token';
import { checksOwnToken, type ErrorBodyShape } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { METRICS } from '#spec/metrics';
import { GLOBAL_ADMIN } from '#spec/scopes';
import { logger } from './logger';
import { metrics } from './metrics';

export type HttpEvent = APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyResult;

export const MAX_BODY_BYTES = 64 * 1024;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function json(statusCode: number, body?: unknown): HttpResult {
  return body === undefined
    ? { statusCode, headers: { 'cache-control': 'no-store' }, body: '' }
    : { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** Numeric codes of the Connect-style error body, one per kind of error. */
const CONNECT_CODES: Record<string, number> = {
  invalid_request: 3,
  unauthorized: 4,
  forbidden: 5,
  not_found: 6,
  conflict: 7,
  payload_too_large: 8,
  unsupported_media_type: 9,
  too_many_requests: 10,
  unavailable: 14,
  internal_error: 1,
};

interface HttpFailure {
  statusCode: number;
  code: string;
  message: string;
  field: string | undefined;
}

/** DynamoDB throttling, its retries spent, as the domain's 503: the caller may try again shortly. */
function asDomainError(error: unknown): unknown {
  return isThrottling(error) ? databaseBusy() : error;
}

/** Domain errors carry their status; anything else is a 500, its message kept out of the answer. */
function asFailure(error: unknown): HttpFailure {
  if (error instanceof DomainError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, field: error.field };
  }
  return { statusCode: 500, code: 'internal_error', message: 'Internal server error', field: undefined };
}

export function errorBody(face: ErrorBodyShape, failure: HttpFailure): unknown {
  if (face === 'connect') {
    return {
      code: CONNECT_CODES[failure.code] ?? 1,
      error: failure.message,
      payload: failure.field ? { field: failure.field } : null,
    };
  }
  return {
    error: { code: failure.code, message: failure.message, ...(failure.field && { field: failure.field }) },
  };
}

function httpErrors(face: ErrorBodyShape): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = asDomainError(request.error);
      const failure = asFailure(error);
      if (failure.statusCode >= 500) logger.error('Request failed', { error: request.error as Error });
      else
        logger.info('Request refused', {
          statusCode: failure.statusCode,
          code: failure.code,
          field: failure.field,
        });
      const response = json(failure.statusCode, errorBody(face, failure));
      if (
        (error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError) &&
        error.retryAfterSeconds !== undefined
      ) {
        response.headers = { ...response.headers, 'retry-after': String(error.retryAfterSeconds) };
      }
      request.response = response;
    },
  };
}

/**
 * Counts each request (`Requests`) and each error answer by its code (`Errors`, the code the error
 * body carries), and publishes them when the answer is made. Used before the error mapper, so that its
 * onError runs after it, on an error already answered.
 */
function requestMetrics(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async () => {
      metrics.add(METRICS.requests);
    },
    after: async () => {
      metrics.publish();
    },
    onError: async (request) => {
      metrics.add(METRICS.errors, 1, { code: asFailure(request.error).code });
      metrics.publish();
    },
  };
}

function bodyLimit(maxBytes: number): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      if (event.body && Buffer.byteLength(event.body) > maxBytes) {
        throw new PayloadTooLargeError(`The request body must be at most ${maxBytes} bytes`, 'body');
      }
    },
  };
}

/**
 * Media types compare case-insensitively, with optional spaces before their parameters (RFC 9110,
 * 8.3.1): `APPLICATION/JSON ; charset=UTF-8` is JSON. `jsonBody` matches only the lower-case form
 * written without spaces, so the header's media type is put in that form first.
 */
function mediaTypeNormalizer(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      const value = event.headers?.['content-type'];
      if (value === undefined) return;
      const [type = '', ...parameters] = value.split(';');
      const rest = parameters.join(';').trim();
      const mediaType = type.trim().toLowerCase();
      event.headers['content-type'] = rest ? `${mediaType}; ${rest}` : mediaType;
    },
  };
}

/**
 * The JSON body parsed into `event.body`: JSON's media type (`application/json`, `application/*+json`)
 * or 415; then JSON or 400; then no key that names a prototype and no nesting deeper than any route
 * needs (`checkJsonShape`), each a 400 naming where. (middy's own parser refuses such keys with a 422
 * naming nothing, and a deep array overflows its reviver's recursion into "not valid JSON".)
 * `optional`: a request without a body (none, or an empty one) reaches the handler with
 * `event.body` undefined, whatever its Content-Type.
 */
/** JSON's media types, as `mediaTypeNormalizer` writes them: `application/json`, `application/<x>+json`. */
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json(;|$)/;

function jsonBody(optional: boolean): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      const { body } = event;
      if (optional && (body === null || body === undefined || body === '')) {
        (event as { body: unknown }).body = undefined;
        return;
      }
      if (!JSON_MEDIA_TYPE.test(event.headers?.['content-type'] ?? '')) {
        throw new UnsupportedMediaTypeError('The request body must be JSON (Content-Type: application/json)');
      }
      let parsed: unknown;
      try {
        const text = event.isBase64Encoded ? Buffer.from(body ?? '', 'base64').toString() : (body ?? '');
        parsed = JSON.parse(text);
      } catch {
        throw new ValidationError('The request body is not valid JSON', 'body');
      }
      checkJsonShape(parsed);
      (event as { body: unknown }).body = parsed;
    },
  };
}

/**
 * A query parameter given twice (`?status=active&status=revoked`) is refused, naming it: API Gateway
 * would pass the handler only the last value, silently answering a question the caller did not ask.
 */
function singleQueryValues(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
        if ((values?.length ?? 0) > 1) throw new ValidationError(`${name} is given more than once`, name);
      }
    },
  };
}

/** A person's email, as the authorizer passes a person on (principal `user:<email>`, no token), or null. */
function personOf(context: Record<string, unknown>): string | null {
  const { token_id: tokenId, principal } = context;
  if (tokenId || typeof principal !== 'string') return null;
  return principal.startsWith('user:') ? principal.slice('user:'.length) : null;
}

function holdsAdminScope(scopes: unknown): boolean {
  try {
    const parsed: unknown = typeof scopes === 'string' ? JSON.parse(scopes) : null;
    return Array.isArray(parsed) && parsed.some((grant) => grant?.scope === GLOBAL_ADMIN);
  } catch {
    return false;
  }
}

/**
 * A person outside the admin group refused (403 naming the group) before anything reads the request.
 * The authorizer lets such a person through to tokengate's own routes, and to nothing else, so that
 * this refusal reaches them: API Gateway answers every Deny with one body, which cannot name the
 * group. Every route of tokengate takes the admin group from a person (a person holds no token to
 * call the self routes with), so the rule holds for every handler, whatever its route.
 */
function peopleOutsideAdminGroup(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      const context = event.requestContext.authorizer ?? {};
      if (personOf(context) === null || holdsAdminScope(context.scopes)) return;
      const group = context.admin_group;
      throw new ForbiddenError(
        typeof group === 'string' && group ? notInAdminGroup(group) : GATEWAY_RESPONSES[403].error.message,
      );
    },
  };
}

export interface HandlerOptions {
  /** Parse a JSON request body into `event.body`; `optional`: a request may also come without one. */
  body?: boolean | 'optional';
  /** A larger body limit than MAX_BODY_BYTES, for a route whose valid requests need it. */
  maxBodyBytes?: number;
  /**
   * The authorizer's decision made here (`tokenCheck()` of functions/commons/token-check.ts, passed
   * in so that other functions do not load the authorizer): required for a face whose functions check
   * their own token (`checksOwnToken`), refused for any other, whose token API Gateway checks.
   */
  tokenCheck?: MiddlewareObj<HttpEvent, HttpResult>;
}

export function httpHandler(
  face: ErrorBodyShape,
  handler: (event: HttpEvent) => Promise<HttpResult>,
  options: HandlerOptions = {},
) {
  if (checksOwnToken({ face }) !== (options.tokenCheck !== undefined)) {
    throw new Error(
      checksOwnToken({ face })
        ? `A ${face} handler checks its caller's token itself: pass tokenCheck (its routes have no authorizer)`
        : `A ${face} handler's token is checked by API Gateway's authorizer: pass no tokenCheck`,
    );
  }
  // The error mapper is used first (but for the metrics, which count its answer) so that its onError
  // runs after every other middleware's.
  const chain = middy<HttpEvent, HttpResult>()
    .use(requestMetrics())
    .use(httpErrors(face))
    .use(injectLambdaContext(logger, { resetKeys: true }));
  // Before anything reads the request, as API Gateway's authorizer comes before the function.
  if (options.tokenCheck) chain.use(options.tokenCheck);
  chain
    .use(peopleOutsideAdminGroup())
    .use(bodyLimit(options.maxBodyBytes ?? MAX_BODY_BYTES))
    .use(httpHeaderNormalizer()) // header names are case-insensitive: `CONTENT-TYPE` is `content-type`
    .use(singleQueryValues());
  if (options.body) chain.use(mediaTypeNormalizer()).use(jsonBody(options.body === 'optional'));
  return chain.handler(handler);
}

/**
 * Who is calling: the token the authorizer verified, the person whose identity token it verified
 * (principal `user:<email>`, set by the authorizer alone), or the IAM principal for IAM-authorised calls.
 */
export function actorOf(event: HttpEvent): Actor {
  const context = event.requestContext.authorizer ?? {};
  const { token_id: tokenId } = context;
  if (typeof tokenId === 'string' && tokenId) return { type: 'token', id: tokenId };
  const email = personOf(context);
  if (email) return { type: 'user', id: email };
  const arn = event.requestContext.identity?.userArn;
  if (arn) return { type: 'iam', id: arn };
  throw new Error('The request reached a protected handler without an authenticated caller');
}

export function pathParameter(event: HttpEvent, name: string, pattern: RegExp): string {
  const value = event.pathParameters?.[name];
  if (!value || !pattern.test(value)) throw new NotFoundError(`No such ${name}: ${value ?? ''}`, name);
  return value;
}
