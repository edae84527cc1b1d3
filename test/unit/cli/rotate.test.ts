// `tokengate rotate token` in-process against a fake API: the route and body it sends, whose token,
// what it prints where, and the one-line refusals of its own options.
import { describe, expect, it } from 'vitest';
import { graceSecondsOf } from '#cli/commands/rotate-token';
import { CliError } from '#cli/io';
import { mintToken } from '#domain/token-format';
import { lines, runCli, sampleToken } from './fixtures';

const ENDPOINT = 'http://api.test/prod';
const CALLER = mintToken().token;
const env = { TOKENGATE_ENDPOINT: ENDPOINT, TOKENGATE_TOKEN: CALLER };
const OLD_ID = 'AAAAAAAAAAAAAAA1';
const rotated = {
  ...sampleToken({ id: 'BBBBBBBBBBBBBBB2' }),
  rotated_from: OLD_ID,
  rotated_to: null,
  token: mintToken('BBBBBBBBBBBBBBB2').token,
  previous_accepted_until: '2026-12-07T06:59:29.000Z',
};
const answer = () => ({ status: 201, body: rotated });

describe('graceSecondsOf', () => {
  it('reads one whole number and a unit: days, hours, minutes, seconds', () => {
    expect(graceSecondsOf('1h')).toBe(3_600);
    expect(graceSecondsOf('30m')).toBe(1_800);
    expect(graceSecondsOf('45s')).toBe(45);
    expect(graceSecondsOf('0s')).toBe(0);
    expect(graceSecondsOf('0')).toBe(0);
    expect(graceSecondsOf(' 0 ')).toBe(0);
    expect(graceSecondsOf('7d')).toBe(604_800);
    expect(graceSecondsOf(' 2H ')).toBe(7_200);
  });

  it.each([
    ['1', /--grace must be a duration such as 1h, 30m, 45s or 0 /],
    ['00', /--grace must be/],
    ['1h30m', /--grace must be/],
    ['-1h', /--grace must be/],
    ['1.5h', /--grace must be/],
    ['soon', /got "soon"/],
    ['', /--grace must be/],
    ['8d', /--grace 8d is longer than a week \(7d, 604800 s\)/],
    ['604801s', /longer than a week/],
    ['9999999999999h', /--grace must be/],
  ])('refuses %j in one line', (value, message) => {
    expect(() => graceSecondsOf(value)).toThrow(CliError);
    expect(() => graceSecondsOf(value)).toThrow(message);
  });
});

describe('rotate token', () => {
  it('--guid POSTs /v1/tokens/{id}/rotate with the caller token and the grace; the new token on stdout', async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID, '--grace', '2h'], { env, api: answer });

    expect(result.status).toBe(0);
    expect(result.sent).toHaveLength(1);
    const [request] = result.sent;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`${ENDPOINT}/v1/tokens/${OLD_ID}/rotate`);
    expect(request?.authorization).toBe(`Bearer ${CALLER}`);
    expect(request?.body).toEqual({ grace_seconds: 7_200 });
    expect(lines(result.stdout)[0]).toMatch(new RegExp(`^Token +${rotated.token}$`));
    expect(result.stdout).toMatch(/^Rotated from +AAAAAAAAAAAAAAA1$/m);
    expect(result.stderr).toMatch(
      /^Rotated token AAAAAAAAAAAAAAA1 to BBBBBBBBBBBBBBB2: the old token is accepted until 2026-12-07 06:59:29 UTC;/,
    );
    expect(result.stderr).not.toMatch(/works for/);
    expect(result.stdout + result.stderr).not.toContain(CALLER);
  });

  it('without --grace sends an empty body: the API gives the default hour', async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID], { env, api: answer });
    expect(result.sent[0]?.body).toEqual({});
    expect(result.stderr).toContain('the old token is accepted until 2026-12-07 06:59:29 UTC');
  });

  it('says when the old token is accepted no more (grace 0: previous_accepted_until null)', async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID, '--grace', '0s'], {
      env,
      api: () => ({ status: 201, body: { ...rotated, previous_accepted_until: null } }),
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/: the old token is no longer accepted \(an answer the authorizer cached/);
    expect(result.stderr).not.toMatch(/accepted until/);
  });

  it('--self POSTs /v1/tokens/self/rotate with the token of TOKENGATE_TOKEN, or of --token', async () => {
    const fromEnv = await runCli(['rotate', 'token', '--self', '--grace', '0s'], { env, api: answer });
    expect(fromEnv.status).toBe(0);
    expect(fromEnv.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/tokens/self/rotate`);
    expect(fromEnv.sent[0]?.authorization).toBe(`Bearer ${CALLER}`);
    expect(fromEnv.sent[0]?.body).toEqual({ grace_seconds: 0 });

    const own = mintToken().token;
    const fromOption = await runCli(['rotate', 'token', '--self', '--token', own], { env, api: answer });
    expect(fromOption.sent[0]?.authorization).toBe(`Bearer ${own}`);
    expect(fromOption.stdout + fromOption.stderr).not.toContain(own);
  });

  it.each([
    [['--expires', '90d'], { expires_in_days: 90 }],
    [['--expires', '2027-01-31'], { expires_at: '2027-01-31' }],
    [['--expires', '12h', '--grace', '0s'], { grace_seconds: 0, expires_at: '2026-03-02T00:00:00.000Z' }],
    [['--expires', 'never'], { expires_at: null }],
    [['--expires', 'NEVER'], { expires_at: null }],
  ])('--guid with %j renews: the body carries the new expiry as create sends it', async (extra, body) => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID, ...extra], { env, api: answer });
    expect(result.status).toBe(0);
    expect(result.sent[0]?.body).toEqual(body);
  });

  it('--self --expires sends the new expiry to the self-rotation route', async () => {
    const result = await runCli(['rotate', 'token', '--self', '--expires', '7d'], { env, api: answer });
    expect(result.sent[0]?.url.href).toBe(`${ENDPOINT}/v1/tokens/self/rotate`);
    expect(result.sent[0]?.body).toEqual({ expires_in_days: 7 });
  });

  it("the API's refusal of a renewal names --expires", async () => {
    const result = await runCli(['rotate', 'token', '--self', '--expires', '60d'], {
      env,
      api: () => ({
        status: 400,
        body: {
          error: { code: 'invalid_request', message: 'expires_at must not be later', field: 'expires_at' },
        },
      }),
    });
    expect(result.stderr).toMatch(/field expires_at \(--expires\)/);
  });

  it('--grace 0 sends a grace of 0, as --grace 0s does', async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID, '--grace', '0'], { env, api: answer });
    expect(result.status).toBe(0);
    expect(result.sent[0]?.body).toEqual({ grace_seconds: 0 });
  });

  it('-q prints the new token alone on stdout, and nothing on stderr', async () => {
    const result = await runCli(['rotate', 'token', '--self', '-q'], { env, api: answer });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${rotated.token}\n`);
    expect(result.stderr).toBe('');
  });

  it("-o json prints the API's answer, the token included", async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID, '-o', 'json'], { env, api: answer });
    expect(JSON.parse(result.stdout)).toEqual(rotated);
  });

  it('escapes the id in the path', async () => {
    const result = await runCli(['rotate', 'token', '--guid', 'a/b c'], { env, api: answer });
    expect(result.sent[0]?.url.pathname).toBe('/prod/v1/tokens/a%2Fb%20c/rotate');
  });

  it.each([
    [['--guid', OLD_ID, '--self'], /^tokengate: Give --guid ID or --self, not both\n$/],
    [[], /^tokengate: Say which token to rotate: --guid ID \(with an admin token\) or --self/],
    [['--self', '--grace', '90'], /^tokengate: --grace must be a duration such as 1h/],
    [['--self', '--grace', '8d'], /^tokengate: --grace 8d is longer than a week/],
    [['--self', '--expires', 'soon'], /^tokengate: --expires must be never, days \(90d\)/],
    [['--self', '--expires', '0d'], /^tokengate: --expires 0d is not in the future/],
    [['--self', '-q', '-o', 'json'], /^tokengate: option '-q, --quiet' cannot be used with/],
  ])('%j: one line on stderr, non-zero, no request', async (extra, message) => {
    const result = await runCli(['rotate', 'token', ...extra], { env, api: answer });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(result.sent).toEqual([]);
  });

  it("a 409 (revoked, expired or rotated already) ends in one line with the API's message", async () => {
    const result = await runCli(['rotate', 'token', '--guid', OLD_ID], {
      env,
      api: () => ({
        status: 409,
        body: { error: { code: 'conflict', message: `Token ${OLD_ID} was rotated already, to X` } },
      }),
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toBe(`tokengate: Token ${OLD_ID} was rotated already, to X [409 conflict]\n`);
    expect(result.stdout).toBe('');
  });

  it('names --grace when the API refuses grace_seconds', async () => {
    const result = await runCli(['rotate', 'token', '--self', '--grace', '1h'], {
      env,
      api: () => ({
        status: 400,
        body: {
          error: { code: 'invalid_request', message: 'grace_seconds: too long', field: 'grace_seconds' },
        },
      }),
    });
    expect(result.stderr).toContain('field grace_seconds (--grace)');
  });

  it('--help shows examples on stdout, and the program help lists it', async () => {
    const help = await runCli(['rotate', 'token', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('tokengate rotate token --guid');
    expect((await runCli(['--help'])).stdout).toContain('rotate');
  });
});
