// The route table: every HTTP route of the deployment, who may call it, and which function serves it.
// The CDK stack builds API Gateway from it, the local gateway routes with it, the authorizer lets
// every valid token call its `any-token` routes, and docs/api.md is checked against it.

import { FUNCTIONS, type HttpFunctionDef } from './functions';
import { type Catalogue, PROTECTED_PREFIXES, protectedPrefixes } from './scopes';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE' | 'ANY';

/**
 * - `admin`: only `global:admin` tokens (its grant covers every path).
 * - `any-token`: every valid token, whatever its scopes.
 * - `scoped`: the tokens whose scopes grant the method and path (the example protected API).
 * - `public`: no token at all.
 */
export type Access = 'admin' | 'any-token' | 'scoped' | 'public';

/** Requests per second over all callers (steady rate, and the burst allowed above it). */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway resource path: `{name}` for a path parameter, `{proxy+}` for the rest of the path. */
  readonly path: string;
  readonly access: Access;
  /** The function serving it; its `face` is the route's error shape. */
  readonly fn: HttpFunctionDef;
  /** A stage throttle on this route alone (in AWS: the stage's method settings). */
  readonly throttle?: Throttle;
}

/**
 * The methods a route answers: a GET route answers HEAD too (the same answer without its body), as
 * HTTP expects of any resource that answers GET; any other route, its own method.
 */
export function methodsOf(route: Pick<Route, 'method'>): readonly HttpMethod[] {
  return route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
}

const CONNECT = '/__api__/v1/system/service-tokens';

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: CONNECT, access: 'admin', fn: FUNCTIONS.createServiceToken },
  { method: 'GET', path: CONNECT, access: 'admin', fn: FUNCTIONS.listServiceTokens },
  {
    method: 'GET',
    path: `${CONNECT}/scopes`,
    access: 'admin',
    fn: FUNCTIONS.listServiceTokenScopes,
  },
  {
    method: 'DELETE',
    path: `${CONNECT}/{guid}`,
    access: 'admin',
    fn: FUNCTIONS.deleteServiceToken,
  },
  { method: 'POST', path: '/v1/tokens', access: 'admin', fn: FUNCTIONS.createToken },
  { method: 'GET', path: '/v1/tokens', access: 'admin', fn: FUNCTIONS.listTokens },
  // Anyone holding a leaked token may revoke it: no token needed, so it is throttled instead.
  {
    method: 'POST',
    path: '/v1/tokens/revoke',
    access: 'public',
    fn: FUNCTIONS.revokeLeakedTokens,
    throttle: { rateLimit: 5, burstLimit: 10 },
  },
  { method: 'GET', path: '/v1/tokens/{id}', access: 'admin', fn: FUNCTIONS.getToken },
  { method: 'GET', path: '/v1/tokens/{id}/usage', access: 'admin', fn: FUNCTIONS.tokenUsage },
  { method: 'PATCH', path: '/v1/tokens/{id}', access: 'admin', fn: FUNCTIONS.updateToken },
  {
    method: 'POST',
    path: '/v1/tokens/{id}/revoke',
    access: 'admin',
    fn: FUNCTIONS.revokeToken,
  },
  { method: 'POST', path: '/v1/tokens/{id}/rotate', access: 'admin', fn: FUNCTIONS.rotateToken },
  // Any valid token may rotate itself: its successor may do no more, and for no longer, than it could.
  { method: 'POST', path: '/v1/tokens/self/rotate', access: 'any-token', fn: FUNCTIONS.rotateSelfToken },
  { method: 'GET', path: '/v1/whoami', access: 'any-token', fn: FUNCTIONS.whoami },
  { method: 'GET', path: '/v1/scopes', access: 'admin', fn: FUNCTIONS.listScopes },
  { method: 'GET', path: '/v1/audit', access: 'admin', fn: FUNCTIONS.listAuditEvents },
  { method: 'GET', path: '/openapi.json', access: 'public', fn: FUNCTIONS.openApi },
  // The example protected API: what another team's service looks like behind the authorizer.
  ...exampleRoutes(PROTECTED_PREFIXES),
];

/** The echo below each protected prefix: `ANY /orders/{proxy+}`. */
function exampleRoutes(prefixes: readonly string[]): Route[] {
  return prefixes.map((prefix) => ({
    method: 'ANY',
    path: `${prefix}/{proxy+}`,
    access: 'scoped',
    fn: FUNCTIONS.echo,
  }));
}

/** The route table for a deployment's own catalogue: the same API, the echo below its scopes' prefixes. */
export function routesFor(catalogue: Catalogue): readonly Route[] {
  return [
    ...ROUTES.filter((route) => route.access !== 'scoped'),
    ...exampleRoutes(protectedPrefixes(catalogue)),
  ];
}
