// Where the CLI writes and what environment it reads, passed in so that commands can be run and
// tested in-process. Results go to stdout, messages to stderr.
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** A failure the user can act on: its message is the whole story, printed as one line. */
export class CliError extends Error {}
