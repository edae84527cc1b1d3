// The stream poller's shard lineage, on mocked DynamoDB and Streams clients (DynamoDB Local does not
// split shards on demand): a child shard is read only once its parent is read to its end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamPoller } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/tokens/stream/2026-06-15T00:00:00.000';
const dynamo = mockClient(DynamoDBClient);
const streams = mockClient(DynamoDBStreamsClient);
const dir = mkdtempSync(join(tmpdir(), 'tokengate-lineage-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (id: string, sequence: string) => ({
  eventID: `event-${id}`,
  eventName: 'INSERT' as const,
  dynamodb: {
    Keys: { id: { S: id } },
    NewImage: { id: { S: id } },
    SequenceNumber: sequence,
    StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
  },
});

/** Reads to fail before the fake answers again. */
let failingReads = 0;

/** Each shard's records, then its end (closed) or more to come (open). */
function serve(shards: Shard[], contents: Record<string, { ids: string[]; closed: boolean }>) {
  failingReads = 0;
  dynamo.on(DescribeTableCommand).resolves({ Table: { LatestStreamArn: STREAM_ARN } });
  streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: shards } });
  // From the start, or (after any sequence number: each shard's records are served in one batch) its end.
  streams.on(GetShardIteratorCommand).callsFake(({ ShardId, ShardIteratorType }) => ({
    ShardIterator: `${ShardId}/${ShardIteratorType === 'TRIM_HORIZON' ? 'start' : 'end'}`,
  }));
  streams.on(GetRecordsCommand).callsFake(({ ShardIterator }: { ShardIterator: string }) => {
    if (failingReads-- > 0)
      throw Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' });
    const [shard, position] = ShardIterator.split('/') as [string, string];
    const content = contents[shard] ?? { ids: [], closed: false };
    if (position === 'start') {
      return {
        Records: content.ids.map((id, i) => record(id, `${shard.length}${i}`)),
        NextShardIterator: content.closed ? undefined : `${shard}/end`,
      };
    }
    return { Records: [], NextShardIterator: `${shard}/end` };
  });
}

function poller() {
  const batches: string[][] = [];
  const handler = async (event: unknown) => {
    batches.push((event as DynamoDBStreamEvent).Records.map((r) => String(r.dynamodb?.Keys?.id?.S)));
    return { batchItemFailures: [] };
  };
  const p = new StreamPoller({
    endpoint: 'http://127.0.0.1:1',
    tableName: 'tokens',
    consumer: { fn: AUDIT_CONSUMER, handler },
    checkpointFile: join(dir, `checkpoint-${Math.random()}.json`),
    failuresFile: join(dir, 'failures.jsonl'),
  });
  return { p, batches };
}

describe('the stream poller across shards', () => {
  beforeEach(() => {
    dynamo.reset();
    streams.reset();
  });
  afterEach(() => {
    dynamo.reset();
    streams.reset();
  });

  it('reads a closed parent to its end before its children, whatever order the stream lists them in', async () => {
    serve(
      [
        { ShardId: 'child-a', ParentShardId: 'parent' },
        { ShardId: 'parent' },
        { ShardId: 'child-b', ParentShardId: 'parent' },
      ],
      {
        parent: { ids: ['p1', 'p2'], closed: true },
        'child-a': { ids: ['a1'], closed: false },
        'child-b': { ids: ['b1'], closed: false },
      },
    );
    const { p, batches } = poller();

    await p.pollOnce(); // child-a, listed first, waits: its parent was not read to its end yet
    await p.pollOnce();
    expect(batches[0]).toEqual(['p1', 'p2']);
    expect(batches.slice(1).sort()).toEqual([['a1'], ['b1']]);
  });

  it('marks a shard it has read to its end as closed in the checkpoint, and never reads it again', async () => {
    serve([{ ShardId: 'old' }], { old: { ids: ['o1'], closed: true } });
    const { p, batches } = poller();
    await p.pollOnce();
    await p.pollOnce();
    await p.pollOnce();

    expect(batches).toEqual([['o1']]);
    const file = (p as unknown as { options: { checkpointFile: string } }).options.checkpointFile;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      stream_arn: STREAM_ARN,
      shards: { old: { after: '30', closed: true } },
    });
  });

  it('after a failed read, asks for a fresh iterator at its checkpoint instead of reusing the broken one', async () => {
    serve([{ ShardId: 'live' }], { live: { ids: ['l1'], closed: false } });
    const { p, batches } = poller();
    await p.pollOnce();
    failingReads = 1;

    await expect(p.pollOnce()).rejects.toThrow('Iterator expired');
    await p.pollOnce();

    expect(batches).toEqual([['l1']]);
    expect(streams.commandCalls(GetShardIteratorCommand).map((call) => call.args[0].input)).toEqual([
      { StreamArn: STREAM_ARN, ShardId: 'live', ShardIteratorType: 'TRIM_HORIZON' },
      {
        StreamArn: STREAM_ARN,
        ShardId: 'live',
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        SequenceNumber: '40',
      },
    ]);
  });

  it('reads a child at once when its parent has left the stream (trimmed after 24 hours)', async () => {
    serve([{ ShardId: 'orphan', ParentShardId: 'gone' }], { orphan: { ids: ['x1'], closed: false } });
    const { p, batches } = poller();
    await p.pollOnce();
    expect(batches).toEqual([['x1']]);
  });
});
