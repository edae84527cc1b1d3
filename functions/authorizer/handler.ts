// The Lambda authorizer, for REST APIs (REQUEST type, returns an IAM policy covering every route the
// token's scopes allow, so API Gateway may cache it per token) and for HTTP APIs (payload 2.0,
// simple response for the route being called). Bad tokens: 401 on REST (`Unauthorized`), a refusal
// on HTTP APIs. DynamoDB or Secrets Manager failing: the error propagates and the request fails
// closed with a 500, which API Gateway does not cache.
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { UnauthorizedError } from '../../shared/errors';
import { allowPolicy, parseMethodArn, scopesAllow } from '../../shared/policy';
import type { Caller } from '../../shared/verify-bearer';
import { logger } from '../commons/logger';
import { verifier } from './runtime';

type AuthorizerEvent = APIGatewayRequestAuthorizerEvent | APIGatewayRequestAuthorizerEventV2;
type AuthorizerContext = { token_id: string; kind: string; scopes: string; principal: string };
type AuthorizerResult =
  | APIGatewayAuthorizerResult
  | APIGatewaySimpleAuthorizerResult
  | APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

const REFUSED: APIGatewaySimpleAuthorizerResult = { isAuthorized: false };

function authorizationHeader(
  headers: Record<string, string | undefined> | null | undefined,
): string | undefined {
  if (!headers) return undefined;
  // Header names are case-insensitive, and REST APIs pass them on in the case the client sent.
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'authorization');
  return name === undefined ? undefined : headers[name];
}

function contextOf(caller: Caller, scopesJson: string): AuthorizerContext {
  const { tokenId, kind, principal } = caller;
  return { token_id: tokenId, kind, scopes: scopesJson, principal };
}

/** The caller, or null for a token that is missing, malformed, unknown, revoked or expired. */
async function callerFor(event: AuthorizerEvent): Promise<Caller | null> {
  try {
    return await verifier.verify(authorizationHeader(event.headers));
  } catch (error) {
    if (error instanceof UnauthorizedError) return null;
    throw error;
  }
}

function httpApiPath(event: APIGatewayRequestAuthorizerEventV2): string {
  const stage = event.requestContext.stage;
  const prefix = `/${stage}`;
  const raw = event.rawPath;
  return stage !== '$default' && (raw === prefix || raw.startsWith(`${prefix}/`))
    ? raw.slice(prefix.length) || '/'
    : raw;
}

/** The scopes' JSON goes into the context, and keys the remembered patterns and policies. */
const scopesJsonOf = (caller: Caller | null) => (caller === null ? '' : JSON.stringify(caller.scopes));

/** The decision for one event, free of the Lambda wrapper. */
export async function authorize(event: AuthorizerEvent): Promise<AuthorizerResult> {
  if ('version' in event && event.version === '2.0') {
    const { method } = event.requestContext.http;
    const path = httpApiPath(event);
    const caller = await callerFor(event);
    const scopesJson = scopesJsonOf(caller);
    const allowed = caller !== null && scopesAllow(caller.scopes, method, path, scopesJson);
    if (!allowed) return REFUSED;
    return { isAuthorized: true, context: contextOf(caller, scopesJson) };
  }
  const arn = parseMethodArn((event as APIGatewayRequestAuthorizerEvent).methodArn);
  const caller = await callerFor(event);
  const scopesJson = scopesJsonOf(caller);
  if (caller === null || arn === null) throw new Error('Unauthorized'); // API Gateway answers 401
  logger.debug('Token accepted', { token_id: caller.tokenId });
  return {
    principalId: caller.principal,
    policyDocument: allowPolicy(arn.apiPrefix, caller.scopes, scopesJson),
    context: contextOf(caller, scopesJson),
  };
}

/**
 * The Lambda entry point. Deliberately no middy chain: the authorizer parses no body, maps no error
 * to HTTP and sits in front of every request of every API that uses it, so the ~0.1 ms a middleware
 * chain with Powertools' context injection costs per call is paid for nothing (see bench/).
 * Failures are logged here, with the request id, and rethrown: API Gateway answers 500.
 */
export async function handler(
  event: AuthorizerEvent,
  context: Pick<Context, 'awsRequestId'>,
): Promise<AuthorizerResult> {
  try {
    return await authorize(event);
  } catch (error) {
    if (!(error instanceof Error && error.message === 'Unauthorized')) {
      logger.error('Authorization failed', {
        error: error as Error,
        function_request_id: context.awsRequestId,
      });
    }
    throw error;
  }
}
