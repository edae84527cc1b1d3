// The forms rspm users type: bare --revoked / --expired, -o before the command, the bulk
// --clear-email=ADDR, and the listing's kind, expiration and limit filters, run in-process against a
// fake API that records each request.
import { describe, expect, it } from 'vitest';
import { mintToken } from '#domain/token-format';
import { type FakeApi, lines, runCli, type SentRequest, sampleToken } from './fixtures';

const ENDPOINT = 'http://api.test';
const ADMIN = mintToken().token;
const env = { TOKENGATE_ENDPOINT: ENDPOINT, TOKENGATE_TOKEN: ADMIN };
const queryOf = (request: SentRequest | undefined) => Object.fromEntries(request?.url.searchParams ?? []);
const onePage: FakeApi = () => ({ body: { tokens: [sampleToken()], next_cursor: null } });

describe('list tokens: rspm forms', () => {
  it.each([
    [['--revoked'], { status: 'revoked' }],
    [['--revoked', '--search', 'ci'], { status: 'revoked', q: 'ci' }],
    [['--expired'], { expiration: 'expired' }],
    [['--revoked', '--expired'], { status: 'revoked', expiration: 'expired' }],
    [['--revoked', 'no', '--expired=no'], { status: 'active' }],
    [['--revoked=yes'], { status: 'revoked' }],
  ])('%j asks for %j: a bare flag means yes', async (flags, query) => {
    const result = await runCli(['list', 'tokens', ...flags, '-o', 'json'], { env, api: onePage });
    expect(result.status, result.stderr).toBe(0);
    expect(queryOf(result.sent[0])).toEqual({ ...query, sort: 'newest', limit: '100' });
  });

  it.each([
    [['--kind', 'service'], { kind: 'service' }],
    [['--expiration', 'never'], { expiration: 'never' }],
    [['--expiration', 'has-expiration'], { expiration: 'has_expiration' }],
    [['--expiration', 'has_expiration'], { expiration: 'has_expiration' }],
    [['--expiration', 'expired'], { expiration: 'expired' }],
    [
      ['--kind', 'user', '--expiration', 'never', '--limit', '5'],
      { kind: 'user', expiration: 'never', limit: '5' },
    ],
  ])('%j is passed to the API as %j', async (flags, query) => {
    const result = await runCli(['list', 'tokens', ...flags, '-o', 'json'], { env, api: onePage });
    expect(result.status, result.stderr).toBe(0);
    expect(queryOf(result.sent[0])).toEqual({ sort: 'newest', limit: '100', ...query });
  });

  it('--limit stops after that many tokens, reading no more pages than it needs', async () => {
    const page = (n: number) =>
      Array.from({ length: 100 }, (_, i) =>
        sampleToken({ id: `P${n}`.padEnd(12, 'A') + String(i).padStart(4, '0') }),
      );
    const api: FakeApi = (request) => {
      const n = Number(request.url.searchParams.get('cursor') ?? '0');
      return { body: { tokens: page(n), next_cursor: String(n + 1) } };
    };
    const result = await runCli(['list', 'tokens', '--limit', '150', '-o', 'json'], { env, api });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(150);
    expect(result.sent).toHaveLength(2);
  });

  it.each([['0'], ['-1'], ['1.5'], ['ten']])(
    '--limit %s is refused with one line, before any request',
    async (n) => {
      const result = await runCli(['list', 'tokens', '--limit', n], { env, api: onePage });
      expect(result.status).not.toBe(0);
      expect(result.sent).toHaveLength(0);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain('--limit');
    },
  );

  it('--kind and --expiration refuse values the API does not have', async () => {
    for (const flags of [
      ['--kind', 'robot'],
      ['--expiration', 'soon'],
    ]) {
      const result = await runCli(['list', 'tokens', ...flags], { env, api: onePage });
      expect(result.sent).toHaveLength(0);
      expect(result.stderr).toContain('Allowed choices');
    }
  });
});

describe('-o before the command', () => {
  it('tokengate -o json list tokens prints JSON, as -o after it does', async () => {
    const before = await runCli(['-o', 'json', 'list', 'tokens'], { env, api: onePage });
    const after = await runCli(['list', 'tokens', '-o', 'json'], { env, api: onePage });
    expect(before.status, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual([sampleToken()]);
    expect(before.stdout).toBe(after.stdout);
  });

  it('works for every API command, and -o after the command wins', async () => {
    const api: FakeApi = () => ({ body: sampleToken() });
    const show = await runCli(['--output-format', 'json', 'show', 'token', '--guid', 'AAAAAAAAAAAAAAA1'], {
      env,
      api,
    });
    expect(JSON.parse(show.stdout)).toEqual(sampleToken());
    const human = await runCli(['-o', 'json', 'whoami', '-o', 'human'], { env, api });
    expect(human.stdout).toMatch(/^ID +AAAAAAAAAAAAAAA1$/m);
  });

  it('is refused for bootstrap, which prints no API answer, and with create -q', async () => {
    const bootstrap = await runCli(['-o', 'json', 'bootstrap', '--local'], { env });
    expect(bootstrap.status).toBe(2);
    expect(bootstrap.stderr).toBe('tokengate: bootstrap has no -o: it prints no API answer\n');
    const quiet = await runCli(
      ['-o', 'json', 'create', 'token', '--description', 'd', '--scope', 'blocklist:read', '-q'],
      {
        env,
      },
    );
    expect(quiet.status).toBe(2);
    expect(quiet.sent).toHaveLength(0);
    expect(quiet.stderr).toContain("'-q, --quiet' cannot be used with option '-o");
  });
});

describe('edit token --clear-email=ADDR: the bulk form', () => {
  const alice = 'Alice@Example.com';
  const tokens = [
    sampleToken({ id: 'AAAAAAAAAAAAAAA1', user_email: 'alice@example.com' }),
    sampleToken({ id: 'AAAAAAAAAAAAAAA2', user_email: 'malice@example.com' }), // contains it: not hers
    sampleToken({ id: 'AAAAAAAAAAAAAAA3', user_email: null, description: 'for alice@example.com' }),
    sampleToken({ id: 'AAAAAAAAAAAAAAA4', user_email: 'ALICE@EXAMPLE.COM', status: 'revoked' }),
  ];
  const api: FakeApi = (request) => {
    if (request.method === 'GET') {
      const second = request.url.searchParams.get('cursor') === 'p2';
      return {
        body: { tokens: second ? tokens.slice(2) : tokens.slice(0, 2), next_cursor: second ? null : 'p2' },
      };
    }
    const id = request.url.pathname.split('/').pop();
    return { body: { ...tokens.find((token) => token.id === id), user_email: null } };
  };

  it('searches every page for the address and clears it from exactly the tokens whose email it is, in any case', async () => {
    const result = await runCli(['edit', 'token', `--clear-email=${alice}`], { env, api });
    expect(result.status, result.stderr).toBe(0);
    const gets = result.sent.filter((request) => request.method === 'GET');
    expect(gets.map(queryOf)).toEqual([
      { q: alice, limit: '100' },
      { q: alice, limit: '100', cursor: 'p2' },
    ]);
    const patches = result.sent.filter((request) => request.method === 'PATCH');
    expect(patches.map((request) => [request.url.pathname, request.body])).toEqual([
      ['/v1/tokens/AAAAAAAAAAAAAAA1', { user_email: null }],
      ['/v1/tokens/AAAAAAAAAAAAAAA4', { user_email: null }],
    ]);
    expect(patches.every((request) => request.authorization === `Bearer ${ADMIN}`)).toBe(true);
    expect(result.stderr).toBe(`Cleared the user email ${alice} from 2 tokens.\n`);
    expect(lines(result.stdout)).toHaveLength(3); // header and the two tokens
  });

  it('-o json prints the updated tokens; no match clears nothing and says 0', async () => {
    const json = await runCli(['edit', 'token', '--clear-email=alice@example.com', '-o', 'json'], {
      env,
      api,
    });
    expect(JSON.parse(json.stdout).map((token: { id: string }) => token.id)).toEqual([
      'AAAAAAAAAAAAAAA1',
      'AAAAAAAAAAAAAAA4',
    ]);
    const none = await runCli(['edit', 'token', '--clear-email', 'bob@example.com'], { env, api });
    expect(none).toMatchObject({
      status: 0,
      stdout: '',
      stderr: 'Cleared the user email bob@example.com from 0 tokens.\n',
    });
    expect(none.sent.some((request) => request.method === 'PATCH')).toBe(false);
  });

  it('--clear-email alone still clears the one token of --guid', async () => {
    const result = await runCli(
      ['edit', 'token', '--guid', 'AAAAAAAAAAAAAAA1', '--clear-email', '-o', 'json'],
      {
        env,
        api: () => ({ body: sampleToken() }),
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.sent.map((request) => [request.method, request.url.pathname, request.body])).toEqual([
      ['PATCH', '/v1/tokens/AAAAAAAAAAAAAAA1', { user_email: null }],
    ]);
  });

  it.each([
    [['--guid', 'AAAAAAAAAAAAAAA1', '--clear-email=a@example.com'], 'takes no --guid'],
    [['--clear-email'], 'Say which token: --guid ID'],
    [['--email', 'a@example.com'], 'Say which token: --guid ID'],
  ])('%j is refused with one line, before any request', async (flags, message) => {
    const result = await runCli(['edit', 'token', ...flags], { env, api });
    expect(result.status).toBe(2);
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});
