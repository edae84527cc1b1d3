// The tokengate CLI: one commander program; each command is defined in cli/commands/ and added here.
// Every failure ends as one line on stderr and a non-zero exit status (the stack with TOKENGATE_DEBUG=1).
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerBootstrap } from './commands/bootstrap';
import { type CliIo, processIo } from './io';

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function messageOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message || error.name : String(error));
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('tokengate')
    .description('Scoped API tokens for AWS serverless: make and manage tokens')
    .version(packageJson.version)
    .showSuggestionAfterError()
    .exitOverride() // commands added with .command() inherit this and the output settings
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`tokengate: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });
  registerBootstrap(program, io);
  return program;
}

/** Runs the CLI on `args` (without `node` and the script) and returns the exit status. */
export async function run(args: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has said why (or shown help)
    io.stderr(`tokengate: ${messageOf(error)}\n`);
    if (io.env.TOKENGATE_DEBUG === '1' && error instanceof Error && error.stack)
      io.stderr(`${error.stack}\n`);
    return 1;
  }
}
