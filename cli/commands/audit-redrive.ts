// `tokengate audit redrive`: replays the stream records the audit consumer gave up on. Each message
// of the audit failure queue names a stretch of the tokens table's stream; its records are read again
// and written by the consumer's own code (idempotent: a replay done twice writes nothing twice), and
// the message is deleted only once they are written. A stretch the stream no longer holds (past its
// 24-hour retention) or a record that still fails is reported and kept; the exit status is then 1.
// With the caller's AWS credentials, as `bootstrap --table`; with --local, the local stack's failures
// file on its DynamoDB Local. The SDK modules load only when it runs.

import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type Command, Option } from 'commander';
import { examples } from '#cli/command-kit';
import { CliError, type CliIo, nowOf, UsageError } from '#cli/io';
import {
  type FailureQueue,
  type RedriveResult,
  redriveFailures,
  redriveSucceeded,
} from '#domain/audit-redrive';
import { ENV } from '#spec/env';

interface RedriveOptions {
  local?: boolean;
  queue?: string;
  table?: string;
  auditTable?: string;
  searchTable?: string;
  region?: string;
  dryRun?: boolean;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** One line per failure: what it named and what became of it. */
export function redriveLine(result: RedriveResult): string {
  const where = result.batch
    ? `${result.batch.shardId} ${result.batch.startSequenceNumber}..${result.batch.endSequenceNumber}`
    : `message ${result.failure.id}`;
  const counts = `${plural(result.records, 'record')}, ${plural(result.written, 'event')} written, ${result.duplicates} already there`;
  switch (result.outcome) {
    case 'replayed':
      return `replayed ${where}: ${counts}; removed from the queue`;
    case 'would replay':
      return `would replay ${where}: ${plural(result.records, 'record')}`;
    default:
      return `kept ${where} (${result.outcome}): ${result.reason ?? 'unknown'}`;
  }
}

/** The closing line, and whether the run left something behind. */
export function redriveSummary(results: readonly RedriveResult[], dryRun: boolean): string {
  if (results.length === 0) return 'No failures waiting: nothing to replay.';
  const kept = results.filter((result) => result.outcome !== 'replayed' && result.outcome !== 'would replay');
  const done = results.length - kept.length;
  const head = dryRun
    ? `${done} of ${results.length} failures can be replayed (dry run: nothing written, nothing removed)`
    : `${done} of ${results.length} failures replayed and removed`;
  return kept.length === 0 ? `${head}.` : `${head}; ${kept.length} kept in the queue, see above.`;
}

/** What a run needs besides where the failures wait: the stream, and the consumer's tables. */
interface Replay {
  queue: FailureQueue;
  streams: DynamoDBStreamsClient;
  /** The DynamoDB endpoint of a local stack; unset in AWS. */
  dynamoEndpoint?: string | undefined;
  /** The tokens table, whose stream alone is replayed. */
  tokensTable: string;
  auditTable: string;
  searchTable: string | undefined;
}

async function replay(target: Replay, options: RedriveOptions, io: CliIo): Promise<RedriveResult[]> {
  const [failures, adapters, config, { DynamoAuditStore }, { TokenSearchIndex }, { documentClient }] =
    await Promise.all([
      import('#cli/audit-failures'),
      import('#adapters/audit-stream-record'),
      import('#adapters/config'),
      import('#adapters/dynamo-audit-store'),
      import('#adapters/dynamo-token-search'),
      import('#adapters/dynamo-client'),
    ]);
  const auditConfig = config.readAuditConfig({
    [ENV.auditTable]: target.auditTable,
    [ENV.searchTable]: target.searchTable,
    [ENV.auditRetentionDays]: io.env[ENV.auditRetentionDays],
  });
  const dynamo = documentClient(target.dynamoEndpoint);
  try {
    const writers = {
      audit: new DynamoAuditStore(dynamo, {
        tableName: auditConfig.auditTable,
        retentionDays: auditConfig.retentionDays,
      }),
      searchIndex: auditConfig.searchTable
        ? new TokenSearchIndex(dynamo, auditConfig.searchTable)
        : undefined,
    };
    return await redriveFailures({
      queue: target.queue,
      reader: new failures.StreamStretches(target.streams),
      replay: async (record) => (await adapters.applyStreamRecord(record, writers)).outcome,
      tokensTable: target.tokensTable,
      dryRun: options.dryRun === true,
      now: nowOf(io),
      onResult: (result) => io.stdout(`${redriveLine(result)}\n`),
    });
  } finally {
    dynamo.destroy();
  }
}

async function redriveInAws(options: RedriveOptions, io: CliIo): Promise<RedriveResult[]> {
  if (!options.queue) throw new UsageError('Say which failure queue: --queue URL (or --local)');
  if (!options.table) {
    throw new UsageError("Say which tokens table's stream the failures name: --table NAME");
  }
  if (!options.auditTable) {
    throw new UsageError('Say which audit table the records are written to: --audit-table NAME');
  }
  // The audit store takes its region from the environment, as in Lambda: --region sets it for every client.
  if (options.region) process.env.AWS_REGION = options.region;
  const [{ SQSClient }, { DynamoDBStreamsClient }, { SqsFailureQueue }] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('@aws-sdk/client-dynamodb-streams'),
    import('#cli/audit-failures'),
  ]);
  const region = options.region ? { region: options.region } : {};
  const sqs = new SQSClient(region);
  if (!(await sqs.config.region().catch(() => undefined))) {
    sqs.destroy();
    throw new CliError('No AWS region: pass --region, or set AWS_REGION or a region in your AWS profile');
  }
  const streams = new DynamoDBStreamsClient(region);
  const queue = new SqsFailureQueue(sqs, options.queue);
  try {
    return await replay(
      {
        queue,
        streams,
        tokensTable: options.table,
        auditTable: options.auditTable,
        searchTable: options.searchTable,
      },
      options,
      io,
    );
  } finally {
    await queue.close();
    sqs.destroy();
    streams.destroy();
  }
}

/** The local stack's failures file, replayed on its DynamoDB Local (the running stack's, or one of our own). */
async function redriveLocally(options: RedriveOptions, io: CliIo): Promise<RedriveResult[]> {
  const [
    { findLocalStack, foundElsewhere },
    { openLocalStore },
    { DynamoDBStreamsClient },
    failures,
    config,
  ] = await Promise.all([
    import('#cli/local-stack'),
    import('#cli/local-store'),
    import('@aws-sdk/client-dynamodb-streams'),
    import('#cli/audit-failures'),
    import('#adapters/config'),
  ]);
  const choice = findLocalStack(io.env);
  if (choice.from === 'registry') io.stderr(`tokengate: ${foundElsewhere(choice)}\n`);
  const store = await openLocalStore(choice.dir);
  const queue = new failures.FileFailureQueue(choice.dir.streamFailuresFile);
  try {
    const environment = store.environment ?? {};
    const endpoint = environment[ENV.dynamoEndpoint] ?? '';
    const streams = new DynamoDBStreamsClient(config.localClientConfig(endpoint));
    try {
      return await replay(
        {
          queue,
          streams,
          dynamoEndpoint: endpoint,
          tokensTable: environment[ENV.tokensTable] ?? '',
          auditTable: environment[ENV.auditTable] ?? '',
          searchTable: environment[ENV.searchTable],
        },
        options,
        io,
      );
    } finally {
      streams.destroy();
    }
  } finally {
    try {
      await queue.close();
    } finally {
      await store.close();
    }
  }
}

export function registerAuditRedrive(audit: Command, io: CliIo): void {
  audit
    .command('redrive')
    .description(
      "Replay the stream records the audit consumer gave up on (the audit failure queue), within the stream's 24-hour retention",
    )
    .addOption(
      new Option(
        '--local',
        `the local stack's failures file, $${ENV.dataDir}/audit-failures.jsonl (default .data/; without ${ENV.dataDir}, the running stack's)`,
      ).conflicts(['queue', 'table', 'auditTable', 'searchTable', 'region']),
    )
    .addOption(
      new Option('--queue <url>', "the audit failure queue's URL (the stack's AuditFailureQueueUrl output)"),
    )
    .addOption(
      new Option(
        '--table <name>',
        "the tokens table (the stack's TokensTableName output): only its stream is replayed",
      ),
    )
    .addOption(new Option('--audit-table <name>', "the audit table (the stack's AuditTableName output)"))
    .addOption(
      new Option(
        '--search-table <name>',
        "the token search table, whose postings the consumer repairs too (the stack's SearchTableName output)",
      ),
    )
    .addOption(new Option('--region <region>', 'the AWS region (default: your AWS configuration)'))
    .addOption(new Option('--dry-run', 'show what would be replayed; write nothing, remove nothing'))
    .addHelpText(
      'after',
      examples(
        'tokengate audit redrive --queue "$QUEUE_URL" --table "$TOKENS_TABLE" --audit-table "$AUDIT_TABLE" --search-table "$SEARCH_TABLE"',
        'tokengate audit redrive --queue "$QUEUE_URL" --table "$TOKENS_TABLE" --audit-table "$AUDIT_TABLE" --dry-run',
        'tokengate audit redrive --local',
      ),
    )
    .action(async (options: RedriveOptions) => {
      const results = options.local ? await redriveLocally(options, io) : await redriveInAws(options, io);
      const summary = redriveSummary(results, options.dryRun === true);
      if (!redriveSucceeded(results)) throw new CliError(summary);
      io.stderr(`${summary}\n`);
    });
}
