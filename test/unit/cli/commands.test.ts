// Each API command run in-process against a fake API: the request it sends (method, path, query,
// body, whose token), what it prints where, and how a refusal or an unreachable API ends.
import { describe, expect, it } from 'vitest';
import { mintToken } from '#domain/token-format';
import { lines, runCli, sampleToken } from './fixtures';

const ENDPOINT = 'http://api.test/prod';
const ADMIN = mintToken().token;
const env = { TOKENGATE_ENDPOINT: ENDPOINT, TOKENGATE_TOKEN: ADMIN };

const pathOf = (url: URL) => url.pathname;

describe('create token', () => {
  const created = { ...sampleToken(), token: mintToken('AAAAAAAAAAAAAAA1').token };
  const args = ['create', 'token', '--description', 'CI', '--scope', 'repos:read', '--repos', 'cran,pypi'];

  it('POSTs the body to /v1/tokens with the caller token, and prints the new token and a summary', async () => {
    const result = await runCli([...args, '--user', 'ci@example.com', '--expires', '12h'], {
      env,
      api: () => ({ status: 201, body: created }),
    });

    expect(result.status).toBe(0);
    expect(result.sent).toHaveLength(1);
    const [request] = result.sent;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`${ENDPOINT}/v1/tokens`);
    expect(request?.authorization).toBe(`Bearer ${ADMIN}`);
    expect(request?.body).toEqual({
      description: 'CI',
      user_email: 'ci@example.com',
      scopes: [{ scope: 'repos:read', resources: ['cran', 'pypi'] }],
      expires_at: '2026-03-02T00:00:00.000Z',
    });
    expect(lines(result.stdout)[0]).toBe(`Token        ${created.token}`);
    expect(result.stdout).toContain('Scopes       repos:read(cran)');
    expect(result.stderr).toMatch(/^Created token AAAAAAAAAAAAAAA1\. It is shown this once/);
    expect(result.stdout + result.stderr).not.toContain(ADMIN);
  });

  it('-q prints the token alone on stdout', async () => {
    const result = await runCli([...args, '-q'], { env, api: () => ({ status: 201, body: created }) });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${created.token}\n`);
    expect(result.stderr).toBe('');
  });

  it("-o json prints the API's answer, the token included", async () => {
    const result = await runCli([...args, '-o', 'json'], {
      env,
      api: () => ({ status: 201, body: created }),
    });
    expect(JSON.parse(result.stdout)).toEqual(created);
  });

  it("shows the server's warnings on stderr, even with -q", async () => {
    const warning = 'metadata:read is deprecated: use repos:read, which grants it too';
    const result = await runCli(['create', 'token', '--description', 'm', '--scope', 'metadata:read', '-q'], {
      env,
      api: () => ({ status: 201, body: { ...created, warnings: [warning] } }),
    });
    expect(result.stdout).toBe(`${created.token}\n`);
    expect(result.stderr).toBe(`tokengate: warning: ${warning}\n`);
  });

  it('refuses -q with -o json, before any request', async () => {
    const result = await runCli([...args, '-q', '-o', 'json'], { env });
    expect(result.status).not.toBe(0);
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^tokengate: option '-q, --quiet' cannot be used/),
    ]);
  });

  it("names the API's field and the option behind it when the API refuses", async () => {
    const result = await runCli(['create', 'token', '--description', 'x', '--scope', 'bogus:scope'], {
      env,
      api: () => ({
        status: 400,
        body: {
          error: {
            code: 'invalid_request',
            message: 'scopes.0.scope: must be one of global:admin, repos:read',
            field: 'scopes.0.scope',
          },
        },
      }),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'tokengate: scopes.0.scope: must be one of global:admin, repos:read ' +
        '[400 invalid_request, field scopes.0.scope (--scope)]\n',
    );
  });

  it.each([
    [['--description', 'x'], "required option '--scope <scope>' not specified"],
    [['--scope', 'blocklist:read'], "required option '--description <text>' not specified"],
    [['--description', 'x', '--scope', 'repos:read'], '--scope repos:read needs --repos'],
    [['--description', 'x', '--scope', 'blocklist:read', '--expires', 'tomorrow'], '--expires must be'],
  ])('%j fails with one line and sends nothing', async (extra, message) => {
    const result = await runCli(['create', 'token', ...extra], { env });
    expect(result.status).not.toBe(0);
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});

describe('list tokens', () => {
  const first = sampleToken({ id: 'AAAAAAAAAAAAAAA1', description: 'first' });
  const second = sampleToken({ id: 'AAAAAAAAAAAAAAA2', description: 'second', status: 'revoked' });
  const third = sampleToken({ id: 'AAAAAAAAAAAAAAA3', description: 'third', status: 'expired' });
  const pages = (request: { url: URL }) => {
    const cursor = request.url.searchParams.get('cursor');
    if (cursor === null) return { body: { tokens: [first, second], next_cursor: 'page2' } };
    return { body: { tokens: [third], next_cursor: null } };
  };

  it('--unused 30d asks for the tokens unused for 30 days, on every page', async () => {
    const result = await runCli(['list', 'tokens', '--unused', '30d', '-o', 'json'], { env, api: pages });
    expect(result.status).toBe(0);
    expect(result.sent.map(({ url }) => url.searchParams.get('unused_days'))).toEqual(['30', '30']);
    expect(JSON.parse(result.stdout)).toHaveLength(3);
  });

  it.each(['0d', '91d', '30h', 'month'])(
    '--unused %s is a usage error (exit 2), nothing sent',
    async (value) => {
      const result = await runCli(['list', 'tokens', '--unused', value], { env, api: pages });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--unused');
      expect(result.sent).toEqual([]);
    },
  );

  it('asks with the mapped sort, search and filters, 100 a page, following next_cursor', async () => {
    const result = await runCli(
      [
        'list',
        'tokens',
        '--revoked=no',
        '--expired=no',
        '--search',
        'ci',
        '--sort',
        'name-desc',
        '-o',
        'json',
      ],
      { env, api: pages },
    );
    expect(result.status).toBe(0);
    expect(result.sent.map((request) => Object.fromEntries(request.url.searchParams))).toEqual([
      { status: 'active', q: 'ci', sort: 'name_desc', limit: '100' },
      { status: 'active', q: 'ci', sort: 'name_desc', limit: '100', cursor: 'page2' },
    ]);
    expect(result.sent.every((request) => pathOf(request.url) === '/prod/v1/tokens')).toBe(true);
  });

  it('-o json prints one JSON array of every token of every page that passes the filters', async () => {
    const result = await runCli(['list', 'tokens', '--revoked=no', '-o', 'json'], { env, api: pages });
    expect(JSON.parse(result.stdout)).toEqual([first, third]);
  });

  it('prints a table with a header and one row a token, the status in plain words', async () => {
    const result = await runCli(['list', 'tokens'], { env, api: pages });
    const rows = lines(result.stdout);
    expect(rows[0]).toMatch(/^ID +STATUS +DESCRIPTION +USER +SCOPES +CREATED +EXPIRES$/);
    expect(rows.slice(1).map((row) => row.split(/ {2,}/).slice(0, 3))).toEqual([
      ['AAAAAAAAAAAAAAA1', 'active', 'first'],
      ['AAAAAAAAAAAAAAA2', 'revoked', 'second'],
      ['AAAAAAAAAAAAAAA3', 'expired', 'third'],
    ]);
  });

  it('says so on stderr when nothing matches, and prints [] with -o json', async () => {
    const empty = () => ({ body: { tokens: [], next_cursor: null } });
    const human = await runCli(['list', 'tokens', '--revoked=yes'], { env, api: empty });
    expect(human).toMatchObject({ status: 0, stdout: '', stderr: 'No tokens match.\n' });
    const json = await runCli(['list', 'tokens', '-o', 'json'], { env, api: empty });
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it.each([
    [['--revoked=maybe'], "argument 'maybe' is invalid. Allowed choices are yes, no"],
    [['--sort', 'name_asc'], 'Allowed choices are newest, oldest, name, name-desc'],
    [['-o', 'yaml'], 'Allowed choices are human, json'],
  ])('%j is refused with one line', async (extra, message) => {
    const result = await runCli(['list', 'tokens', ...extra], { env });
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});

describe('show, edit, whoami', () => {
  const token = sampleToken({ user_email: 'a@example.com' });

  /** The token, and its usage of the last 30 days: 7 requests, 2 of them denied. */
  const withUsage = (request: { url: URL }) =>
    request.url.pathname.endsWith('/usage')
      ? {
          body: {
            token_id: token.id,
            requests: 7,
            days: Array.from({ length: 30 }, (_, i) => ({
              date: `2026-02-${String(i % 28).padStart(2, '0')}`,
              requests: i === 29 ? 7 : 0,
              denied: i === 29 ? 2 : 0,
            })),
          },
        }
      : { body: token };

  it('show token GETs /v1/tokens/{id}, the id escaped, and its requests of the last 30 days', async () => {
    const result = await runCli(['show', 'token', '--guid', 'a/b'], { env, api: withUsage });
    expect(result.sent.map(({ method, url }) => `${method} ${url.pathname}${url.search}`)).toEqual([
      'GET /prod/v1/tokens/a%2Fb',
      'GET /prod/v1/tokens/a%2Fb/usage?days=30',
    ]);
    expect(result.stdout).toContain('Status       active');
    expect(result.stdout).toContain('Requests     7 in the last 30 days (2 denied)\n');
  });

  it('show token -o json prints the token object alone, asking no usage', async () => {
    const result = await runCli(['show', 'token', '--guid', token.id, '-o', 'json'], { env, api: withUsage });
    expect(JSON.parse(result.stdout)).toEqual(token);
    expect(result.sent).toHaveLength(1);
  });

  it('edit token PATCHes the email, or null for --clear-email', async () => {
    const api = () => ({ body: token });
    const set = await runCli(['edit', 'token', '--guid', token.id, '--email', 'a@example.com'], { env, api });
    const clear = await runCli(['edit', 'token', '--guid', token.id, '--clear-email', '-o', 'json'], {
      env,
      api,
    });
    expect(set.sent[0]).toMatchObject({ method: 'PATCH', body: { user_email: 'a@example.com' } });
    expect(clear.sent[0]).toMatchObject({ method: 'PATCH', body: { user_email: null } });
    expect(JSON.parse(clear.stdout)).toEqual(token);
  });

  it('edit token refuses --email with --clear-email', async () => {
    const result = await runCli(
      ['edit', 'token', '--guid', 'x', '--email', 'a@example.com', '--clear-email'],
      { env },
    );
    expect(result.sent).toHaveLength(0);
    expect(result.stderr).toMatch(
      /^tokengate: option '--clear-email \[address\]' cannot be used with option '--email <email>'\n$/,
    );
  });

  it('whoami GETs /v1/whoami', async () => {
    const result = await runCli(['whoami', '-o', 'json'], { env, api: () => ({ body: token }) });
    expect(result.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/whoami`);
    expect(JSON.parse(result.stdout)).toEqual(token);
  });
});

describe('revoke token', () => {
  const leaked = mintToken();

  it('--guid looks at the token, then POSTs /v1/tokens/{id}/revoke with the caller token', async () => {
    const active = sampleToken();
    const revoked = sampleToken({ status: 'revoked', revoked_at: '2026-02-03T04:05:06.000Z' });
    const result = await runCli(['revoke', 'token', '--guid', revoked.id], {
      env,
      api: (request) => ({ body: request.method === 'GET' ? active : revoked }),
    });
    expect(result.sent.map((request) => [request.method, request.url.pathname])).toEqual([
      ['GET', `/prod/v1/tokens/${revoked.id}`],
      ['POST', `/prod/v1/tokens/${revoked.id}/revoke`],
    ]);
    expect(result.sent[1]).toMatchObject({ authorization: `Bearer ${ADMIN}` });
    expect(result.stdout).toContain('Status       revoked');
    expect(result.stderr).toBe(`Revoked token ${revoked.id}.\n`);
  });

  it('a second revoke says the token was already revoked and exits 0; it still asks, for the token’s live descendants', async () => {
    const revoked = sampleToken({ status: 'revoked', revoked_at: '2026-02-03T04:05:06.000Z' });
    const result = await runCli(['revoke', 'token', '--guid', revoked.id], {
      env,
      api: () => ({ body: revoked }),
    });
    expect(result.status).toBe(0);
    expect(result.sent.map((request) => request.method)).toEqual(['GET', 'POST']);
    expect(result.stderr).toBe(
      `Token ${revoked.id} was already revoked (2026-02-03 04:05:06 UTC); nothing changed.\n`,
    );
    expect(result.stdout).toContain('Status       revoked');
  });

  it('--token POSTs the token to the public route without any Authorization, even with TOKENGATE_TOKEN set', async () => {
    const result = await runCli(['revoke', 'token', '--token', leaked.token], {
      env,
      api: () => ({ status: 202, body: {} }),
    });
    expect(result.status).toBe(0);
    expect(result.sent).toEqual([
      {
        method: 'POST',
        url: new URL(`${ENDPOINT}/v1/tokens/revoke`),
        authorization: null,
        body: { tokens: [leaked.token] },
      },
    ]);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(leaked.hint);
    expect(result.stderr).not.toContain(leaked.token);
  });

  it('--token with -o json prints the API answer', async () => {
    const result = await runCli(['revoke', 'token', '--token', leaked.token, '-o', 'json'], {
      env,
      api: () => ({ status: 202, body: {} }),
    });
    expect(JSON.parse(result.stdout)).toEqual({});
  });

  it('a --token before the command is the caller token for --guid; after it, the token to revoke', async () => {
    const revoked = sampleToken({ status: 'revoked' });
    const api = () => ({ body: revoked });
    const before = await runCli(['--token', leaked.token, 'revoke', 'token', '--guid', revoked.id], {
      env: {},
      api,
    });
    expect(before.sent[0]?.authorization).toBe(`Bearer ${leaked.token}`);

    const after = await runCli(['revoke', 'token', '--guid', revoked.id, '--token', leaked.token], {
      env,
      api,
    });
    expect(after.status).not.toBe(0);
    expect(after.sent).toHaveLength(0);
    expect(lines(after.stderr)).toHaveLength(1);
    expect(after.stderr).toContain('here --token is the token to revoke');
  });
});

describe('the target and the caller token', () => {
  const token = sampleToken();
  const api = () => ({ body: token });

  it('an option after the command wins over one before it, which wins over the environment', async () => {
    const a = mintToken().token;
    const b = mintToken().token;
    const result = await runCli(['--token', a, '--endpoint', 'http://before', 'whoami', '--token', b], {
      env,
      api,
    });
    expect(result.sent[0]?.authorization).toBe(`Bearer ${b}`);
    expect(result.sent[0]?.url.origin).toBe('http://before');
    const fromEnv = await runCli(['whoami'], { env, api });
    expect(fromEnv.sent[0]?.authorization).toBe(`Bearer ${ADMIN}`);
  });

  it('sends no Authorization without a token, and says how to give one when the API answers 401', async () => {
    const result = await runCli(['whoami'], {
      env: { TOKENGATE_ENDPOINT: ENDPOINT },
      api: () => ({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'A valid token is required' } },
      }),
    });
    expect(result.sent[0]?.authorization).toBeNull();
    expect(result.status).toBe(4);
    expect(result.stderr).toBe(
      'tokengate: A valid token is required [401 unauthorized]: no token was given: set TOKENGATE_TOKEN, pass --token or save one (tokengate login --with-token)\n',
    );
  });

  it('on a 401 with a token, says where that token came from, never the token', async () => {
    const result = await runCli(['whoami'], {
      env,
      api: () => ({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'A valid token is required' } },
      }),
    });
    expect(result.stderr).toContain('the token in TOKENGATE_TOKEN is malformed, unknown, revoked or expired');
    expect(result.stderr).not.toContain(ADMIN);
  });

  it('on a 403, says an admin token is needed', async () => {
    const result = await runCli(['list', 'tokens'], {
      env,
      api: () => ({
        status: 403,
        body: { error: { code: 'forbidden', message: 'The token does not have the scope this needs' } },
      }),
    });
    expect(result.stderr).toBe(
      'tokengate: The token does not have the scope this needs [403 forbidden]: this needs a global:admin token\n',
    );
  });

  it("reads Posit Connect's error shape too", async () => {
    const result = await runCli(['show', 'token', '--guid', 'x'], {
      env,
      api: () => ({ status: 404, body: { code: 6, error: 'No such guid', payload: { field: 'guid' } } }),
    });
    expect(result.stderr).toBe('tokengate: No such guid [404 6, field guid]\n');
  });

  it('fails with one line when the endpoint answers something that is not the API', async () => {
    const html = await runCli(['whoami'], { env, api: () => ({ text: '<html>hello</html>' }) });
    expect(html.stderr).toBe(
      `tokengate: GET ${ENDPOINT}/v1/whoami answered 200 with something that is not JSON: is ${ENDPOINT} a tokengate API?\n`,
    );
    const shape = await runCli(['whoami'], { env, api: () => ({ body: { hello: 'world' } }) });
    expect(shape.stderr).toContain('answered 200 with JSON of an unexpected shape');
    const failed = await runCli(['whoami'], { env, api: () => ({ status: 502, text: 'Bad Gateway' }) });
    expect(failed.stderr).toMatch(/^tokengate: .* \[502 http_502\]\n$/);
  });

  it('fails with one line naming the endpoint when it cannot be reached, suggesting the local stack by default', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const result = await runCli(['whoami'], {
      // An empty registry of running stacks: stacks other tests run on this machine are not named.
      env: {
        DATA_DIR: '/nonexistent/tokengate-test',
        XDG_RUNTIME_DIR: '/nonexistent/tokengate-test-runtime',
        TOKENGATE_TOKEN: ADMIN,
      },
      api: () => {
        throw refused;
      },
    });
    expect(result.status).toBe(5);
    expect(result.stderr).toBe(
      'tokengate: Cannot reach the tokengate API at http://127.0.0.1:8787 (ECONNREFUSED): ' +
        'no local stack runs on /nonexistent/tokengate-test (DATA_DIR). ' +
        'Start one (npm start), or point at yours: DATA_DIR=<its data folder>, or --endpoint URL\n',
    );
  });
});

describe('--help', () => {
  it.each(['create token', 'list tokens', 'show token', 'edit token', 'revoke token', 'whoami', 'bootstrap'])(
    '%s --help shows examples on stdout and exits 0',
    async (command) => {
      const result = await runCli([...command.split(' '), '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toContain(`tokengate ${command}`);
    },
  );

  it('the program help lists every verb with its noun', async () => {
    const result = await runCli(['--help']);
    for (const command of [
      'create token',
      'list tokens',
      'show token',
      'edit token',
      'revoke token',
      'whoami',
      'bootstrap',
    ]) {
      expect(result.stdout).toContain(command);
    }
  });

  it('list tokens --help says what --revoked and --expired mean', async () => {
    const stdout = (await runCli(['list', 'tokens', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(stdout).toContain('Without --revoked or --expired every token is listed');
    expect(stdout).toContain('--revoked=no --expired=no only active tokens');
  });
});
