// From a token's scopes to what it may call. One set of ARN patterns serves all three uses: the IAM
// policy a REST authorizer returns (cached by API Gateway per token, so it must cover every route the
// token may reach, not just the one being called), the yes/no of an HTTP API authorizer, and the
// local gateway's evaluation of that policy.
import { ROUTES } from './routes';
import { SCOPES, type ScopeGrant } from './scopes';

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` split at the method. */
export interface MethodArn {
  apiPrefix: string;
  method: string;
  path: string;
}

export function parseMethodArn(methodArn: string): MethodArn | null {
  const match = /^(arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+)\/([^/]+)(\/.*)?$/.exec(methodArn);
  if (!match?.[1] || !match[2]) return null;
  return { apiPrefix: match[1], method: match[2], path: match[3] ?? '/' };
}

/**
 * The methods API Gateway puts in a method ARN. A grant for any method names each of them: IAM's `*`
 * also matches slashes, so `*` + `/scim/v2/*` would match `GET/repos/a/scim/v2/x` too.
 */
export const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

function methodsOf(method: string): readonly string[] {
  return method === '*' || method === 'ANY' ? HTTP_METHODS : [method];
}

/** `/x/*` stands for `/x` and everything below it; anything else for itself. */
function expandPath(path: string): string[] {
  if (path === '/*') return ['/*'];
  return path.endsWith('/*') ? [path.slice(0, -2), path] : [path];
}

/** The routes every valid token may call (`access: 'any-token'`): fixed, so derived once. */
const ANY_TOKEN_PATTERNS: readonly string[] = ROUTES.filter((route) => route.access === 'any-token').flatMap(
  (route) => methodsOf(route.method).map((method) => `${method}${route.path}`),
);

/** ARN tails (`METHOD/path`, IAM wildcards) that the scopes grant, plus the routes any token may call. */
export function grantedPatterns(scopes: readonly ScopeGrant[]): string[] {
  if (scopes.some((grant) => grant.scope === 'global:admin')) return ['*/*'];
  const patterns = new Set<string>();
  for (const { scope, resources } of scopes) {
    for (const grant of SCOPES[scope].grants) {
      const paths = grant.path.includes('{resource}')
        ? (resources ?? []).map((name) => grant.path.replace('{resource}', name)) // `*` is IAM's own wildcard
        : [grant.path];
      for (const path of paths.flatMap(expandPath)) {
        for (const method of methodsOf(grant.method)) patterns.add(`${method}${path}`);
      }
    }
  }
  for (const pattern of ANY_TOKEN_PATTERNS) patterns.add(pattern);
  return [...patterns];
}

const GLOB_CACHE_LIMIT = 10_000;
const globCache = new Map<string, RegExp>();

/** IAM string matching: `*` is any run of characters (slashes too), `?` any one character. */
export function globMatches(pattern: string, value: string): boolean {
  let regex = globCache.get(pattern);
  if (!regex) {
    // Patterns carry resource names callers chose: keep the cache from growing without bound.
    if (globCache.size >= GLOB_CACHE_LIMIT) globCache.clear();
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, 's');
    globCache.set(pattern, regex);
  }
  return regex.test(value);
}

/**
 * A bounded memo for the authorizer's hot path: every check of a token derives the same patterns and
 * policy from the same scopes, so they are derived once per scope set (keyed by the scopes' JSON,
 * which the authorizer builds anyway for its context) and API.
 */
class Memo<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly limit: number) {}

  get(key: string, derive: () => T): T {
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.limit) this.entries.clear();
      value = derive();
      this.entries.set(key, value);
    }
    return value;
  }
}

const MEMO_LIMIT = 1_000;
const patternMemo = new Memo<readonly string[]>(MEMO_LIMIT);
const policyMemo = new Memo<PolicyDocument>(MEMO_LIMIT);

/** `scopesKey`: a string that identifies the scopes (their JSON); with it, patterns are remembered. */
function patternsOf(scopes: readonly ScopeGrant[], scopesKey?: string): readonly string[] {
  return scopesKey === undefined
    ? grantedPatterns(scopes)
    : patternMemo.get(scopesKey, () => grantedPatterns(scopes));
}

export function scopesAllow(
  scopes: readonly ScopeGrant[],
  method: string,
  path: string,
  scopesKey?: string,
): boolean {
  const target = `${method}${path}`;
  return patternsOf(scopes, scopesKey).some((pattern) => globMatches(pattern, target));
}

export interface PolicyStatement {
  Action: string;
  Effect: 'Allow' | 'Deny';
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** With `scopesKey` (see scopesAllow), the same document is returned for the same API and scopes. */
export function allowPolicy(
  apiPrefix: string,
  scopes: readonly ScopeGrant[],
  scopesKey?: string,
): PolicyDocument {
  // Any stage and any API id would widen the grant beyond the API that asked; keep both.
  const build = (): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: [
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: patternsOf(scopes, scopesKey).map((pattern) => `${apiPrefix}/${pattern}`),
      },
    ],
  });
  return scopesKey === undefined ? build() : policyMemo.get(`${apiPrefix} ${scopesKey}`, build);
}

/** IAM's answer for one `execute-api:Invoke` on `methodArn`: an explicit Deny wins, then any Allow. */
export function policyAllows(policy: PolicyDocument, methodArn: string): boolean {
  const matching = policy.Statement.filter(
    (statement) =>
      globMatches(statement.Action, 'execute-api:Invoke') &&
      statement.Resource.some((resource) => globMatches(resource, methodArn)),
  );
  return matching.length > 0 && matching.every((statement) => statement.Effect === 'Allow');
}
