// What API Gateway (REST API, Lambda proxy integration) hands to Lambda, built from a local HTTP
// request: the REQUEST authorizer event, the proxy event (payload v1) and a Lambda context.
// Formats: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
// and set-up-lambda-proxy-integrations.html. Header names keep the case the client sent, as in AWS.
import type {
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import type { FunctionDef } from '#spec/functions';
import type { IdentityPart } from '#spec/gateway';
import type { RouteMatch } from './routing';

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_API_ID = 'local';
export const LOCAL_STAGE = 'local';

/** How long API Gateway REST waits for an integration, and so the time a handler has locally. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** An HTTP request as the gateway received it. */
export interface GatewayRequest {
  method: string;
  /** As sent: percent-encoded, without the query string. */
  path: string;
  /** As sent, without the `?`. */
  query: string;
  /** Name/value pairs in the order and case sent (node's `rawHeaders`). */
  rawHeaders: readonly string[];
  body: Buffer | null;
  sourceIp: string;
  requestId: string;
  receivedAt: Date;
}

export interface HeaderMaps {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
}

/** The single-value map keeps the last value of a repeated header, the multi-value map all of them. */
export function headerMaps(rawHeaders: readonly string[]): HeaderMaps {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  return { headers, multiValueHeaders };
}

/** Every value sent for header `name`, in order, ignoring the case of the name. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const wanted = name.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === wanted) found.push(rawHeaders[i + 1] as string);
  }
  return found;
}

/** Header lookup ignoring case. Last value wins. */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  return headerValues(rawHeaders, name).at(-1);
}

export interface QueryMaps {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
}

/** Decoded parameters; both maps are null when the request has none, as in a proxy event. */
export function queryMaps(query: string): QueryMaps {
  const params = new URLSearchParams(query);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    single[name] = value;
    const values = multi[name] ?? [];
    values.push(value);
    multi[name] = values;
  }
  if (Object.keys(single).length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{path}`, path as requested. */
export function methodArn(method: string, path: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${LOCAL_STAGE}/${method}${path}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `09/Apr/2015:12:34:56 +0000`, API Gateway's `requestTime`. */
export function requestTime(at: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const day = pad(at.getUTCDate());
  const month = MONTHS[at.getUTCMonth()];
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return `${day}/${month}/${at.getUTCFullYear()}:${time} +0000`;
}

/** The caller as API Gateway describes a plain HTTPS client: no IAM, Cognito or API key identity. */
export function callerIdentity(sourceIp: string, userAgent: string | null): APIGatewayEventIdentity {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

function identity(request: GatewayRequest): APIGatewayEventIdentity {
  return callerIdentity(request.sourceIp, headerValue(request.rawHeaders, 'user-agent') ?? null);
}

function requestContext<T>(
  request: GatewayRequest,
  match: RouteMatch,
  authorizer: T,
): APIGatewayEventRequestContextWithAuthorizer<T> {
  return {
    accountId: LOCAL_ACCOUNT,
    apiId: LOCAL_API_ID,
    authorizer,
    domainName: headerValue(request.rawHeaders, 'host') ?? 'localhost',
    domainPrefix: 'localhost',
    extendedRequestId: request.requestId,
    httpMethod: request.method,
    identity: identity(request),
    path: `/${LOCAL_STAGE}${request.path}`,
    protocol: 'HTTP/1.1',
    requestId: request.requestId,
    requestTime: requestTime(request.receivedAt),
    requestTimeEpoch: request.receivedAt.getTime(),
    resourceId: match.route.fn.name,
    resourcePath: match.route.path,
    stage: LOCAL_STAGE,
  };
}

/**
 * What API Gateway reads for each identity source of a REQUEST authorizer: a header (ignoring case)
 * or a `$context` variable of the request. Null when one is missing or empty, or a header was sent
 * more than once (the cache would be keyed on one value while the authorizer could decide on
 * another): the gateway then answers 401 without calling the authorizer.
 */
export function identityValues(
  request: GatewayRequest,
  match: RouteMatch,
  parts: readonly IdentityPart[],
): string[] | null {
  const context = requestContext(request, match, undefined) as unknown as Record<string, unknown>;
  const sole = (values: string[]) => (values.length === 1 ? values[0] : undefined);
  const values = parts.map(({ from, name }) =>
    from === 'header' ? sole(headerValues(request.rawHeaders, name)) : context[name],
  );
  return values.every((value): value is string => typeof value === 'string' && value.trim() !== '')
    ? values
    : null;
}

export function authorizerEvent(
  request: GatewayRequest,
  match: RouteMatch,
): APIGatewayRequestAuthorizerEvent {
  const query = queryMaps(request.query);
  return {
    type: 'REQUEST',
    methodArn: methodArn(request.method, request.path),
    resource: match.route.path,
    path: request.path,
    httpMethod: request.method,
    ...headerMaps(request.rawHeaders),
    // An authorizer sees empty maps where a proxy integration sees null.
    queryStringParameters: query.queryStringParameters ?? {},
    multiValueQueryStringParameters: query.multiValueQueryStringParameters ?? {},
    pathParameters: match.pathParameters ?? {},
    stageVariables: {},
    requestContext: requestContext(request, match, undefined),
  };
}

/** What the integration sees of the authorizer's answer: its context plus the principal. */
export type AuthorizerFacts = { principalId: string } & Record<string, string | number | boolean>;

export function proxyEvent(
  request: GatewayRequest,
  match: RouteMatch,
  authorizer: AuthorizerFacts | undefined,
): APIGatewayProxyEvent {
  return {
    resource: match.route.path,
    path: request.path,
    httpMethod: request.method,
    ...headerMaps(request.rawHeaders),
    ...queryMaps(request.query),
    pathParameters: match.pathParameters,
    stageVariables: null,
    requestContext: requestContext(request, match, authorizer),
    body: request.body && request.body.length > 0 ? request.body.toString('utf8') : null,
    isBase64Encoded: false,
  };
}

/** A Lambda context for one invocation of `fn`, with the time left counted from `deadline`. */
export function lambdaContext(
  fn: FunctionDef,
  awsRequestId: string,
  deadline: number,
  now: () => number = Date.now,
): Context {
  const functionName = `tokengate-${fn.name}`;
  const unsupported = () => {
    throw new Error('The callback-style context methods are not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
