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

/** A failure the user can act on: its message is the whole story, printed as one line. */
export class CliError extends Error {}
