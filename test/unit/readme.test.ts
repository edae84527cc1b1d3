// The README documents the scope catalogue and the route table; these tests keep it from drifting.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#spec/routes';
import { SCOPE_NAMES, SCOPES } from '#spec/scopes';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function tableRows(heading: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith(heading)) ?? '';
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

describe('README', () => {
  it('lists every scope of the catalogue, and no other, in its scope table', () => {
    const documented = tableRows('Scopes').map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);
    expect(documented).toEqual([...SCOPE_NAMES]);
  });

  it('marks exactly the resource-limited scopes as taking resource names', () => {
    for (const row of tableRows('Scopes')) {
      const name = /^\| `([^`]+)`/.exec(row)?.[1] as keyof typeof SCOPES;
      const resources = row.split('|').at(-2)?.trim();
      expect(resources === 'none', name).toBe(SCOPES[name].resource === null);
    }
  });

  it('documents every management and public route of the route table', () => {
    for (const route of ROUTES.filter((r) => r.access !== 'scoped')) {
      expect(readme).toContain(`${route.method} ${route.path}`);
    }
  });
});
