// However `npm start` ends, nothing of the local stack is left running: a SIGTERM to npm (what a
// service manager or `kill <pid>` sends) never reaches the stack's process, which runs under the
// shell npm starts; and a SIGKILL to the stack's process gives it no chance to stop DynamoDB Local.
// Each case starts the stack with the real `npm start`, ends it that way, and then looks for what
// is left by its processes' command lines.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirAt, processIsAlive, readStackInfo } from '#local/data-dir';
import { REPOSITORY_ROOT } from '#test-support/processes';

const READY = /tokengate local stack ready at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 120_000;
const GONE_TIMEOUT_MS = 20_000;

/** The pids of the processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines
    .filter((line) => line.includes(text))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => pid !== process.pid);
}

async function until(what: string, holds: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`${what} (after ${timeoutMs} ms)`);
    await sleep(200);
  }
}

describe('the local stack ends with npm start', () => {
  const folders: string[] = [];
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) if (child.pid && child.exitCode === null) child.kill('SIGKILL');
    for (const folder of folders) {
      for (const pid of processesWith(folder)) process.kill(pid, 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  });

  /** `npm start` on a fresh data folder; resolves once it is ready, with npm and the folder. */
  async function npmStart(): Promise<{ npm: ChildProcess; folder: string; output: () => string }> {
    const folder = mkdtempSync(join(tmpdir(), 'tokengate-signals-'));
    folders.push(folder);
    const npm = spawn('npm', ['start'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: folder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(npm);
    let text = '';
    npm.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    npm.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    await until(`npm start was not ready:\n${text}`, () => READY.test(text), START_TIMEOUT_MS);
    return { npm, folder, output: () => text };
  }

  it(
    'a SIGTERM to npm stops the stack and its DynamoDB Local, which let go of the data folder',
    async () => {
      const { npm, folder, output } = await npmStart();
      const stack = readStackInfo(dataDirAt(folder));
      expect(stack?.pid).toBeGreaterThan(0);
      // DynamoDB Local's command line names its database folder, inside the data folder.
      expect(processesWith(folder).length).toBeGreaterThan(0);

      npm.kill('SIGTERM');

      await until(
        `the stack's processes outlived npm:\n${output()}`,
        () => processesWith(folder).length === 0 && !processIsAlive(stack?.pid ?? 0),
        GONE_TIMEOUT_MS,
      );
      // It stopped as it does on Ctrl-C, cleaning up after itself, rather than being killed.
      await until('the stack did not say it stopped', () => output().includes('local stack stopped'), 5_000);
      expect(readStackInfo(dataDirAt(folder))).toBeNull();
    },
    START_TIMEOUT_MS + 60_000,
  );

  it(
    "a SIGKILL to the stack's own process takes DynamoDB Local with it",
    async () => {
      const { folder, output } = await npmStart();
      const stack = readStackInfo(dataDirAt(folder));
      const database = processesWith(`${folder}/`);
      expect(database.length).toBe(1);

      process.kill(stack?.pid ?? 0, 'SIGKILL');

      await until(
        `DynamoDB Local outlived the stack's process:\n${output()}`,
        () => processesWith(folder).length === 0,
        GONE_TIMEOUT_MS,
      );
    },
    START_TIMEOUT_MS + 60_000,
  );
});
