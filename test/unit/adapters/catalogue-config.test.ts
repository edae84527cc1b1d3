// The deployment's scope catalogue as the functions read it: from the JSON file their environment
// names (in AWS the construct's catalogue layer), the default when unset, checked once at start; a
// file that cannot be used stops the function in one line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readCatalogue } from '#adapters/config';
import { ENV } from '#spec/env';
import { DEFAULT_CATALOGUE } from '#spec/scopes';
import { largeCatalogue } from '#test-support/large-catalogue';

const ORDERS = {
  'orders:read': {
    label: 'Orders: Read',
    resources: true,
    grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
  },
};

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'catalogue-')), 'scopes.json');
  writeFileSync(path, text);
  return path;
}

describe('readCatalogue', () => {
  it('is the default catalogue when the variable is unset or empty', () => {
    expect(readCatalogue({})).toBe(DEFAULT_CATALOGUE);
    expect(readCatalogue({ [ENV.catalogueFile]: '' })).toBe(DEFAULT_CATALOGUE);
  });

  it("reads a deployment's catalogue from the file TOKENGATE_SCOPES_FILE names, 200 scopes as well as one", () => {
    expect(ENV.catalogueFile).toBe('TOKENGATE_SCOPES_FILE');
    expect(readCatalogue({ [ENV.catalogueFile]: file(JSON.stringify(ORDERS)) })).toEqual(ORDERS);
    const large = largeCatalogue(200);
    expect(readCatalogue({ [ENV.catalogueFile]: file(JSON.stringify(large)) })).toEqual(large);
  });

  it('stops on a file that is missing, not JSON, or holds a catalogue that cannot work, with one line naming the file', () => {
    expect(() => readCatalogue({ [ENV.catalogueFile]: '/nowhere/scopes.json' })).toThrow(
      new ConfigError('TOKENGATE_SCOPES_FILE /nowhere/scopes.json: cannot be read (ENOENT)'),
    );
    const notJson = file('{"orders:read":');
    expect(() => readCatalogue({ [ENV.catalogueFile]: notJson })).toThrow(
      new ConfigError(`TOKENGATE_SCOPES_FILE ${notJson}: not JSON`),
    );
    const broken = file(JSON.stringify({ 'orders:read': { ...ORDERS['orders:read'], grants: [] } }));
    expect(() => readCatalogue({ [ENV.catalogueFile]: broken })).toThrow(
      new ConfigError(
        `TOKENGATE_SCOPES_FILE ${broken}: Invalid scope catalogue: orders:read.grants is empty: a scope needs at least one grant`,
      ),
    );
  });
});
