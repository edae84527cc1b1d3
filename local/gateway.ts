// The local stand-in for API Gateway (REST API): refuses crafted paths (dot segments, encoded
// separators, IAM wildcards) before anything else, routes with the route table, runs the Lambda
// authorizer as a REQUEST authorizer with API Gateway's result cache (keyed on
// `REST_AUTHORIZER_IDENTITY`; a request with its header twice is refused unasked), judges its IAM
// policy, then calls the route's handler with a proxy event. Free of sockets: local/server.ts
// serves it over HTTP.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { type PolicyDocument, type PolicyStatement, pathProblem } from '#domain/policy';
import { checksOwnToken, type FunctionDef } from '#spec/functions';
import { GATEWAY_RESPONSES, REST_AUTHORIZER_IDENTITY } from '#spec/gateway';
import type { Route } from '#spec/routes';
import { AuthorizerCache } from './authorizer-cache';
import {
  type AuthorizerFacts,
  authorizerEvent,
  type GatewayRequest,
  INTEGRATION_TIMEOUT_MS,
  identityValues,
  lambdaContext,
  methodArn,
  proxyEvent,
} from './events';
import { policyAllows } from './iam-policy';
import { runInInvokeContext } from './invoke-context';
import { type RouteMatch, RouteTable } from './routing';
import { TokenBucket } from './throttle';

/** A Lambda handler as the runtime calls it (middy handlers are this). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaFunction {
  fn: FunctionDef;
  handler: LambdaHandler;
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

/**
 * Answers API Gateway gives itself, in the native error shape (401, 403, 429 and the authorizer's 500
 * are the deployment's own: `GATEWAY_RESPONSES`).
 */
export const GATEWAY_ERRORS = {
  400: { error: { code: 'invalid_request', message: 'The request could not be read' } },
  404: { error: { code: 'not_found', message: 'No route matches this method and path' } },
  413: { error: { code: 'payload_too_large', message: 'The request body must be at most 10 MB' } },
  502: { error: { code: 'bad_gateway', message: 'Internal server error' } },
  503: { error: { code: 'unavailable', message: 'The local stack is starting or stopping' } },
  504: { error: { code: 'gateway_timeout', message: 'The handler did not answer in time' } },
} as const;

export function gatewayResponse(statusCode: number, body: unknown, requestId?: string): GatewayResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      ...(requestId && { 'x-amzn-requestid': requestId }),
    },
    body: JSON.stringify(body),
  };
}

const contextValue = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = z.union([z.string(), z.array(z.string())]);

/** The REST authorizer's output. Anything else is a misconfigured authorizer: 500, never cached. */
const authorizerResultSchema = z.object({
  principalId: z.string().min(1),
  policyDocument: z.object({
    Version: z.string(),
    Statement: z
      .array(z.object({ Action: oneOrMany, Effect: z.enum(['Allow', 'Deny']), Resource: oneOrMany }))
      .min(1),
  }),
  context: z.record(z.string(), contextValue).nullish(),
});

const proxyResultSchema = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), contextValue).nullish(),
  multiValueHeaders: z.record(z.string(), z.array(contextValue)).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

interface AuthorizerAnswer {
  principalId: string;
  policy: PolicyDocument;
  context: Record<string, string | number | boolean>;
}

function parseAuthorizerAnswer(value: unknown): AuthorizerAnswer | null {
  const parsed = authorizerResultSchema.safeParse(value);
  if (!parsed.success) return null;
  const list = (item: string | string[]) => (Array.isArray(item) ? item : [item]);
  const statements: PolicyStatement[] = parsed.data.policyDocument.Statement.flatMap((statement) =>
    list(statement.Action).map((Action) => ({
      Action,
      Effect: statement.Effect,
      Resource: list(statement.Resource),
    })),
  );
  return {
    principalId: parsed.data.principalId,
    policy: { Version: '2012-10-17', Statement: statements },
    context: parsed.data.context ?? {},
  };
}

class IntegrationTimeout extends Error {}

export interface GatewayOptions {
  routes: readonly Route[];
  authorizer: LambdaFunction;
  /** Handlers by `FunctionDef.entry`. */
  handlers: ReadonlyMap<string, LambdaHandler>;
  /** Authorizer result cache TTL; 0 disables the cache. */
  cacheTtlSeconds: number;
  now?: () => number;
  timeoutMs?: number;
  /** Called with one line on failures worth knowing about. Never given a header or event. */
  onError?: (message: string) => void;
  /** The web console's files (local/console-site.ts), served where no route matches. */
  site?: { answer(method: string, path: string): GatewayResponse | null };
  /** Given each request's access-log line, as API Gateway writes it (local/access-log.ts). */
  accessLog?: (line: AccessLogEntry) => void;
}

/** What an access-log line says of a request: the request, its answer, and the caller the authorizer named. */
export interface AccessLogEntry {
  request: GatewayRequest;
  route: Route | undefined;
  status: number;
  /** The authorizer's `principalId` (`token:<id>`), on an answer it allowed or denied; else undefined. */
  principal: string | undefined;
  latencyMs: number;
}

type Authorization =
  | { ok: true; facts: AuthorizerFacts | undefined }
  | { ok: false; response: GatewayResponse; principal?: string };

/** An answer, and what the access log says of the request it answered. */
interface Answer {
  response: GatewayResponse;
  route?: Route;
  principal?: string;
}

export class Gateway {
  private readonly table: RouteTable;
  private readonly cache: AuthorizerCache<AuthorizerAnswer>;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly throttles = new Map<Route, TokenBucket>();

  constructor(private readonly options: GatewayOptions) {
    this.table = new RouteTable(options.routes);
    this.now = options.now ?? Date.now;
    this.cache = new AuthorizerCache({ ttlSeconds: options.cacheTtlSeconds, now: this.now });
    this.timeoutMs = options.timeoutMs ?? INTEGRATION_TIMEOUT_MS;
    for (const route of options.routes) {
      if (!options.handlers.has(route.fn.entry)) throw new Error(`No handler loaded for ${route.fn.entry}`);
      if (route.throttle) this.throttles.set(route, new TokenBucket(route.throttle, this.now));
    }
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const started = this.now();
    const { response, route, principal } = await this.answer(request);
    this.options.accessLog?.({
      request,
      route,
      status: response.statusCode,
      principal,
      latencyMs: this.now() - started,
    });
    return response;
  }

  private async answer(request: GatewayRequest): Promise<Answer> {
    const { requestId } = request;
    // No backend, nor the authorizer, sees a path that some server would read as another one.
    const problem = pathProblem(request.path);
    if (problem) {
      const body = { error: { code: 'invalid_request', message: problem, field: 'path' } };
      return { response: gatewayResponse(400, body, requestId) };
    }
    const match = this.table.match(request.method, request.path);
    if (!match) {
      // The routes come first; then the console's files, by exact path (as CloudFront does in AWS).
      return {
        response:
          this.options.site?.answer(request.method, request.path) ??
          gatewayResponse(404, GATEWAY_ERRORS[404], requestId),
      };
    }
    // Stage throttling comes before the authorizer, as in API Gateway.
    const { route } = match;
    if (this.throttles.get(route)?.take() === false) {
      return { response: gatewayResponse(429, GATEWAY_RESPONSES[429], requestId), route };
    }
    const authorization = await this.authorize(request, match);
    if (!authorization.ok)
      return { response: authorization.response, route, principal: authorization.principal };
    const principal = authorization.facts?.principalId;
    const handler = this.options.handlers.get(match.route.fn.entry) as LambdaHandler; // checked in constructor
    const event = proxyEvent(request, match, authorization.facts);
    let result: unknown;
    try {
      result = await this.invoke({ fn: match.route.fn, handler }, event);
    } catch (error) {
      const status = error instanceof IntegrationTimeout ? 504 : 502;
      if (status === 502) this.options.onError?.(`${match.route.fn.name} failed: ${messageOf(error)}`);
      return { response: gatewayResponse(status, GATEWAY_ERRORS[status], requestId), route, principal };
    }
    return { response: this.integrationResponse(match.route.fn, result, requestId), route, principal };
  }

  private async authorize(request: GatewayRequest, match: RouteMatch): Promise<Authorization> {
    // A public route needs no token; a function that checks its own asks the authorizer itself.
    if (match.route.access === 'public' || checksOwnToken(match.route.fn))
      return { ok: true, facts: undefined };
    const refuse = (statusCode: 401 | 403 | 500, principal?: string): Authorization => ({
      ok: false,
      ...(principal !== undefined && { principal }),
      response: gatewayResponse(statusCode, GATEWAY_RESPONSES[statusCode], request.requestId),
    });
    // The identity sources: without any one of them the authorizer is not called.
    const identity = identityValues(request, match, REST_AUTHORIZER_IDENTITY);
    if (!identity) return refuse(401);
    let answer = this.cache.get(identity);
    if (!answer) {
      const started = this.now();
      let result: unknown;
      try {
        result = await this.invoke(this.options.authorizer, authorizerEvent(request, match));
      } catch (error) {
        // Only this exact message means "refused"; anything else is API Gateway's
        // AuthorizerConfigurationException, never cached. Refusals are not cached either: a refused
        // token stays refused, so only the authorizer's call count could tell the difference.
        if (error instanceof Error && error.message === 'Unauthorized') return refuse(401);
        this.options.onError?.(`The authorizer failed: ${messageOf(error)}`);
        return refuse(500);
      }
      const parsed = parseAuthorizerAnswer(result);
      if (!parsed) {
        this.options.onError?.('The authorizer returned no valid principalId and policyDocument');
        return refuse(500);
      }
      answer = { ...parsed, context: { ...parsed.context, integrationLatency: this.now() - started } };
      this.cache.set(identity, answer);
    }
    if (!policyAllows(answer.policy, methodArn(request.method, request.path)))
      return refuse(403, answer.principalId);
    return { ok: true, facts: { principalId: answer.principalId, ...answer.context } };
  }

  private async invoke({ fn, handler }: LambdaFunction, event: unknown): Promise<unknown> {
    const deadline = this.now() + this.timeoutMs;
    const context = lambdaContext(fn, randomUUID(), deadline, this.now);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IntegrationTimeout()), this.timeoutMs);
    });
    try {
      return await Promise.race([runInInvokeContext(context, () => handler(event, context)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private integrationResponse(fn: FunctionDef, result: unknown, requestId: string): GatewayResponse {
    const parsed = proxyResultSchema.safeParse(result);
    if (!parsed.success) {
      this.options.onError?.(`${fn.name} returned a malformed Lambda proxy response`);
      return gatewayResponse(502, GATEWAY_ERRORS[502], requestId);
    }
    const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = parsed.data;
    const merged: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers ?? {})) merged[name.toLowerCase()] = String(value);
    for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
      const key = name.toLowerCase();
      const existing = merged[key];
      merged[key] = [...(existing === undefined ? [] : [existing].flat()), ...values.map(String)];
    }
    merged['content-type'] ??= 'application/json'; // API Gateway's default
    merged['x-amzn-requestid'] = requestId;
    return {
      statusCode,
      headers: merged,
      body: isBase64Encoded ? Buffer.from(body ?? '', 'base64') : (body ?? ''),
    };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
