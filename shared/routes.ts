// The route table: every HTTP route of the deployment, who may call it, and which function serves it.
// The CDK stack builds API Gateway from it, the local gateway routes with it, the authorizer's
// policies cover its `any-token` routes, and the README's API section is checked against it.
import { PROTECTED_PREFIXES } from './scopes';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'ANY';

/**
 * - `admin`: only `global:admin` tokens (its grant covers every path).
 * - `any-token`: every valid token, whatever its scopes.
 * - `scoped`: the tokens whose scopes grant the method and path (the example protected API).
 * - `public`: no token at all.
 */
export type Access = 'admin' | 'any-token' | 'scoped' | 'public';

export type ErrorFace = 'connect' | 'native';

export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** What a function may touch: its IAM grants are exactly these, in AWS and in the CDK tests. */
export interface FunctionNeeds {
  /** DynamoDB actions on the tokens table (and its indexes, for Query). */
  tokens: readonly TableAction[];
  /** Reads the HMAC key ring from Secrets Manager. */
  hmacKey: boolean;
}

/** How long API Gateway (and the local gateway) may reuse an authorizer's answer for one token. */
export const DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS = 30;

/** The bodies API Gateway itself answers with when the authorizer refuses (native error shape). */
export const GATEWAY_RESPONSES = {
  401: { error: { code: 'unauthorized', message: 'A valid token is required' } },
  403: { error: { code: 'forbidden', message: 'The token does not have the scope this needs' } },
} as const;

export interface FunctionDef {
  /** Stable name: the CDK construct id and the local gateway's handler key. */
  name: string;
  /** Module path from the repository root; it exports `handler`. */
  entry: string;
  needs: FunctionNeeds;
}

export interface Route {
  method: HttpMethod;
  /** API Gateway resource path: `{name}` for a path parameter, `{proxy+}` for the rest of the path. */
  path: string;
  access: Access;
  fn: FunctionDef;
  face: ErrorFace;
}

export const AUTHORIZER: FunctionDef = {
  name: 'Authorizer',
  entry: 'functions/authorizer/handler.ts',
  needs: { tokens: ['GetItem', 'UpdateItem'], hmacKey: true }, // UpdateItem: last_used_at only
};

const fn = (name: string, entry: string, needs: FunctionNeeds): FunctionDef => ({ name, entry, needs });

export const FUNCTIONS = {
  createServiceToken: fn('CreateServiceToken', 'functions/service-tokens/create.ts', {
    tokens: ['PutItem'],
    hmacKey: true,
  }),
  listServiceTokens: fn('ListServiceTokens', 'functions/service-tokens/list.ts', {
    tokens: ['Query'],
    hmacKey: false,
  }),
  listServiceTokenScopes: fn('ListServiceTokenScopes', 'functions/service-tokens/scopes.ts', {
    tokens: [],
    hmacKey: false,
  }),
  deleteServiceToken: fn('DeleteServiceToken', 'functions/service-tokens/delete.ts', {
    tokens: ['GetItem', 'UpdateItem', 'DeleteItem'],
    hmacKey: false,
  }),
  echo: fn('ProtectedEcho', 'functions/example/echo.ts', { tokens: [], hmacKey: false }),
} as const satisfies Record<string, FunctionDef>;

const CONNECT = '/__api__/v1/system/service-tokens';

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: CONNECT, access: 'admin', fn: FUNCTIONS.createServiceToken, face: 'connect' },
  { method: 'GET', path: CONNECT, access: 'admin', fn: FUNCTIONS.listServiceTokens, face: 'connect' },
  {
    method: 'GET',
    path: `${CONNECT}/scopes`,
    access: 'admin',
    fn: FUNCTIONS.listServiceTokenScopes,
    face: 'connect',
  },
  {
    method: 'DELETE',
    path: `${CONNECT}/{guid}`,
    access: 'admin',
    fn: FUNCTIONS.deleteServiceToken,
    face: 'connect',
  },
  // The example protected API: what another team's service looks like behind the authorizer.
  ...PROTECTED_PREFIXES.map(
    (prefix): Route => ({
      method: 'ANY',
      path: `${prefix}/{proxy+}`,
      access: 'scoped',
      fn: FUNCTIONS.echo,
      face: 'native',
    }),
  ),
];

/** Every function the deployment runs, once each. */
export const ALL_FUNCTIONS: readonly FunctionDef[] = [AUTHORIZER, ...Object.values(FUNCTIONS)];
