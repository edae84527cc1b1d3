// The native API's request parsing (shared/api/native-tokens.ts), with a fixed clock: what a valid
// request becomes, and the catalogue GET /v1/scopes answers.
import { describe, expect, it } from 'vitest';
import {
  parseCreateToken,
  parseListQuery,
  parseRevokeLeaked,
  parseUpdateToken,
  scopeCatalogue,
} from '#api/native-tokens';
import { ValidationError } from '#domain/errors';
import { SCOPE_NAMES, SCOPES, type ScopeName, scopeEntries } from '#spec/scopes';

const NOW = new Date('2026-06-15T12:34:56.789Z');

describe('parseCreateToken', () => {
  it('makes a user token of the request, trimming the description', () => {
    const { token, warnings } = parseCreateToken(
      {
        description: '  CI deploys ',
        user_email: 'ci@example.com',
        scopes: [{ scope: 'repos:read', resources: ['cran', 'bioc'] }, { scope: 'blocklist:read' }],
      },
      NOW,
    );

    expect(token).toEqual({
      kind: 'user',
      description: 'CI deploys',
      userEmail: 'ci@example.com',
      scopes: [
        { scope: 'repos:read', resources: ['cran', 'bioc'] },
        { scope: 'blocklist:read', resources: null },
      ],
      expiresAt: null,
    });
    expect(warnings).toEqual([]);
  });

  it('expires_in_days counts whole days from now', () => {
    const { token } = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_in_days: 90 },
      NOW,
    );

    expect(token.expiresAt).toBe('2026-09-13T12:34:56.789Z');
  });

  it('expires_at as a date means 00:00 UTC that day; as a date-time, that moment in UTC', () => {
    const onDate = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_at: '2027-01-31' },
      NOW,
    );
    const onTime = parseCreateToken(
      { description: 'd', scopes: [{ scope: 'global:admin' }], expires_at: '2027-01-31T09:00:00-05:00' },
      NOW,
    );

    expect(onDate.token.expiresAt).toBe('2027-01-31T00:00:00.000Z');
    expect(onTime.token.expiresAt).toBe('2027-01-31T14:00:00.000Z');
  });

  it('a resource list with * is just *; names listed twice count once', () => {
    const { token } = parseCreateToken(
      {
        description: 'd',
        scopes: [
          { scope: 'sources:write', resources: ['a', '*'] },
          { scope: 'repos:read', resources: ['cran', 'cran', 'bioc'] },
        ],
      },
      NOW,
    );

    expect(token.scopes).toEqual([
      { scope: 'sources:write', resources: ['*'] },
      { scope: 'repos:read', resources: ['cran', 'bioc'] },
    ]);
  });

  it('warns about each deprecated scope, naming its replacement', () => {
    const { warnings } = parseCreateToken({ description: 'd', scopes: [{ scope: 'metadata:read' }] }, NOW);

    expect(warnings).toEqual(['metadata:read is deprecated: use repos:read, which grants it too']);
  });

  it('refuses with a ValidationError naming the first field at fault', () => {
    expect(() => parseCreateToken({ description: 'd', scopes: [{ scope: 'repos:read' }] }, NOW)).toThrow(
      expect.objectContaining({ field: 'scopes.0.resources' }),
    );
    expect(() => parseCreateToken({ description: 'd', scopes: [] }, NOW)).toThrow(ValidationError);
  });

  const grant = { scope: 'blocklist:read' };
  it.each([
    ['description', { description: 42, scopes: [grant] }, 'description must be a string'],
    ['description', { description: null, scopes: [grant] }, 'description must be a string'],
    ['user_email', { description: 'd', user_email: 42, scopes: [grant] }, 'user_email must be a string'],
    ['scopes', { description: 'd', scopes: 'blocklist:read' }, 'scopes must be an array'],
    ['scopes.0', { description: 'd', scopes: ['blocklist:read'] }, 'scopes.0 must be an object'],
    [
      'scopes.0.resources',
      { description: 'd', scopes: [{ scope: 'repos:read', resources: 'cran' }] },
      'scopes.0.resources must be an array',
    ],
    [
      'expires_in_days',
      { description: 'd', scopes: [grant], expires_in_days: '30' },
      'expires_in_days must be a number',
    ],
    [
      'expires_at',
      { description: 'd', scopes: [grant], expires_at: 1798761600 },
      'expires_at must be a string',
    ],
    ['body', [grant], 'body must be an object'],
  ])('%s of the wrong type: says which type it must be, naming the field', (field, body, message) => {
    expect(() => parseCreateToken(body, NOW)).toThrow(expect.objectContaining({ field, message }));
  });

  it('a missing field is required', () => {
    expect(() => parseCreateToken({ scopes: [grant] }, NOW)).toThrow(
      expect.objectContaining({ field: 'description', message: 'description is required' }),
    );
  });
});

describe('parseUpdateToken', () => {
  it('takes an email, or null to clear it', () => {
    expect(parseUpdateToken({ user_email: 'a@example.com' })).toEqual({ userEmail: 'a@example.com' });
    expect(parseUpdateToken({ user_email: null })).toEqual({ userEmail: null });
  });

  it('an email of the wrong type must be a string; a missing one is required', () => {
    expect(() => parseUpdateToken({ user_email: 5 })).toThrow(
      expect.objectContaining({ field: 'user_email', message: 'user_email must be a string' }),
    );
    expect(() => parseUpdateToken({})).toThrow(
      expect.objectContaining({ field: 'user_email', message: 'user_email is required' }),
    );
  });
});

describe('parseRevokeLeaked', () => {
  it('keeps each token once, in order', () => {
    expect(parseRevokeLeaked({ tokens: ['b', 'a', 'b'] })).toEqual(['b', 'a']);
  });

  it('tokens of the wrong type: must be an array of strings', () => {
    expect(() => parseRevokeLeaked({ tokens: 'tg_x' })).toThrow(
      expect.objectContaining({ field: 'tokens', message: 'tokens must be an array' }),
    );
    expect(() => parseRevokeLeaked({ tokens: [5] })).toThrow(
      expect.objectContaining({ field: 'tokens.0', message: 'tokens.0 must be a string' }),
    );
  });
});

describe('parseListQuery', () => {
  it('defaults to the newest 50, every status and kind', () => {
    expect(parseListQuery(null)).toEqual({ sort: 'newest', limit: 50 });
  });

  it('an empty parameter is one not given (a form submitted with an empty field)', () => {
    expect(parseListQuery({ status: '', q: '', limit: '', sort: '' })).toEqual({ sort: 'newest', limit: 50 });
  });

  it('a limit that is not a number says so, naming it', () => {
    expect(() => parseListQuery({ limit: 'ten' })).toThrow(
      expect.objectContaining({ field: 'limit', message: 'limit must be a number' }),
    );
  });

  it('reads the limit as a number', () => {
    expect(parseListQuery({ limit: '7', sort: 'name_desc', kind: 'service' })).toEqual({
      limit: 7,
      sort: 'name_desc',
      kind: 'service',
    });
  });
});

describe('scopeCatalogue', () => {
  it('lists every scope of the catalogue with its description, resource type, grants and replacement', () => {
    const { scopes } = scopeCatalogue();

    expect(scopes.map((scope) => scope.name)).toEqual([...SCOPE_NAMES]);
    for (const scope of scopes) {
      const definition = SCOPES[scope.name as ScopeName];
      expect(scope).toEqual({
        name: scope.name,
        label: definition.label,
        description: definition.description,
        resources: definition.resource !== null,
        resource_type: definition.resource,
        grants: definition.grants.map((grant) => `${grant.methods.join(',')} ${grant.path}`),
        deprecated_by: definition.deprecatedBy ?? null,
      });
    }
    expect(scopes.find((scope) => scope.name === 'sources:write')?.grants).toEqual([
      '* /sources/{resource}/packages/*',
    ]);
  });
});

describe("the API on a deployment's own catalogue", () => {
  const ORDERS = scopeEntries({
    'orders:read': {
      label: 'Orders: Read',
      resources: true,
      grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
    },
    'reports:read': {
      label: 'Reports: Read',
      resources: false,
      grants: [{ methods: ['GET', 'HEAD'], path: '/reports/*' }],
    },
  });
  const body = (scopes: unknown) => ({ description: 'orders job', scopes });

  it('takes its scopes, with resources where they take them', () => {
    const { token, warnings } = parseCreateToken(
      body([{ scope: 'orders:read', resources: ['o-1'] }, { scope: 'reports:read' }]),
      NOW,
      ORDERS,
    );
    expect(token.scopes).toEqual([
      { scope: 'orders:read', resources: ['o-1'] },
      { scope: 'reports:read', resources: null },
    ]);
    expect(warnings).toEqual([]);
  });

  it('refuses the default catalogue scopes, naming the field and the scopes it has', () => {
    expect(() => parseCreateToken(body([{ scope: 'repos:read', resources: ['*'] }]), NOW, ORDERS)).toThrow(
      new ValidationError(
        'scopes.0.scope: must be one of global:admin, orders:read, reports:read',
        'scopes.0.scope',
      ),
    );
    expect(() => parseCreateToken(body([{ scope: 'orders:read' }]), NOW, ORDERS)).toThrow(
      /orders:read needs resource names or \*/,
    );
    expect(() => parseCreateToken(body([{ scope: 'reports:read', resources: ['x'] }]), NOW, ORDERS)).toThrow(
      /reports:read takes no resources/,
    );
  });

  it('lists its scopes in GET /v1/scopes, with their labels', () => {
    expect(
      scopeCatalogue(ORDERS).scopes.map(({ name, label, resources }) => ({ name, label, resources })),
    ).toEqual([
      { name: 'global:admin', label: 'All Resources: Admin', resources: false },
      { name: 'orders:read', label: 'Orders: Read', resources: true },
      { name: 'reports:read', label: 'Reports: Read', resources: false },
    ]);
    expect(scopeCatalogue(ORDERS).scopes[1]).toEqual({
      name: 'orders:read',
      label: 'Orders: Read',
      description: 'Orders: Read',
      resources: true,
      resource_type: null,
      grants: ['GET /orders/{resource}/*'],
      deprecated_by: null,
    });
  });
});
