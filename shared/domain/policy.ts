// From a token's scopes to what it may call: one decision for one request (method and path), made
// segment by segment against the scope catalogue, never by IAM wildcards (IAM's `*` also matches `/`).
// The REST authorizer turns the decision into a policy for exactly the method ARN it was asked
// about; the HTTP API authorizer answers it as a yes/no; the local gateway evaluates that policy.
import { type Access, methodsOf, ROUTES } from '#spec/routes';
import {
  type Catalogue,
  DEFAULT_CATALOGUE,
  GLOBAL_ADMIN,
  GLOBAL_ADMIN_SCOPE,
  type ScopeGrant,
} from '#spec/scopes';

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

/** How many times a segment is percent-decoded looking for a hidden dot segment or separator. */
const DECODE_ROUNDS = 3;

function decodeOnce(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** A `.` or `..` segment, also with a `;parameter` after it (`..;` is `..` to some servers). */
const isDotSegment = (segment: string) => /^\.{1,2}(;.*)?$/s.test(segment);
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Why a request path must not reach any backend, or null when it may be matched against scopes.
 * Refused: a `.` or `..` segment, raw or percent-encoded (in any case, or encoded twice); an
 * encoded `/` or `\`, or a raw `\` (each a separator to some backend, none to API Gateway); a `*`
 * or `?`, raw or encoded (wildcards in the IAM policy whose resource is the method ARN: an Allow
 * for a path with a `*` segment would cover paths with any run of segments there); a control
 * character; a malformed percent-escape. Empty segments (`//`) and a trailing slash are left to the
 * scope matcher, which never lets an empty segment stand for a resource.
 */
export function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'The path must start with /';
  if (path.includes('\\')) return 'The path may not contain a backslash';
  // Stryker disable next-line MethodExpression: equivalent, the empty part before the leading / has nothing to refuse
  for (const raw of path.slice(1).split('/')) {
    let segment = raw;
    for (let round = 0; ; round++) {
      if (isDotSegment(segment)) return 'The path may not contain a . or .. segment, encoded or not';
      if (CONTROL_CHARACTER.test(segment)) return 'The path may not contain control characters';
      // Raw, a segment holds neither: the path is split at /, and a raw \ is refused above.
      if (/[/\\]/.test(segment)) return 'The path may not contain an encoded / or \\';
      if (/[*?]/.test(segment)) return 'The path may not contain a * or ?, encoded or not';
      if (!segment.includes('%')) break;
      if (round === DECODE_ROUNDS) return 'The path is percent-encoded too many times over';
      const decoded = decodeOnce(segment);
      // As sent, a bad escape is malformed; once decoded, a `%` left over is data (`100%25`).
      if (decoded === null) {
        if (round === 0) return 'The path holds a malformed percent-escape';
        break;
      }
      segment = decoded;
    }
  }
  return null;
}

export const isSafePath = (path: string): boolean => pathProblem(path) === null;

/**
 * A path pattern split into segments: literals, `{resource}` (exactly one non-empty segment naming
 * one of the token's resources) and, for a trailing `/*`, "this path and anything below it".
 */
interface PathPattern {
  segments: readonly string[];
  below: boolean;
}

function parsePattern(path: string): PathPattern {
  const below = path.endsWith('/*');
  const body = below ? path.slice(0, -2) : path;
  return { segments: body === '' ? [] : body.slice(1).split('/'), below };
}

/**
 * Whether `parts` (the request path split at `/`, without the leading empty part) fits `pattern`.
 * `segment` decides a non-literal pattern segment: `{resource}` for grants, `{name}` and `{proxy+}`
 * for the route table. Strings are compared, never turned into patterns.
 */
function fits(
  pattern: PathPattern,
  parts: readonly string[],
  segment: (patternPart: string, part: string) => boolean,
): boolean {
  const { segments, below } = pattern;
  if (below ? parts.length < segments.length : parts.length !== segments.length) return false;
  return segments.every((patternPart, index) => {
    const part = parts[index] as string;
    return patternPart.startsWith('{') ? part !== '' && segment(patternPart, part) : part === patternPart;
  });
}

interface CompiledGrant {
  /** The scope that grants it. */
  scope: string;
  /** `["*"]`: any method. */
  anyMethod: boolean;
  methods: readonly string[];
  pattern: PathPattern;
}

/**
 * A catalogue's grants, `global:admin`'s included, parsed once and indexed by the first segment of
 * their path, so that a decision tries only the grants whose path starts as the request's does,
 * however many scopes the catalogue and the token hold. Measured with `npm run bench -- --only cpu`
 * (`catalogue_decision_cpu_p50_us`: 200 scopes, a token holding 50, a path that only the last one
 * grants), trying every held scope's grants in turn a whole check took 0.83 to 0.92 of an RS256 JWT's
 * verification (43 and 67 µs on a loaded machine), and with the index 0.14 to 0.24 (budget: 0.25),
 * about what the default catalogue's one-scope check takes in the same runs.
 */
export interface CompiledCatalogue {
  /** The grants whose path starts with a literal segment, by that segment, in catalogue order. */
  readonly byFirstSegment: ReadonlyMap<string, readonly CompiledGrant[]>;
  /** The grants whose path has no segment before its `/*`: `global:admin`'s. */
  readonly anywhere: readonly CompiledGrant[];
}

/**
 * Parses a checked catalogue's grants once, so that each decision only compares segments. Every
 * path of a checked catalogue starts with a literal segment (`global:admin`'s `/*` has none).
 */
export function compileCatalogue(catalogue: Catalogue): CompiledCatalogue {
  const byFirstSegment = new Map<string, CompiledGrant[]>();
  const anywhere: CompiledGrant[] = [];
  for (const [scope, { grants }] of [
    [GLOBAL_ADMIN, GLOBAL_ADMIN_SCOPE] as const,
    ...Object.entries(catalogue),
  ]) {
    for (const grant of grants) {
      const pattern = parsePattern(grant.path);
      const compiled = { scope, anyMethod: grant.methods.includes('*'), methods: grant.methods, pattern };
      const first = pattern.segments[0];
      if (first === undefined) anywhere.push(compiled);
      else if (byFirstSegment.has(first)) byFirstSegment.get(first)?.push(compiled);
      else byFirstSegment.set(first, [compiled]);
    }
  }
  return { byFirstSegment, anywhere };
}

/** The default catalogue's grants, parsed once. */
export const DEFAULT_GRANTS: CompiledCatalogue = compileCatalogue(DEFAULT_CATALOGUE);

/** A route of the table as requests are matched against it. */
interface RoutePattern {
  methods: readonly string[];
  pattern: PathPattern;
}

/**
 * The route table's routes of the given kinds. Their `{name}` takes one non-empty segment,
 * `{proxy+}` one non-empty segment and anything below it.
 */
function routePatterns(kinds: readonly Access[]): RoutePattern[] {
  return ROUTES.filter((route) => kinds.includes(route.access)).map((route) => ({
    methods: methodsOf(route) as readonly string[],
    // Stryker disable next-line MethodExpression: equivalent for the route table as it is: its any-token and admin routes have no {proxy+}
    pattern: { segments: parsePattern(route.path).segments, below: route.path.endsWith('+}') },
  }));
}

/** The routes every valid token may call (`access: 'any-token'`). */
const ANY_TOKEN_ROUTES = routePatterns(['any-token']);

/**
 * tokengate's own routes behind the authorizer: the management routes and the ones every valid token
 * may call. The only ones a person (an ID token) is ever let through to.
 */
const OWN_ROUTES = routePatterns(['admin', 'any-token']);

/** A route's `{name}` segment takes any one segment (`fits` has made sure it is not empty). */
const anySegment = () => true;

function matchesRoute(routes: readonly RoutePattern[], method: string, parts: readonly string[]): boolean {
  return routes.some(
    (route) =>
      (route.methods.includes(method) ||
        // Stryker disable next-line ConditionalExpression: equivalent for the route table as it is: none of its any-token and admin routes has the method ANY
        route.methods.includes('ANY')) &&
      fits(route.pattern, parts, anySegment),
  );
}

function anyTokenMayCall(method: string, parts: readonly string[]): boolean {
  return matchesRoute(ANY_TOKEN_ROUTES, method, parts);
}

/**
 * Whether `target` is one of tokengate's own routes behind the authorizer (a management route or a
 * self route). A person is let through to these alone: the authorizer also guards teams' APIs, where
 * a person holds nothing, however their groups make them tokengate's admin.
 */
export function isOwnRoute(target: RequestTarget): boolean {
  return matchesRoute(OWN_ROUTES, target.method, target.parts);
}

/**
 * Whether the scopes let a token call `method path` (the path as requested, relative to the API's
 * stage). An unsafe path (see `pathProblem`) is refused to every token, `global:admin` included;
 * `global:admin` reaches every other path through its catalogue grant (any method on `/*`).
 */
export function scopesAllow(
  scopes: readonly ScopeGrant[],
  method: string,
  path: string,
  grants: CompiledCatalogue = DEFAULT_GRANTS,
): boolean {
  const target = requestTarget(method, path);
  return target !== null && targetAllowed(scopes, target, grants);
}

/** A request as `scopesAllow` matches it, worked out before the token's scopes are known. */
export interface RequestTarget {
  method: string;
  /** The path split at `/`, without the leading empty part. */
  parts: readonly string[];
  /** One of the routes every valid token may call. */
  anyToken: boolean;
}

/** The request `method path` made ready for `targetAllowed`, or null for an unsafe path. */
export function requestTarget(method: string, path: string): RequestTarget | null {
  if (!isSafePath(path)) return null;
  const parts = path.slice(1).split('/');
  return { method, parts, anyToken: anyTokenMayCall(method, parts) };
}

/**
 * `scopesAllow` in two halves: this one, once the scopes are read. A scope the catalogue does not
 * hold (one a deployment has removed since the token was made) grants nothing.
 */
export function targetAllowed(
  scopes: readonly ScopeGrant[],
  target: RequestTarget,
  grants: CompiledCatalogue = DEFAULT_GRANTS,
): boolean {
  const { method, parts, anyToken } = target;
  if (anyToken) return true;
  const allows = (grant: CompiledGrant) =>
    (grant.anyMethod || grant.methods.includes(method)) &&
    scopes.some(({ scope, resources }) => {
      if (scope !== grant.scope) return false;
      // Stryker disable next-line ArrayDeclaration: equivalent, a placeholder name in the list only matters to a resource of that very name
      const names = resources ?? [];
      return fits(grant.pattern, parts, (_, part) => names.includes('*') || names.includes(part));
    });
  return (grants.byFirstSegment.get(parts[0] ?? '') ?? []).some(allows) || grants.anywhere.some(allows);
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

/**
 * The REST authorizer's answer: Allow or Deny for exactly the method ARN it was asked about, nothing
 * wider. API Gateway caches it per token, method and path (`REST_AUTHORIZER_IDENTITY`), so it is
 * only ever applied to the request it was decided for.
 */
export function requestPolicy(methodArn: string, effect: 'Allow' | 'Deny'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: [methodArn] }],
  };
}
