// Child processes for end-to-end tests: the local stack as `npm start` runs it, and the CLI as
// `npx tokengate` runs it. Output is collected so that a failure can show it, and the stack's output
// and the CLI's stderr also go to the run's logs, which are searched for leaked tokens (the CLI's
// stdout is its product: `create` and `bootstrap` print a token there by design).
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '#spec/env';
import { recordLog } from './token-leak-scan';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(REPOSITORY_ROOT, 'node_modules/.bin/tsx');
const READY = /^tokengate local stack ready at (http:\/\/\S+)$/m;

/** Resolves with the exit status once the process has ended and its output has been read. */
function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class LocalStack {
  private constructor(
    private readonly child: ChildProcess,
    private readonly done: Promise<number | null>,
    private readonly output: { text: string },
    readonly url: string,
  ) {}

  /** Starts `tsx local/start.ts` (what `npm start` runs) and waits for its ready line. */
  static async start(env: Record<string, string>, timeoutMs = 120_000): Promise<LocalStack> {
    const child = spawn(TSX, ['local/start.ts'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, [ENV.debug]: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that kill() can take tsx's child with it
    });
    const done = closed(child);
    const output = { text: '' };
    const ready = new Promise<string>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        recordLog(`stack-${child.pid}.log`, chunk);
        output.text += chunk.toString();
        const url = READY.exec(output.text)?.[1];
        if (url) resolve(url);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      done.then((code) => reject(new Error(`The local stack exited (${code}):\n${output.text}`)));
    });
    try {
      const url = await withTimeout(ready, timeoutMs, () => `The local stack was not ready:\n${output.text}`);
      return new LocalStack(child, done, output, url);
    } catch (error) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // It has exited already (the error says why).
      }
      throw error;
    }
  }

  /** Everything it printed so far, stdout and stderr together. */
  get log(): string {
    return this.output.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, as a service manager would send; resolves with the exit status. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    return withTimeout(this.done, timeoutMs, () => `The local stack did not stop:\n${this.output.text}`);
  }

  /** For cleanup: a graceful stop if it still runs, then SIGKILL to what is left of its group. */
  async kill(): Promise<void> {
    if (!this.running) return;
    try {
      await this.stop(30_000);
    } catch {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    }
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cli/bin.js` (what `npx tokengate` runs in a checkout) with the Node running the tests, in `cwd`. */
/** A config folder that holds no saved login: it does not exist. */
const NO_SAVED_LOGINS = join(tmpdir(), `tokengate-no-saved-logins-${process.pid}`);

export async function tokengate(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
  cwd = REPOSITORY_ROOT,
) {
  const child = spawn(process.execPath, [join(REPOSITORY_ROOT, 'cli/bin.js'), ...args], {
    cwd,
    // No saved login of the user's (`tokengate login`) takes part unless a test saves its own.
    env: { ...process.env, [ENV.debug]: '', [ENV.profile]: '', [ENV.configHome]: NO_SAVED_LOGINS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = closed(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    recordLog(`cli-${child.pid}.stderr.log`, chunk);
    stderr += chunk.toString();
  });
  try {
    const status = await withTimeout(done, timeoutMs, () => `tokengate ${args.join(' ')} hung`);
    return { status, stdout, stderr } satisfies CliResult;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
