// The token authorizer's decision, made inside a function whose routes carry no API Gateway
// authorizer (`checksOwnToken`: the Connect routes), so that its refusals come in the function's own
// error shape: API Gateway answers an authorizer's refusal with one body per API, the native one.
// The request is put to the authorizer exactly as API Gateway puts it (a REQUEST event for its
// method ARN), so the decision is the authorizer's own: one Authorization header (none, or more than
// one, is refused unread), the token's checksum, one strongly consistent read, its HMAC, revocation
// and expiry (with the cached-answer margin the other routes have), the scope catalogue's grant for
// this method and path; a failing read fails the request (500). Unlike API Gateway's answer, it is
// never cached: each request is decided anew.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '#domain/errors';
import { authorize } from '#functions/authorizer/handler';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import type { HttpEvent, HttpResult } from './http';

/** The method ARN's region: Lambda's own (the ARN is only read back by this check). */
const REGION = process.env.AWS_REGION ?? '';

/** The REQUEST authorizer event API Gateway would send for this proxy event. */
function authorizerEventOf(event: HttpEvent): APIGatewayRequestAuthorizerEvent {
  const { accountId, apiId, stage } = event.requestContext;
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${REGION}:${accountId}:${apiId}/${stage}/${event.httpMethod}${event.path}`,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: { ...event.requestContext, authorizer: undefined },
  };
}

const allowed = (result: APIGatewayAuthorizerResult) =>
  result.policyDocument.Statement.length > 0 &&
  result.policyDocument.Statement.every((statement) => statement.Effect === 'Allow');

/**
 * Refuses the request (401, 403) unless the authorizer would let it through, and then passes on
 * what API Gateway would (`requestContext.authorizer`: the principal, `token_id`, `kind`, `scopes`),
 * so that the handler attributes its work to the calling token. Used before any other middleware
 * reads the request: a header normaliser would merge the Authorization headers it must count.
 */
export function tokenCheck(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async ({ event }) => {
      let result: APIGatewayAuthorizerResult;
      try {
        result = (await authorize(authorizerEventOf(event))) as APIGatewayAuthorizerResult;
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') {
          throw new UnauthorizedError(GATEWAY_RESPONSES[401].error.message);
        }
        throw error;
      }
      if (!allowed(result)) throw new ForbiddenError(GATEWAY_RESPONSES[403].error.message);
      event.requestContext.authorizer = { principalId: result.principalId, ...result.context };
    },
  };
}
