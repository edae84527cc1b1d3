// How the CLI's options become API requests: expiry forms, scopes and their resources, list filters
// and sorts, what to revoke, the email edit, and the target. Pure functions, no network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optionForField } from '#cli/api-client';
import { parseList } from '#cli/command-kit';
import { createTokenBody, expiryOf } from '#cli/commands/create-token';
import { editTokenBody } from '#cli/commands/edit-token';
import { listAll, listPlan, SORTS } from '#cli/commands/list-tokens';
import { revokeTarget } from '#cli/commands/revoke-token';
import { DEFAULT_ENDPOINT, normaliseEndpoint, resolveTarget } from '#cli/target';
import { mintToken } from '#domain/token-format';
import { dataDir, writeStackInfo } from '#local/data-dir';
import { sampleToken } from './fixtures';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('--expires', () => {
  it.each([
    ['never', {}],
    ['NEVER', {}],
    ['90d', { expires_in_days: 90 }],
    ['1d', { expires_in_days: 1 }],
    ['12h', { expires_at: '2026-03-02T00:00:00.000Z' }],
    ['30m', { expires_at: '2026-03-01T12:30:00.000Z' }],
    ['45s', { expires_at: '2026-03-01T12:00:45.000Z' }],
    ['2027-01-31', { expires_at: '2027-01-31' }],
    ['2027-01-31T08:00:00+02:00', { expires_at: '2027-01-31T08:00:00+02:00' }],
  ])('%s is sent as %j', (value, expected) => {
    expect(expiryOf(value, NOW)).toEqual(expected);
  });

  it.each(['0d', '0h'])('%s is refused as not in the future', (value) => {
    expect(() => expiryOf(value, NOW)).toThrow(`--expires ${value} is not in the future`);
  });

  it.each(['soon', '90', '12w', '-1d', '31/01/2027', ''])(
    '%j is refused, naming the forms it takes',
    (value) => {
      expect(() => expiryOf(value, NOW)).toThrow(/^--expires must be never, days \(90d\), hours \(12h\)/);
    },
  );
});

describe('--scope, --repos, --sources', () => {
  const base = { description: 'CI', expires: 'never' };

  it('gives --repos to repos:* scopes, --sources to sources:* scopes, and nothing to the others', () => {
    const body = createTokenBody(
      {
        ...base,
        scope: ['repos:read', 'sources:write', 'sources:admin', 'blocklist:read'],
        repos: ['cran', 'pypi'],
        sources: ['*'],
      },
      NOW,
    );
    expect(body.scopes).toEqual([
      { scope: 'repos:read', resources: ['cran', 'pypi'] },
      { scope: 'sources:write', resources: ['*'] },
      { scope: 'sources:admin', resources: ['*'] },
      { scope: 'blocklist:read' },
    ]);
  });

  it("gives --resource to a deployment's own scopes, beside --repos and --sources", () => {
    const body = createTokenBody(
      { ...base, scope: ['orders:read', 'repos:read'], resource: ['o-1', 'o-2'], repos: ['cran'] },
      NOW,
    );
    expect(body.scopes).toEqual([
      { scope: 'orders:read', resources: ['o-1', 'o-2'] },
      { scope: 'repos:read', resources: ['cran'] },
    ]);
    expect(createTokenBody({ ...base, scope: ['orders:write'], resource: ['*'] }, NOW).scopes).toEqual([
      { scope: 'orders:write', resources: ['*'] },
    ]);
    expect(() =>
      createTokenBody({ ...base, scope: ['repos:read'], repos: ['a'], resource: ['x'] }, NOW),
    ).toThrow('--resource goes with a scope other than repos:* and sources:* (use --repos or --sources)');
  });

  it('takes scopes and names repeated or separated by commas', () => {
    const scope = parseList('blocklist:read', parseList('repos:read, metadata:admin'));
    const repos = parseList('b', parseList('a,,'));
    expect(scope).toEqual(['repos:read', 'metadata:admin', 'blocklist:read']);
    expect(repos).toEqual(['a', 'b']);
  });

  it('sends the description, the user email and the expiry, and no user_email without --user', () => {
    expect(
      createTokenBody({ ...base, scope: ['blocklist:read'], user: 'a@example.com', expires: '7d' }, NOW),
    ).toEqual({
      description: 'CI',
      user_email: 'a@example.com',
      scopes: [{ scope: 'blocklist:read' }],
      expires_in_days: 7,
    });
    expect(createTokenBody({ ...base, scope: ['blocklist:read'] }, NOW)).not.toHaveProperty('user_email');
  });

  it.each([
    [{ scope: ['repos:read'] }, "--scope repos:read needs --repos NAME[,NAME...] or --repos '*'"],
    [
      { scope: ['sources:admin'], sources: [] },
      "--scope sources:admin needs --sources NAME[,NAME...] or --sources '*'",
    ],
    [
      { scope: ['blocklist:read'], repos: ['cran'] },
      '--repos goes with a repos:* scope, e.g. --scope repos:read',
    ],
    [{ scope: ['repos:read'], repos: ['a'], sources: ['b'] }, '--sources goes with a sources:* scope'],
  ])('%j is refused before any request', (options, message) => {
    expect(() => createTokenBody({ ...base, ...options }, NOW)).toThrow(message);
  });

  it('leaves unknown scopes for the API to refuse, so that it names the field', () => {
    expect(createTokenBody({ ...base, scope: ['bogus:scope'] }, NOW).scopes).toEqual([
      { scope: 'bogus:scope' },
    ]);
  });
});

describe('list tokens: sorts and filters', () => {
  it.each(Object.entries(SORTS))('--sort %s asks the API for %s', (cli, api) => {
    expect(listPlan({ sort: cli as keyof typeof SORTS }, NOW).query.sort).toBe(api);
  });

  it('sends --search as q', () => {
    expect(listPlan({ sort: 'newest', search: 'ci' }, NOW).query).toEqual({ q: 'ci', sort: 'newest' });
  });

  const past = '2026-02-01T00:00:00.000Z';
  const future = '2026-04-01T00:00:00.000Z';
  const tokens = {
    active: sampleToken({ status: 'active', expires_at: future }),
    expired: sampleToken({ status: 'expired', expires_at: past }),
    revoked: sampleToken({ status: 'revoked', revoked_at: past }),
    revokedAndPastExpiry: sampleToken({ status: 'revoked', revoked_at: past, expires_at: past }),
    revokedBeforeExpiry: sampleToken({ status: 'revoked', revoked_at: past, expires_at: future }),
  };
  type Kind = keyof typeof tokens;

  it.each<[string, Record<string, string>, Record<string, string>, Kind[]]>([
    [
      'no filter: every token',
      {},
      {},
      ['active', 'expired', 'revoked', 'revokedAndPastExpiry', 'revokedBeforeExpiry'],
    ],
    [
      '--revoked=yes',
      { revoked: 'yes' },
      { status: 'revoked' },
      ['revoked', 'revokedAndPastExpiry', 'revokedBeforeExpiry'],
    ],
    ['--revoked=no', { revoked: 'no' }, {}, ['active', 'expired']],
    ['--expired=yes', { expired: 'yes' }, { expiration: 'expired' }, ['expired', 'revokedAndPastExpiry']],
    ['--expired=no', { expired: 'no' }, {}, ['active', 'revoked', 'revokedBeforeExpiry']],
    [
      '--revoked=no --expired=no: active only',
      { revoked: 'no', expired: 'no' },
      { status: 'active' },
      ['active'],
    ],
    ['--revoked=no --expired=yes', { revoked: 'no', expired: 'yes' }, { status: 'expired' }, ['expired']],
    [
      '--revoked=yes --expired=yes',
      { revoked: 'yes', expired: 'yes' },
      { status: 'revoked', expiration: 'expired' },
      ['revokedAndPastExpiry'],
    ],
    [
      '--revoked=yes --expired=no',
      { revoked: 'yes', expired: 'no' },
      { status: 'revoked' },
      ['revoked', 'revokedBeforeExpiry'],
    ],
  ])('%s: asks for %j then %j, keeps %j', (_, filters, query, kept) => {
    const plan = listPlan({ sort: 'newest', ...filters }, NOW);
    expect(plan.query).toEqual({ ...query, sort: 'newest' });
    const keptKinds = (Object.keys(tokens) as Kind[]).filter((kind) => plan.keep(tokens[kind]));
    expect(keptKinds).toEqual(kept);
  });

  it('follows next_cursor to the last page and keeps only what the plan keeps', async () => {
    const pages = [
      { tokens: [tokens.active, tokens.revoked], next_cursor: 'c1' },
      { tokens: [], next_cursor: 'c2' },
      { tokens: [tokens.expired], next_cursor: null },
    ];
    const cursors: (string | undefined)[] = [];
    const listed = await listAll(
      async (cursor) => {
        cursors.push(cursor);
        return pages[cursors.length - 1] ?? { tokens: [], next_cursor: null };
      },
      listPlan({ sort: 'newest', revoked: 'no' }, NOW),
    );
    expect(cursors).toEqual([undefined, 'c1', 'c2']);
    expect(listed).toEqual([tokens.active, tokens.expired]);
  });

  it('stops with an error if the API hands back a cursor it gave before', async () => {
    const plan = listPlan({ sort: 'newest' }, NOW);
    await expect(listAll(async () => ({ tokens: [], next_cursor: 'same' }), plan)).rejects.toThrow(
      'The API returned the same page cursor twice',
    );
  });
});

describe('revoke token', () => {
  const { token, id } = mintToken();

  it('--guid revokes by id', () => {
    expect(revokeTarget({ guid: id })).toEqual({ by: 'guid', id });
  });

  it('--token revokes whole tokens, once each', () => {
    const other = mintToken().token;
    expect(revokeTarget({ token: [token, other, token] })).toEqual({ by: 'token', tokens: [token, other] });
  });

  it.each([
    ['an id', id],
    ['a mistyped token', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`],
    ['a cut token', token.slice(0, -3)],
  ])('--token refuses %s, which the public route would accept silently', (_, value) => {
    expect(() => revokeTarget({ token: [value] })).toThrow(/is not a whole tokengate token.*use --guid/);
  });

  it('does not echo a refused token beyond its hint', () => {
    const mistyped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(() => revokeTarget({ token: [mistyped] })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(mistyped) }),
    );
  });

  it('refuses --guid with --token, explaining that --token here is the token to revoke', () => {
    expect(() => revokeTarget({ guid: id, token: [token] })).toThrow(
      /not both: here --token is the token to revoke.*TOKENGATE_TOKEN.*tokengate --token ADMIN revoke token --guid ID/,
    );
  });

  it('asks for one of them when neither is given', () => {
    expect(() => revokeTarget({})).toThrow(/Say which token to revoke: --guid ID .* or --token TOKEN/);
  });
});

describe('edit token', () => {
  it('--email sets the email and --clear-email sends null', () => {
    expect(editTokenBody({ email: 'a@example.com' })).toEqual({ user_email: 'a@example.com' });
    expect(editTokenBody({ clearEmail: true })).toEqual({ user_email: null });
  });

  it('asks what to change when nothing is given', () => {
    expect(() => editTokenBody({})).toThrow(
      'Say what to change: --email EMAIL, --clear-email or --description TEXT',
    );
  });

  it('--description sets the description, alone or with the email', () => {
    expect(editTokenBody({ description: 'CI downloads' })).toEqual({ description: 'CI downloads' });
    expect(editTokenBody({ description: 'd', clearEmail: true })).toEqual({
      description: 'd',
      user_email: null,
    });
  });
});

describe('the target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-cli-target-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['http://127.0.0.1:8787/', 'http://127.0.0.1:8787'],
    [
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    ],
    [' http://localhost:9000 ', 'http://localhost:9000'],
  ])('%j is used as %j', (raw, endpoint) => {
    expect(normaliseEndpoint(raw, '--endpoint')).toBe(endpoint);
  });

  it.each(['localhost:8787', 'ftp://example.com', 'http://x/?a=1'])('%j is refused', (raw) => {
    expect(() => normaliseEndpoint(raw, '--endpoint')).toThrow(/^--endpoint must/);
  });

  it('prefers --endpoint, then TOKENGATE_ENDPOINT, then the running local stack, then the default', async () => {
    const env = { DATA_DIR: dir, TOKENGATE_ENDPOINT: 'http://from-env:1' };
    expect((await resolveTarget({ endpoint: 'http://option:1' }, env)).endpoint).toBe('http://option:1');
    expect(await resolveTarget({}, env)).toMatchObject({
      endpoint: 'http://from-env:1',
      endpointFrom: 'env',
    });
    expect(await resolveTarget({}, { DATA_DIR: dir })).toEqual({
      endpoint: DEFAULT_ENDPOINT,
      endpointFrom: 'default',
      noStackAdvice: expect.stringContaining(`no local stack runs on ${dir} (DATA_DIR)`),
      token: undefined,
      tokenFrom: undefined,
    });
    writeStackInfo(dataDir({ DATA_DIR: dir }), {
      url: 'http://127.0.0.1:40123',
      dynamodb_endpoint: 'http://127.0.0.1:40124',
      tokens_table: 'tokens',
      pid: process.pid,
    });
    expect(await resolveTarget({}, { DATA_DIR: dir })).toMatchObject({
      endpoint: 'http://127.0.0.1:40123',
      endpointFrom: 'local-stack',
    });
  });

  it('takes the token from --token before TOKENGATE_TOKEN, trimmed, and ignores empty values', async () => {
    const env = { DATA_DIR: dir, TOKENGATE_TOKEN: ' from-env\n' };
    expect(await resolveTarget({ token: 'from-option' }, env)).toMatchObject({
      token: 'from-option',
      tokenFrom: 'option',
    });
    expect(await resolveTarget({ token: '' }, env)).toMatchObject({ token: 'from-env', tokenFrom: 'env' });
    expect(await resolveTarget({}, { DATA_DIR: dir, TOKENGATE_TOKEN: '' })).toMatchObject({
      token: undefined,
    });
  });

  it('names the option behind an API field, the most specific first', () => {
    const options = { scopes: '--scope', 'scopes.*.resources': '--repos/--sources', user_email: '--user' };
    expect(optionForField('scopes.2.resources', options)).toBe('--repos/--sources');
    expect(optionForField('scopes.0.scope', options)).toBe('--scope');
    expect(optionForField('user_email', options)).toBe('--user');
    expect(optionForField('body', options)).toBeUndefined();
  });
});
