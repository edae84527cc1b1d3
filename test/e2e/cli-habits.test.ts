// Habits of rspm users and of shells without DATA_DIR, with the real CLI against a real
// local stack. A CLI call without DATA_DIR, run from another folder, finds the local stack running on
// its own data folder through the per-user registry and makes a token that stack accepts, without a
// DynamoDB Local (nor a .data/) of its own; with no stack to find, it says which folder it looked in
// and how to point at the right one. Then rspm's forms against the real API: a bare --revoked, -o
// before the command, the bulk --clear-email=ADDR, and a second revoke.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, LocalStack, tokengate } from '#test-support/processes';

const STEP_TIMEOUT = 120_000;

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('the CLI without DATA_DIR', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokengate-cli-datadir-'));
  const stackData = join(root, 'stack-data');
  const runtime = join(root, 'runtime'); // the registry, apart from this user's real one
  const otherCwd = join(root, 'somewhere-else');
  const outputs: string[] = [];
  let stack: LocalStack | undefined;
  let admin = '';

  /** `tokengate args` from `otherCwd`, with no DATA_DIR nor endpoint. */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const result = await tokengate(
      args,
      { DATA_DIR: '', TOKENGATE_ENDPOINT: '', TOKENGATE_TOKEN: '', XDG_RUNTIME_DIR: runtime, ...env },
      90_000,
      otherCwd,
    );
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  beforeAll(async () => {
    mkdirSync(runtime, { mode: 0o700 });
    mkdirSync(otherCwd);
    stack = await LocalStack.start({ DATA_DIR: stackData, PORT: '0', XDG_RUNTIME_DIR: runtime });
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await stack?.kill();
    rmSync(root, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  it(
    'bootstrap --local uses the running stack, and that stack accepts the token',
    async () => {
      const made = await cli(['bootstrap', '--local']);
      expect(made.status, made.stderr).toBe(0);
      const token = made.stdout.trim();
      admin = token;
      expect(made.stderr).toContain(
        `DATA_DIR is not set and no local stack runs on ${join(otherCwd, '.data')}: using the one running at ${stack?.url} (DATA_DIR=${stackData})`,
      );
      expect(made.stderr).toContain(`of the local stack at ${stack?.url}`);
      expect(existsSync(join(otherCwd, '.data')), 'no data folder (nor DynamoDB Local) of its own').toBe(
        false,
      );

      const whoami = await cli(['whoami', '-o', 'json', '-v'], { TOKENGATE_TOKEN: token });
      expect(whoami.status, whoami.stderr).toBe(0);
      expect(JSON.parse(whoami.stdout).scopes).toEqual([{ scope: 'global:admin', resources: null }]);
      expect(whoami.stderr).toContain(`GET ${stack?.url}/v1/whoami -> 200`);
      expect(whoami.stderr).not.toContain(token);
    },
    STEP_TIMEOUT,
  );

  it(
    'with no stack to find, fails with one line naming the folder it looked in and how to point elsewhere',
    async () => {
      const empty = join(root, 'no-stacks');
      mkdirSync(empty, { mode: 0o700 });
      const result = await cli(['whoami', '-v', '--token', 'x'], { XDG_RUNTIME_DIR: empty });
      const looked = `no local stack runs on ${join(otherCwd, '.data')} (DATA_DIR is not set), nor any other that this user started`;
      expect(result.stderr).toContain(`tokengate: ${looked}: trying http://127.0.0.1:8787\n`);
      if (!(await answers('http://127.0.0.1:8787'))) {
        // The usual case; a stack someone else runs on the default port would answer instead.
        expect(result.status).not.toBe(0);
        const lastLine = result.stderr.trimEnd().split('\n').pop();
        expect(lastLine).toMatch(/^tokengate: Cannot reach the tokengate API at http:\/\/127\.0\.0\.1:8787/);
        expect(lastLine).toContain(
          `${looked}. Start one (npm start), or point at yours: DATA_DIR=<its data folder>, or --endpoint URL`,
        );
      }
      expect(existsSync(join(otherCwd, '.data'))).toBe(false);
    },
    STEP_TIMEOUT,
  );

  it(
    'with DATA_DIR on a folder no stack runs on, bootstrap --local makes the token there and warns that the running stack will not take it',
    async () => {
      const fresh = join(root, 'fresh-data');
      const made = await cli(['bootstrap', '--local'], { DATA_DIR: fresh });
      expect(made.status, made.stderr).toBe(0);
      expect(made.stderr).toContain(`in ${fresh} (the local stack is not running)`);
      expect(made.stderr).toContain(
        `tokengate: warning: no local stack runs on ${fresh} (DATA_DIR), so the token is made there, for a stack you start on it; ` +
          `the stack running at ${stack?.url} (DATA_DIR=${stackData}) will not accept it\n`,
      );
      const refused = await cli(['whoami', '--endpoint', stack?.url ?? ''], {
        TOKENGATE_TOKEN: made.stdout.trim(),
      });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('401');
    },
    STEP_TIMEOUT,
  );

  it(
    "rspm's forms: edit token --clear-email=ADDR clears ADDR from every token of it, revoked ones too",
    async () => {
      const as = (args: string[]) => cli(args, { TOKENGATE_TOKEN: admin });
      const tag = `habits${Date.now().toString(36)}`;
      const email = `${tag}@example.com`;
      const make = async (description: string, user: string) => {
        const made = await as([
          'create',
          'token',
          '--description',
          description,
          '--scope',
          'blocklist:read',
          '--user',
          user,
          '-o',
          'json',
        ]);
        expect(made.status, made.stderr).toBe(0);
        return (JSON.parse(made.stdout) as { id: string }).id;
      };
      const hers = await make(`${tag} one`, email);
      const hersRevoked = await make(`${tag} two`, email.toUpperCase());
      const someoneElse = await make(`${tag} three, for ${email}`, `x.${email}`);
      const first = await as(['revoke', 'token', '--guid', hersRevoked]);
      expect(first.stderr).toBe(`Revoked token ${hersRevoked}.\n`);
      const second = await as(['revoke', 'token', '--guid', hersRevoked]);
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toMatch(
        new RegExp(`^Token ${hersRevoked} was already revoked \\(.* UTC\\); nothing changed\\.\\n$`),
      );

      const revoked = await as(['-o', 'json', 'list', 'tokens', '--revoked', '--search', tag]);
      expect(JSON.parse(revoked.stdout).map((token: { id: string }) => token.id)).toEqual([hersRevoked]);

      const cleared = await as(['edit', 'token', `--clear-email=${email}`, '-o', 'json']);
      expect(cleared.status, cleared.stderr).toBe(0);
      expect(cleared.stderr).toBe(`Cleared the user email ${email} from 2 tokens.\n`);
      const after = await as(['list', 'tokens', '--search', tag, '-o', 'json']);
      const emails = Object.fromEntries(
        JSON.parse(after.stdout).map((token: { id: string; user_email: string | null }) => [
          token.id,
          token.user_email,
        ]),
      );
      expect(emails).toEqual({ [hers]: null, [hersRevoked]: null, [someoneElse]: `x.${email}` });
    },
    STEP_TIMEOUT,
  );

  it('never prints a token on stderr', () => {
    expect(outputs.filter((_, i) => i % 2 === 1).join('')).not.toMatch(/tg_[0-9A-Za-z]{65}/);
  });
});
