// Every shell example of the docs runs: the ```sh blocks of the README, then of the pages of docs/ in
// file-name order, each in order, in one `bash -euo pipefail`, as a user pastes them into one
// terminal (the pages' examples go on from the README's quick start, with its admin token in
// `$TOKEN`), against a local stack of this test on a fresh data folder and a free port.
// `npx tokengate` runs this checkout's CLI, and the docs' default address http://127.0.0.1:8787
// becomes the stack's. The few lines that cannot run here are in SKIPPED, each with its reason; a skip
// that no longer matches a line of the docs fails the test.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, LocalStack, REPOSITORY_ROOT, tokengate } from '#test-support/processes';
import { recordLog } from '#test-support/token-leak-scan';

const STEP_TIMEOUT = 120_000;
const DOCS_ENDPOINT = 'http://127.0.0.1:8787';

/** Lines of the docs not run, exactly as written, and why. */
const SKIPPED: Record<string, string> = {
  'npm ci && npm start     # the whole system on http://127.0.0.1:8787':
    'installs, then runs a stack in the foreground; the test runs its own stack',
  'npm ci && npm test      # every test (lint, types, unit, integration, CDK, end-to-end)':
    'the whole suite, of which this test is a part',
  'npx cdk synth               # works offline, no AWS credentials needed':
    'takes tens of seconds; test/cdk synthesizes the same app',
  'npx cdk deploy TokenGate    # with credentials for the target account; bootstrap the account for CDK first':
    'needs an AWS account',
  'npx tokengate bootstrap --table <TokensTableName output> --region <region>': 'needs a deployment in AWS',
  'npm install tokengate aws-cdk-lib constructs        # or: npm install ./tokengate-0.2.0.tgz':
    "installs into another team's app; test/e2e/consumer-app.test.ts does it with a packed tarball",
};

/** The files whose examples run, in the order they run: the README, then docs/*.md by name. */
const DOC_FILES = [
  'README.md',
  ...readdirSync(join(REPOSITORY_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

interface Block {
  /** The file of the block, from the repository root. */
  file: string;
  /** The file's line number of the block's first line. */
  line: number;
  lines: string[];
}

function shellBlocks(file: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  readFileSync(join(REPOSITORY_ROOT, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (current) {
        if (text.startsWith('```')) {
          blocks.push(current);
          current = undefined;
        } else current.lines.push(text);
      } else if (text === '```sh') current = { file, line: index + 2, lines: [] };
    });
  return blocks;
}

/** The script: each block after a marker naming its file and line, skipped lines left as comments. */
function script(blocks: Block[], endpoint: string): string {
  return blocks
    .map((block) => {
      const body = block.lines.map((line) => {
        const reason = SKIPPED[line.trim()];
        return reason === undefined
          ? line.replaceAll(DOCS_ENDPOINT, endpoint)
          : `# skipped (${reason}): ${line}`;
      });
      return [`echo '### ${block.file} line ${block.line}' >&2`, ...body].join('\n');
    })
    .join('\n');
}

describe('the shell examples of the README and docs/', () => {
  const blocks = DOC_FILES.flatMap(shellBlocks);
  const root = mkdtempSync(join(tmpdir(), 'tokengate-readme-'));
  const dataDir = join(root, 'data');
  const runtime = join(root, 'runtime');
  const bin = join(root, 'bin');
  const adminFile = join(root, 'admin-token');
  let stack: LocalStack | undefined;

  beforeAll(async () => {
    mkdirSync(runtime, { mode: 0o700 });
    mkdirSync(bin);
    // `npx tokengate ...` is this checkout's CLI, also when xargs runs it; any other npx is refused.
    writeFileSync(
      join(bin, 'npx'),
      '#!/bin/sh\n[ "$1" = tokengate ] || { echo "npx $1: not expected in a README example" >&2; exit 1; }\n' +
        'shift\nexec "$TEST_NODE" "$CLI_JS" "$@"\n',
    );
    chmodSync(join(bin, 'npx'), 0o755);
    stack = await LocalStack.start({ DATA_DIR: dataDir, PORT: '0', XDG_RUNTIME_DIR: runtime });
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await stack?.kill();
    rmSync(root, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  it('finds curl and jq, which the examples use (the README and docs/local-stack.md list them)', () => {
    for (const tool of ['curl', 'jq']) {
      expect(spawnSync('sh', ['-c', `command -v ${tool}`]).status, `${tool} is not installed`).toBe(0);
    }
  });

  it('skips only lines that are in the docs', () => {
    const lines = new Set(blocks.flatMap((block) => block.lines.map((line) => line.trim())));
    expect(Object.keys(SKIPPED).filter((line) => !lines.has(line))).toEqual([]);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it(
    'run in order on a fresh data folder, and the batch revokes exactly the tokens it made',
    async () => {
      const url = stack?.url ?? '';
      // After the examples, the test keeps the quick start's admin token (in a file, not in any log).
      const epilogue = `\nprintf '%s' "$TOKEN" > '${adminFile}'\n`;
      const child = spawn('bash', ['-euo', 'pipefail', '-c', script(blocks, url) + epilogue], {
        cwd: REPOSITORY_ROOT,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          DATA_DIR: dataDir,
          XDG_RUNTIME_DIR: runtime,
          // `tokengate login` saves here, never in the user's own config folder.
          XDG_CONFIG_HOME: join(root, 'config'),
          TOKENGATE_PROFILE: '',
          TOKENGATE_ENDPOINT: '',
          TOKENGATE_TOKEN: '',
          TOKENGATE_DEBUG: '',
          TEST_NODE: process.execPath,
          CLI_JS: join(REPOSITORY_ROOT, 'cli/bin.js'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        recordLog(`readme-${child.pid}.stderr.log`, chunk);
        stderr += chunk.toString();
      });
      const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(status, `stderr:\n${stderr}\nstdout:\n${stdout}`).toBe(0);

      // What the examples left behind, read with the admin token the quick start made.
      const list = (): Promise<CliResult> =>
        tokengate(['list', 'tokens', '-o', 'json'], {
          TOKENGATE_ENDPOINT: url,
          TOKENGATE_TOKEN: readFileSync(adminFile, 'utf8'),
        });
      const listed = await list();
      expect(listed.status, listed.stderr).toBe(0);
      const tokens = JSON.parse(listed.stdout) as {
        id: string;
        description: string;
        status: string;
        rotated_from: string | null;
        rotated_to: string | null;
        expires_at: string | null;
      }[];
      const statusOf = (description: string) =>
        tokens.filter((token) => token.description === description).map((token) => token.status);
      expect(statusOf('SCIM sync')).toEqual(['active']);
      expect(statusOf('nightly-batch build')).toEqual(['revoked']);
      expect(statusOf('nightly-batch deploy')).toEqual(['revoked']);
      // Rotated by id, then by itself: three tokens linked in a chain, the older two working for their grace.
      const chain = tokens.filter((token) => token.description === 'CI downloads');
      expect(chain.map((token) => token.status)).toEqual(['active', 'active', 'active']);
      const [newest, middle, oldest] = chain;
      expect([oldest?.rotated_from, oldest?.rotated_to]).toEqual([null, middle?.id]);
      expect([middle?.rotated_from, middle?.rotated_to]).toEqual([oldest?.id, newest?.id]);
      expect([newest?.rotated_from, newest?.rotated_to]).toEqual([middle?.id, null]);
      // Renewed as it was rotated: the successor expires 90 days on, the old one within the hour's grace.
      const [renewed, expiring] = tokens.filter((token) => token.description === 'CI uploads');
      expect(renewed?.rotated_from).toBe(expiring?.id);
      expect(Date.parse(renewed?.expires_at ?? '') - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(Date.parse(expiring?.expires_at ?? '') - Date.now()).toBeLessThanOrEqual(3_600_000);
    },
    STEP_TIMEOUT,
  );
});
