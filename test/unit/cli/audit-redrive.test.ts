// `tokengate audit redrive`: its command line, refused before anything is touched, and the lines it
// prints. It runs end to end on moto's SQS and DynamoDB Local in test/integration/audit-redrive.test.ts.
import { describe, expect, it } from 'vitest';
import { redriveLine, redriveSummary } from '#cli/commands/audit-redrive';
import type { CliIo } from '#cli/io';
import { EXIT } from '#cli/io';
import { run } from '#cli/main';
import type { RedriveResult } from '#domain/audit-redrive';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const BATCH = {
  streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens/stream/2026-12-01T00:00:00.000',
  shardId: 'shardId-1',
  startSequenceNumber: '100',
  endSequenceNumber: '300',
  batchSize: 3,
};

function result(overrides: Partial<RedriveResult>): RedriveResult {
  return {
    failure: { id: 'm1', body: '{}' },
    batch: BATCH,
    outcome: 'replayed',
    records: 3,
    written: 2,
    duplicates: 1,
    ...overrides,
  };
}

describe('tokengate audit redrive, its command line', () => {
  it.each([
    [['audit', 'redrive'], /Say which failure queue: --queue URL \(or --local\)/],
    [['audit', 'redrive', '--queue', 'https://sqs.eu-west-1.amazonaws.com/1/q'], /--table NAME/],
    [
      ['audit', 'redrive', '--queue', 'https://sqs.eu-west-1.amazonaws.com/1/q', '--table', 'tokens'],
      /--audit-table NAME/,
    ],
    [['audit', 'redrive', '--local', '--table', 'tokens'], /--local.*cannot be used with.*--table/],
    [
      ['audit', 'redrive', '--local', '--queue', 'https://sqs.eu-west-1.amazonaws.com/1/q'],
      /--local.*cannot be used with.*--queue/,
    ],
    [['audit', 'redrive', '--local', '--region', 'eu-west-1'], /--local.*cannot be used with.*--region/],
    [['audit', 'redrive', '--bogus'], /unknown option '--bogus'/],
  ])('%j is a usage error (2), one line on stderr, nothing on stdout', async (args, message) => {
    const { io, stdout, stderr } = capture();
    expect(await run(args, io)).toBe(EXIT.usage);
    expect(stderr().trim().split('\n')).toHaveLength(1);
    expect(stderr()).toMatch(message);
    expect(stdout()).toBe('');
  });

  it('has its own help, with its flags and examples', async () => {
    const { io, stdout } = capture();
    expect(await run(['help', 'audit', 'redrive'], io)).toBe(EXIT.ok);
    for (const flag of ['--queue', '--audit-table', '--search-table', '--region', '--dry-run', '--local']) {
      expect(stdout()).toContain(flag);
    }
    expect(stdout()).toContain('tokengate audit redrive --local');
  });
});

describe('what tokengate audit redrive prints', () => {
  it('says per failure where its records are and what became of it', () => {
    expect(redriveLine(result({}))).toBe(
      'replayed shardId-1 100..300: 3 records, 2 events written, 1 already there; removed from the queue',
    );
    expect(redriveLine(result({ outcome: 'would replay', records: 1 }))).toBe(
      'would replay shardId-1 100..300: 1 record',
    );
    expect(redriveLine(result({ outcome: 'past retention', reason: 'gone' }))).toBe(
      'kept shardId-1 100..300 (past retention): gone',
    );
    expect(
      redriveLine(result({ outcome: 'unreadable', batch: undefined, reason: 'the failure is not JSON' })),
    ).toBe('kept message m1 (unreadable): the failure is not JSON');
  });

  it('sums the run up, naming what was kept', () => {
    expect(redriveSummary([], false)).toBe('No failures waiting: nothing to replay.');
    expect(redriveSummary([result({}), result({})], false)).toBe('2 of 2 failures replayed and removed.');
    expect(redriveSummary([result({}), result({ outcome: 'failed' })], false)).toBe(
      '1 of 2 failures replayed and removed; 1 kept in the queue, see above.',
    );
    expect(redriveSummary([result({ outcome: 'would replay' })], true)).toBe(
      '1 of 1 failures can be replayed (dry run: nothing written, nothing removed).',
    );
  });
});
