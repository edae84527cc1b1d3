// SECURITY.md states figures that live in code, and names the tests that back its claims: both are
// checked here, so the document cannot drift from what the system does or point at tests that are gone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HINT_LENGTH, ID_LENGTH, SECRET_LENGTH, TOKEN_LENGTH, TOKEN_PREFIX } from '#domain/token-format';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '#spec/defaults';
import { ROUTES } from '#spec/routes';
import { REPOSITORY_ROOT } from '#test-support/processes';

const security = readFileSync(join(REPOSITORY_ROOT, 'SECURITY.md'), 'utf8');

describe('SECURITY.md', () => {
  it('states the public revoke route’s throttle as the route table sets it', () => {
    const revoke = ROUTES.find((route) => route.method === 'POST' && route.path === '/v1/tokens/revoke');
    expect(revoke?.access).toBe('public');
    const { rateLimit, burstLimit } = revoke?.throttle ?? { rateLimit: NaN, burstLimit: NaN };
    expect(security).toContain(`throttled to ${rateLimit} requests a second, burst ${burstLimit}`);
  });

  it('states the default cache TTL, the token format and the hint length as the code has them', () => {
    expect(security).toContain(`default **${DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS} seconds**`);
    expect(security).toContain(
      `\`${TOKEN_PREFIX}\` + ${TOKEN_LENGTH - TOKEN_PREFIX.length} base62 characters`,
    );
    expect(security).toContain(`a ${ID_LENGTH}-character token id, a ${SECRET_LENGTH}-character secret`);
    expect(security).toContain(`the token's first ${HINT_LENGTH} characters`);
  });

  it('names only test files that exist', () => {
    const named = [...new Set(security.match(/test\/[\w/.-]+\.ts/g) ?? [])];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((path) => !existsSync(join(REPOSITORY_ROOT, path)))).toEqual([]);
  });
});
