// What `tokengate audit redrive` touches: the audit failure queue (SQS), where Lambda's on-failure
// destination puts the position of the stream records the audit consumer gave up on (locally, the
// stack's failures file), and the tokens table's stream, read again at those positions.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { lambdaRecord } from '#adapters/audit-stream-record';
import {
  compareSequences,
  type FailedStreamBatch,
  type FailureQueue,
  type QueuedFailure,
  type StreamRead,
  type StreamStretchReader,
} from '#domain/audit-redrive';

/**
 * How long a received message stays hidden from other readers while this run works on it: longer than
 * a stretch takes to replay, short enough that a run that dies leaves it visible again soon.
 */
export const REDRIVE_VISIBILITY_SECONDS = 300;
const RECEIVE_BATCH = 10;

/**
 * The audit failure queue. A message is deleted once its records are written; one that is kept is
 * made visible again when the run ends (`close`), so the queue's alarm stays on and the next run
 * sees it, while this run does not receive it twice.
 */
export class SqsFailureQueue implements FailureQueue {
  private readonly handles = new Map<string, string>();
  private readonly kept: string[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async receive(): Promise<QueuedFailure[]> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: RECEIVE_BATCH,
        VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = Messages.filter(
      (message): message is Message & { MessageId: string; ReceiptHandle: string } =>
        !!message.MessageId && !!message.ReceiptHandle && !this.handles.has(message.MessageId),
    );
    for (const message of fresh) this.handles.set(message.MessageId, message.ReceiptHandle);
    return fresh.map((message) => ({ id: message.MessageId, body: message.Body ?? '' }));
  }

  async remove(failure: QueuedFailure): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: this.handle(failure) }),
    );
  }

  async keep(failure: QueuedFailure): Promise<void> {
    this.kept.push(this.handle(failure));
  }

  /** Makes every kept message visible again. */
  async close(): Promise<void> {
    for (const handle of this.kept.splice(0)) {
      await this.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    }
  }

  private handle(failure: QueuedFailure): string {
    const handle = this.handles.get(failure.id);
    if (!handle) throw new Error(`message ${failure.id} was not received from ${this.queueUrl}`);
    return handle;
  }
}

/** GetRecords calls for one stretch at most: an open shard may answer empty pages before its records. */
export const MAX_PAGES_PER_STRETCH = 50;

/**
 * Reads a stretch of one shard again: from its first sequence number (AT_SEQUENCE_NUMBER) to its
 * last, in the records' order, bounded in records and in calls. A stream or shard that is no longer
 * there, or records trimmed away, mean the stretch is past the stream's retention.
 */
export class StreamStretches implements StreamStretchReader<DynamoDBRecord> {
  constructor(private readonly streams: DynamoDBStreamsClient) {}

  async read(batch: FailedStreamBatch): Promise<StreamRead<DynamoDBRecord>> {
    try {
      return { records: await this.records(batch) };
    } catch (error) {
      if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException) {
        return { gone: `the stream no longer holds these records (${error.name}: ${error.message})` };
      }
      throw error;
    }
  }

  private async records(batch: FailedStreamBatch): Promise<DynamoDBRecord[]> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    const records: StreamRecord[] = [];
    let iterator = ShardIterator;
    for (let page = 0; iterator && page < MAX_PAGES_PER_STRETCH; page++) {
      const { Records = [], NextShardIterator } = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(batch.batchSize, 1_000) }),
      );
      for (const record of Records) {
        const sequence = record.dynamodb?.SequenceNumber ?? '';
        if (compareSequences(sequence, batch.endSequenceNumber) > 0) return this.checked(records, batch);
        records.push(record);
        if (sequence === batch.endSequenceNumber) return this.checked(records, batch);
      }
      iterator = NextShardIterator;
    }
    return this.checked(records, batch);
  }

  /** The stretch, whole: its first record and its last, or an error saying what is missing. */
  private checked(records: StreamRecord[], batch: FailedStreamBatch): DynamoDBRecord[] {
    const sequences = records.map((record) => record.dynamodb?.SequenceNumber);
    if (sequences[0] !== batch.startSequenceNumber || sequences.at(-1) !== batch.endSequenceNumber) {
      throw new Error(
        `the stream gave ${records.length} records of ${batch.shardId} from ${sequences[0] ?? 'none'} ` +
          `to ${sequences.at(-1) ?? 'none'}, not the stretch ${batch.startSequenceNumber} to ${batch.endSequenceNumber}`,
      );
    }
    return records.map((record) => lambdaRecord(record, batch.streamArn));
  }
}

/**
 * A line of the local stack's failures file as Lambda's on-failure record: the local poller gives up
 * on one record at a time. A line that is not one is passed on as it is (and kept, unreadable).
 */
export function onFailureBodyOf(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { stream_arn, shard_id, sequence_number } = (entry ?? {}) as Record<string, unknown>;
  if (typeof stream_arn !== 'string' || typeof shard_id !== 'string' || typeof sequence_number !== 'string') {
    return line;
  }
  return JSON.stringify({
    DDBStreamBatchInfo: {
      streamArn: stream_arn,
      shardId: shard_id,
      startSequenceNumber: sequence_number,
      endSequenceNumber: sequence_number,
      batchSize: 1,
    },
  });
}

const nonEmptyLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/**
 * The local stack's failures file (`$DATA_DIR/audit-failures.jsonl`) as a failure queue: each line
 * is a failure. On `close` the lines replayed are taken out of the file as it is then (the running
 * stack's poller may have added lines meanwhile), written whole to a new file moved into place.
 */
export class FileFailureQueue implements FailureQueue {
  private lines: string[] | undefined;
  private readonly removed: string[] = [];

  constructor(private readonly file: string) {}

  async receive(): Promise<QueuedFailure[]> {
    if (this.lines) return [];
    this.lines = existsSync(this.file) ? nonEmptyLines(readFileSync(this.file, 'utf8')) : [];
    return this.lines.map((line, index) => ({ id: String(index), body: onFailureBodyOf(line) }));
  }

  async remove(failure: QueuedFailure): Promise<void> {
    const line = this.lines?.[Number(failure.id)];
    if (line !== undefined) this.removed.push(line);
  }

  async keep(_failure: QueuedFailure): Promise<void> {}

  async close(): Promise<void> {
    if (this.removed.length === 0) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    // Written again if the poller appended while we wrote, so that no line it added is lost.
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = readFileSync(this.file, 'utf8');
      const left = nonEmptyLines(before);
      for (const line of this.removed) {
        const at = left.indexOf(line);
        if (at >= 0) left.splice(at, 1);
      }
      writeFileSync(temporary, left.map((line) => `${line}\n`).join(''), { mode: 0o600 });
      if (readFileSync(this.file, 'utf8') === before) return renameSync(temporary, this.file);
    }
    rmSync(temporary, { force: true });
    throw new Error(
      `${this.file} kept changing; the lines replayed are still in it (replaying them again is harmless)`,
    );
  }
}
