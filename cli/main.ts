// The tokengate CLI: one commander program; each command is defined in cli/commands/ and listed in
// COMMANDS. Commands are `verb noun`, as in rspm (`create token`, `list tokens`).
// Every failure ends as one line on stderr and a non-zero exit status (the stack with TOKENGATE_DEBUG=1).
import { Command, CommanderError } from 'commander';
import { ENV } from '#spec/env';
import packageJson from '../package.json' with { type: 'json' };
import { addProgramOutputOption, addTargetOptions, examples } from './command-kit';
import { registerAudit } from './commands/audit';
import { registerAuditVerify } from './commands/audit-verify';
import { registerBootstrap } from './commands/bootstrap';
import { registerCreateToken } from './commands/create-token';
import { registerEditToken } from './commands/edit-token';
import { registerListTokens } from './commands/list-tokens';
import { registerLogin } from './commands/login';
import { registerRevokeToken } from './commands/revoke-token';
import { registerRotateToken } from './commands/rotate-token';
import { registerShowToken } from './commands/show-token';
import { registerWhoami } from './commands/whoami';
import { CliError, type CliIo, EXIT, processIo, UsageError } from './io';

/** Adds one command (or one noun under a verb) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every command, in the order of --help. A new command is one entry here. */
const COMMANDS: readonly RegisterCommand[] = [
  registerBootstrap,
  registerCreateToken,
  registerListTokens,
  registerShowToken,
  registerEditToken,
  registerRevokeToken,
  registerRotateToken,
  registerWhoami,
  registerAudit,
  registerAuditVerify,
  registerLogin,
];

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
    // Options before the command are the program's (the caller's --token); those after it, the
    // command's. So `revoke token --token` can name the token to revoke, as in rspm.
    .enablePositionalOptions()
    .exitOverride() // commands added with .command() inherit this and the output settings
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`tokengate: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });
  addTargetOptions(program);
  addProgramOutputOption(program);
  for (const register of COMMANDS) register(program, io);
  program.addHelpText(
    'after',
    examples(
      `export ${ENV.token}=$(tokengate bootstrap --local)`,
      "tokengate create token --description 'CI downloads' --scope repos:read --repos '*' --expires 90d",
      'tokengate list tokens --revoked=no --expired=no',
      'tokengate --endpoint https://api.example.com/prod --token "$ADMIN" whoami',
      'tokengate -o json list tokens --revoked',
      'tokengate help list tokens           (or: tokengate list tokens --help)',
    ),
  );
  return program;
}

/**
 * The command `words` name under `program` (`['list', 'tokens']`), by name or alias; a UsageError
 * naming the first word that names none. For `help list tokens`: commander's help command reads one
 * word, so it would show the `list` group's help rather than the command's.
 */
export function commandAt(program: Command, words: readonly string[]): Command {
  let command = program;
  for (const word of words) {
    const next = command.commands.find(
      (candidate) => candidate.name() === word || candidate.aliases().includes(word),
    );
    if (!next) {
      const path = [program.name(), ...words.slice(0, words.indexOf(word))].join(' ');
      throw new UsageError(`unknown command '${word}' (see: ${path} --help)`);
    }
    command = next;
  }
  return command;
}

/**
 * Runs the CLI on `args` (without `node` and the script) and returns the exit status (EXIT): 2 for a
 * mistake in the command line, commander's own included; 4 when the API refused the token; 5 when it
 * did not answer; 1 for any other failure.
 */
export async function run(args: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const program = buildProgram(io);
    const [first, ...words] = args;
    if (first === 'help' && words.length > 1) {
      commandAt(program, words).outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...args], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // Commander has said why, or shown the help that was asked for (its exit code 0).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr(`tokengate: ${messageOf(error)}\n`);
    if (io.env[ENV.debug] === '1' && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.error;
  }
}
