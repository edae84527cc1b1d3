// The CLI's argument handling and its AWS table lookup. Only DynamoDB's control plane is mocked
// (aws-sdk-client-mock); bootstrap itself runs end to end in test/e2e/local-stack.test.ts.
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { keySecretIdFor } from '#cli/aws-store';
import type { CliIo } from '#cli/io';
import { run } from '#cli/main';
import { KEY_SECRET_TAG } from '#spec/tables';

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('tokengate CLI arguments', () => {
  it.each([
    [['bootstrap'], /--local, or --table NAME/],
    [['bootstrap', '--local', '--table', 'tokens'], /--local.*cannot be used with.*--table/],
    [['bootstrap', '--local', '--region', 'eu-west-1'], /--region goes with --table/],
    [['bootstrap', '--bogus'], /unknown option '--bogus'/],
    [['bootstra'], /unknown command 'bootstra'.*Did you mean bootstrap/],
  ])('%j fails with one line on stderr and a non-zero status', async (args, message) => {
    const { io, stdout, stderr } = capture();
    const status = await run(args, io);
    expect(status).not.toBe(0);
    expect(lines(stderr())).toHaveLength(1);
    expect(stderr()).toMatch(/^tokengate: /);
    expect(stderr()).toMatch(message);
    expect(stdout()).toBe('');
  });

  it('--help lists the bootstrap command on stdout and exits 0', async () => {
    const { io, stdout } = capture();
    expect(await run(['--help'], io)).toBe(0);
    expect(stdout()).toContain('bootstrap');
  });

  it('prints the stack of an unexpected failure only with TOKENGATE_DEBUG=1', async () => {
    const quiet = capture();
    await run(['bootstrap'], quiet.io);
    expect(quiet.stderr()).not.toContain('    at ');
    const debug = capture({ TOKENGATE_DEBUG: '1' });
    await run(['bootstrap'], debug.io);
    expect(debug.stderr()).toContain('    at ');
  });
});

describe('keySecretIdFor', () => {
  const dynamo = mockClient(DynamoDBClient);
  const client = () => new DynamoDBClient({ region: 'eu-west-1' });
  const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens';

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(DescribeTableCommand, { TableName: 'tokens' }).resolves({ Table: { TableArn: ARN } });
  });

  it('reads the secret id from the table tag', async () => {
    dynamo
      .on(ListTagsOfResourceCommand, { ResourceArn: ARN })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'x' }], NextToken: 'more' })
      .resolvesOnce({ Tags: [{ Key: KEY_SECRET_TAG, Value: 'tokengate/hmac' }] });
    expect(await keySecretIdFor(client(), 'tokens', {})).toBe('tokengate/hmac');
  });

  it('prefers TOKENGATE_KEY_SECRET_ID, without reading tags', async () => {
    expect(await keySecretIdFor(client(), 'tokens', { TOKENGATE_KEY_SECRET_ID: 'from-env' })).toBe(
      'from-env',
    );
    expect(dynamo.commandCalls(ListTagsOfResourceCommand)).toHaveLength(0);
  });

  it('says what to do when the table has no such tag', async () => {
    dynamo.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    await expect(keySecretIdFor(client(), 'tokens', {})).rejects.toThrow(/TOKENGATE_KEY_SECRET_ID/);
  });

  it('names the table and region when the table does not exist', async () => {
    dynamo
      .on(DescribeTableCommand, { TableName: 'typo' })
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await expect(keySecretIdFor(client(), 'typo', {})).rejects.toThrow(
      'No DynamoDB table typo in region eu-west-1',
    );
  });
});
