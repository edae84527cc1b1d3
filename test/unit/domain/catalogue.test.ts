// A scope catalogue from configuration: the checks that stop a catalogue which cannot work, one line
// per problem, and, for any catalogue they let through, the production matcher against a reference
// matcher written here another way (by substituting the resource into the pattern and comparing strings).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogueError, catalogueProblems, checkCatalogue } from '#domain/catalogue';
import { compileCatalogue, DEFAULT_GRANTS, scopesAllow } from '#domain/policy';
import {
  type Catalogue,
  DEFAULT_CATALOGUE,
  GLOBAL_ADMIN,
  SCOPE_NAMES,
  SCOPES,
  type ScopeGrant,
  type ScopeName,
  scopeEntries,
} from '#spec/scopes';
import { heldScopes, largeCatalogue } from '#test-support/large-catalogue';
import { ORDERS } from '#test-support/orders-catalogue';

/** A token's scope grant; the scope may be one no catalogue knows. */
const held = (scope: string, resources: string[] | null = null) => ({ scope, resources }) as ScopeGrant;

describe('catalogueProblems', () => {
  it('accepts the default catalogue and a team catalogue', () => {
    expect(catalogueProblems(DEFAULT_CATALOGUE)).toEqual([]);
    expect(catalogueProblems(ORDERS)).toEqual([]);
    expect(catalogueProblems({})).toEqual([]);
    expect(checkCatalogue(JSON.parse(JSON.stringify(ORDERS)))).toEqual(ORDERS);
  });

  const scope = (grants: unknown, extra: Record<string, unknown> = {}) => ({
    label: 'Orders: Read',
    resources: true,
    grants,
    ...extra,
  });
  const one = (path: string, methods: unknown = ['GET']) => scope([{ methods, path }]);

  it.each([
    [
      'a malformed path',
      { 'orders:read': one('orders/{resource}') },
      'orders:read.grants[0].path "orders/{resource}" must start with /',
    ],
    [
      'a wildcard inside a path',
      { 'orders:read': one('/orders/*/{resource}') },
      'has a malformed segment "*"',
    ],
    ['an empty segment', { 'orders:read': one('/orders//{resource}') }, 'has an empty segment'],
    ['a dot segment', { 'orders:read': one('/orders/../{resource}') }, 'has a malformed segment ".."'],
    ['a percent-escape', { 'orders:read': one('/orders/%2e/{resource}') }, 'has a malformed segment "%2e"'],
    [
      'two {resource} segments',
      { 'orders:read': one('/orders/{resource}/{resource}/*') },
      'has more than one {resource}',
    ],
    [
      'a path of everything',
      { 'orders:read': scope([{ methods: ['GET'], path: '/*' }], { resources: false }) },
      'must start with a literal segment',
    ],
    ['a {resource} first', { 'orders:read': one('/{resource}/*') }, 'must start with a literal segment'],
    [
      'the token API itself',
      { 'orders:read': scope([{ methods: ['GET'], path: '/v1/tokens' }], { resources: false }) },
      "may not grant /v1: the token API's own routes are global:admin's",
    ],
    [
      'the Connect system routes',
      { 'orders:read': scope([{ methods: ['*'], path: '/__api__/*' }], { resources: false }) },
      'may not grant /__api__',
    ],
    [
      'an unknown method',
      { 'orders:read': one('/orders/{resource}', ['GET', 'FETCH']) },
      'orders:read.grants[0].methods has an unknown method "FETCH"',
    ],
    [
      'a lower-case method',
      { 'orders:read': one('/orders/{resource}', ['get']) },
      'has an unknown method "get"',
    ],
    ['* beside a method', { 'orders:read': one('/orders/{resource}', ['*', 'GET']) }, '"*" stands alone'],
    [
      'no methods',
      { 'orders:read': one('/orders/{resource}', []) },
      'orders:read.grants[0].methods must be a non-empty list',
    ],
    [
      'global:admin',
      { 'global:admin': one('/orders/{resource}') },
      'global:admin is built in: leave it out of the catalogue',
    ],
    [
      'a name not area:level',
      { orders: one('/orders/{resource}') },
      '"orders" is not a scope name: area:level',
    ],
    ['a name in capitals', { 'Orders:Read': one('/orders/{resource}') }, '"Orders:Read" is not a scope name'],
    ['a name with three parts', { 'a:b:c': one('/orders/{resource}') }, '"a:b:c" is not a scope name'],
    [
      'an empty grant list',
      { 'orders:read': scope([]) },
      'orders:read.grants is empty: a scope needs at least one grant',
    ],
    ['no grants at all', { 'orders:read': { label: 'x', resources: false } }, 'orders:read.grants is empty'],
    [
      'a missing label',
      { 'orders:read': { resources: true, grants: [{ methods: ['GET'], path: '/orders/{resource}' }] } },
      'orders:read.label is missing',
    ],
    [
      'a blank label',
      { 'orders:read': scope([{ methods: ['GET'], path: '/orders/{resource}' }], { label: ' ' }) },
      'orders:read.label is missing',
    ],
    [
      'a label on two lines',
      { 'orders:read': scope([{ methods: ['GET'], path: '/orders/{resource}' }], { label: 'a\nb' }) },
      'orders:read.label is missing',
    ],
    [
      'resources not a boolean',
      { 'orders:read': scope([{ methods: ['GET'], path: '/orders/{resource}' }], { resources: 'yes' }) },
      'orders:read.resources must be true or false',
    ],
    [
      'resources with no {resource}',
      { 'orders:read': one('/orders/*') },
      'orders:read.resources is true but no grant path has {resource}',
    ],
    [
      '{resource} without resources',
      { 'orders:read': scope([{ methods: ['GET'], path: '/orders/{resource}' }], { resources: false }) },
      'orders:read.resources is false but a grant path has {resource}',
    ],
    [
      'a misspelt field',
      { 'orders:read': scope([{ methods: ['GET'], path: '/orders/{resource}' }], { grant: [] }) },
      'orders:read has unknown field "grant"',
    ],
    [
      'a grant not an object',
      { 'orders:read': scope(['GET /orders'], { resources: false }) },
      'orders:read.grants[0] must be an object',
    ],
    ['not an object', ['orders:read'], 'The scope catalogue must be a JSON object'],
  ])('refuses %s, in one line naming it', (_, input, line) => {
    const problems = catalogueProblems(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(line);
    expect(() => checkCatalogue(input)).toThrow(CatalogueError);
    expect(() => checkCatalogue(input)).toThrow(`Invalid scope catalogue: ${problems[0]}`);
  });

  it('names every problem, each on its own line, and the error is one line', () => {
    const input = { 'global:admin': {}, 'orders:read': one('/orders/{resource}/{resource}', ['FETCH']) };
    const problems = catalogueProblems(input);
    expect(problems).toHaveLength(3);
    expect(() => checkCatalogue(input)).toThrow(
      /^Invalid scope catalogue: global:admin is built in.*; .*; .*$/,
    );
    for (const problem of problems) expect(problem).not.toMatch(/\n/);
  });
});

describe('the default catalogue', () => {
  it('is the table of scopes, global:admin added, with each scope labelled', () => {
    expect(SCOPE_NAMES).toEqual([GLOBAL_ADMIN, ...Object.keys(DEFAULT_CATALOGUE)]);
    for (const name of SCOPE_NAMES) expect(SCOPES[name].label).toMatch(/^[A-Z][A-Za-z ]+: [A-Z][a-z]+$/);
    expect(SCOPES['repos:read'].label).toBe('Repositories: Read');
  });

  it('decides the same, read back from JSON, as the default compiled at start', () => {
    const fromJson = compileCatalogue(checkCatalogue(JSON.parse(JSON.stringify(DEFAULT_CATALOGUE))));
    expect([...fromJson.byFirstSegment.keys()]).toEqual([...DEFAULT_GRANTS.byFirstSegment.keys()]);
    expect(fromJson).toEqual(DEFAULT_GRANTS);
  });
});

describe('a team catalogue', () => {
  const grants = compileCatalogue(ORDERS);
  it('grants its own paths to its own scopes, and nothing of the default catalogue', () => {
    expect(scopesAllow([held('orders:read', ['o-1'])], 'GET', '/orders/o-1/lines', grants)).toBe(true);
    expect(scopesAllow([held('orders:read', ['o-1'])], 'GET', '/orders/o-1', grants)).toBe(true);
    expect(scopesAllow([held('orders:read', ['o-1'])], 'PUT', '/orders/o-1', grants)).toBe(false);
    expect(scopesAllow([held('orders:read', ['o-1'])], 'GET', '/orders/o-2', grants)).toBe(false);
    expect(scopesAllow([held('orders:write', ['*'])], 'DELETE', '/orders/o-2', grants)).toBe(true);
    expect(scopesAllow([held('reports:read')], 'HEAD', '/reports/q1', grants)).toBe(true);
    expect(scopesAllow([held('reports:read')], 'POST', '/reports/q1', grants)).toBe(false);
    expect(scopesAllow([held('repos:read', ['*'])], 'GET', '/repos/cran/x', grants)).toBe(false);
    expect(scopesAllow([held('repos:read', ['*'])], 'GET', '/repos/cran/x')).toBe(true);
  });

  it('grants nothing for a scope it no longer holds, and global:admin is still everything', () => {
    expect(scopesAllow([held('gone:read'), held('reports:read')], 'GET', '/gone', grants)).toBe(false);
    expect(scopesAllow([held('gone:read'), held('reports:read')], 'GET', '/reports', grants)).toBe(true);
    expect(scopesAllow([held(GLOBAL_ADMIN)], 'DELETE', '/v1/tokens/x', grants)).toBe(true);
    expect(scopesAllow([held(GLOBAL_ADMIN)], 'GET', '/orders/../v1', grants)).toBe(false);
  });
});

// ---- The reference matcher and the generated catalogues -----------------------------------------

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const LITERALS = ['orders', 'reports', 'lines', 'v2', 'a.b'];
const NAMES = ['o-1', 'o-2', 'lines'];

/**
 * Whether `scopes` reach `method path` under `catalogue`, decided the plainest way: for each grant,
 * put each of the token's resource names (for `*`, the path's own segment there) in place of
 * `{resource}`, then compare strings: the path is the pattern, or below it for a trailing `/*`.
 * Only for safe paths outside the token API's own routes, as the generators below give.
 */
function referenceAllows(catalogue: Catalogue, scopes: readonly ScopeGrant[], method: string, path: string) {
  return scopes.some(({ scope, resources }) => {
    if (scope === GLOBAL_ADMIN) return true;
    const definition = Object.hasOwn(catalogue, scope) ? catalogue[scope] : undefined;
    return (definition?.grants ?? []).some(({ methods, path: pattern }) => {
      if (!methods.includes('*') && !methods.some((m) => m === method)) return false;
      const below = pattern.endsWith('/*');
      const body = below ? pattern.slice(0, -2) : pattern;
      const index = body.split('/').indexOf('{resource}');
      const own = path.split('/')[index] ?? '';
      const names =
        index === -1 ? [''] : (resources ?? []).flatMap((name) => (name === '*' ? [own] : [name]));
      return names
        .filter((name) => index === -1 || name !== '')
        .map((name) => body.replace('{resource}', name))
        .some((concrete) => path === concrete || (below && path.startsWith(`${concrete}/`)));
    });
  });
}

const segment = fc.constantFrom(...LITERALS);
const grantPath = fc
  .tuple(
    segment,
    fc.array(
      fc.oneof({ weight: 2, arbitrary: segment }, { weight: 1, arbitrary: fc.constant('{resource}') }),
      {
        maxLength: 3,
      },
    ),
    fc.boolean(),
  )
  .map(([first, rest, below]) => `/${[first, ...rest].join('/')}${below ? '/*' : ''}`);
/** Now and then something the checks refuse. */
const rarely = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 15, arbitrary: usual }, { weight: 1, arbitrary: odd });
const grantMethods: fc.Arbitrary<readonly string[]> = rarely<readonly string[]>(
  fc.oneof(fc.constant(['*']), fc.subarray([...METHODS], { minLength: 1 })),
  fc.constant(['GET', 'FETCH']),
);
const scopeName = rarely(
  fc.constantFrom('orders:read', 'orders:write', 'reports:read', 'lines:admin', 'a-b:c1'),
  fc.constantFrom('global:admin', 'Orders:read'),
);
/** Catalogues (typed as valid, checked before use) that are mostly valid, sometimes not (an unknown method, two `{resource}`, a bad name). */
const catalogue = fc
  .dictionary(
    scopeName,
    fc.record({
      label: rarely(fc.constantFrom('Orders: Read', 'Reports'), fc.constant('')),
      grants: fc.array(fc.record({ methods: grantMethods, path: grantPath }), { minLength: 1, maxLength: 3 }),
    }),
    { minKeys: 1, maxKeys: 4 },
  )
  .map(
    (scopes) =>
      Object.fromEntries(
        Object.entries(scopes).map(([name, { label, grants }]) => [
          name,
          { label, resources: grants.some((g) => g.path.includes('{resource}')), grants },
        ]),
      ) as Catalogue,
  );
const requestPath = fc
  .array(fc.constantFrom(...LITERALS, ...NAMES, '', 'x'), { maxLength: 5 })
  .map((parts) => `/${parts.join('/')}`);
const requestMethod = fc.constantFrom(...METHODS, 'FETCH');
/**
 * A catalogue, a token and a request; the path is mostly one of the catalogue's own grant paths with
 * a resource name put in, cut short or carried further, so that both answers come up often.
 */
const request = catalogue.chain((input) => {
  const patterns = Object.values(input).flatMap((scope) => scope.grants.map((grant) => grant.path));
  const near = fc
    .tuple(
      fc.constantFrom(...patterns, '/orders/{resource}/*'),
      fc.constantFrom(...NAMES, ''),
      fc.integer({ min: -1, max: 1 }),
      fc.array(fc.constantFrom(...LITERALS, ...NAMES, ''), { maxLength: 2 }),
    )
    .map(([pattern, name, cut, more]) => {
      const parts = pattern.replace(/\/\*$/, '').replace('{resource}', name).split('/');
      return [...parts.slice(0, cut < 0 ? -1 : parts.length), ...(cut > 0 ? more : [])].join('/') || '/';
    });
  const held = fc.constantFrom(...Object.keys(input), 'gone:read');
  const scopes = fc.array(
    fc.record({
      scope: fc.oneof({ weight: 9, arbitrary: held }, { weight: 1, arbitrary: fc.constant(GLOBAL_ADMIN) }),
      resources: fc.option(fc.array(fc.constantFrom(...NAMES, '*', '*'), { minLength: 1, maxLength: 3 }), {
        freq: 4,
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ) as fc.Arbitrary<ScopeGrant[]>;
  return fc.record({
    input: fc.constant(input),
    scopes,
    method: fc.oneof(fc.constant('GET'), requestMethod),
    path: fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: requestPath }),
  });
});

describe('any catalogue the checks accept', () => {
  it('decides every request as the reference matcher does', () => {
    let accepted = 0;
    let allowed = 0;
    fc.assert(
      fc.property(request, ({ input, scopes, method, path }) => {
        if (catalogueProblems(input).length > 0) return;
        accepted++;
        if (referenceAllows(input, scopes, method, path)) allowed++;
        const grants = compileCatalogue(checkCatalogue(input));
        expect(scopesAllow(scopes, method, path, grants)).toBe(referenceAllows(input, scopes, method, path));
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(800);
    expect(allowed).toBeGreaterThan(200);
    expect(accepted - allowed).toBeGreaterThan(300);
  });

  it('reaches a path granted with a resource exactly for the tokens naming it or *', () => {
    fc.assert(
      fc.property(catalogue, fc.constantFrom(...NAMES), requestMethod, (input, name, method) => {
        if (catalogueProblems(input).length > 0) return;
        const grants = compileCatalogue(input);
        for (const [scope, definition] of Object.entries(input)) {
          for (const grant of definition.grants) {
            if (!grant.path.includes('{resource}')) continue;
            const path = grant.path.replace('{resource}', name).replace(/\/\*$/, '');
            const reaches = grant.methods.includes('*') || grant.methods.some((m) => m === method);
            if (reaches) expect(scopesAllow([held(scope, [name])], method, path, grants)).toBe(true);
            if (reaches) expect(scopesAllow([held(scope, ['*'])], method, path, grants)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the scope names of the default catalogue', () => {
  it('are the ones a token of this deployment may hold', () => {
    const names: readonly ScopeName[] = SCOPE_NAMES;
    expect(names).toContain('sources:write');
  });
});

describe("a deployment's own catalogue, as the API lists it", () => {
  it('describes global:admin as the default does and each own scope by its label; only scopes without resources are Connect service scopes', () => {
    const entries = scopeEntries(ORDERS);
    expect(
      entries.map(({ name, description, service, resourceKind }) => ({
        name,
        description,
        service,
        resourceKind,
      })),
    ).toEqual([
      {
        name: 'global:admin',
        description: 'Everything, including token management and audit',
        service: false,
        resourceKind: null,
      },
      { name: 'orders:read', description: 'Orders: Read', service: false, resourceKind: null },
      { name: 'orders:write', description: 'Orders: Write', service: false, resourceKind: null },
      { name: 'reports:read', description: 'Reports: Read', service: true, resourceKind: null },
    ]);
  });
});

describe('a catalogue of 200 scopes, indexed by first path segment', () => {
  it('decides as the reference matcher for a token holding 50 of them, on every grant of every scope', () => {
    const large = largeCatalogue(200);
    const grants = compileCatalogue(checkCatalogue(large));
    const fifty = heldScopes(large, 50);
    let allowed = 0;
    for (const scopes of [fifty, [...fifty, held(GLOBAL_ADMIN)], [held('gone:read')]]) {
      for (const { grants: scopeGrants } of Object.values(large)) {
        for (const { path } of scopeGrants) {
          for (const name of ['r-2', 'r-9']) {
            const concrete = path.replace('{resource}', name).replace(/\/\*$/, '');
            for (const request of [concrete, `${concrete}/x`, concrete.replace(/\/[^/]+$/, '') || '/']) {
              for (const method of METHODS) {
                const expected = referenceAllows(large, scopes, method, request);
                if (expected) allowed++;
                expect(scopesAllow(scopes, method, request, grants), `${method} ${request}`).toBe(expected);
              }
            }
          }
        }
      }
    }
    expect(allowed).toBeGreaterThan(1000);
  });
});
