// The local stream poller on DynamoDB Local's real stream, with a recording consumer: Lambda's batch
// semantics (partial failures, whole-batch failures, the on-failure file) and the checkpoint that
// makes a restart neither repeat nor skip a record.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StreamPoller, type StreamPollerOptions } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';
import { freshTokensTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';

const client = testDocumentClient();
const root = mkdtempSync(join(tmpdir(), 'tokengate-poller-'));
let dir = '';
let table = '';

afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(async () => {
  table = await freshTokensTable();
  dir = mkdtempSync(join(root, 'case-'));
});

/** A consumer that records the ids of each batch it is given and answers with `answer`. */
function recordingConsumer(
  answer: (records: DynamoDBRecord[]) => unknown = () => ({ batchItemFailures: [] }),
) {
  const batches: string[][] = [];
  const events: DynamoDBStreamEvent[] = [];
  const handler = async (event: unknown) => {
    const { Records } = event as DynamoDBStreamEvent;
    events.push(event as DynamoDBStreamEvent);
    batches.push(Records.map((record) => String(record.dynamodb?.Keys?.id?.S)));
    return answer(Records);
  };
  return { batches, events, handler };
}

function poller(handler: (event: unknown) => Promise<unknown>, options: Partial<StreamPollerOptions> = {}) {
  return new StreamPoller({
    endpoint: testEndpoint(),
    tableName: table,
    consumer: { fn: AUDIT_CONSUMER, handler },
    checkpointFile: join(dir, 'checkpoint.json'),
    failuresFile: join(dir, 'failures.jsonl'),
    backoffMs: () => 0,
    ...options,
  });
}

async function put(...ids: string[]): Promise<void> {
  for (const id of ids) await client.send(new PutCommand({ TableName: table, Item: { id } }));
}

async function drain(p: StreamPoller): Promise<void> {
  for (let round = 0; round < 50 && (await p.pollOnce()) > 0; round++);
}

const sequenceOf = (record: DynamoDBRecord | undefined) => String(record?.dynamodb?.SequenceNumber);

describe('the stream poller', () => {
  it('hands the consumer Lambda-shaped DynamoDB stream events, old and new images included', async () => {
    await put('a');
    await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id: 'a' },
        UpdateExpression: 'SET description = :d',
        ExpressionAttributeValues: { ':d': 'changed' },
      }),
    );
    await client.send(new DeleteCommand({ TableName: table, Key: { id: 'a' } }));
    const consumer = recordingConsumer();
    const p = poller(consumer.handler);

    await drain(p);
    await p.stop();

    const records = consumer.events.flatMap((event) => event.Records);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records;
    expect(modify).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      eventSourceARN: expect.stringMatching(new RegExp(`table/${table}/stream/`)),
      dynamodb: {
        Keys: { id: { S: 'a' } },
        OldImage: { id: { S: 'a' } },
        NewImage: { id: { S: 'a' }, description: { S: 'changed' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        SequenceNumber: expect.any(String),
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
    expect(insert?.dynamodb).not.toHaveProperty('OldImage');
    expect(remove?.dynamodb).not.toHaveProperty('NewImage');
  });

  it('resumes after a restart from its checkpoint: nothing is repeated, nothing skipped', async () => {
    await put('r1', 'r2', 'r3');
    const first = recordingConsumer();
    const before = poller(first.handler);
    await drain(before);
    await before.stop();
    await put('r4', 'r5');

    const second = recordingConsumer();
    const after = poller(second.handler);
    await drain(after);
    await after.stop();

    expect(first.batches.flat()).toEqual(['r1', 'r2', 'r3']);
    expect(second.batches.flat()).toEqual(['r4', 'r5']);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).shards).not.toEqual({});
  });

  it('after a partial failure, keeps what came before and retries from the failed record', async () => {
    await put('p1', 'p2', 'p3', 'p4');
    let failed = false;
    const consumer = recordingConsumer((records) => {
      const p3 = records.find((record) => record.dynamodb?.Keys?.id?.S === 'p3');
      if (failed || !p3) return { batchItemFailures: [] };
      failed = true;
      return { batchItemFailures: [{ itemIdentifier: sequenceOf(p3) }] };
    });
    const p = poller(consumer.handler);

    await drain(p);
    await p.stop();

    expect(consumer.batches).toEqual([
      ['p1', 'p2', 'p3', 'p4'],
      ['p3', 'p4'],
    ]);
  });

  it('a restart after a partial failure retries from the failed record too', async () => {
    await put('q1', 'q2', 'q3');
    const failing = recordingConsumer((records) => ({
      batchItemFailures: records
        .filter((record) => record.dynamodb?.Keys?.id?.S !== 'q1')
        .map((record) => ({ itemIdentifier: sequenceOf(record) })),
    }));
    const before = poller(failing.handler, { backoffMs: () => 60_000 });
    await before.pollOnce();
    await before.stop(); // q2 waits for its retry: the drain leaves it, and the checkpoint stays at q1

    const healthy = recordingConsumer();
    const after = poller(healthy.handler);
    await drain(after);
    await after.stop();

    expect(failing.batches).toEqual([['q1', 'q2', 'q3']]);
    expect(healthy.batches.flat()).toEqual(['q2', 'q3']);
  });

  it('halves a batch that fails as a whole; a record failing every time goes to the failures file, the rest get through', async () => {
    await put('w1', 'w2', 'w3', 'w4');
    const delivered: string[] = [];
    const consumer = recordingConsumer((records) => {
      const ids = records.map((record) => String(record.dynamodb?.Keys?.id?.S));
      if (ids.includes('w2')) throw new Error('poison');
      delivered.push(...ids);
      return { batchItemFailures: [] };
    });
    const p = poller(consumer.handler, { retryAttempts: 2 });

    await drain(p);
    await p.stop();

    expect(delivered).toEqual(['w1', 'w3', 'w4']);
    expect(consumer.batches.filter((batch) => batch.length === 1 && batch[0] === 'w2')).toHaveLength(2);
    const failures = readFileSync(join(dir, 'failures.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      attempts: 3,
      event_name: 'INSERT',
      sequence_number: expect.any(String),
    });
    expect(JSON.stringify(failures)).not.toContain('w2'); // where the record is, never what it holds
  });

  it('keeps retrying with a pause in between, and does not give up before its retries are spent', async () => {
    await put('s1');
    const consumer = recordingConsumer((records) => ({
      batchItemFailures: records.map((record) => ({ itemIdentifier: sequenceOf(record) })),
    }));
    const p = poller(consumer.handler, { backoffMs: () => 60_000 });

    await p.pollOnce();
    await p.pollOnce(); // within the pause: the shard is left alone
    await p.stop();

    expect(consumer.batches).toEqual([['s1']]);
    expect(existsSync(join(dir, 'failures.jsonl'))).toBe(false);
  });

  it('polls by itself once started, and stops cleanly', async () => {
    const consumer = recordingConsumer();
    const p = poller(consumer.handler, { pollIntervalMs: 50 });
    p.start();
    await put('t1');
    const deadline = Date.now() + 5_000;
    while (consumer.batches.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await p.stop();

    expect(consumer.batches.flat()).toEqual(['t1']);
  });
});
