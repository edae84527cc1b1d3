// The docs (the README's pages in docs/) document the scope catalogue, the route table and the cache's
// early refusal; these tests keep them from drifting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '#spec/defaults';
import { CACHED_ALLOW_EXPIRY_MARGIN_MS } from '#spec/gateway';
import { ROUTES } from '#spec/routes';
import { SCOPE_NAMES, SCOPES } from '#spec/scopes';
import { REPOSITORY_ROOT } from '#test-support/processes';

/** A page of docs/. */
const page = (name: string) => readFileSync(join(REPOSITORY_ROOT, 'docs', name), 'utf8');
const scopesPage = page('scopes.md');
const apiPage = page('api.md');

/**
 * The text under a heading of a page (`#` to `###`), subsections included, up to the next heading of
 * its level. A `#` line inside a fenced code block is a shell comment, not a heading.
 */
function section(doc: string, heading: string): string {
  let fenced = false;
  const lines = doc.split('\n').map((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return fenced ? '' : line;
  });
  const text = doc.split('\n');
  const start = lines.findIndex(
    (line) => /^#{1,3} /.test(line) && line.replace(/^#+ /, '').startsWith(heading),
  );
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 2;
  const end = lines.findIndex((line, i) => i > start && new RegExp(`^#{1,${level}} `).test(line));
  return start < 0 ? '' : text.slice(start, end < 0 ? undefined : end).join('\n');
}

function tableRows(doc: string, heading: string): string[] {
  return section(doc, heading)
    .split('\n')
    .filter((line) => line.startsWith('| `'));
}

/** A paragraph's text on one line, so that a phrase matches wherever the lines break. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

describe('the docs', () => {
  it('lists every scope of the catalogue, and no other, in its scope table', () => {
    const documented = tableRows(scopesPage, 'Scopes').map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);
    expect(documented).toEqual([...SCOPE_NAMES]);
  });

  it('marks exactly the resource-limited scopes as taking resource names', () => {
    for (const row of tableRows(scopesPage, 'Scopes')) {
      const name = /^\| `([^`]+)`/.exec(row)?.[1] as keyof typeof SCOPES;
      const resources = row.split('|').at(-2)?.trim();
      expect(resources === 'none', name).toBe(SCOPES[name].resource === null);
    }
  });

  it('states how early the authorizer refuses an expiring token under the default cache', () => {
    const early = DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS + CACHED_ALLOW_EXPIRY_MARGIN_MS / 1000;
    const paragraph = oneLine(section(page('operations.md'), 'Expiry under the cache'));

    expect(CACHED_ALLOW_EXPIRY_MARGIN_MS).toBe(1000);
    expect(paragraph).toContain('less than the TTL plus one second away');
    expect(paragraph).toContain(
      `**${early} seconds** with the default ${DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS} s TTL`,
    );
    expect(paragraph).toContain('The local stack runs the authorizer as a REST API does');
  });

  it.each([
    ['scopes.md', 'Scopes', 'what gets 401'],
    ['api.md', 'Posit-Connect-compatible service tokens', 'expires_at'],
    ['api.md', 'Native token API', 'expires_in_days and expires_at'],
    ['cli.md', 'CLI', 'create token --expires'],
  ])('%s, section %s, saying how long a token works (%s), says the cache stops it early', (name, heading) => {
    const text = oneLine(section(page(name), heading));

    expect(text).toMatch(/cache TTL plus one second/);
    expect(text).toContain('_Expiry under the cache_');
    expect(text).not.toContain('refused the moment `expires_at` passes');
  });

  it('documents every management and public route of the route table', () => {
    for (const route of ROUTES.filter((r) => r.access !== 'scoped')) {
      expect(apiPage).toContain(`${route.method} ${route.path}`);
    }
  });
});
