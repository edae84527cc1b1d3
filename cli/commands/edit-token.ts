// `tokengate edit token --guid ID --email E | --clear-email`: PATCH /v1/tokens/{id}. The user email
// is the only thing about a token that can change.
import { type Command, Option } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
  verb,
} from '#cli/command-kit';
import { tokenDetails } from '#cli/format';
import { CliError, type CliIo } from '#cli/io';
import { tokenSchema } from '#cli/responses';

export interface EditOptions {
  email?: string;
  clearEmail?: boolean;
}

export function editTokenBody(options: EditOptions): { user_email: string | null } {
  if (options.email !== undefined) return { user_email: options.email };
  if (options.clearEmail) return { user_email: null };
  throw new CliError('Say what to change: --email EMAIL or --clear-email');
}

export function registerEditToken(program: Command, io: CliIo): void {
  const command = verb(program, 'edit', "edit token: change a token's user email")
    .command('token')
    .description("Change a token's user email (nothing else about a token can change)")
    .requiredOption('--guid <id>', 'the token id')
    .addOption(new Option('--email <email>', 'the email of the person the token is for'))
    .addOption(new Option('--clear-email', 'remove the user email').conflicts('email'))
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate edit token --guid 3fWq0cYb8kTz1LmN --email alice@example.com',
        'tokengate edit token --guid 3fWq0cYb8kTz1LmN --clear-email',
      ),
    );
  addTargetOptions(command).action(
    async (options: EditOptions & { guid: string; outputFormat: OutputFormat }, self: Command) => {
      const body = editTokenBody(options);
      const client = await apiClient(self, io);
      const token = await client.send(
        {
          method: 'PATCH',
          path: `/v1/tokens/${encodeURIComponent(options.guid)}`,
          body,
          options: { id: '--guid', user_email: '--email' },
        },
        tokenSchema,
      );
      print(io, options.outputFormat, token, (value) => tokenDetails(value));
    },
  );
}
