// The deployment's scope catalogue as the functions read it from their environment: the default
// when unset, checked once at start, and a catalogue that cannot work stops the function in one line.
import { describe, expect, it } from 'vitest';
import { ConfigError, readCatalogue } from '#adapters/config';
import { ENV } from '#spec/env';
import { DEFAULT_CATALOGUE } from '#spec/scopes';

const ORDERS = {
  'orders:read': {
    label: 'Orders: Read',
    resources: true,
    grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
  },
};

describe('readCatalogue', () => {
  it('is the default catalogue when the variable is unset or empty', () => {
    expect(readCatalogue({})).toBe(DEFAULT_CATALOGUE);
    expect(readCatalogue({ [ENV.scopes]: '' })).toBe(DEFAULT_CATALOGUE);
  });

  it("reads a deployment's catalogue from JSON", () => {
    expect(readCatalogue({ [ENV.scopes]: JSON.stringify(ORDERS) })).toEqual(ORDERS);
  });

  it('stops on a catalogue that is not JSON, or cannot work, with one line naming the problem', () => {
    expect(() => readCatalogue({ [ENV.scopes]: '{"orders:read":' })).toThrow(
      new ConfigError('TOKENGATE_SCOPES must hold the scope catalogue as JSON'),
    );
    const broken = { 'orders:read': { ...ORDERS['orders:read'], grants: [] } };
    expect(() => readCatalogue({ [ENV.scopes]: JSON.stringify(broken) })).toThrow(
      new ConfigError(
        'TOKENGATE_SCOPES: Invalid scope catalogue: orders:read.grants is empty: a scope needs at least one grant',
      ),
    );
  });
});
