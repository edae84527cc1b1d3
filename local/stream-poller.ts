// The local stand-in for Lambda's DynamoDB stream event source mapping: reads the tokens table's
// stream in DynamoDB Local and invokes the audit consumer with the same events and the same batch
// semantics as in AWS (see cdk/audit.ts):
// - a batch is up to 100 records of one shard, in order; one batch per shard at a time;
// - `batchItemFailures` moves the checkpoint to just before the first failed record, and the next
//   batch starts at it; a thrown error (or a failure naming no record of the batch) fails it all;
// - a batch failing as a whole is halved until the failing record is alone; a record that fails
//   10 times in a row goes to `$DATA_DIR/audit-failures.jsonl` (the on-failure destination);
// - closed shards are read to their end before their children are started.
// The checkpoint (the last sequence number processed, per shard) is written atomically to
// `$DATA_DIR` after every batch, so a restart neither repeats nor skips a record.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { lambdaRecord } from '#adapters/audit-stream-record';
import { localClientConfig } from '#adapters/config';
import { AUDIT_CONSUMER } from '#spec/functions';
import { lambdaContext } from './events';
import type { LambdaFunction } from './gateway';
import { runInInvokeContext } from './invoke-context';

/** As the event source mapping in AWS: the audit consumer's manifest. */
export const DEFAULT_BATCH_SIZE = AUDIT_CONSUMER.stream.batchSize;
/** As `retryAttempts` of the event source mapping in AWS. */
export const DEFAULT_RETRY_ATTEMPTS = AUDIT_CONSUMER.stream.retryAttempts;
const POLL_INTERVAL_MS = 200;
const CONSUMER_TIMEOUT_MS = AUDIT_CONSUMER.timeoutSeconds * 1_000;
const MAX_BACKOFF_MS = 5_000;
const DRAIN_MS = 3_000;

const checkpointSchema = z.object({
  stream_arn: z.string(),
  shards: z.record(z.string(), z.object({ after: z.string().optional(), closed: z.boolean().optional() })),
});

type Checkpoint = z.infer<typeof checkpointSchema>;

export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  /** The table whose stream is read. */
  tableName: string;
  consumer: LambdaFunction;
  checkpointFile: string;
  failuresFile: string;
  batchSize?: number;
  retryAttempts?: number;
  /** Delay before retrying a failed batch, by consecutive failure (1, 2, ...). */
  backoffMs?: (failures: number) => number;
  pollIntervalMs?: number;
  /** One line per failure worth knowing about; never a record's content. */
  log?: (line: string) => void;
}

/** Where a shard stands after a failure: retried from `sequence`, after `notBefore`, in smaller batches. */
interface Retry {
  sequence: string;
  failures: number;
  notBefore: number;
  limit: number;
}

const partialResponseSchema = z.object({
  batchItemFailures: z.array(z.object({ itemIdentifier: z.string().optional() })),
});

/** Where a batch failed: the first record to retry, and whether the batch failed as a whole. */
interface Failure {
  at: number;
  whole: boolean;
}

/**
 * The failure a consumer's answer reports, or null if the batch succeeded. As in AWS, a failure
 * naming no record of the batch fails the whole batch.
 */
function failureOf(result: unknown, sequences: string[]): Failure | null {
  const parsed = partialResponseSchema.safeParse(result ?? { batchItemFailures: [] });
  if (!parsed.success) return null; // anything else is a success, as Lambda takes it
  const failed = parsed.data.batchItemFailures.map((failure) =>
    sequences.indexOf(failure.itemIdentifier ?? ''),
  );
  if (failed.length === 0) return null;
  return failed.includes(-1) ? { at: 0, whole: true } : { at: Math.min(...failed), whole: false };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => undefined);

export class StreamPoller {
  private readonly dynamo: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly batchSize: number;
  private readonly retryAttempts: number;
  private readonly backoffMs: (failures: number) => number;
  private readonly log: (line: string) => void;
  private checkpoint: Checkpoint | undefined;
  private readonly iterators = new Map<string, string>();
  private readonly retries = new Map<string, Retry>();
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: StreamPollerOptions) {
    this.dynamo = new DynamoDBClient(localClientConfig(options.endpoint));
    this.streams = new DynamoDBStreamsClient(localClientConfig(options.endpoint));
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.retryAttempts = options.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    this.backoffMs = options.backoffMs ?? ((failures) => Math.min(MAX_BACKOFF_MS, 100 * 2 ** (failures - 1)));
    this.log = options.log ?? (() => undefined);
  }

  /** Polls until `stop()`: again at once after a batch, after a short pause when there was nothing. */
  start(): void {
    const interval = this.options.pollIntervalMs ?? POLL_INTERVAL_MS;
    let lastError = '';
    this.loop ??= (async () => {
      while (!this.stopping.signal.aborted) {
        let processed = 0;
        try {
          processed = await this.pollOnce();
          lastError = '';
        } catch (error) {
          const message = `audit stream poll failed: ${(error as Error).message}`;
          if (message !== lastError) this.log(message); // once, not every 200 ms
          lastError = message;
        }
        if (processed === 0) await pause(interval, this.stopping.signal);
      }
    })();
  }

  /**
   * Finishes the batch in flight, then hands the consumer what is left on the stream (for a few
   * seconds at most; shards waiting to retry a failure are left for the next start), and closes.
   * The checkpoint is saved after every batch.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const deadline = Date.now() + DRAIN_MS;
    try {
      while (Date.now() < deadline && (await this.pollOnce()) > 0);
    } catch (error) {
      this.log(`audit stream drain failed: ${(error as Error).message}`);
    }
    this.dynamo.destroy();
    this.streams.destroy();
  }

  /**
   * One round: at most one batch from each shard that is ready. Returns how many records the
   * consumer was given. Not to be called while `start()`'s loop runs.
   */
  async pollOnce(): Promise<number> {
    const checkpoint = await this.loadCheckpoint();
    const shards = await this.describeShards(checkpoint.stream_arn);
    const known = new Set(shards.map((shard) => shard.ShardId));
    let given = 0;
    for (const shard of shards) {
      const id = shard.ShardId as string;
      const state = checkpoint.shards[id];
      if (state?.closed) continue;
      const parent = shard.ParentShardId;
      // A child waits until its parent (if the stream still has it) has been read to its end.
      if (parent && known.has(parent) && !checkpoint.shards[parent]?.closed) continue;
      const retry = this.retries.get(id);
      if (retry && retry.notBefore > Date.now()) continue;
      given += await this.pollShard(checkpoint, id, retry);
    }
    return given;
  }

  private async pollShard(
    checkpoint: Checkpoint,
    shardId: string,
    retry: Retry | undefined,
  ): Promise<number> {
    const streamArn = checkpoint.stream_arn;
    let iterator = this.iterators.get(shardId);
    if (!iterator) {
      const after = checkpoint.shards[shardId]?.after;
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      if (!ShardIterator) return this.close(checkpoint, shardId);
      iterator = ShardIterator;
    }
    const limit = retry?.limit ?? this.batchSize;
    let page: GetRecordsCommandOutput;
    try {
      page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    } catch (error) {
      // An expired or broken iterator: the next round asks for a new one at the checkpoint.
      this.iterators.delete(shardId);
      throw error;
    }
    const { Records = [], NextShardIterator } = page;
    if (Records.length === 0) {
      if (NextShardIterator) this.iterators.set(shardId, NextShardIterator);
      else this.close(checkpoint, shardId);
      return 0;
    }

    const sequences = Records.map((record) => record.dynamodb?.SequenceNumber ?? '');
    const failure = await this.invoke(
      Records.map((record) => lambdaRecord(record, streamArn)),
      sequences,
    );
    if (failure === null) {
      this.retries.delete(shardId);
      this.advance(checkpoint, shardId, sequences.at(-1));
      if (NextShardIterator) this.iterators.set(shardId, NextShardIterator);
      else this.close(checkpoint, shardId);
      return Records.length;
    }

    // Keep what succeeded before the failure; the next batch starts at the failed record.
    this.iterators.delete(shardId);
    if (failure.at > 0) this.advance(checkpoint, shardId, sequences[failure.at - 1]);
    const sequence = sequences[failure.at] as string;
    const failures = retry?.sequence === sequence ? retry.failures + 1 : 1;
    // A batch that failed as a whole is halved (bisected) until the failing record is alone.
    const bisect = failure.whole && Records.length > 1;
    if (failures > this.retryAttempts && !bisect) {
      this.deadLetter(streamArn, shardId, Records[failure.at] as StreamRecord, failures);
      this.retries.delete(shardId);
      this.advance(checkpoint, shardId, sequence);
      return Records.length;
    }
    this.retries.set(shardId, {
      sequence,
      failures,
      notBefore: Date.now() + this.backoffMs(failures),
      limit: bisect ? Math.max(1, Math.floor(Records.length / 2)) : limit,
    });
    return Records.length;
  }

  /** Where the batch failed, or null when it succeeded; a thrown error fails it as a whole. */
  private async invoke(records: DynamoDBRecord[], sequences: string[]): Promise<Failure | null> {
    const event: DynamoDBStreamEvent = { Records: records };
    const { fn, handler } = this.options.consumer;
    const context = lambdaContext(fn, randomUUID(), Date.now() + CONSUMER_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        runInInvokeContext(context, () => handler(event, context)),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('the consumer timed out')), CONSUMER_TIMEOUT_MS);
        }),
      ]);
      const failure = failureOf(result, sequences);
      if (failure) this.log(`audit consumer failed on record ${sequences[failure.at]}; retrying`);
      return failure;
    } catch (error) {
      this.log(
        `audit consumer failed on a batch of ${records.length}: ${(error as Error).message}; retrying`,
      );
      return { at: 0, whole: true };
    } finally {
      clearTimeout(timer);
    }
  }

  private deadLetter(streamArn: string, shardId: string, record: StreamRecord, failures: number): void {
    const sequence = record.dynamodb?.SequenceNumber;
    // What AWS sends to the on-failure queue: where the record is, not what it holds.
    const entry = {
      time: new Date().toISOString(),
      stream_arn: streamArn,
      shard_id: shardId,
      sequence_number: sequence,
      event_id: record.eventID,
      event_name: record.eventName,
      attempts: failures,
    };
    appendFileSync(this.options.failuresFile, `${JSON.stringify(entry)}\n`);
    this.log(
      `audit consumer gave up on record ${sequence} after ${failures} attempts; see ${this.options.failuresFile}`,
    );
  }

  private advance(checkpoint: Checkpoint, shardId: string, sequence: string | undefined): void {
    if (!sequence) return;
    checkpoint.shards[shardId] = { ...checkpoint.shards[shardId], after: sequence };
    this.saveCheckpoint(checkpoint);
  }

  private close(checkpoint: Checkpoint, shardId: string): number {
    this.iterators.delete(shardId);
    checkpoint.shards[shardId] = { ...checkpoint.shards[shardId], closed: true };
    this.saveCheckpoint(checkpoint);
    return 0;
  }

  private saveCheckpoint(checkpoint: Checkpoint): void {
    const file = this.options.checkpointFile;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
    renameSync(temporary, file); // atomic: a crash leaves the old checkpoint or the new one
  }

  /** The saved checkpoint if it is for the table's current stream; otherwise the stream from its start. */
  private async loadCheckpoint(): Promise<Checkpoint> {
    if (this.checkpoint) return this.checkpoint;
    const { Table } = await this.dynamo.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    let saved: Checkpoint | undefined;
    if (existsSync(this.options.checkpointFile)) {
      const parsed = checkpointSchema.safeParse(this.readJson(this.options.checkpointFile));
      if (parsed.success) saved = parsed.data;
      // Reading the stream again from its start repeats nothing in the trail: its writes are idempotent.
      else this.log(`audit stream checkpoint ${this.options.checkpointFile} is unreadable; starting over`);
    }
    this.checkpoint = saved?.stream_arn === streamArn ? saved : { stream_arn: streamArn, shards: {} };
    return this.checkpoint;
  }

  private readJson(file: string): unknown {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async describeShards(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }
}
