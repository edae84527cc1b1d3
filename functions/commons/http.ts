// What every HTTP handler shares: middy with body limits, JSON parsing, logging, and the one place
// where domain errors become HTTP responses, in the error shape of the API's face.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  DomainError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  ValidationError,
} from '#domain/errors';
import type { Actor } from '#domain/token';
import type { ErrorFace } from '#spec/routes';
import { logger } from './logger';

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
  internal_error: 1,
};

interface HttpFailure {
  statusCode: number;
  code: string;
  message: string;
  field: string | undefined;
}

/** middy's own 4xx errors (e.g. from the body parser) expose their status; everything else is a 500. */
function asFailure(error: unknown): HttpFailure {
  if (error instanceof DomainError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, field: error.field };
  }
  const candidate = error as { statusCode?: unknown; expose?: unknown; message?: unknown };
  if (typeof candidate.statusCode === 'number' && candidate.statusCode < 500 && candidate.expose === true) {
    if (String(candidate.message).includes('malformed JSON')) {
      return asFailure(new ValidationError('The request body is not valid JSON', 'body'));
    }
    const code = candidate.statusCode === 415 ? 'unsupported_media_type' : 'invalid_request';
    return { statusCode: candidate.statusCode, code, message: String(candidate.message), field: undefined };
  }
  return { statusCode: 500, code: 'internal_error', message: 'Internal server error', field: undefined };
}

export function errorBody(face: ErrorFace, failure: HttpFailure): unknown {
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

function httpErrors(face: ErrorFace): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const failure = asFailure(request.error);
      if (failure.statusCode >= 500) logger.error('Request failed', { error: request.error as Error });
      else
        logger.info('Request refused', {
          statusCode: failure.statusCode,
          code: failure.code,
          field: failure.field,
        });
      const response = json(failure.statusCode, errorBody(face, failure));
      const { error } = request;
      if (error instanceof TooManyRequestsError && error.retryAfterSeconds !== undefined) {
        response.headers = { ...response.headers, 'retry-after': String(error.retryAfterSeconds) };
      }
      request.response = response;
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
 * 8.3.1): `APPLICATION/JSON ; charset=UTF-8` is JSON. The JSON body parser matches only the lower-case
 * form written without spaces, so the header's media type is put in that form first.
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
 * A JSON body that may be left out: a request without one (no body, or an empty one) reaches the
 * handler with `event.body` undefined, whatever its Content-Type; any other body is parsed as JSON.
 */
function optionalJsonBody(): MiddlewareObj<HttpEvent, HttpResult> {
  const parser = httpJsonBodyParser();
  return {
    before: async (request) => {
      const { body } = request.event;
      if (body === null || body === undefined || body === '') {
        (request.event as { body: unknown }).body = undefined;
        return;
      }
      await parser.before?.(request);
    },
  };
}

export interface HandlerOptions {
  /** Parse a JSON request body into `event.body`; `optional`: a request may also come without one. */
  body?: boolean | 'optional';
  /** A larger body limit than MAX_BODY_BYTES, for a route whose valid requests need it. */
  maxBodyBytes?: number;
}

export function httpHandler(
  face: ErrorFace,
  handler: (event: HttpEvent) => Promise<HttpResult>,
  options: HandlerOptions = {},
) {
  // The error mapper is used first so that its onError runs last, after every other middleware's.
  const chain = middy<HttpEvent, HttpResult>()
    .use(httpErrors(face))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(bodyLimit(options.maxBodyBytes ?? MAX_BODY_BYTES))
    .use(httpHeaderNormalizer()); // header names are case-insensitive: `CONTENT-TYPE` is `content-type`
  if (options.body === 'optional') chain.use(mediaTypeNormalizer()).use(optionalJsonBody());
  else if (options.body) chain.use(mediaTypeNormalizer()).use(httpJsonBodyParser());
  return chain.handler(handler);
}

/** Who is calling: the token the authorizer verified, or the IAM principal for IAM-authorised calls. */
export function callerOf(event: HttpEvent): Actor {
  const tokenId = event.requestContext.authorizer?.token_id;
  if (typeof tokenId === 'string' && tokenId) return { type: 'token', id: tokenId };
  const arn = event.requestContext.identity?.userArn;
  if (arn) return { type: 'iam', id: arn };
  throw new Error('The request reached a protected handler without an authenticated caller');
}

export function pathParameter(event: HttpEvent, name: string, pattern: RegExp): string {
  const value = event.pathParameters?.[name];
  if (!value || !pattern.test(value)) throw new NotFoundError(`No such ${name}: ${value ?? ''}`, name);
  return value;
}
