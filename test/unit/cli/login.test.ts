// `tokengate login --with-token`: the token from stdin, checked with the API, kept with its endpoint in
// the user's config folder (0700, the file 0600), used by later commands unless a flag or an
// environment variable names another endpoint or token; never printed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '#domain/token-format';
import { type FakeApi, lines, runCli, sampleToken } from './fixtures';

const root = mkdtempSync(join(tmpdir(), 'tokengate-cli-login-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let homes = 0;
/** A fresh XDG_CONFIG_HOME for each test. */
const freshHome = () => join(root, `config-${++homes}`);

const ENDPOINT = 'https://api.example.com/prod';
const TOKEN = mintToken().token;
const whoami: FakeApi = (request) =>
  request.authorization === `Bearer ${TOKEN}` || request.authorization?.startsWith('Bearer tg_')
    ? { body: sampleToken({ description: 'Ops admin' }) }
    : { status: 401, body: { error: { code: 'unauthorized', message: 'A valid token is required' } } };

async function login(home: string, extra: string[] = [], stdin = `${TOKEN}\n`, env: NodeJS.ProcessEnv = {}) {
  return runCli(['login', '--endpoint', ENDPOINT, ...extra, '--with-token'], {
    env: { XDG_CONFIG_HOME: home, ...env },
    api: whoami,
    stdin,
  });
}

describe('tokengate login --with-token', () => {
  it('checks the token from stdin with the API, then keeps it with the endpoint, readable by the user alone', async () => {
    const home = freshHome();
    const result = await login(home);

    expect(result.status, result.stderr).toBe(0);
    expect(result.sent.map((request) => [request.url.href, request.authorization])).toEqual([
      [`${ENDPOINT}/v1/whoami`, `Bearer ${TOKEN}`],
    ]);
    const file = join(home, 'tokengate', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      profiles: { default: { endpoint: ENDPOINT, token: TOKEN } },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'tokengate')).mode & 0o777).toBe(0o700);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Logged in to ${ENDPOINT} as Ops admin (AAAAAAAAAAAAAAA1); saved as profile default in ${file}.\n`,
    );
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('later commands use the saved endpoint and token', async () => {
    const home = freshHome();
    await login(home);
    const result = await runCli(['whoami'], { env: { XDG_CONFIG_HOME: home }, api: whoami });
    expect(result.status, result.stderr).toBe(0);
    expect(result.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/whoami`);
    expect(result.sent[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('--profile or TOKENGATE_PROFILE picks a saved login; --profile wins', async () => {
    const home = freshHome();
    const staging = mintToken().token;
    await login(home);
    const saved = await runCli(
      ['login', '--profile', 'staging', '--endpoint', 'https://staging.example.com', '--with-token'],
      { env: { XDG_CONFIG_HOME: home }, api: whoami, stdin: staging },
    );
    expect(saved.status, saved.stderr).toBe(0);
    const env = { XDG_CONFIG_HOME: home, TOKENGATE_PROFILE: 'staging' };
    const fromEnv = await runCli(['whoami'], { env, api: whoami });
    expect(fromEnv.sent[0]?.url.href).toBe('https://staging.example.com/v1/whoami');
    expect(fromEnv.sent[0]?.authorization).toBe(`Bearer ${staging}`);
    const fromFlag = await runCli(['whoami', '--profile', 'default'], { env, api: whoami });
    expect(fromFlag.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/whoami`);
    expect(fromFlag.sent[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('a profile that was never saved: one line, exit status 2, no request', async () => {
    const home = freshHome();
    await login(home);
    const result = await runCli(['whoami', '--profile', 'prod'], {
      env: { XDG_CONFIG_HOME: home },
      api: whoami,
    });
    expect(result.status).toBe(2);
    expect(result.sent).toHaveLength(0);
    expect(result.stderr).toMatch(
      /^tokengate: No saved login named prod in .*: tokengate login --profile prod/,
    );
  });

  it('flags and environment variables win; the saved token never goes to another endpoint', async () => {
    const home = freshHome();
    await login(home);
    const other = mintToken().token;
    const byEnv = await runCli(['whoami'], {
      env: { XDG_CONFIG_HOME: home, TOKENGATE_ENDPOINT: 'https://elsewhere.example.com' },
      api: whoami,
    });
    expect(byEnv.sent[0]?.url.href).toBe('https://elsewhere.example.com/v1/whoami');
    expect(byEnv.sent[0]?.authorization).toBeNull();
    const byFlag = await runCli(['whoami', '--endpoint', 'https://elsewhere.example.com', '--token', other], {
      env: { XDG_CONFIG_HOME: home },
      api: whoami,
    });
    expect(byFlag.sent[0]?.authorization).toBe(`Bearer ${other}`);
    const tokenByEnv = await runCli(['whoami'], {
      env: { XDG_CONFIG_HOME: home, TOKENGATE_TOKEN: other },
      api: whoami,
    });
    expect(tokenByEnv.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/whoami`);
    expect(tokenByEnv.sent[0]?.authorization).toBe(`Bearer ${other}`);
  });

  it('a token the API refuses is not saved: exit status 4', async () => {
    const home = freshHome();
    const result = await runCli(['login', '--endpoint', ENDPOINT, '--with-token'], {
      env: { XDG_CONFIG_HOME: home },
      api: () => ({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'A valid token is required' } },
      }),
      stdin: TOKEN,
    });
    expect(result.status).toBe(4);
    expect(lines(result.stderr)).toEqual([
      `tokengate: ${ENDPOINT} refused the token from stdin [401 unauthorized]: it is malformed, unknown, revoked or expired, or belongs to another deployment; nothing was saved`,
    ]);
    expect(() => statSync(join(home, 'tokengate', 'config.json'))).toThrow();
    expect(result.stderr).not.toContain(TOKEN);
  });

  it.each([
    ['nothing on stdin', '', /No token on stdin/],
    ['two tokens', `${TOKEN}\n${mintToken().token}\n`, /one token and nothing else/],
    ['not a token', 'hunter2', /not hold a well-formed tokengate token/],
  ])('%s: one line, exit status 2, no request, nothing saved', async (_, stdin, message) => {
    const home = freshHome();
    const result = await login(home, [], stdin);
    expect(result.status).toBe(2);
    expect(result.sent).toHaveLength(0);
    expect(result.stderr).toMatch(message);
    expect(() => statSync(join(home, 'tokengate'))).toThrow();
  });

  it('without --with-token says how to give the token: exit status 2', async () => {
    const result = await runCli(['login', '--endpoint', ENDPOINT], {
      env: { XDG_CONFIG_HOME: freshHome() },
      stdin: TOKEN,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Give --with-token and the token on stdin/);
  });

  it('a config folder made before, open to others, is closed to 0700 when saving', async () => {
    const home = freshHome();
    mkdirSync(join(home, 'tokengate'), { recursive: true, mode: 0o755 });
    expect((await login(home)).status).toBe(0);
    expect(statSync(join(home, 'tokengate')).mode & 0o777).toBe(0o700);
  });

  it('a second login of one profile replaces it and keeps the others', async () => {
    const home = freshHome();
    await login(home, ['--profile', 'a']);
    const newer = mintToken().token;
    await login(home, ['--profile', 'b']);
    await login(home, ['--profile', 'a'], newer);
    const config = JSON.parse(readFileSync(join(home, 'tokengate', 'config.json'), 'utf8'));
    expect(config.profiles).toEqual({
      a: { endpoint: ENDPOINT, token: newer },
      b: { endpoint: ENDPOINT, token: TOKEN },
    });
  });
});
