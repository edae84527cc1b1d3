// `SCOPES_FILE=my-scopes.json npm start`: the local stack's catalogue, read and checked before the
// stack starts, and the example API's echo below every path it grants.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScopesFile } from '#adapters/scopes-file';
import { ENV } from '#spec/env';
import { ROUTES, routesFor } from '#spec/routes';
import type { Catalogue } from '#spec/scopes';

const ORDERS = {
  'orders:read': {
    label: 'Orders: Read',
    resources: true,
    grants: [{ methods: ['GET'], path: '/orders/{resource}/*' }],
  },
  'reports:read': {
    label: 'Reports: Read',
    resources: false,
    grants: [{ methods: ['GET'], path: '/reports/q/*' }],
  },
} as const satisfies Catalogue;

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'scopes-')), 'scopes.json');
  writeFileSync(path, text);
  return path;
}

describe('readScopesFile', () => {
  it('reads none when SCOPES_FILE is unset, and the catalogue when it names a good file', () => {
    expect(readScopesFile({})).toBeUndefined();
    const path = file(JSON.stringify(ORDERS));
    expect(readScopesFile({ [ENV.scopesFile]: path })).toEqual({ catalogue: ORDERS, file: path });
  });

  it('gives the functions the file by its absolute path, wherever the stack was started from', () => {
    const path = file(JSON.stringify(ORDERS));
    const fromHere = relative(process.cwd(), path);
    expect(fromHere.startsWith('/')).toBe(false);
    expect(readScopesFile({ [ENV.scopesFile]: fromHere })?.file).toBe(path);
  });

  it('refuses a missing file, a file that is not JSON and a catalogue that cannot work, in one line', () => {
    expect(() => readScopesFile({ [ENV.scopesFile]: '/nowhere/scopes.json' })).toThrow(
      'SCOPES_FILE /nowhere/scopes.json: cannot be read (ENOENT)',
    );
    const notJson = file('{"orders:read":');
    expect(() => readScopesFile({ [ENV.scopesFile]: notJson })).toThrow(`SCOPES_FILE ${notJson}: not JSON`);
    const broken = file(JSON.stringify({ 'orders:read': { ...ORDERS['orders:read'], label: undefined } }));
    expect(() => readScopesFile({ [ENV.scopesFile]: broken })).toThrow(
      `SCOPES_FILE ${broken}: Invalid scope catalogue: orders:read.label is missing (a string of 1-100 characters on one line)`,
    );
  });
});

describe('routesFor', () => {
  it('keeps the API and puts the echo below each prefix the catalogue grants, and no other', () => {
    const routes = routesFor(ORDERS);
    expect(
      routes.filter((route) => route.access === 'scoped').map((route) => `${route.method} ${route.path}`),
    ).toEqual(['ANY /orders/{proxy+}', 'ANY /reports/q/{proxy+}']);
    expect(routes.filter((route) => route.access !== 'scoped')).toEqual(
      ROUTES.filter((route) => route.access !== 'scoped'),
    );
  });
});
