// The Lambda authorizer, for REST APIs (REQUEST type) and HTTP APIs (payload 2.0, simple responses).
// Either way it decides the one request it is asked about (method and path) on every call. REST:
// an Allow or Deny policy for exactly that method ARN, which API Gateway caches per token, method
// and path (`REST_AUTHORIZER_IDENTITY`); a bad token throws `Unauthorized` (401). HTTP APIs, which
// API Gateway does not cache: a yes/no, with verified callers remembered in process for the TTL.
// A person (an identity token) is let through to tokengate's own routes alone, never to a team's API
// behind the same authorizer; REST: one outside the admin group too, with no scope, for tokengate's
// function to refuse with a 403 naming the group.
// A path with dot segments, encoded separators or IAM wildcards is refused whatever the token, and
// more than one Authorization header as a missing one is, unread. DynamoDB or
// Secrets Manager failing: the error propagates and the request fails closed with a 500, which API
// Gateway does not cache.

import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import type { DecisionCounter } from '#adapters/authorizer-metrics';
import type { CallerSource } from '#domain/caller-source';
import { UnauthorizedError } from '#domain/errors';
import { lastAcceptedAt } from '#domain/expiry';
import { inAdminGroup, withPeople } from '#domain/people';
import {
  type CompiledCatalogue,
  DEFAULT_GRANTS,
  isOwnRoute,
  isSafePath,
  type MethodArn,
  parseMethodArn,
  type RequestTarget,
  requestPolicy,
  requestTarget,
  scopesAllow,
  targetAllowed,
} from '#domain/policy';
import { soleAuthorization } from '#domain/token-format';
import { type Caller, RefusedBearer } from '#domain/verify-bearer';
import { logger } from '#functions/commons/logger';
import type { DenyReason } from '#spec/metrics';
import { cacheTtlSeconds, grants, metrics, people, rememberedCallers, verifier } from './runtime';

type AuthorizerEvent = APIGatewayRequestAuthorizerEvent | APIGatewayRequestAuthorizerEventV2;
/** What the authorizer passes on; `admin_group` for a person alone (the group their refusal names). */
type AuthorizerContext = {
  token_id: string;
  kind: string;
  scopes: string;
  principal: string;
  admin_group?: string;
};
type AuthorizerResult =
  | APIGatewayAuthorizerResult
  | APIGatewaySimpleAuthorizerResult
  | APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

const REFUSED: APIGatewaySimpleAuthorizerResult = { isAuthorized: false };

/** The values under the name Authorization, in any case: REST APIs pass names on as the client sent them. */
function authorizationValues<T>(headers: Record<string, T> | null | undefined): T[] {
  return Object.entries(headers ?? {}).flatMap(([name, value]) =>
    name.toLowerCase() === 'authorization' ? [value] : [],
  );
}

/** The request's one Authorization header; undefined for none or more than one (refused unread). */
function authorizationHeader(event: AuthorizerEvent): string | undefined {
  const single = authorizationValues(event.headers);
  // A REST event's `headers` keeps one value of a repeated header, `multiValueHeaders` all of them.
  const multi = authorizationValues('multiValueHeaders' in event ? event.multiValueHeaders : null).flat();
  return soleAuthorization(multi.length > single.length ? multi : single);
}

function contextOf(caller: Caller): AuthorizerContext {
  const { tokenId, kind, principal, scopes, adminGroup } = caller;
  const context = { token_id: tokenId, kind, scopes: JSON.stringify(scopes), principal };
  return adminGroup === undefined ? context : { ...context, admin_group: adminGroup };
}

/**
 * What a person (an ID token) may be let through to: tokengate's own routes, never a team's API
 * behind the same authorizer. REST: a person outside the admin group too, with no scope, so that
 * tokengate's function refuses them with a 403 naming the group (functions/commons/http.ts: API
 * Gateway answers every Deny with the one body). HTTP APIs (teams' APIs alone): the admins only.
 */
function personMayReach(caller: Caller, target: RequestTarget | null, api: 'rest' | 'http'): boolean {
  return target !== null && isOwnRoute(target) && (api === 'rest' || inAdminGroup(caller));
}

/**
 * The caller, or why it is refused: a token that is missing, malformed, unknown, revoked or expired,
 * or more than one Authorization header (`malformed`).
 */
function callerFrom(source: CallerSource, event: AuthorizerEvent): Promise<Caller | DenyReason> {
  const header = authorizationHeader(event);
  if (header === undefined) return Promise.resolve('malformed'); // none, or more than one: nothing to read
  return source.verify(header).catch((error: unknown): DenyReason => {
    if (error instanceof RefusedBearer) return error.reason;
    if (error instanceof UnauthorizedError) return 'unknown';
    throw error;
  });
}

/** Counts nothing: for deps that leave the metrics out. */
const UNCOUNTED: DecisionCounter = { allowed() {}, denied() {}, memoHit() {} };

function httpApiPath(event: APIGatewayRequestAuthorizerEventV2): string {
  const stage = event.requestContext.stage;
  const prefix = `/${stage}`;
  const raw = event.rawPath;
  return stage !== '$default' && (raw === prefix || raw.startsWith(`${prefix}/`))
    ? raw.slice(prefix.length) || '/'
    : raw;
}

export interface AuthorizerDeps {
  /** Asks the store every time: REST answers are cached by API Gateway already. */
  verifier: CallerSource;
  /** Remembers verified callers for up to the TTL: HTTP API answers are not cached. */
  rememberedCallers: CallerSource;
  /** API Gateway's cache TTL for REST answers (`TOKENGATE_AUTHORIZER_CACHE_TTL`). */
  cacheTtlSeconds: number;
  /** The deployment's scope catalogue, compiled at start; the default catalogue when left out. */
  grants?: CompiledCatalogue;
  now?: () => number;
  /**
   * Whether each REST decision is logged (at DEBUG, with the token id only). Defaults to whether the
   * logger is at DEBUG now: asked per call, the logger's level costs microseconds on every check.
   */
  logDecisions?: boolean;
  /** Where each decision is counted (in memory: see shared/adapters/authorizer-metrics.ts); none when left out. */
  metrics?: DecisionCounter;
}

interface RestRequest {
  arn: MethodArn | null;
  /** Null for an unsafe path, or a malformed method ARN. */
  target: RequestTarget | null;
}

/** The decision for one event, free of the Lambda wrapper. */
export function authorizerFor(deps: AuthorizerDeps): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  const now = deps.now ?? (() => Date.now());
  const cacheMs = deps.cacheTtlSeconds * 1000;
  const grants = deps.grants ?? DEFAULT_GRANTS;
  const logDecisions = deps.logDecisions ?? logger.level <= LogLevelThreshold.DEBUG;
  const counts = deps.metrics ?? UNCOUNTED;
  const refuse = (reason: DenyReason): AuthorizerResult => {
    counts.denied(reason);
    return REFUSED;
  };
  const unauthorized = (reason: DenyReason): Error => {
    counts.denied(reason);
    return new Error('Unauthorized'); // API Gateway answers 401
  };

  /** A token that expires within the TTL would pass from API Gateway's cache after `expires_at`. */
  const expiresWhileCached = ({ expiresAt }: Caller) =>
    cacheMs > 0 &&
    expiresAt !== null &&
    !(now() <= lastAcceptedAt(Date.parse(expiresAt), deps.cacheTtlSeconds));

  async function authorizeHttp(event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> {
    const { method, path: contextPath } = event.requestContext.http;
    const path = httpApiPath(event);
    if (!isSafePath(event.rawPath) || !isSafePath(contextPath)) return refuse('crafted_path');
    const caller = await callerFrom(deps.rememberedCallers, event);
    if (typeof caller === 'string') return refuse(caller);
    const allowed =
      caller.adminGroup === undefined
        ? scopesAllow(caller.scopes, method, path, grants)
        : personMayReach(caller, requestTarget(method, path), 'http');
    if (!allowed) return refuse('scope');
    counts.allowed();
    return { isAuthorized: true, context: contextOf(caller) };
  }

  /** What the request alone decides (its method ARN, its paths' safety), worked out once. */
  function restRequest(event: APIGatewayRequestAuthorizerEvent): RestRequest {
    const arn = parseMethodArn(event.methodArn);
    // Both paths are checked: API Gateway may have normalised or decoded one of them (requestTarget
    // checks the ARN's; the event's again only when it differs).
    const target =
      arn !== null &&
      typeof event.path === 'string' &&
      // Stryker disable next-line ConditionalExpression: equivalent for `event.path === arn.path` (to false): a path equal to the ARN's is checked by requestTarget, this only spares checking it twice
      (event.path === arn.path || isSafePath(event.path))
        ? requestTarget(arn.method, arn.path)
        : null;
    return { arn, target };
  }

  async function authorizeRest(event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerResult> {
    const caller = await callerFrom(deps.verifier, event);
    const { arn, target } = restRequest(event);
    if (typeof caller === 'string') throw unauthorized(caller);
    if (arn === null) throw unauthorized('crafted_path'); // a method ARN that is not one
    if (expiresWhileCached(caller)) throw unauthorized('expired');
    const allowed =
      caller.adminGroup === undefined
        ? target !== null && targetAllowed(caller.scopes, target, grants)
        : personMayReach(caller, target, 'rest');
    // A person outside the admin group is let through only to be refused by tokengate's function.
    if (allowed && (caller.adminGroup === undefined || inAdminGroup(caller))) counts.allowed();
    else counts.denied(target === null ? 'crafted_path' : 'scope');
    if (logDecisions) {
      logger.debug(allowed ? 'Token accepted' : 'Token refused for this request', {
        token_id: caller.tokenId,
      });
    }
    return {
      principalId: caller.principal,
      policyDocument: requestPolicy(event.methodArn, allowed ? 'Allow' : 'Deny'),
      ...(allowed && { context: contextOf(caller) }),
    };
  }

  return (event) =>
    'version' in event && event.version === '2.0'
      ? authorizeHttp(event)
      : authorizeRest(event as APIGatewayRequestAuthorizerEvent);
}

// A person's ID token (a JWT) is told apart from a token before any work and verified on its own path.
export const authorize = authorizerFor({
  verifier: withPeople(verifier, people),
  rememberedCallers: withPeople(rememberedCallers, people),
  cacheTtlSeconds,
  grants,
  metrics,
});

/**
 * The Lambda entry point. Deliberately no middy chain: the authorizer parses no body, maps no error
 * to HTTP and sits in front of every request of every API that uses it, so the ~0.1 ms a middleware
 * chain with Powertools' context injection costs per call is paid for nothing (see bench/).
 * Failures are logged here, with the request id, and rethrown: API Gateway answers 500.
 */
export function handler(
  event: AuthorizerEvent,
  context: Pick<Context, 'awsRequestId'>,
): Promise<AuthorizerResult> {
  return authorize(event)
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'Unauthorized')) {
        logger.error('Authorization failed', {
          error: error as Error,
          function_request_id: context.awsRequestId,
        });
      }
      throw error;
    })
    .finally(() => metrics.flushIfDue());
}
