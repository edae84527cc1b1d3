// One error hierarchy for the whole domain. Entry points map it to HTTP once, in middleware.

export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  /** The request field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    this.field = field;
  }
}

export class ValidationError extends DomainError {
  readonly statusCode = 400;
  readonly code = 'invalid_request';
}

export class UnauthorizedError extends DomainError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
  constructor(message = 'A valid token is required') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
  constructor(message = 'The token does not have the scope this needs') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly statusCode = 404;
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  readonly statusCode = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends DomainError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
}

export class TooManyRequestsError extends DomainError {
  readonly statusCode = 429;
  readonly code = 'too_many_requests';
  /** Whole seconds until a retry may succeed: the `Retry-After` header, when known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { field?: string; retryAfterSeconds?: number } = {}) {
    super(message, options.field);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A dependency that refuses for now (the database throttling): the caller may retry after a while. */
export class ServiceUnavailableError extends DomainError {
  readonly statusCode = 503;
  readonly code = 'unavailable';
  /** Whole seconds until a retry may succeed: the `Retry-After` header. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * How long a caller is asked to wait when the database throttles: its throttling passes within a
 * second or two (the SDK's own retries, spent by then, wait about that long).
 */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/**
 * The database throttling, its retries spent: a 503 with `Retry-After`, the request changed nothing
 * and may be sent again shortly. The HTTP functions answer it (functions/commons/http.ts) and the
 * OpenAPI document describes it from this one error.
 */
export function databaseBusy(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'The database is busy: try again shortly',
    THROTTLED_RETRY_AFTER_SECONDS,
  );
}
