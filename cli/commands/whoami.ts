// `tokengate whoami`: GET /v1/whoami, the caller's own token (any valid token may ask).
import type { Command } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
} from '#cli/command-kit';
import { tokenDetails } from '#cli/format';
import { type CliIo, wantsColour } from '#cli/io';
import { tokenSchema } from '#cli/responses';
import { ENV } from '#spec/env';

export function registerWhoami(program: Command, io: CliIo): void {
  const command = program
    .command('whoami')
    .description('Show the token you are calling with (any valid token, whatever its scopes)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        `${ENV.token}=tg_... tokengate whoami`,
        'tokengate whoami --endpoint https://api.example.com/prod -o json',
      ),
    );
  addTargetOptions(command).action(async (options: { outputFormat: OutputFormat }, self: Command) => {
    const client = await apiClient(self, io);
    const token = await client.send({ method: 'GET', path: '/v1/whoami' }, tokenSchema);
    print(io, options.outputFormat, token, (value) => tokenDetails(value, [], { colour: wantsColour(io) }));
  });
}
