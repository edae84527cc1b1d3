// A scope catalogue from configuration (the construct's `scopes` prop, the local stack's
// `SCOPES_FILE`, the authorizer's environment), checked before anything relies on it: each problem
// is one line that names the scope and the field at fault.
import { ROUTES } from '#spec/routes';
import { CATALOGUE_METHODS, type Catalogue, GLOBAL_ADMIN } from '#spec/scopes';

/** `area:level`, lower case: `orders:read`. */
const SCOPE_NAME = /^[a-z][a-z0-9-]{0,39}:[a-z][a-z0-9-]{0,39}$/;
/** A literal path segment: no wildcard, no `{`, no percent-escape, never `.` or `..` (checked apart). */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]{1,100}$/;
const RESOURCE = '{resource}';
const MAX_LABEL = 100;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_SCOPES = 500;
const MAX_GRANTS = 50;

/**
 * The first path segments of the token API's own routes (`v1`, `__api__`, ...): only `global:admin`
 * reaches them, so no catalogue scope may grant a path there.
 */
const RESERVED_SEGMENTS: ReadonlySet<string> = new Set(
  ROUTES.filter((route) => route.access !== 'scoped').map((route) => route.path.split('/')[1] ?? ''),
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a grant's path cannot work, or null. */
function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must start with /';
  const body = path.endsWith('/*') ? path.slice(0, -2) : path;
  const segments = body.slice(1).split('/');
  const [first = ''] = segments;
  if (first === '' || first === RESOURCE) return 'must start with a literal segment (/orders/...)';
  if (RESERVED_SEGMENTS.has(first))
    return `may not grant /${first}: the token API's own routes are global:admin's`;
  if (segments.filter((segment) => segment === RESOURCE).length > 1) return 'has more than one {resource}';
  for (const segment of segments) {
    if (segment === RESOURCE) continue;
    if (segment === '') return 'has an empty segment (//, or / at the end)';
    if (segment === '.' || segment === '..' || !LITERAL_SEGMENT.test(segment)) {
      return `has a malformed segment ${JSON.stringify(segment)} (letters, digits, . _ ~ -, or {resource}; /* only at the end)`;
    }
  }
  return null;
}

function grantProblems(where: string, grant: unknown): string[] {
  if (!isObject(grant)) return [`${where} must be an object {"methods", "path"}`];
  const problems: string[] = [];
  const extra = Object.keys(grant).filter((key) => key !== 'methods' && key !== 'path');
  if (extra.length > 0)
    problems.push(`${where} has unknown field ${extra.map((key) => JSON.stringify(key)).join(', ')}`);
  const { methods, path } = grant;
  if (!Array.isArray(methods) || methods.length === 0) {
    problems.push(`${where}.methods must be a non-empty list of ${CATALOGUE_METHODS.join(', ')}, or ["*"]`);
  } else {
    for (const method of methods) {
      if (method === '*' ? methods.length > 1 : !(CATALOGUE_METHODS as readonly unknown[]).includes(method)) {
        problems.push(
          method === '*'
            ? `${where}.methods: "*" stands alone`
            : `${where}.methods has an unknown method ${JSON.stringify(method)} (${CATALOGUE_METHODS.join(', ')}, or "*")`,
        );
      }
    }
    if (new Set(methods).size !== methods.length) problems.push(`${where}.methods lists a method twice`);
  }
  if (typeof path !== 'string') problems.push(`${where}.path must be a string`);
  else {
    const problem = pathProblem(path);
    if (problem) problems.push(`${where}.path ${JSON.stringify(path)} ${problem}`);
  }
  return problems;
}

function scopeProblems(name: string, scope: unknown): string[] {
  if (name === GLOBAL_ADMIN) return [`${name} is built in: leave it out of the catalogue`];
  if (!SCOPE_NAME.test(name))
    return [`${JSON.stringify(name)} is not a scope name: area:level, lower case (orders:read)`];
  if (!isObject(scope)) return [`${name} must be an object {"label", "resources", "grants"}`];
  const problems: string[] = [];
  const extra = Object.keys(scope).filter((key) => !['label', 'resources', 'grants'].includes(key));
  if (extra.length > 0)
    problems.push(`${name} has unknown field ${extra.map((key) => JSON.stringify(key)).join(', ')}`);
  const { label, resources, grants } = scope;
  if (typeof label !== 'string' || label.trim() === '' || label.length > MAX_LABEL || CONTROL.test(label)) {
    problems.push(`${name}.label is missing (a string of 1-${MAX_LABEL} characters on one line)`);
  }
  if (typeof resources !== 'boolean') problems.push(`${name}.resources must be true or false`);
  if (!Array.isArray(grants) || grants.length === 0) {
    problems.push(`${name}.grants is empty: a scope needs at least one grant`);
    return problems;
  }
  if (grants.length > MAX_GRANTS) problems.push(`${name}.grants has more than ${MAX_GRANTS} grants`);
  grants.forEach((grant, index) => {
    problems.push(...grantProblems(`${name}.grants[${index}]`, grant));
  });
  const paths = grants.map((grant: unknown) => (isObject(grant) ? grant.path : undefined));
  const named = paths.some((path) => typeof path === 'string' && path.split('/').includes(RESOURCE));
  if (resources === true && !named)
    problems.push(`${name}.resources is true but no grant path has {resource}`);
  if (resources === false && named)
    problems.push(`${name}.resources is false but a grant path has {resource}`);
  return problems;
}

/** Every problem of `input` as a catalogue, one line each; none when it is a valid catalogue. */
export function catalogueProblems(input: unknown): string[] {
  if (!isObject(input))
    return ['The scope catalogue must be a JSON object: scope name to {"label", "resources", "grants"}'];
  const names = Object.keys(input);
  if (names.length > MAX_SCOPES) return [`The scope catalogue has more than ${MAX_SCOPES} scopes`];
  return names.flatMap((name) => scopeProblems(name, input[name]));
}

/** Thrown for a catalogue that cannot work; its message is one line. */
export class CatalogueError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid scope catalogue: ${problems.join('; ')}`);
    this.name = 'CatalogueError';
    this.problems = problems;
  }
}

/** `input` as a catalogue, or a `CatalogueError` naming every problem. */
export function checkCatalogue(input: unknown): Catalogue {
  const problems = catalogueProblems(input);
  if (problems.length > 0) throw new CatalogueError(problems);
  return input as Catalogue;
}
