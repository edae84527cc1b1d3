import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseServiceTokenCreate, serviceTokenScopes, serviceTokenView } from '#api/service-tokens';
import { parseWith } from '#api/validation';
import { ValidationError } from '#domain/errors';
import { hashToken, newKeyMaterial, parseKeyRing } from '#domain/keyring';
import type { TokenRecord } from '#domain/token';
import { mintToken } from '#domain/token-format';
import { scopeEntries } from '#spec/scopes';

const NOW = new Date('2026-06-15T12:00:00.000Z');

function refusal(body: unknown): ValidationError {
  try {
    parseServiceTokenCreate(body, NOW);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(body)} was accepted`);
}

describe('parseServiceTokenCreate', () => {
  it('a valid request becomes a service token without user, resources or expiry', () => {
    expect(parseServiceTokenCreate({ name: 'SCIM sync', scopes: ['identity:manage'] }, NOW)).toEqual({
      kind: 'service',
      description: 'SCIM sync',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      expiresAt: null,
    });
  });

  it('trims the name and normalises the expiry to UTC', () => {
    const input = parseServiceTokenCreate(
      {
        name: '  directory  ',
        scopes: ['nameservice:read', 'identity:manage'],
        expires_at: '2027-01-31T10:00:00+01:00',
      },
      NOW,
    );

    expect(input.description).toBe('directory');
    expect(input.scopes).toEqual([
      { scope: 'nameservice:read', resources: null },
      { scope: 'identity:manage', resources: null },
    ]);
    expect(input.expiresAt).toBe('2027-01-31T09:00:00.000Z');
  });

  it('a scope named twice is refused, naming the second, as the native API does', () => {
    expect(() =>
      parseServiceTokenCreate(
        { name: 'n', scopes: ['nameservice:read', 'identity:manage', 'nameservice:read'] },
        NOW,
      ),
    ).toThrow(expect.objectContaining({ field: 'scopes.2', message: 'scopes.2: is listed twice' }));
  });

  it('a name with a control character is refused, naming it', () => {
    expect(() => parseServiceTokenCreate({ name: 'dir\rectory', scopes: ['identity:manage'] }, NOW)).toThrow(
      expect.objectContaining({
        field: 'name',
        message: 'name: must not contain control characters (such as a newline or a tab)',
      }),
    );
  });

  it('expires_at null means never', () => {
    expect(
      parseServiceTokenCreate({ name: 'n', scopes: ['identity:manage'], expires_at: null }, NOW).expiresAt,
    ).toBe(null);
  });

  it('accepts a name of exactly 500 characters', () => {
    expect(
      parseServiceTokenCreate({ name: 'x'.repeat(500), scopes: ['identity:manage'] }, NOW).description,
    ).toHaveLength(500);
  });

  const valid = { name: 'n', scopes: ['identity:manage'] };
  it.each([
    ['name missing', { scopes: ['identity:manage'] }, 'name', /name is required/],
    ['name empty', { ...valid, name: '' }, 'name', /empty/],
    ['name only spaces', { ...valid, name: '   ' }, 'name', /empty/],
    ['name too long', { ...valid, name: 'x'.repeat(501) }, 'name', /500/],
    ['name too long before trimming', { ...valid, name: ` ${'x'.repeat(499)}  ` }, 'name', /500/],
    ['name not a string', { ...valid, name: 42 }, 'name', /^name must be a string$/],
    ['scopes missing', { name: 'n' }, 'scopes', /scopes is required/],
    ['scopes empty', { ...valid, scopes: [] }, 'scopes', /at least one/],
    ['scopes not a list', { ...valid, scopes: 'identity:manage' }, 'scopes', /^scopes must be an array$/],
    [
      'an unknown scope',
      { ...valid, scopes: ['identity:manage', 'nope:nope'] },
      'scopes.1',
      /must be one of/,
    ],
    ['global:admin', { ...valid, scopes: ['global:admin'] }, 'scopes.0', /identity:manage, nameservice:read/],
    ['a scope only native tokens take', { ...valid, scopes: ['repos:read'] }, 'scopes.0', /must be one of/],
    ['expires_at garbage', { ...valid, expires_at: 'soon' }, 'expires_at', /RFC 3339/],
    ['expires_at in the past', { ...valid, expires_at: '2020-01-01' }, 'expires_at', /future/],
    ['expires_at impossible', { ...valid, expires_at: '2027-02-30' }, 'expires_at', /expires_at/],
    ['expires_at empty', { ...valid, expires_at: '' }, 'expires_at', /expires_at/],
    [
      'expires_at a number',
      { ...valid, expires_at: 1798761600 },
      'expires_at',
      /^expires_at must be a string$/,
    ],
    ['an unknown field', { ...valid, foo: 1 }, 'foo', /Unknown field: foo/],
    ['a body that is not an object', ['identity:manage'], 'body', /^body must be an object$/],
    ['no body at all', undefined, 'body', /body is required/],
    ['a null body', null, 'body', /^body must be an object$/],
  ])('refuses %s, naming the field', (_, body, field, message) => {
    const error = refusal(body);

    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.statusCode).toBe(400);
  });
});

describe('serviceTokenView', () => {
  it('shows the Connect fields of the record, and never its hash', () => {
    const ring = parseKeyRing(JSON.stringify({ current: 'k1', k1: newKeyMaterial() }));
    const minted = mintToken();
    const record: TokenRecord = {
      id: minted.id,
      kind: 'service',
      description: 'SCIM sync',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      createdAt: '2026-06-15T12:00:00.000Z',
      createdBy: 'token:admin',
      expiresAt: '2027-01-31T00:00:00.000Z',
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: '2026-06-15T12:30:00.000Z',
      hint: minted.hint,
      hash: hashToken(ring, minted.token),
      rotatedFrom: null,
      rotatedTo: null,
    };

    const view = serviceTokenView(record);

    expect(view).toEqual({
      guid: minted.id,
      name: 'SCIM sync',
      scopes: ['identity:manage'],
      created_time: '2026-06-15T12:00:00.000Z',
      active_time: '2026-06-15T12:30:00.000Z',
      expires_at: '2027-01-31T00:00:00.000Z',
    });
    const serialised = JSON.stringify(view);
    expect(serialised).not.toContain(record.hash.hash);
    expect(serialised).not.toContain(minted.token);
  });
});

describe('serviceTokenScopes', () => {
  it('lists exactly the two scopes a service token may hold, each with a description', () => {
    const { scopes } = serviceTokenScopes();

    expect(scopes.map((scope) => scope.name)).toEqual(['identity:manage', 'nameservice:read']);
    for (const scope of scopes) expect(scope.description.length).toBeGreaterThan(0);
  });
});

describe('parseWith', () => {
  const schema = z.object({ outer: z.object({ inner: z.number() }) }).strict();

  it('returns the parsed value when it is valid', () => {
    expect(parseWith(schema, { outer: { inner: 1 } })).toEqual({ outer: { inner: 1 } });
  });

  it('names a nested field by its dotted path', () => {
    expect(() => parseWith(schema, { outer: { inner: 'x' } })).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'outer.inner' }),
    );
  });

  it('names a missing field and says it is required', () => {
    expect(() => parseWith(schema, {})).toThrow(
      expect.objectContaining({ field: 'outer', message: 'outer is required' }),
    );
  });

  it.each([
    ['a string', { outer: { inner: '1' } }, 'outer.inner', 'outer.inner must be a number'],
    ['null', { outer: null }, 'outer', 'outer must be an object'],
    ['an array', { outer: [] }, 'outer', 'outer must be an object'],
    ['a string for the whole body', 'x', 'body', 'body must be an object'],
  ])('a field sent as %s says which type it must be, not that it is required', (_, value, field, message) => {
    expect(() => parseWith(schema, value)).toThrow(expect.objectContaining({ field, message }));
  });

  it('a field inherited from the prototype is missing, not of the wrong type', () => {
    const value = Object.create({ outer: 5 }) as object;

    expect(() => parseWith(schema, value)).toThrow(
      expect.objectContaining({ field: 'outer', message: 'outer is required' }),
    );
  });
});

describe("service tokens on a deployment's own catalogue", () => {
  const ORDERS = scopeEntries({
    'orders:read': {
      label: 'Orders: Read',
      resources: true,
      grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
    },
    'reports:read': {
      label: 'Reports: Read',
      resources: false,
      grants: [{ methods: ['GET'], path: '/reports/*' }],
    },
  });
  const now = new Date('2026-06-15T12:00:00Z');

  it('take the scopes of the catalogue that name no resources, and only those', () => {
    expect(parseServiceTokenCreate({ name: 'sync', scopes: ['reports:read'] }, now, ORDERS).scopes).toEqual([
      { scope: 'reports:read', resources: null },
    ]);
    expect(() => parseServiceTokenCreate({ name: 'sync', scopes: ['orders:read'] }, now, ORDERS)).toThrow(
      'must be one of reports:read',
    );
    expect(() => parseServiceTokenCreate({ name: 'sync', scopes: ['identity:manage'] }, now, ORDERS)).toThrow(
      'must be one of reports:read',
    );
    expect(serviceTokenScopes(ORDERS)).toEqual({
      scopes: [{ name: 'reports:read', description: 'Reports: Read' }],
    });
  });

  it('a catalogue whose every scope names resources offers none, and says so', () => {
    const only = scopeEntries({
      'orders:read': {
        label: 'Orders: Read',
        resources: true,
        grants: [{ methods: ['GET'], path: '/orders/{resource}' }],
      },
    });
    expect(() => parseServiceTokenCreate({ name: 'sync', scopes: ['orders:read'] }, now, only)).toThrow(
      'no scope of this catalogue fits a service token',
    );
    expect(serviceTokenScopes(only)).toEqual({ scopes: [] });
  });
});
