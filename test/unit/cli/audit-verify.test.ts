import { describe, expect, it } from 'vitest';
import { type FakeApi, lines, runCli, sampleToken } from './fixtures';

const ENV = { TOKENGATE_ENDPOINT: 'https://api.example.com/prod', TOKENGATE_TOKEN: 'tg_admin' };
const TOKEN_ID = 'AAAAAAAAAAAAAAA1';

const created = {
  id: 'e1',
  time: '2026-01-02T03:04:05.000Z',
  type: 'token.created',
  token_id: TOKEN_ID,
  actor: { type: 'token', id: 'ADMINADMINADMIN1' },
  details: {
    kind: 'user',
    description: 'CI downloads',
    user_email: null,
    scopes: [{ scope: 'repos:read', resources: ['cran'] }],
    expires_at: null,
  },
};
const revoked = {
  ...created,
  id: 'e2',
  time: '2026-01-03T00:00:00.000Z',
  type: 'token.revoked',
  details: { kind: 'user', description: 'CI downloads', revoked_at: '2026-01-03T00:00:00.000Z' },
};
const token = sampleToken({ revoked_at: '2026-01-03T00:00:00.000Z', status: 'revoked' });

/** The API: the tokens on two pages, the events newest first on one. */
const api =
  (events: readonly object[]): FakeApi =>
  ({ url }) => {
    if (url.pathname.endsWith('/v1/tokens')) {
      return url.searchParams.get('cursor') === 'next'
        ? { body: { tokens: [token], next_cursor: null } }
        : { body: { tokens: [], next_cursor: 'next' } };
    }
    return { body: { events, next_cursor: null } };
  };

describe('tokengate audit verify', () => {
  it('reads every page of the tokens, then of the trail, and exits 0 when they match', async () => {
    const result = await runCli(['audit', 'verify'], { env: ENV, api: api([revoked, created]) });

    expect(result.status, result.stderr).toBe(0);
    expect(result.sent.map(({ method, url }) => `${method} ${url.pathname}${url.search}`)).toEqual([
      'GET /prod/v1/tokens?limit=100',
      'GET /prod/v1/tokens?limit=100&cursor=next',
      'GET /prod/v1/audit?limit=100',
    ]);
    expect(result.sent.every((request) => request.authorization === 'Bearer tg_admin')).toBe(true);
    expect(lines(result.stdout)).toEqual([
      'Tokens checked  1',
      'Audit events    2',
      'Missing         0',
      'Duplicates      0',
    ]);
  });

  it('exits 1 naming each finding when an event is missing or repeated', async () => {
    const again = { ...created, id: 'e1-again' };
    const result = await runCli(['audit', 'verify'], { env: ENV, api: api([again, created]) });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'tokengate: The audit trail does not match the tokens: 1 change(s) without their event, 1 recorded twice\n',
    );
    const output = lines(result.stdout);
    expect(output.slice(2, 4)).toEqual(['Missing         1', 'Duplicates      1']);
    expect(output.slice(4)).toEqual([
      expect.stringMatching(/^TOKEN\s+PROBLEM\s+EVENT\s+CHANGE\s+EVENT ID$/),
      expect.stringMatching(/^AAAAAAAAAAAAAAA1\s+duplicate\s+token\.created\s+created\s+e1-again$/),
      expect.stringMatching(/^AAAAAAAAAAAAAAA1\s+missing\s+token\.revoked\s+revoked\s+-$/),
    ]);
  });

  it('prints the counts and findings as JSON with -o json, and checks only tokens created since --since', async () => {
    const json = await runCli(['-o', 'json', 'audit', 'verify'], { env: ENV, api: api([created]) });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      tokens: 1,
      events: 1,
      audit_missing: 1,
      audit_duplicates: 0,
      findings: [{ token_id: TOKEN_ID, problem: 'missing', type: 'token.revoked', change: 'revoked' }],
    });

    const since = await runCli(['audit', 'verify', '--since', '2026-02-01', '-o', 'json'], {
      env: ENV,
      api: api([created]),
    });
    expect(since.status, since.stderr).toBe(0);
    expect(JSON.parse(since.stdout)).toMatchObject({ tokens: 0, audit_missing: 0 });
  });

  it('refuses a --since it cannot read, before any request', async () => {
    const result = await runCli(['audit', 'verify', '--since', 'last week'], { env: ENV, api: api([]) });
    expect(result.status).toBe(2);
    expect(result.sent).toEqual([]);
  });
});
