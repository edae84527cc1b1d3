// The console's Resource Type and Access Level pickers and its scope labels (web/src/scopes.ts), fed
// what `GET /v1/scopes` answers: the default catalogue's dialog as it always was, a team's own
// catalogue in full, and a scope the catalogue no longer holds shown as unknown.
import { describe, expect, it } from 'vitest';
import { scopeCatalogue } from '#api/native-tokens';
import { type Catalogue, DEFAULT_SCOPE_ENTRIES, scopeEntries } from '#spec/scopes';
import { ORDERS } from '#test-support/orders-catalogue';
import { firstResourceType, labelParts, resourceTypes, scopeLabel } from '../../../web/src/scopes';

const listed = (catalogue: Catalogue) => scopeCatalogue(scopeEntries(catalogue)).scopes;
const DEFAULT_LISTED = scopeCatalogue(DEFAULT_SCOPE_ENTRIES).scopes;

/** Each resource type with its access levels, as the dialog's two selects show them. */
const pickers = (types: ReturnType<typeof resourceTypes>) =>
  types.map((type) => [type.label, type.levels.map((level) => level.label)]);

describe('the Create Token dialog’s pickers', () => {
  it('offer the default catalogue as the dialog always did, without the Connect service scopes', () => {
    const types = resourceTypes(DEFAULT_LISTED);
    expect(pickers(types)).toEqual([
      ['All Resources', ['Admin']],
      ['Repositories', ['Read']],
      ['Sources', ['Write', 'Admin']],
      ['Blocklist Rules', ['Read', 'Admin']],
      ['Metadata', ['Read', 'Admin']],
    ]);
    expect(firstResourceType(types)?.label).toBe('Repositories');
    const scopesOf = (label: string) =>
      types.find((type) => type.label === label)?.levels.map((level) => [level.scope, level.takesResources]);
    expect(scopesOf('Sources')).toEqual([
      ['sources:write', true],
      ['sources:admin', true],
    ]);
    expect(scopesOf('Metadata')).toEqual([
      ['metadata:read', false],
      ['metadata:admin', false],
    ]);
    expect(types[2]?.levels[0]?.resourceKind).toBe('sources');
    expect(types.find((type) => type.label === 'Metadata')?.levels[0]?.deprecatedBy).toEqual({
      scope: 'repos:read',
      label: 'Repositories: Read',
    });
  });

  it('offer every scope of a team’s own catalogue, grouped by the label’s resource type, in its order', () => {
    const types = resourceTypes(listed(ORDERS));
    expect(pickers(types)).toEqual([
      ['All Resources', ['Admin']],
      ['Orders', ['Read', 'Write']],
      ['Reports', ['Read']],
    ]);
    expect(firstResourceType(types)?.label).toBe('Orders');
    expect(types[1]?.levels).toEqual([
      { label: 'Read', scope: 'orders:read', takesResources: true, resourceKind: null, deprecatedBy: null },
      { label: 'Write', scope: 'orders:write', takesResources: true, resourceKind: null, deprecatedBy: null },
    ]);
    expect(types[2]?.levels[0]).toMatchObject({ scope: 'reports:read', takesResources: false });
  });

  it('offer a team’s own scope named like a Connect service scope when it grants its own paths', () => {
    const types = resourceTypes(
      listed({
        'identity:manage': {
          label: 'People: Manage',
          resources: false,
          grants: [{ methods: ['*'], path: '/people/*' }],
        },
      }),
    );
    expect(pickers(types)).toEqual([
      ['All Resources', ['Admin']],
      ['People', ['Manage']],
    ]);
  });

  it('read a label without ": " as a resource type of its own, at the scope name’s level', () => {
    expect(labelParts({ name: 'reports:read', label: 'Reports' })).toEqual({
      type: 'Reports',
      level: 'read',
    });
    expect(labelParts({ name: 'reports:read', label: 'Reports: ' })).toEqual({
      type: 'Reports: ',
      level: 'read',
    });
    expect(labelParts({ name: 'a:b', label: 'Sales: Reports: Read' })).toEqual({
      type: 'Sales: Reports',
      level: 'Read',
    });
  });
});

describe('a granted scope’s label', () => {
  it('is the catalogue’s label, with the resources it reaches', () => {
    expect(scopeLabel(DEFAULT_LISTED, 'repos:read', ['cran', 'bioc'])).toBe(
      'Repositories: Read (cran, bioc)',
    );
    expect(scopeLabel(DEFAULT_LISTED, 'sources:write', ['*'])).toBe('Sources: Write (all)');
    expect(scopeLabel(DEFAULT_LISTED, 'identity:manage', null)).toBe('Identity: Manage');
    expect(scopeLabel(listed(ORDERS), 'orders:read', ['a'])).toBe('Orders: Read (a)');
  });

  it('marks a scope the catalogue no longer holds as unknown, and shows its name', () => {
    expect(scopeLabel(listed(ORDERS), 'repos:read', ['cran'])).toBe('repos:read (unknown scope)');
    expect(scopeLabel(DEFAULT_LISTED, 'orders:read', null)).toBe('orders:read (unknown scope)');
  });

  it('is the scope’s name while the catalogue loads', () => {
    expect(scopeLabel(null, 'orders:read', ['a'])).toBe('orders:read (a)');
  });
});
