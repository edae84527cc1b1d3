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
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** The time now, by the injected clock if there is one. */
export function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/** A failure the user can act on: its message is the whole story, printed as one line. */
export class CliError extends Error {}
