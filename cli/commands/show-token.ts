// `tokengate show token --guid ID`: GET /v1/tokens/{id}, and in the human form its requests of the
// last 30 days (GET /v1/tokens/{id}/usage); `-o json` prints the token object alone, as before.
import type { Command } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
  printJson,
  verb,
} from '#cli/command-kit';
import { tokenDetails } from '#cli/format';
import { type CliIo, wantsColour } from '#cli/io';
import { tokenSchema, tokenUsageSchema } from '#cli/responses';

export function registerShowToken(program: Command, io: CliIo): void {
  const command = verb(program, 'show', 'show token: show one token')
    .command('token')
    .description(
      'Show one token: its status, scopes, user, dates, who created or revoked it, and its requests of the last 30 days',
    )
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
      const path = `/v1/tokens/${encodeURIComponent(options.guid)}`;
      const token = await client.send({ method: 'GET', path, options: { id: '--guid' } }, tokenSchema);
      if (options.outputFormat === 'json') return printJson(io, token);
      const usage = await client.send(
        { method: 'GET', path: `${path}/usage`, query: { days: '30' }, options: { id: '--guid' } },
        tokenUsageSchema,
      );
      print(io, options.outputFormat, token, (value) =>
        tokenDetails(value, [], { colour: wantsColour(io) }, usage),
      );
    },
  );
}
