// What API Gateway itself does, set up by the CDK construct and copied by the local gateway: the bodies
// it answers an authorizer's refusal with, what it keys a cached authorizer answer on, and the margin
// a cached answer's clock needs.

/**
 * API Gateway starts a cached answer's TTL when the answer reaches it, a little after the authorizer
 * looked at the clock: the REST authorizer refuses a token whose `expires_at` is less than the TTL
 * plus this margin away, so that no cached Allow outlives `expires_at`.
 */
export const CACHED_ALLOW_EXPIRY_MARGIN_MS = 1_000;

/** One identity source of a REST API's REQUEST authorizer: a request header or a `$context` variable. */
export interface IdentityPart {
  from: 'header' | 'context';
  name: string;
}

/**
 * What API Gateway keys a REST authorizer's cached answer on: the token and the exact request
 * (method and stage-prefixed path) the authorizer decided, so a cached answer is never applied to a
 * request it was not decided for. The CDK construct and the local gateway both read this.
 */
export const REST_AUTHORIZER_IDENTITY: readonly IdentityPart[] = [
  { from: 'header', name: 'Authorization' },
  { from: 'context', name: 'httpMethod' },
  { from: 'context', name: 'path' },
];

/**
 * The bodies API Gateway itself answers with when the authorizer refuses (native error shape). The
 * routes whose functions check their own token (`checksOwnToken`) say the same words in their shape.
 *
 * 500 is the authorizer failing (it threw, timed out, or its own DynamoDB read failed or was
 * throttled): REST APIs answer it as AUTHORIZER_FAILURE or AUTHORIZER_CONFIGURATION_ERROR, both
 * static, so the one body and status serve every cause. It stays a 500 without `Retry-After`: API
 * Gateway cannot tell a throttled read from a missing invoke permission or a bug, so a 503 would ask
 * clients to retry faults that never pass, and HTTP APIs, which have no gateway responses, answer 500
 * whatever is set here. Either way the request fails closed: never an Allow, never cached.
 */
export const GATEWAY_RESPONSES = {
  401: { error: { code: 'unauthorized', message: 'A valid token is required' } },
  403: { error: { code: 'forbidden', message: 'The token does not have the scope this needs' } },
  429: { error: { code: 'too_many_requests', message: 'Too many requests: slow down and try again' } },
  500: { error: { code: 'internal_error', message: 'The authorizer failed' } },
} as const;
