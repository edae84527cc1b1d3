// A server this process started as a child (DynamoDB Local, moto in tests): stopped if this process
// ends without stopping it, its last output kept for the error if it never serves, and waited on
// until it answers.
import type { ChildProcess } from 'node:child_process';

const START_TIMEOUT_MS = 60_000;

export interface ChildServer {
  /** Ends the child (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Waits until `ready` resolves (tried every 100 ms, for up to 60 s) and returns the child's stop().
 * A child that exits first, or never gets ready, is killed and its output is in the error.
 */
export async function serveFromChild(
  name: string,
  child: ChildProcess,
  ready: () => Promise<unknown>,
): Promise<ChildServer> {
  // If this process ends without stop() (an uncaught error, process.exit), do not leave it behind.
  const stopOnExit = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilReady(name, child, ready, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', stopOnExit);
    throw error;
  }
  return {
    async stop() {
      process.off('exit', stopOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilReady(
  name: string,
  child: ChildProcess,
  ready: () => Promise<unknown>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output()}`);
    try {
      await ready();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
}
