import { describe, expect, it } from 'vitest';
import {
  compareSequences,
  type FailedStreamBatch,
  type FailureQueue,
  failedBatchOf,
  type QueuedFailure,
  type RedriveOptions,
  redriveFailures,
  redriveSucceeded,
  type StreamRead,
  tableOfStream,
} from '#domain/audit-redrive';
import { ValidationError } from '#domain/errors';

const NOW = new Date('2026-12-07T12:00:00Z');
const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens/stream/2026-12-01T00:00:00.000';

function body(info: Record<string, unknown>): string {
  return JSON.stringify({
    requestContext: { condition: 'RetryAttemptsExhausted' },
    DDBStreamBatchInfo: {
      shardId: 'shardId-1',
      startSequenceNumber: '900',
      endSequenceNumber: '1000',
      batchSize: 2,
      streamArn: ARN,
      approximateArrivalOfFirstRecord: '2026-12-07T11:00:00Z',
      ...info,
    },
  });
}

/** A queue of `bodies`, handed out two at a time; remembers what was removed and kept. */
function fakeQueue(bodies: string[]) {
  const waiting = bodies.map((text, index) => ({ id: `m${index}`, body: text }));
  const removed: string[] = [];
  const kept: string[] = [];
  const queue: FailureQueue = {
    receive: async () => waiting.splice(0, 2),
    remove: async (failure: QueuedFailure) => void removed.push(failure.id),
    keep: async (failure: QueuedFailure) => void kept.push(failure.id),
  };
  return { queue, removed, kept };
}

function options(
  queue: FailureQueue,
  read: (batch: FailedStreamBatch) => Promise<StreamRead<string>>,
  overrides: Partial<RedriveOptions<string>> = {},
): RedriveOptions<string> {
  return {
    queue,
    reader: { read },
    replay: async (record) => (record.startsWith('dup') ? 'duplicate' : 'recorded'),
    dryRun: false,
    now: NOW,
    tokensTable: 'tokens',
    ...overrides,
  };
}

describe("Lambda's on-failure record", () => {
  it('names the stretch of the shard to read again', () => {
    expect(failedBatchOf(body({}))).toEqual({
      streamArn: ARN,
      shardId: 'shardId-1',
      startSequenceNumber: '900',
      endSequenceNumber: '1000',
      batchSize: 2,
      approximateArrivalOfFirstRecord: '2026-12-07T11:00:00Z',
    });
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['without DDBStreamBatchInfo', '{"requestContext":{}}', 'DDBStreamBatchInfo'],
    ['without a shard', body({ shardId: undefined }), 'shardId'],
    ['without a stream', body({ streamArn: '' }), 'streamArn'],
    ['with a sequence number that is not one', body({ startSequenceNumber: '9e9' }), 'sequence numbers'],
    ['ending before it starts', body({ startSequenceNumber: '1001' }), 'sequence numbers'],
  ])('is refused %s, saying what is missing', (_, text, words) => {
    expect(() => failedBatchOf(text)).toThrow(ValidationError);
    expect(() => failedBatchOf(text)).toThrow(words);
  });

  it('orders sequence numbers as numbers, whatever their length', () => {
    expect(compareSequences('900', '1000')).toBe(-1);
    expect(compareSequences('1000', '900')).toBe(1);
    expect(compareSequences('1000', '1000')).toBe(0);
  });
});

describe('redriveFailures', () => {
  it('replays each failure, removes it once its records are written, and counts what was there already', async () => {
    const { queue, removed, kept } = fakeQueue([body({}), body({ shardId: 'shardId-2' })]);
    const replayed: string[] = [];
    const results = await redriveFailures(
      options(queue, async (batch) => ({ records: [`new-${batch.shardId}`, `dup-${batch.shardId}`] }), {
        replay: async (record) => {
          replayed.push(record);
          return record.startsWith('dup') ? 'duplicate' : 'recorded';
        },
      }),
    );
    expect(replayed).toEqual(['new-shardId-1', 'dup-shardId-1', 'new-shardId-2', 'dup-shardId-2']);
    expect(
      results.map((result) => [result.outcome, result.records, result.written, result.duplicates]),
    ).toEqual([
      ['replayed', 2, 1, 1],
      ['replayed', 2, 1, 1],
    ]);
    expect(removed).toEqual(['m0', 'm1']);
    expect(kept).toEqual([]);
    expect(redriveSucceeded(results)).toBe(true);
  });

  it('with dryRun reads but writes and removes nothing', async () => {
    const { queue, removed, kept } = fakeQueue([body({})]);
    let writes = 0;
    const results = await redriveFailures(
      options(queue, async () => ({ records: ['a', 'b'] }), {
        dryRun: true,
        replay: async () => {
          writes += 1;
          return 'recorded';
        },
      }),
    );
    expect(results.map((result) => [result.outcome, result.records])).toEqual([['would replay', 2]]);
    expect(writes).toBe(0);
    expect(removed).toEqual([]);
    expect(kept).toEqual(['m0']);
    expect(redriveSucceeded(results)).toBe(true);
  });

  it('keeps a failure whose record fails, writing nothing after it, and the run does not succeed', async () => {
    const { queue, removed, kept } = fakeQueue([body({})]);
    const replayed: string[] = [];
    const results = await redriveFailures(
      options(queue, async () => ({ records: ['a', 'poison', 'c'] }), {
        replay: async (record) => {
          replayed.push(record);
          if (record === 'poison') throw new Error('cannot decode');
          return 'recorded';
        },
      }),
    );
    expect(replayed).toEqual(['a', 'poison']);
    expect(results[0]).toMatchObject({ outcome: 'failed', written: 1, reason: 'cannot decode' });
    expect(removed).toEqual([]);
    expect(kept).toEqual(['m0']);
    expect(redriveSucceeded(results)).toBe(false);
  });

  it('keeps a failure the stream no longer holds, naming the 24-hour retention once the records are older', async () => {
    const { queue, kept } = fakeQueue([
      body({ approximateArrivalOfFirstRecord: '2026-12-06T11:59:00Z' }),
      body({ approximateArrivalOfFirstRecord: '2026-12-07T11:00:00Z' }),
    ]);
    const results = await redriveFailures(options(queue, async () => ({ gone: 'no such shard' })));
    expect(results.map((result) => [result.outcome, result.reason])).toEqual([
      ['past retention', "its records are past the stream's 24-hour retention (no such shard)"],
      ['past retention', 'no such shard'],
    ]);
    expect(kept).toEqual(['m0', 'm1']);
  });

  it('keeps an unreadable message and one whose reading fails, and goes on with the next', async () => {
    const { queue, removed, kept } = fakeQueue(['{', body({ shardId: 'broken' }), body({})]);
    const results = await redriveFailures(
      options(queue, async (batch) => {
        if (batch.shardId === 'broken') throw new Error('throttled');
        return { records: ['a'] };
      }),
    );
    expect(results.map((result) => [result.outcome, result.reason])).toEqual([
      ['unreadable', 'the failure is not JSON'],
      ['failed', 'throttled'],
      ['replayed', undefined],
    ]);
    expect(kept).toEqual(['m0', 'm1']);
    expect(removed).toEqual(['m2']);
  });

  it('stops after `limit` failures, keeping the rest it received', async () => {
    const { queue, removed, kept } = fakeQueue([body({}), body({}), body({})]);
    const results = await redriveFailures({ ...options(queue, async () => ({ records: ['a'] })), limit: 1 });
    expect(results).toHaveLength(1);
    expect(removed).toEqual(['m0']);
    expect(kept).toEqual(['m1']);
  });
});

describe('a failure naming another stream', () => {
  it("is kept, never read, when its stream is not the tokens table's", async () => {
    const other =
      'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens-shadow/stream/2026-12-01T00:00:00.000';
    const { queue, removed, kept } = fakeQueue([body({ streamArn: other }), body({})]);
    const reads: string[] = [];
    const results = await redriveFailures(
      options(queue, async (batch) => {
        reads.push(batch.streamArn);
        return { records: ['a'] };
      }),
    );
    expect(results.map((result) => result.outcome)).toEqual(['another stream', 'replayed']);
    expect(results[0]?.reason).toContain('tokens-shadow');
    expect(reads).toEqual([ARN]);
    expect({ removed, kept }).toEqual({ removed: ['m1'], kept: ['m0'] });
    expect(redriveSucceeded(results)).toBe(false);
  });

  it('reads the table from a stream ARN, and nothing from anything else', () => {
    expect(tableOfStream(ARN)).toBe('tokens');
    expect(
      tableOfStream(
        'arn:aws:dynamodb:ddblocal:000000000000:table/tokengate-tokens/stream/2026-12-07T10:00:00.123',
      ),
    ).toBe('tokengate-tokens');
    for (const arn of [
      '',
      'tokens',
      'arn:aws:dynamodb:eu-west-1:1:table/tokens',
      'arn:aws:sqs:eu-west-1:1:table/tokens/stream/x',
      'arn:aws:dynamodb:eu-west-1:1:table/tokens/stream/x/y',
    ]) {
      expect(tableOfStream(arn)).toBeNull();
    }
  });
});
