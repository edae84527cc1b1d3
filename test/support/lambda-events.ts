// Realistic API Gateway events and a Lambda context for invoking handlers directly in tests.
import type {
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { callerIdentity } from '#local/events';
import { RouteTable } from '#local/routing';
import { ROUTES } from '#spec/routes';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const API_ID = 'abc123';
export const STAGE = 'prod';
export const API_PREFIX = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}`;

/** The caller as API Gateway describes it: a plain HTTPS client, no IAM or Cognito identity. */
const CALLER_IDENTITY = callerIdentity('203.0.113.7', 'curl/8.5.0');

export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/06/15/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const ROUTE_TABLE = new RouteTable(ROUTES);

/** The API Gateway resource path that serves `method path` (e.g. `/repos/{proxy+}`), else the path. */
function resourcePath(method: string, path: string): string {
  return ROUTE_TABLE.match(method, path)?.route.path ?? path;
}

/**
 * The route key an HTTP API gives a request: the matching route's method and template, such as
 * `ANY /repos/{proxy+}` for every path and method under it, never the concrete path; `$default`
 * when no route matches.
 */
export function httpRouteKey(method: string, path: string): string {
  const match = ROUTE_TABLE.match(method, path);
  return match ? `${match.route.method} ${match.route.path}` : '$default';
}

/** The event a REST API REQUEST authorizer receives for `method path`. */
export function restAuthorizerEvent(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `${API_PREFIX}/${method}${path}`,
    resource: resourcePath(method, path),
    path,
    httpMethod: method,
    headers: {
      Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      'User-Agent': 'curl/8.5.0',
      ...headers,
    },
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]] as [string, string[]]),
    ),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: undefined,
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      extendedRequestId: 'EXT-REQ',
      httpMethod: method,
      identity: { ...CALLER_IDENTITY },
      path: `/${STAGE}${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTime: '15/Jun/2026:12:00:00 +0000',
      requestTimeEpoch: 1_781_524_800_000,
      resourceId: 'res1',
      resourcePath: resourcePath(method, path),
      stage: STAGE,
    },
  } as APIGatewayRequestAuthorizerEvent;
}

/** The event an HTTP API (payload 2.0) Lambda authorizer receives for `method path` on `stage`. */
export function httpApiAuthorizerEvent(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  stage = '$default',
): APIGatewayRequestAuthorizerEventV2 {
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const routeKey = httpRouteKey(method, path);
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}${path}`,
    identitySource: headers.authorization ? [headers.authorization] : [],
    routeKey,
    rawPath,
    rawQueryString: '',
    cookies: [],
    headers: { host: `${API_ID}.execute-api.${REGION}.amazonaws.com`, ...headers },
    queryStringParameters: {},
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
      requestId: 'req-2',
      routeKey,
      stage,
      time: '15/Jun/2026:12:00:00 +0000',
      timeEpoch: 1_781_524_800_000,
    },
    pathParameters: {},
    stageVariables: {},
  } as APIGatewayRequestAuthorizerEventV2;
}

export interface ProxyEventOptions {
  body?: string | null;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string> | null;
  /** What the authorizer passed on; null for a route without an authorizer. */
  authorizer?: Record<string, string> | null;
}

/** A REST API Lambda proxy event, as API Gateway hands it to a handler behind the authorizer. */
export function proxyEvent(
  method: string,
  path: string,
  options: ProxyEventOptions = {},
): APIGatewayProxyEvent {
  const headers = options.headers ?? {};
  return {
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: options.authorizer ?? null,
      httpMethod: method,
      identity: { ...CALLER_IDENTITY },
      path: `/${STAGE}${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'req-3',
      requestTimeEpoch: 1_781_524_800_000,
      resourceId: 'res1',
      resourcePath: path,
      stage: STAGE,
    },
  };
}

/** What the authorizer passes on for an admin token, as API Gateway puts it in `requestContext.authorizer`. */
export function adminAuthorizerContext(tokenId = 'AdminTokenId0001'): Record<string, string> {
  return {
    principalId: `token:${tokenId}`,
    token_id: tokenId,
    kind: 'user',
    scopes: JSON.stringify([{ scope: 'global:admin', resources: null }]),
    principal: `token:${tokenId}`,
  };
}
