// `tokengate audit redrive` end to end, the real CLI in a child process: the audit failure queue is a
// real queue in moto's SQS holding Lambda's on-failure record for a DynamoDB stream, and the records it
// names are on DynamoDB Local's real stream of a tokens table written while no audit consumer ran.
// With --local, the same from a local stack's failures file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '#adapters/clients';
import { localClientConfig } from '#adapters/config';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import type { AuditEvent } from '#domain/audit';
import type { Actor } from '#domain/token';
import { TokenService } from '#domain/token-service';
import { LOCAL_AUDIT_TABLE, LOCAL_SEARCH_TABLE } from '#local/data-dir';
import { ensureTables } from '#local/dynamodb-local';
import { ENV } from '#spec/env';
import { AUDIT_TABLE, SEARCH_TABLE, TOKENS_TABLE } from '#spec/tables';
import { freshTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { MOTO_CREDENTIALS, MOTO_REGION, motoEndpoint } from '#test-support/moto';
import { tokengate } from '#test-support/processes';
import { madeToken, newKeyRing, staticKeys } from './fixtures';

const OPS: Actor = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' };
const client = testDocumentClient();
let streams: DynamoDBStreamsClient;
let tokensTable = '';
let auditTable = '';
let searchTable = '';
let audit: DynamoAuditStore;
let tokens: TokenService;
let streamArn = '';
let shardId = '';

beforeAll(async () => {
  [tokensTable, auditTable, searchTable] = await Promise.all([
    freshTable(TOKENS_TABLE),
    freshTable(AUDIT_TABLE),
    freshTable(SEARCH_TABLE),
  ]);
  audit = new DynamoAuditStore(client, { tableName: auditTable, retentionDays: 400 });
  tokens = new TokenService({
    store: new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 }),
    keys: staticKeys(newKeyRing()),
  });
  streams = new DynamoDBStreamsClient(localClientConfig(testEndpoint()));
  const dynamo = dynamoClient(testEndpoint());
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tokensTable }));
  dynamo.destroy();
  streamArn = Table?.LatestStreamArn ?? '';
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  shardId = StreamDescription?.Shards?.[0]?.ShardId ?? '';
});

afterAll(() => {
  streams.destroy();
});

function motoSqs(): SQSClient {
  return new SQSClient({ endpoint: motoEndpoint(), region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
}

/** Every record now on the shard, from its start: sequence number and the token it concerns. */
async function shardRecords(): Promise<{ sequence: string; id: string }[]> {
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const found: { sequence: string; id: string }[] = [];
  let iterator = ShardIterator;
  for (let page = 0; iterator && page < 20; page++) {
    const { Records = [], NextShardIterator } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator }),
    );
    for (const record of Records) {
      found.push({ sequence: record.dynamodb?.SequenceNumber ?? '', id: record.dynamodb?.Keys?.id?.S ?? '' });
    }
    if (Records.length === 0) break;
    iterator = NextShardIterator;
  }
  return found;
}

/** Lambda's on-failure record for a DynamoDB stream batch, as its destination receives it. */
function onFailureRecord(
  start: string,
  end: string,
  batchSize: number,
  shard = shardId,
  stream = streamArn,
): string {
  const now = new Date();
  return JSON.stringify({
    requestContext: {
      requestId: randomUUID(),
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tokengate-audit-consumer',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: now.toISOString(),
    DDBStreamBatchInfo: {
      shardId: shard,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: now.toISOString(),
      approximateArrivalOfLastRecord: now.toISOString(),
      batchSize,
      streamArn: stream,
    },
  });
}

async function newQueue(...bodies: string[]): Promise<string> {
  const queue = motoSqs();
  const { QueueUrl } = await queue.send(
    new CreateQueueCommand({ QueueName: `audit-failures-${randomUUID()}` }),
  );
  for (const body of bodies) await queue.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
  queue.destroy();
  return QueueUrl ?? '';
}

/** The bodies of every message in the queue (received, then left to become visible again). */
async function queueBodies(queueUrl: string): Promise<string[]> {
  const queue = motoSqs();
  const { Attributes } = await queue.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const visible = Number(Attributes?.ApproximateNumberOfMessages);
  const hidden = Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  const { Messages = [] } = await queue.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  queue.destroy();
  expect(hidden).toBe(0); // a kept message is visible again: its alarm stays on
  expect(Messages).toHaveLength(visible);
  return Messages.map((message) => message.Body ?? '');
}

function redrive(queueUrl: string, ...extra: string[]) {
  return tokengate(
    [
      'audit',
      'redrive',
      '--queue',
      queueUrl,
      '--table',
      tokensTable,
      '--audit-table',
      auditTable,
      '--search-table',
      searchTable,
      ...extra,
    ],
    {
      AWS_ENDPOINT_URL_SQS: motoEndpoint(),
      AWS_ENDPOINT_URL_DYNAMODB: testEndpoint(),
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: testEndpoint(),
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_PROFILE: '',
    },
  );
}

async function eventsOf(tokenId: string): Promise<AuditEvent[]> {
  return (await audit.list({ tokenId, limit: 100 })).items;
}

const newToken = (description: string) => madeToken(tokens, OPS, { description });

describe('tokengate audit redrive', () => {
  it('replays the records a failure names, exactly once however often it runs, and removes the message only once they are written', async () => {
    const first = await newToken('first');
    const second = await newToken('second');
    await tokens.revoke(first, OPS);
    const records = (await shardRecords()).filter((record) => [first, second].includes(record.id));
    expect(records).toHaveLength(3);
    const start = records[0]?.sequence ?? '';
    const end = records[2]?.sequence ?? '';
    const message = onFailureRecord(start, end, 3);
    const queueUrl = await newQueue(message);
    expect(await eventsOf(first)).toEqual([]);

    const dry = await redrive(queueUrl, '--dry-run');
    expect(dry.stdout).toContain(`would replay ${shardId} ${start}..${end}: 3 records`);
    expect(dry.status).toBe(0);
    expect(await eventsOf(first)).toEqual([]);
    expect(await queueBodies(queueUrl)).toEqual([message]);

    const run = await redrive(queueUrl);
    expect(run.stdout).toContain(
      `replayed ${shardId} ${start}..${end}: 3 records, 3 events written, 0 already there`,
    );
    expect(run.status).toBe(0);
    expect((await eventsOf(first)).map((event) => event.type).sort()).toEqual([
      'token.created',
      'token.revoked',
    ]);
    expect((await eventsOf(second)).map((event) => event.type)).toEqual(['token.created']);
    expect(await queueBodies(queueUrl)).toEqual([]);

    // The same failure again (Lambda may send a stretch twice): nothing doubles.
    const again = await newQueue(message);
    const rerun = await redrive(again);
    expect(rerun.stdout).toContain('3 records, 0 events written, 3 already there');
    expect(rerun.status).toBe(0);
    expect(await eventsOf(first)).toHaveLength(2);
    expect(await eventsOf(second)).toHaveLength(1);
    expect(await queueBodies(again)).toEqual([]);

    const empty = await redrive(again);
    expect(empty.stderr).toContain('No failures waiting: nothing to replay.');
    expect(empty.status).toBe(0);
  });

  it('keeps a failure whose record still cannot be written, and one the stream no longer holds, and exits 1', async () => {
    const good = await newToken('good');
    // A token item the consumer cannot decode: it fails on every delivery, replays included.
    await client.send(new PutCommand({ TableName: tokensTable, Item: { id: 'PoisonTokenId001', kind: 42 } }));
    const records = await shardRecords();
    const goodRecord = records.find((record) => record.id === good)?.sequence ?? '';
    const poison = records.find((record) => record.id === 'PoisonTokenId001')?.sequence ?? '';
    const poisonMessage = onFailureRecord(poison, poison, 1);
    const goneMessage = onFailureRecord(goodRecord, goodRecord, 1, 'shardId-00000001000000000000-00000000');
    const goodMessage = onFailureRecord(goodRecord, goodRecord, 1);
    // The same records, as if from the stream of another table: whoever can send to the queue does
    // not choose the table the audit trail is written from.
    const otherStream = streamArn.replace(`table/${tokensTable}/`, 'table/another-table/');
    const foreignMessage = onFailureRecord(goodRecord, goodRecord, 1, shardId, otherStream);
    const queueUrl = await newQueue(poisonMessage, goneMessage, foreignMessage, goodMessage);

    const run = await redrive(queueUrl);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`kept ${shardId} ${poison}\\.\\.${poison} \\(failed\\): .*kind`));
    expect(run.stdout).toContain(
      '(past retention): the stream no longer holds these records (ResourceNotFoundException',
    );
    expect(run.stdout).toContain(
      `replayed ${shardId} ${goodRecord}..${goodRecord}: 1 record, 1 event written`,
    );
    expect(run.stdout).toContain(
      `(another stream): it names ${otherStream}, not a stream of the tokens table`,
    );
    expect(run.stderr).toContain('1 of 4 failures replayed and removed; 3 kept in the queue');
    expect((await queueBodies(queueUrl)).sort()).toEqual([poisonMessage, goneMessage, foreignMessage].sort());
    expect(await eventsOf(good)).toHaveLength(1);
    expect(await eventsOf('PoisonTokenId001')).toEqual([]);
  });
});

describe('tokengate audit redrive --local', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-redrive-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("replays the local stack's failures file on its DynamoDB Local, taking out only the lines replayed", async () => {
    // A running stack as the CLI finds it: its stack.json, naming this run's DynamoDB Local and a
    // tokens table; the audit and search tables are the local stack's own.
    const dynamo = dynamoClient(testEndpoint());
    await ensureTables(dynamo, [
      { definition: AUDIT_TABLE, name: LOCAL_AUDIT_TABLE },
      { definition: SEARCH_TABLE, name: LOCAL_SEARCH_TABLE },
    ]);
    dynamo.destroy();
    writeFileSync(
      join(dataDir, 'stack.json'),
      JSON.stringify({
        url: 'http://127.0.0.1:9',
        dynamodb_endpoint: testEndpoint(),
        tokens_table: tokensTable,
        pid: process.pid,
      }),
    );
    const id = await newToken('local');
    const sequence = (await shardRecords()).find((record) => record.id === id)?.sequence ?? '';
    // What the local stream poller writes when it gives up on a record.
    const line = (shard: string) =>
      JSON.stringify({
        time: new Date().toISOString(),
        stream_arn: streamArn,
        shard_id: shard,
        sequence_number: sequence,
        event_id: randomUUID(),
        event_name: 'INSERT',
        attempts: 11,
      });
    const good = line(shardId);
    const gone = line('shardId-00000001000000000000-00000000');
    const failuresFile = join(dataDir, 'audit-failures.jsonl');
    writeFileSync(failuresFile, `${good}\n${gone}\nnot a failure\n`, { mode: 0o600 });
    const localAudit = new DynamoAuditStore(client, { tableName: LOCAL_AUDIT_TABLE, retentionDays: 400 });
    const local = () => tokengate(['audit', 'redrive', '--local'], { [ENV.dataDir]: dataDir });

    const run = await local();
    expect(run.stdout).toContain(`replayed ${shardId} ${sequence}..${sequence}: 1 record, 1 event written`);
    expect(run.stdout).toContain('(past retention)');
    expect(run.stdout).toContain('(unreadable)');
    expect(run.status).toBe(1);
    expect((await localAudit.list({ tokenId: id, limit: 10 })).items.map((event) => event.type)).toEqual([
      'token.created',
    ]);
    expect(readFileSync(failuresFile, 'utf8')).toBe(`${gone}\nnot a failure\n`);
    expect(statSync(failuresFile).mode & 0o777).toBe(0o600);

    writeFileSync(failuresFile, `${good}\n`);
    const again = await local();
    expect(again.stdout).toContain('1 record, 0 events written, 1 already there');
    expect(again.status).toBe(0);
    expect((await localAudit.list({ tokenId: id, limit: 10 })).items).toHaveLength(1);
    expect(readFileSync(failuresFile, 'utf8')).toBe('');
  });
});
