// The tokengate CLI as a user meets it: the real `cli/bin.js` in child processes, against one real
// local stack (`npm start`'s entry, its own DynamoDB Local and DATA_DIR). The tests run in order and
// share the stack and the tokens they make; each search uses a tag of this run. Timeouts are generous:
// a slow two-core machine must pass too.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PREFIX } from '#domain/token-format';
import { type CliResult, LocalStack, REPOSITORY_ROOT, tokengate } from '#test-support/processes';

const STEP_TIMEOUT = 120_000;
const TOKEN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{65}$`);
const DAY_MS = 86_400_000;

interface TokenObject {
  id: string;
  description: string;
  user_email: string | null;
  scopes: { scope: string; resources: string[] | null }[];
  status: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** One line on stderr, nothing on stdout, a non-zero status. */
function expectOneLineFailure(result: CliResult): string {
  expect(result.status, result.stdout).not.toBe(0);
  expect(result.stdout).toBe('');
  const errorLines = result.stderr.trimEnd().split('\n');
  expect(errorLines, result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(/^tokengate: /);
  return result.stderr;
}

function parsed<T>(result: CliResult): T {
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('the tokengate CLI against a local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-cli-e2e-'));
  const tag = `cli${Date.now().toString(36)}`;
  const outputs: string[] = [];
  let stack: LocalStack | undefined;
  let admin = '';

  /** `tokengate args` as the admin, the endpoint found through DATA_DIR's stack.json. */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const result = await tokengate(args, {
      DATA_DIR: dataDir,
      TOKENGATE_ENDPOINT: '',
      TOKENGATE_TOKEN: admin,
      ...env,
    });
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  /** `sh -c script`; in it, `"$NODE" "$CLI_JS"` runs the CLI and `"$NODE" -e "$READ_IDS"` prints the ids of a JSON token list. */
  function shell(script: string): Promise<CliResult> {
    const child = spawn('sh', ['-c', script], {
      cwd: REPOSITORY_ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        TOKENGATE_ENDPOINT: '',
        TOKENGATE_TOKEN: admin,
        TOKENGATE_DEBUG: '',
        NODE: process.execPath,
        CLI_JS: join(REPOSITORY_ROOT, 'cli/bin.js'),
        READ_IDS:
          'const c=[];process.stdin.on("data",(d)=>c.push(d)).on("end",()=>{for(const t of JSON.parse(Buffer.concat(c)))console.log(t.id)})',
        TAG: tag,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<CliResult>((resolve) =>
      child.once('close', (status) => resolve({ status, stdout, stderr })),
    );
    return done.then((result) => {
      outputs.push(result.stdout, result.stderr);
      return result;
    });
  }

  /** `list tokens -o json` of the tokens whose description, email or id contains `search`. */
  async function list(search: string, filters: string[] = []): Promise<TokenObject[]> {
    return parsed<TokenObject[]>(await cli(['list', 'tokens', '--search', search, ...filters, '-o', 'json']));
  }

  async function show(id: string): Promise<TokenObject> {
    return parsed<TokenObject>(await cli(['show', 'token', '--guid', id, '-o', 'json']));
  }

  async function create(description: string, ...options: string[]): Promise<TokenObject & { token: string }> {
    return parsed(await cli(['create', 'token', '--description', description, ...options, '-o', 'json']));
  }

  beforeAll(async () => {
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir, TOKENGATE_AUTHORIZER_CACHE_TTL: '0' });
    const bootstrap = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(bootstrap.status, bootstrap.stderr).toBe(0);
    admin = bootstrap.stdout.trim();
  }, 180_000);

  afterAll(async () => {
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it(
    'whoami finds the running stack through DATA_DIR, or takes --endpoint / TOKENGATE_ENDPOINT',
    async () => {
      const human = await cli(['whoami']);
      expect(human.status, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^Status +active$/m);
      expect(human.stdout).toMatch(/^Scopes +global:admin$/m);

      const elsewhere = join(dataDir, 'no-stack-here');
      const viaOption = parsed<TokenObject>(
        await cli(['whoami', '--endpoint', `${stack?.url}/`, '-o', 'json'], { DATA_DIR: elsewhere }),
      );
      const viaEnv = parsed<TokenObject>(
        await cli(['whoami', '-o', 'json'], { DATA_DIR: elsewhere, TOKENGATE_ENDPOINT: stack?.url ?? '' }),
      );
      expect(viaOption.scopes).toEqual([{ scope: 'global:admin', resources: null }]);
      expect(viaEnv.id).toBe(viaOption.id);
    },
    STEP_TIMEOUT,
  );

  it(
    'create token prints the new token and a summary; the token works at once',
    async () => {
      const result = await cli([
        'create',
        'token',
        '--description',
        `${tag} plain`,
        '--scope',
        'blocklist:read',
      ]);

      expect(result.status, result.stderr).toBe(0);
      const token = /^Token +(\S+)$/m.exec(result.stdout)?.[1] ?? '';
      expect(token).toMatch(TOKEN);
      expect(result.stdout).toMatch(new RegExp(`^Description +${tag} plain$`, 'm'));
      expect(result.stderr).toContain('It is shown this once');

      const self = parsed<TokenObject>(await cli(['whoami', '-o', 'json'], { TOKENGATE_TOKEN: token }));
      expect(self.description).toBe(`${tag} plain`);
    },
    STEP_TIMEOUT,
  );

  it(
    'create token -q prints the token alone; --repos, --sources and --user reach the token',
    async () => {
      const result = await cli([
        'create',
        'token',
        '--description',
        `${tag} repos`,
        '--scope',
        'repos:read',
        '--scope',
        'sources:write',
        '--repos',
        'cran,pypi',
        '--sources',
        '*',
        '--user',
        'ci@example.com',
        '-q',
      ]);

      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{65}\\n$`));
      const id = result.stdout.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 16);
      const token = await show(id);
      expect(token.scopes).toEqual([
        { scope: 'repos:read', resources: ['cran', 'pypi'] },
        { scope: 'sources:write', resources: ['*'] },
      ]);
      expect(token.user_email).toBe('ci@example.com');
    },
    STEP_TIMEOUT,
  );

  it(
    'create token --expires takes days, hours, a date and never',
    async () => {
      const scope = ['--scope', 'nameservice:read'];
      const before = Date.now();
      const days = await create(`${tag} days`, ...scope, '--expires', '30d');
      const hours = await create(`${tag} hours`, ...scope, '--expires', '12h');
      const dated = await create(`${tag} dated`, ...scope, '--expires', '2030-01-31');
      const never = await create(`${tag} never`, ...scope, '--expires', 'never');
      const after = Date.now();

      const at = (token: TokenObject) => Date.parse(token.expires_at ?? '');
      expect(at(days)).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 60_000);
      expect(at(days)).toBeLessThanOrEqual(after + 30 * DAY_MS + 60_000);
      expect(at(hours)).toBeGreaterThanOrEqual(before + 12 * 3_600_000 - 60_000);
      expect(at(hours)).toBeLessThanOrEqual(after + 12 * 3_600_000 + 60_000);
      expect(dated.expires_at).toBe('2030-01-31T00:00:00.000Z');
      expect(never.expires_at).toBeNull();
    },
    STEP_TIMEOUT,
  );

  it(
    "create token shows the server's warning for a deprecated scope on stderr",
    async () => {
      const result = await cli([
        'create',
        'token',
        '--description',
        `${tag} meta`,
        '--scope',
        'metadata:read',
        '-q',
      ]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim()).toMatch(TOKEN);
      expect(result.stderr).toMatch(/^tokengate: warning: metadata:read is deprecated: use repos:read/);
    },
    STEP_TIMEOUT,
  );

  it(
    'create token with an unknown scope fails with one line naming the field, and creates nothing',
    async () => {
      const result = await cli([
        'create',
        'token',
        '--description',
        `${tag} bogus`,
        '--scope',
        'bogus:scope',
      ]);
      const line = expectOneLineFailure(result);
      expect(line).toContain('scopes.0.scope');
      expect(line).toContain('(--scope)');
      expect(line).toContain('400 invalid_request');
      expect((await list(tag)).map((token) => token.description)).not.toContain(`${tag} bogus`);
    },
    STEP_TIMEOUT,
  );

  describe('list tokens', () => {
    const ids = { active: '', revoked: '', expired: '' };

    beforeAll(async () => {
      const scope = ['--scope', 'blocklist:read'];
      const expired = await create(`${tag} filter expired`, ...scope, '--expires', '8s');
      ids.active = (await create(`${tag} filter active`, ...scope)).id;
      ids.revoked = (await create(`${tag} filter revoked`, ...scope)).id;
      ids.expired = expired.id;
      expect((await cli(['revoke', 'token', '--guid', ids.revoked])).status).toBe(0);
      const wait = Date.parse(expired.expires_at ?? '') - Date.now() + 500;
      if (wait > 0) await sleep(wait);
    }, STEP_TIMEOUT);

    async function filtered(filters: string[]): Promise<string[]> {
      const tokens = await list(`${tag} filter`, filters);
      return tokens.map((token) => token.id);
    }

    it(
      'without filters lists every token, active first, with its status in plain words',
      async () => {
        const all = await filtered([]);
        expect(all[0]).toBe(ids.active);
        expect(new Set(all)).toEqual(new Set([ids.active, ids.revoked, ids.expired]));
        expect(all).toHaveLength(3);

        const human = await cli(['list', 'tokens', '--search', `${tag} filter`]);
        expect(human.status, human.stderr).toBe(0);
        const rows = human.stdout.trimEnd().split('\n');
        expect(rows[0]).toMatch(/^ID +STATUS +DESCRIPTION/);
        const statusOf = (id: string) => rows.find((row) => row.startsWith(id))?.split(/ {2,}/)[1];
        expect([statusOf(ids.active), statusOf(ids.revoked), statusOf(ids.expired)]).toEqual([
          'active',
          'revoked',
          'expired',
        ]);
      },
      STEP_TIMEOUT,
    );

    it.each([
      ['--revoked=yes', ['revoked']],
      ['--revoked=no', ['active', 'expired']],
      ['--expired=yes', ['expired']],
      ['--expired=no', ['active', 'revoked']],
      ['--revoked=no --expired=no', ['active']],
    ] as const)(
      '%s lists the %j tokens',
      async (filters, expected) => {
        const listed = await filtered(filters.split(' '));
        expect(new Set(listed)).toEqual(new Set(expected.map((kind) => ids[kind])));
        expect(listed).toHaveLength(expected.length);
      },
      STEP_TIMEOUT,
    );

    it(
      '--search matches the user email too, but never the id',
      async () => {
        expect((await list('CI@EXAMPLE.COM')).map((token) => token.description)).toEqual([`${tag} repos`]);
        expect(await list(ids.active)).toEqual([]);
      },
      STEP_TIMEOUT,
    );
  });

  describe('show, edit and revoke', () => {
    let id = '';

    beforeAll(async () => {
      id = (await create(`${tag} edit`, '--scope', 'blocklist:admin')).id;
    }, STEP_TIMEOUT);

    it(
      'show token prints every field of the token',
      async () => {
        const result = await cli(['show', 'token', '--guid', id]);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^ID +${id}$`, 'm'));
        expect(result.stdout).toMatch(/^Status +active$/m);
        expect(result.stdout).toMatch(/^Expires +never$/m);
        expect(result.stdout).toMatch(
          /^Created +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by Bootstrap admin token \(token:/m,
        );
      },
      STEP_TIMEOUT,
    );

    it(
      'edit token sets the user email, and --clear-email removes it',
      async () => {
        const set = parsed<TokenObject>(
          await cli(['edit', 'token', '--guid', id, '--email', 'owner@example.com', '-o', 'json']),
        );
        expect(set.user_email).toBe('owner@example.com');
        expect((await show(id)).user_email).toBe('owner@example.com');

        const cleared = await cli(['edit', 'token', '--guid', id, '--clear-email']);
        expect(cleared.status, cleared.stderr).toBe(0);
        expect(cleared.stdout).toMatch(/^User +-$/m);
        expect((await show(id)).user_email).toBeNull();
      },
      STEP_TIMEOUT,
    );

    it(
      'edit token --description renames it, found by its new words; show names its creator in words',
      async () => {
        const renamed = parsed<TokenObject>(
          await cli(['edit', 'token', '--guid', id, '--description', `${tag} renamed`, '-o', 'json']),
        );
        expect(renamed.description).toBe(`${tag} renamed`);
        expect((await list(`${tag} renamed`)).map((token) => token.id)).toEqual([id]);
        const shown = await cli(['show', 'token', '--guid', id]);
        expect(shown.stdout).toMatch(/^Created +.* UTC by Bootstrap admin token \(token:\w+\)$/m);
      },
      STEP_TIMEOUT,
    );

    it(
      'revoke token --guid revokes it for good; a second revoke keeps the first revoked_at',
      async () => {
        const result = await cli(['revoke', 'token', '--guid', id]);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/^Status +revoked$/m);
        const first = await show(id);
        expect(first.status).toBe('revoked');

        const again = parsed<TokenObject>(await cli(['revoke', 'token', '--guid', id, '-o', 'json']));
        expect(again.revoked_at).toBe(first.revoked_at);
        expect((await cli(['revoke', 'token', '--guid', id])).status).toBe(0);
      },
      STEP_TIMEOUT,
    );

    it(
      'revoke token --token revokes a leaked token with no admin token at all',
      async () => {
        const leaked = await create(`${tag} leaked`, '--scope', 'blocklist:read');

        const result = await cli(['revoke', 'token', '--token', leaked.token], { TOKENGATE_TOKEN: '' });
        expect(result.status, result.stderr).toBe(0);
        expect(result.stderr).not.toContain(leaked.token);

        expect((await show(leaked.id)).status).toBe('revoked');
        const refused = await cli(['whoami'], { TOKENGATE_TOKEN: leaked.token });
        expect(expectOneLineFailure(refused)).toContain('401 unauthorized');
      },
      STEP_TIMEOUT,
    );
  });

  describe('failures, each with its exit status', () => {
    it(
      'a usage error: 2, before any request; help list tokens shows that command',
      async () => {
        const usage = await cli(['rotate', 'token', '--self', '--grace', '90']);
        expect(expectOneLineFailure(usage)).toMatch(/--grace must be/);
        expect(usage.status).toBe(2);
        expect((await cli(['list', 'tokens', '--nope'])).status).toBe(2);
        const help = await cli(['help', 'list', 'tokens']);
        expect(help.status).toBe(0);
        expect(help.stdout).toMatch(/^Usage: tokengate list tokens\|token \[options\]/);
        expect(help.stdout).toContain('--revoked');
      },
      STEP_TIMEOUT,
    );

    it(
      'a refused token: 4; an API error: 1; an API that does not answer: 5',
      async () => {
        expect((await cli(['list', 'tokens'], { TOKENGATE_TOKEN: '' })).status).toBe(4);
        expect((await cli(['show', 'token', '--guid', '0000000000000000'])).status).toBe(1);
        const unreachable = await cli(['whoami', '--endpoint', 'http://127.0.0.1:9']);
        expect(unreachable.status).toBe(5);
        expect(unreachable.stderr).toContain('pass --endpoint or set TOKENGATE_ENDPOINT');
      },
      STEP_TIMEOUT,
    );

    it(
      'no token: one line with the 401 and how to give a token',
      async () => {
        const line = expectOneLineFailure(await cli(['list', 'tokens'], { TOKENGATE_TOKEN: '' }));
        expect(line).toBe(
          'tokengate: A valid token is required [401 unauthorized]: no token was given: set TOKENGATE_TOKEN, pass --token or save one (tokengate login --with-token)\n',
        );
      },
      STEP_TIMEOUT,
    );

    it(
      'an unknown guid: one line with the 404',
      async () => {
        const line = expectOneLineFailure(await cli(['show', 'token', '--guid', '0000000000000000']));
        expect(line).toMatch(/0000000000000000 \[404 not_found, field id \(--guid\)\]\n$/);
      },
      STEP_TIMEOUT,
    );

    it(
      'an endpoint where nothing listens: one line naming it',
      async () => {
        const line = expectOneLineFailure(await cli(['whoami', '--endpoint', 'http://127.0.0.1:9']));
        expect(line).toMatch(/^tokengate: Cannot reach the tokengate API at http:\/\/127\.0\.0\.1:9 \(/);
      },
      STEP_TIMEOUT,
    );
  });

  it(
    'works in batch: tokens made with -q in a shell loop, sorted, then revoked through xargs by id',
    async () => {
      const made = await shell(
        'set -e; for name in bravo alpha charlie; do ' +
          '"$NODE" "$CLI_JS" create token --description "$TAG batch $name" --scope blocklist:read -q; done',
      );
      expect(made.status, made.stderr).toBe(0);
      const tokens = made.stdout.trimEnd().split('\n');
      expect(tokens).toHaveLength(3);
      for (const token of tokens) expect(token).toMatch(TOKEN);

      const order = async (sort: string) =>
        (await list(`${tag} batch`, ['--sort', sort])).map((token) => token.description.split(' ').pop());
      expect(await order('name')).toEqual(['alpha', 'bravo', 'charlie']);
      expect(await order('name-desc')).toEqual(['charlie', 'bravo', 'alpha']);
      expect(await order('oldest')).toEqual(['bravo', 'alpha', 'charlie']);
      expect(await order('newest')).toEqual(['charlie', 'alpha', 'bravo']);

      const revoked = await shell(
        'set -e; "$NODE" "$CLI_JS" list tokens --search "$TAG batch" -o json | "$NODE" -e "$READ_IDS" | ' +
          'xargs -n1 "$NODE" "$CLI_JS" revoke token -o json --guid',
      );
      expect(revoked.status, revoked.stderr).toBe(0);
      expect(await list(`${tag} batch`, ['--revoked=no'])).toEqual([]);
      expect(await list(`${tag} batch`, ['--revoked=yes'])).toHaveLength(3);
    },
    STEP_TIMEOUT * 2,
  );

  it(
    'rotate token: the new token on stdout, the old one works for the grace and then stops; --self by any token',
    async () => {
      const old = await create(`${tag} rotated`, '--scope', 'blocklist:read', '--user', 'ops@example.com');
      const rotated = await cli(['rotate', 'token', '--guid', old.id, '--grace', '15s', '-q']);
      const rotatedAt = Date.now();
      expect(rotated.status, rotated.stderr).toBe(0);
      expect(rotated.stderr).toBe('');
      const fresh = rotated.stdout.trim();
      expect(rotated.stdout).toBe(`${fresh}\n`);
      expect(fresh).toMatch(TOKEN);

      // During the grace both work.
      const stillOld = parsed<TokenObject & { rotated_to: string }>(
        await cli(['whoami', '-o', 'json'], { TOKENGATE_TOKEN: old.token }),
      );
      const successor = parsed<TokenObject & { rotated_from: string }>(
        await cli(['whoami', '-o', 'json'], { TOKENGATE_TOKEN: fresh }),
      );
      expect(stillOld.rotated_to).toBe(successor.id);
      expect(successor).toMatchObject({
        rotated_from: old.id,
        description: `${tag} rotated`,
        user_email: 'ops@example.com',
        scopes: [{ scope: 'blocklist:read', resources: null }],
        expires_at: null,
      });
      const graceEnd = Date.parse(stillOld.expires_at ?? '');
      expect(graceEnd).toBeLessThanOrEqual(rotatedAt + 15_000);

      // A second rotation of the old token fails in one line, and changes nothing.
      expect(expectOneLineFailure(await cli(['rotate', 'token', '--guid', old.id]))).toContain(
        '409 conflict',
      );
      expect((await show(old.id)).expires_at).toBe(stillOld.expires_at);

      // After the grace the old token is refused.
      await sleep(Math.max(0, graceEnd - Date.now() + 1_100));
      expect(expectOneLineFailure(await cli(['whoami'], { TOKENGATE_TOKEN: old.token }))).toContain(
        '401 unauthorized',
      );

      // The new token, which has no admin scope, rotates itself.
      const self = await cli(['rotate', 'token', '--self'], { TOKENGATE_TOKEN: fresh });
      expect(self.status, self.stderr).toBe(0);
      const until = new RegExp(
        `^Rotated token ${successor.id} to \\S+: the old token is accepted until (\\S+ \\S+) UTC;`,
      ).exec(self.stderr)?.[1];
      // The default hour; with this stack's TTL of 0 the old token is accepted up to its new expiry.
      const acceptedFor = Date.parse(`${until?.replace(' ', 'T')}Z`) - Date.now();
      expect(acceptedFor, self.stderr).toBeGreaterThan(3_500_000);
      expect(acceptedFor).toBeLessThanOrEqual(3_600_000);
      expect(/^Token +(\S+)$/m.exec(self.stdout)?.[1]).toMatch(TOKEN);
      expect(self.stdout).toMatch(new RegExp(`^Rotated from +${successor.id}$`, 'm'));
      // Rotating another token by id needs an admin token.
      expect(
        expectOneLineFailure(await cli(['rotate', 'token', '--guid', old.id], { TOKENGATE_TOKEN: fresh })),
      ).toContain('403 forbidden');
    },
    STEP_TIMEOUT,
  );

  it(
    'rotate token --expires renews the new token; a token rotating itself may not put its expiry later',
    async () => {
      const old = await create(`${tag} renewed`, '--scope', 'blocklist:read', '--expires', '2d');
      const renewed = parsed<TokenObject & { token: string }>(
        await cli(['rotate', 'token', '--guid', old.id, '--expires', '90d', '--grace', '0', '-o', 'json']),
      );
      const ahead = Date.parse(renewed.expires_at ?? '') - Date.now();
      expect(ahead).toBeGreaterThan(89 * DAY_MS);
      expect(ahead).toBeLessThanOrEqual(90 * DAY_MS);

      const later = await cli(['rotate', 'token', '--self', '--expires', '120d'], {
        TOKENGATE_TOKEN: renewed.token,
      });
      expect(expectOneLineFailure(later)).toMatch(
        /cannot extend its life.*\[400 invalid_request, field expires_at \(--expires\)\]/,
      );
      expect(later.status).toBe(1);
      const sooner = parsed<TokenObject>(
        await cli(['rotate', 'token', '--self', '--expires', '30d', '-o', 'json'], {
          TOKENGATE_TOKEN: renewed.token,
        }),
      );
      expect(Date.parse(sooner.expires_at ?? '')).toBeLessThan(Date.parse(renewed.expires_at ?? ''));
    },
    STEP_TIMEOUT,
  );

  it(
    'login --with-token keeps the token from stdin, 0600, and later commands use it with nothing in the environment',
    async () => {
      const config = join(dataDir, 'config-home');
      const saved = await shell(
        `printf '%s' "$TOKENGATE_TOKEN" | XDG_CONFIG_HOME='${config}' "$NODE" "$CLI_JS" login --with-token && ` +
          `stat -c %a '${config}/tokengate' '${config}/tokengate/config.json' && ` +
          `env -u TOKENGATE_TOKEN -u DATA_DIR XDG_CONFIG_HOME='${config}' "$NODE" "$CLI_JS" whoami -o json`,
      );
      expect(saved.status, saved.stderr).toBe(0);
      expect(saved.stderr).toMatch(
        /^Logged in to http:\/\/127\.0\.0\.1:\d+ as Bootstrap admin token \(\w+\); saved as profile default/,
      );
      const [folderMode, fileMode, ...json] = saved.stdout.split('\n');
      expect([folderMode, fileMode]).toEqual(['700', '600']);
      expect(JSON.parse(json.join('\n'))).toMatchObject({ description: 'Bootstrap admin token' });
    },
    STEP_TIMEOUT,
  );

  it("never prints the caller's token", () => {
    expect(admin).toMatch(TOKEN);
    for (const output of outputs) expect(output).not.toContain(admin);
  });
});
