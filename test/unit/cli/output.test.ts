// What the CLI prints for people: status colours only on a terminal that wants them, a
// token table that fits 100 columns with wide characters measured as the terminal shows them, -v
// request tracing that never shows a token, and `tokengate help`.
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { redactTokens } from '#cli/api-client';
import { tokenTable } from '#cli/format';
import { mintToken } from '#domain/token-format';
import { type FakeApi, lines, runCli, sampleToken } from './fixtures';

const ENDPOINT = 'http://api.test';
const ADMIN = mintToken().token;
const env = { TOKENGATE_ENDPOINT: ENDPOINT, TOKENGATE_TOKEN: ADMIN };
const ESC = '\u001b[';

const tokens = [
  sampleToken({ id: 'AAAAAAAAAAAAAAA1', status: 'active' }),
  sampleToken({ id: 'AAAAAAAAAAAAAAA2', status: 'revoked' }),
  sampleToken({ id: 'AAAAAAAAAAAAAAA3', status: 'expired' }),
];
const listApi: FakeApi = () => ({ body: { tokens, next_cursor: null } });

describe('colour', () => {
  it('on a terminal, colours the status as the console does: green active, grey revoked, red expired', async () => {
    const result = await runCli(['list', 'tokens'], { env, api: listApi, tty: true });
    const rows = lines(result.stdout);
    expect(rows[1]).toContain(`${ESC}32mactive${ESC}39m`);
    expect(rows[2]).toContain(`${ESC}90mrevoked${ESC}39m`);
    expect(rows[3]).toContain(`${ESC}31mexpired${ESC}39m`);
    expect(rows[0]).not.toContain(ESC);
    // Colour does not shift columns: every row's DESCRIPTION starts where the header's does.
    const column = (row: string) => stripVTControlCharacters(row).indexOf('CI downloads');
    expect(new Set(rows.slice(1).map(column))).toEqual(new Set([rows[0]?.indexOf('DESCRIPTION')]));
  });

  it('colours the status of one token too', async () => {
    const result = await runCli(['show', 'token', '--guid', 'AAAAAAAAAAAAAAA3'], {
      env,
      api: ({ url }) =>
        url.pathname.endsWith('/usage')
          ? { body: { token_id: 'AAAAAAAAAAAAAAA3', requests: 0, days: [] } }
          : { body: tokens[2] },
      tty: true,
    });
    expect(result.stdout).toContain(`Status       ${ESC}31mexpired${ESC}39m`);
  });

  it.each([
    ['not a terminal', {}, false],
    ['NO_COLOR set', { NO_COLOR: '1' }, true],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, true],
  ])('none when %s', async (_, extra, tty) => {
    const result = await runCli(['list', 'tokens'], { env: { ...env, ...extra }, api: listApi, tty });
    expect(result.stdout).not.toContain(ESC);
    expect(lines(result.stdout)[1]).toMatch(/^AAAAAAAAAAAAAAA1 {2}active /);
  });

  it('FORCE_COLOR=1 asks for it without a terminal, and -o json never has any', async () => {
    const forced = await runCli(['list', 'tokens'], { env: { ...env, FORCE_COLOR: '1' }, api: listApi });
    expect(forced.stdout).toContain(`${ESC}32mactive`);
    const json = await runCli(['list', 'tokens', '-o', 'json'], { env, api: listApi, tty: true });
    expect(json.stdout).not.toContain(ESC);
  });
});

describe('the token table', () => {
  const wide = sampleToken({
    description: '夜間ビルドのダウンロード用トークン、本番のリポジトリすべて 🔑🔑 and a long tail of words',
    user_email: 'someone.with.a.very.long.name@departments.example.com',
    scopes: [
      { scope: 'repos:read', resources: ['cran', 'pypi', 'bioconductor', 'internal-r', 'internal-python'] },
      { scope: 'sources:write', resources: ['*'] },
    ],
    expires_at: '2027-01-31T00:00:00.000Z',
  });

  it('fits 100 columns, wide characters counted as the two columns they take', () => {
    const rows = lines(tokenTable([wide, sampleToken()]));
    for (const row of rows) expect(stringWidth(row), row).toBeLessThanOrEqual(100);
    expect(rows[1]).toContain('…');
    // Each column starts at the same terminal column in every row.
    const starts = (row: string) => {
      const cells = row.split(/ {2,}/);
      return cells.map((cell) => stringWidth(row.slice(0, row.indexOf(cell))));
    };
    expect(starts(rows[1] ?? '')).toEqual(starts(rows[0] ?? ''));
    expect(starts(rows[2] ?? '')).toEqual(starts(rows[0] ?? ''));
  });

  it('keeps short rows as they are, with dates in UTC', () => {
    expect(lines(tokenTable([sampleToken()]))[1]?.split(/ {2,}/)).toEqual([
      'AAAAAAAAAAAAAAA1',
      'active',
      'CI downloads',
      '-',
      'repos:read(cran)',
      '2026-01-02',
      'never',
    ]);
  });
});

describe("the token table's width", () => {
  const long = sampleToken({
    description: 'Nightly mirror of every CRAN and PyPI package the team needs',
    user_email: 'someone.with.a.very.long.name@departments.example.com',
    created_by_name: 'Provisioning admin',
    last_used_at: '2026-02-03T00:00:00.000Z',
  });
  const api: FakeApi = () => ({ body: { tokens: [long], next_cursor: null } });
  const widest = (stdout: string) => Math.max(...lines(stdout).map((row) => stringWidth(row)));

  it("on a terminal, uses the terminal's width: a 200-column terminal shows the email whole", async () => {
    const result = await runCli(['list', 'tokens'], { env, api, tty: true, columns: 200 });
    expect(result.stdout).toContain(long.user_email ?? '');
    expect(result.stdout).toContain(long.description);
    expect(result.stdout).not.toContain('…');
  });

  it('on a narrow terminal, fits its width, cutting cells with an ellipsis', async () => {
    const result = await runCli(['list', 'tokens'], { env, api, tty: true, columns: 90 });
    expect(widest(result.stdout)).toBeLessThanOrEqual(90);
    expect(result.stdout).toContain('…');
  });

  it('when not a terminal, 100 columns, whatever width a terminal would have', async () => {
    const result = await runCli(['list', 'tokens'], { env, api, tty: false, columns: 200 });
    expect(widest(result.stdout)).toBeLessThanOrEqual(100);
    expect(result.stdout).toContain('…');
  });

  it('--wide cuts no cell, even on a narrow terminal, and adds who created the token and its last use', async () => {
    const result = await runCli(['list', 'tokens', '--wide'], { env, api, tty: true, columns: 80 });
    const [header, row] = lines(result.stdout);
    expect(result.stdout).not.toContain('…');
    expect(header).toMatch(/ {2}CREATED BY {2,}LAST USED$/);
    expect(row).toContain(long.description);
    expect(row).toContain(long.user_email ?? '');
    expect(row).toMatch(/ {2}Provisioning admin {2,}2026-02-03$/);
  });
});

describe('-v, --verbose', () => {
  it('traces each request on stderr: method, URL, status and time', async () => {
    const result = await runCli(['-v', 'list', 'tokens', '--search', 'ci'], { env, api: listApi });
    expect(result.status).toBe(0);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(
        /^tokengate: GET http:\/\/api\.test\/v1\/tokens\?q=ci&sort=newest&limit=100 -> 200 \(\d+ ms\)$/,
      ),
    ]);
    const after = await runCli(['list', 'tokens', '--verbose'], { env, api: listApi });
    expect(after.stderr).toMatch(/^tokengate: GET .* -> 200/);
  });

  it('shows no token, no Authorization and no body, even for create and revoke-by-token', async () => {
    const leaked = mintToken().token;
    const created = { ...sampleToken(), token: mintToken().token };
    const runs = [
      await runCli(['revoke', 'token', '--token', leaked, '-v'], {
        env,
        api: () => ({ status: 202, body: {} }),
      }),
      await runCli(['create', 'token', '--description', 'd', '--scope', 'blocklist:read', '-q', '-v'], {
        env,
        api: () => ({ status: 201, body: created }),
      }),
      await runCli(['-v', 'show', 'token', '--guid', leaked], {
        env,
        api: () => ({ status: 404, body: {} }),
      }),
    ];
    for (const result of runs) {
      expect(result.stderr).toMatch(/^tokengate: (POST|GET) http:\/\/api\.test\/v1\/tokens/);
      for (const secret of [leaked, ADMIN, created.token, 'Bearer', 'authorization', '"tokens"']) {
        expect(result.stderr).not.toContain(secret);
      }
    }
    expect(runs[2]?.stderr).toContain(`/v1/tokens/${leaked.slice(0, 11)}...`);
  });

  it('cuts anything that looks like a token down to its hint', () => {
    const token = mintToken().token;
    expect(redactTokens(`http://x/v1/tokens/${token}?a=1`)).toBe(
      `http://x/v1/tokens/${token.slice(0, 11)}...?a=1`,
    );
  });

  it('is silent without -v', async () => {
    const result = await runCli(['list', 'tokens'], { env, api: listApi });
    expect(result.stderr).toBe('');
  });
});

describe('help', () => {
  it('tokengate help prints the help, as --help does (npx may take --help for itself)', async () => {
    const help = await runCli(['help']);
    const flag = await runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tokengate \[options\] \[command\]/);
    expect(help.stdout).toBe(flag.stdout);
  });

  it('tokengate help list shows the command', async () => {
    const help = await runCli(['help', 'list']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('tokens');
  });

  it.each([
    ['list tokens', /--revoked/],
    ['rotate token', /--grace/],
    ['edit token', /--description/],
  ])(
    "tokengate help %s shows that command's own help, flags and examples, as --help does",
    async (command, flag) => {
      const help = await runCli(['help', ...command.split(' ')]);
      const flagged = await runCli([...command.split(' '), '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: tokengate ${command}(\\|\\w+)? \\[options\\]`));
      expect(help.stdout).toMatch(flag);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toBe(flagged.stdout);
    },
  );

  it('tokengate help for a command that does not exist: one line, exit status 2', async () => {
    const help = await runCli(['help', 'list', 'nothing']);
    expect(help.status).toBe(2);
    expect(help.stderr).toBe("tokengate: unknown command 'nothing' (see: tokengate list --help)\n");
  });
});
