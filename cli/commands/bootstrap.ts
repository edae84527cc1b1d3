// `tokengate bootstrap`: the first global:admin token of a deployment, made directly in its token
// table (there is no token yet to call the API with). Refused while an active admin token exists.
// The store modules (the AWS SDK, DynamoDB Local) are loaded only when the command runs, so that the
// other commands start quickly.
import { type Command, Option } from 'commander';
import { examples } from '#cli/command-kit';
import type { DirectStore } from '#cli/direct-store';
import { type CliIo, UsageError } from '#cli/io';
import type { Actor } from '#domain/token';
import { ENV } from '#spec/env';

const BOOTSTRAP_ACTOR: Actor = { type: 'system', id: 'bootstrap' };

interface BootstrapOptions {
  local?: boolean;
  table?: string;
  region?: string;
}

async function openStore(options: BootstrapOptions, io: CliIo): Promise<DirectStore> {
  if (options.region && !options.table) throw new UsageError('--region goes with --table');
  if (options.local) {
    const [{ findLocalStack, foundElsewhere, notTheRunningStack }, { openLocalStore }] = await Promise.all([
      import('#cli/local-stack'),
      import('#cli/local-store'),
    ]);
    // Without DATA_DIR, a stack running elsewhere is the one meant: a token made in ./.data instead
    // would be refused by it.
    const choice = findLocalStack(io.env);
    if (choice.from === 'registry') io.stderr(`tokengate: ${foundElsewhere(choice)}\n`);
    const table = await openLocalStore(choice.dir);
    const warning = notTheRunningStack(choice);
    return warning ? Object.assign(table, { warning }) : table;
  }
  if (options.table) {
    const { openAwsStore } = await import('#cli/aws-store');
    return openAwsStore({ table: options.table, region: options.region }, io.env);
  }
  throw new UsageError('Say which token table: --local, or --table NAME [--region R]');
}

export function registerBootstrap(program: Command, io: CliIo): void {
  program
    .command('bootstrap')
    .description('Create the first global:admin token, only while none is active, and print it')
    .addOption(
      new Option(
        '--local',
        `the local stack whose data folder is $${ENV.dataDir} (default .data/; without ${ENV.dataDir}, the one running if .data/ has none)`,
      ).conflicts('table'),
    )
    .addOption(new Option('--table <name>', 'the tokens table in AWS, with your AWS credentials'))
    .addOption(new Option('--region <region>', 'the AWS region of --table (default: your AWS configuration)'))
    .addHelpText(
      'after',
      examples(
        'TOKEN=$(tokengate bootstrap --local)',
        'tokengate bootstrap --table tokengate-tokens --region eu-west-1',
      ),
    )
    .action(async (options: BootstrapOptions) => {
      const store = await openStore(options, io);
      try {
        const { TokenService } = await import('#domain/token-service');
        const { record, token } = await new TokenService(store.services).bootstrapAdmin(BOOTSTRAP_ACTOR);
        io.stderr(
          `Created the first global:admin token, id ${record.id}, in ${store.description}.\n` +
            'It is shown this once and cannot be shown again: store it now.\n',
        );
        // After the success, so that a failure stays one line.
        if (store.warning) io.stderr(`tokengate: warning: ${store.warning}\n`);
        io.stdout(`${token}\n`);
      } finally {
        await store.close();
      }
    });
}
