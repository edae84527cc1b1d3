// What the API commands share, so that each command file holds only its own options and request:
// the rspm-style `verb noun` tree, the target options (--endpoint, --token), the API client built
// from them, and the output format (-o human|json).
import { type Command, Option } from 'commander';
import { ENV } from '#spec/env';
import { ApiClient } from './api-client';
import { type CliIo, UsageError } from './io';
import { resolveTarget } from './target';

/** The `verb` command under `program` (`create`, `list`, ...), made on first use and shared by its nouns. */
export function verb(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  );
}

export const ENDPOINT_HELP = `the tokengate API (default: $${ENV.endpoint}, else the saved login's, else the running local stack of $${ENV.dataDir}, or without ${ENV.dataDir} the one running, else http://127.0.0.1:8787)`;
export const TOKEN_HELP = `your token (default: $${ENV.token}, else the saved login's)`;
export const PROFILE_HELP = `the saved login to use, made by tokengate login (default: $${ENV.profile}, else default)`;

/** Commands whose --token is the caller's own (in `revoke token` it names the token to revoke). */
const callerTokenCommands = new WeakSet<Command>();

export const VERBOSE_HELP =
  'trace each API request on stderr: method, URL, status and time (never a token or a request body)';

/** Adds --endpoint, -v and, unless the command gives --token another meaning, the caller's --token. */
export function addTargetOptions(command: Command, { callerToken = true } = {}): Command {
  command.addOption(new Option('--endpoint <url>', ENDPOINT_HELP));
  command.addOption(new Option('--profile <name>', PROFILE_HELP));
  command.addOption(new Option('-v, --verbose', VERBOSE_HELP));
  if (callerToken) {
    command.addOption(new Option('--token <token>', TOKEN_HELP));
    callerTokenCommands.add(command);
  }
  return command;
}

function lineage(command: Command): Command[] {
  const commands: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) commands.push(current);
  return commands;
}

function stringOption(command: Command, name: string): string | undefined {
  const value: unknown = command.opts()[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The API client for a command: the option given nearest to it wins (`tokengate --token A list tokens
 * --token B` uses B), then the environment, then the local stack.
 */
export async function apiClient(command: Command, io: CliIo): Promise<ApiClient> {
  const commands = lineage(command);
  const endpoint = commands.map((c) => stringOption(c, 'endpoint')).find((value) => value !== undefined);
  const profile = commands.map((c) => stringOption(c, 'profile')).find((value) => value !== undefined);
  const token = commands
    .filter((c) => callerTokenCommands.has(c))
    .map((c) => stringOption(c, 'token'))
    .find((value) => value !== undefined);
  const verbose = commands.some((c) => c.opts().verbose === true);
  const trace = verbose ? (line: string) => io.stderr(`tokengate: ${line}\n`) : undefined;
  return new ApiClient(await resolveTarget({ endpoint, token, profile }, io.env, trace), io.fetch, trace);
}

/** Option values separated by commas; a repeated option adds to the earlier ones. */
export function parseList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

export type OutputFormat = 'human' | 'json';

const OUTPUT_HELP = "human: tables and text; json: the API's JSON, for scripts";

export function outputOption(): Option {
  return new Option('-o, --output-format <format>', OUTPUT_HELP).choices(['human', 'json']).default('human');
}

/**
 * `-o` before the command (`tokengate -o json list tokens`), as rspm takes it: the program's own
 * option, without a default, handed to the command unless the command was given its own.
 */
export function addProgramOutputOption(program: Command): void {
  program.addOption(new Option('-o, --output-format <format>', OUTPUT_HELP).choices(['human', 'json']));
  program.hook('preAction', (_, actionCommand) => {
    const format: unknown = program.opts().outputFormat;
    if (format === undefined) return;
    if (!actionCommand.options.some((option) => option.attributeName() === 'outputFormat')) {
      throw new UsageError(`${actionCommand.name()} has no -o: it prints no API answer`);
    }
    if (actionCommand.getOptionValueSource('outputFormat') !== 'default') return;
    actionCommand.setOptionValueWithSource('outputFormat', format, 'cli');
    if (format === 'json' && actionCommand.opts().quiet === true) {
      throw new UsageError("option '-q, --quiet' cannot be used with option '-o, --output-format <format>'");
    }
  });
}
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `value` as JSON, or as `human(value)` renders it. */
export function print<T>(io: CliIo, format: OutputFormat, value: T, human: (value: T) => string): void {
  if (format === 'json') printJson(io, value);
  else io.stdout(human(value));
}

/** The examples block every command's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
