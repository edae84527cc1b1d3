// What the CLI touches of the outside world, passed in so that commands can be run and tested
// in-process: where it writes (results to stdout, messages to stderr), the environment, HTTP and the
// clock.
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
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
};

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
