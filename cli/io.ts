// What the CLI touches of the outside world, passed in so that commands can be run and tested
// in-process: where it writes (results to stdout, messages to stderr), the environment, HTTP and the
// clock.
import { TABLE_WIDTH } from './format';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** HTTP for the API commands; Node's global fetch when absent. */
  fetch?: typeof globalThis.fetch;
  /** The clock, for expiries given relative to now; the system clock when absent. */
  now?: () => Date;
  /** Whether stdout is a terminal (colour is for terminals only). */
  stdoutIsTTY?: boolean;
  /** The terminal's width in columns, when stdout is a terminal. */
  columns?: number | undefined;
  /** All of stdin, as text (`tokengate login --with-token` reads the token there). */
  stdin?: () => Promise<string>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  get columns() {
    return process.stdout.isTTY ? process.stdout.columns : undefined;
  },
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * The columns a table may take: the terminal's width, or TABLE_WIDTH (100) when stdout is not a
 * terminal (a pipe or a file has no width; 100 reads well in a CI log); null with `--wide` (no limit).
 */
export function tableWidth(io: CliIo, wide = false): number | null {
  if (wide) return null;
  return io.stdoutIsTTY && io.columns !== undefined && io.columns > 0 ? io.columns : TABLE_WIDTH;
}

/**
 * Colour only on a terminal, never with NO_COLOR (https://no-color.org: any non-empty value) or
 * FORCE_COLOR=0; FORCE_COLOR=1 (or 2, 3, true) asks for it even when stdout is not a terminal.
 */
export function wantsColour(io: CliIo): boolean {
  if (io.env.NO_COLOR) return false;
  const force = io.env.FORCE_COLOR;
  if (force === '0' || force === 'false') return false;
  if (force !== undefined && force !== '') return true;
  return io.stdoutIsTTY === true;
}

/** The time now, by the injected clock if there is one. */
export function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/**
 * The exit statuses, as `gh` tells them apart: scripts can tell a mistake in the command from a
 * refusal, a rejected token and an API that did not answer.
 */
export const EXIT = {
  ok: 0,
  /** The API (or the token table) refused or failed; anything else that went wrong. */
  error: 1,
  /** The command line itself: an unknown flag, a bad value, a missing option. */
  usage: 2,
  /** The API refused the token: 401 or 403. */
  auth: 4,
  /** The API could not be reached. */
  unreachable: 5,
} as const;

/** A failure the user can act on: its message is the whole story, printed as one line. */
export class CliError extends Error {
  readonly exitCode: number = EXIT.error;
}

/** A mistake in the command line (a bad or missing option value): exit status 2. */
export class UsageError extends CliError {
  override readonly exitCode: number = EXIT.usage;
}
