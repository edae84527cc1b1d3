// What the API commands share, so that each command file holds only its own options and request:
// the rspm-style `verb noun` tree, the target options (--endpoint, --token), the API client built
// from them, and the output format (-o human|json).
import { type Command, Option } from 'commander';
import { ApiClient } from './api-client';
import type { CliIo } from './io';
import { resolveTarget } from './target';

/** The `verb` command under `program` (`create`, `list`, ...), made on first use and shared by its nouns. */
export function verb(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  );
}

export const ENDPOINT_HELP =
  'the tokengate API (default: $TOKENGATE_ENDPOINT, else the running local stack in $DATA_DIR, else http://127.0.0.1:8787)';
export const TOKEN_HELP = 'your token (default: $TOKENGATE_TOKEN)';

/** Commands whose --token is the caller's own (in `revoke token` it names the token to revoke). */
const callerTokenCommands = new WeakSet<Command>();

/** Adds --endpoint and, unless the command gives --token another meaning, the caller's --token. */
export function addTargetOptions(command: Command, { callerToken = true } = {}): Command {
  command.addOption(new Option('--endpoint <url>', ENDPOINT_HELP));
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
  const token = commands
    .filter((c) => callerTokenCommands.has(c))
    .map((c) => stringOption(c, 'token'))
    .find((value) => value !== undefined);
  return new ApiClient(await resolveTarget({ endpoint, token }, io.env), io.fetch);
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

export function outputOption(): Option {
  return new Option(
    '-o, --output-format <format>',
    "human: tables and text; json: the API's JSON, for scripts",
  )
    .choices(['human', 'json'])
    .default('human');
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
