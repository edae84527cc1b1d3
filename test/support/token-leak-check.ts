// The run-level half of the token leak check, for the global setup: make the run's log folder before
// any worker starts, and at the end search all of it, failing the run if any token is found.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_DIR_ENV, scanLogDir } from './token-leak-scan';

let dir: string | undefined;

export function openLogDir(): void {
  dir = mkdtempSync(join(tmpdir(), 'tokengate-test-logs-'));
  process.env[LOG_DIR_ENV] = dir; // workers are started after this and inherit it
}

/**
 * Fails the run if a log of this run holds a token; else removes the logs. Vitest only reports an
 * error thrown by a global teardown and still exits 0, so the exit status is set here instead.
 */
export function checkNoTokenInLogs(): void {
  if (!dir) return;
  const { files, bytes, leaks } = scanLogDir(dir);
  if (leaks.length > 0) {
    process.exitCode = 1;
    const lines = leaks.map((leak) => `  ${leak.hint} in ${leak.file}`);
    process.stderr.write(
      `\nFAIL token leak check: a token appeared in the log output of this test run (${leaks.length} found; logs kept in ${dir}):\n${lines.join('\n')}\n`,
    );
    return;
  }
  process.stdout.write(`\nToken leak check: no token in ${bytes} bytes of log output (${files} files)\n`);
  rmSync(dir, { recursive: true, force: true });
}
