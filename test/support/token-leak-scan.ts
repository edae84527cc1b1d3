// Finds tokengate tokens in log output. The whole test run writes what reaches a real stdout or stderr
// (test workers, the local stacks and CLIs they start) into one folder; at the end of the run every
// byte there is searched for anything that is a well-formed token with a valid checksum, which is
// every token the run minted and nothing else. A token in a log is a leak: the run fails.
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HINT_LENGTH, parseToken, TOKEN_LENGTH, TOKEN_PREFIX } from '#domain/token-format';

/** Set by the global setup for the whole run; workers and their children inherit it. */
export const LOG_DIR_ENV = 'TOKENGATE_TEST_LOG_DIR';

/** The token's shape anywhere in a text (base62 runs longer than a token are cut into candidates too). */
const CANDIDATE = new RegExp(`${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_LENGTH - TOKEN_PREFIX.length}}`, 'g');

/** Every token (valid checksum) in `text`, once each. */
export function tokensIn(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(CANDIDATE)) {
    if (parseToken(match[0]) !== null) found.add(match[0]);
  }
  return [...found];
}

/** What a report may show of a leaked token: its hint, the part the API shows again anyway. */
export function redacted(token: string): string {
  return `${token.slice(0, HINT_LENGTH)}…`;
}

/** This run's log folder, or undefined outside a test run (then nothing is recorded). */
export function logDir(): string | undefined {
  return process.env[LOG_DIR_ENV] || undefined;
}

/** Appends `text` to `name` in the run's log folder. Synchronous, so nothing is lost on exit. */
export function recordLog(name: string, text: string | Uint8Array): void {
  const dir = logDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, name), text);
}

export interface Leak {
  file: string;
  hint: string;
}

/** Every token found in the files of `dir`, with the file it was found in. */
export function scanLogDir(dir: string): { files: number; bytes: number; leaks: Leak[] } {
  const leaks: Leak[] = [];
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'latin1'); // tokens are ASCII: no byte is lost or merged
    files++;
    bytes += text.length;
    for (const token of tokensIn(text)) leaks.push({ file: join(dir, name), hint: redacted(token) });
  }
  return { files, bytes, leaks };
}
