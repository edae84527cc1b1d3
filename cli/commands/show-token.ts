// `tokengate show token --guid ID`: GET /v1/tokens/{id}.
import type { Command } from 'commander';
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
import { type CliIo, wantsColour } from '#cli/io';
import { tokenSchema } from '#cli/responses';

export function registerShowToken(program: Command, io: CliIo): void {
  const command = verb(program, 'show', 'show token: show one token')
    .command('token')
    .description('Show one token: its status, scopes, user, dates and who created or revoked it')
    .requiredOption('--guid <id>', 'the token id (as listed by tokengate list tokens)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate show token --guid 3fWq0cYb8kTz1LmN',
        'tokengate show token --guid 3fWq0cYb8kTz1LmN -o json',
      ),
    );
  addTargetOptions(command).action(
    async (options: { guid: string; outputFormat: OutputFormat }, self: Command) => {
      const client = await apiClient(self, io);
      const token = await client.send(
        { method: 'GET', path: `/v1/tokens/${encodeURIComponent(options.guid)}`, options: { id: '--guid' } },
        tokenSchema,
      );
      print(io, options.outputFormat, token, (value) => tokenDetails(value, [], { colour: wantsColour(io) }));
    },
  );
}
