// Replaying the audit trail's failures: each failure names a stretch of one shard of the tokens
// table's stream (what Lambda's on-failure destination sends, or the local stack's failures file);
// its records are read again and handed to the audit consumer's own code, whose writes are idempotent,
// so replaying a stretch twice is harmless. A failure is removed only once its records are written;
// one whose records the stream no longer holds (past its 24-hour retention) is reported and kept.
import { ValidationError } from './errors';

/** A stretch of one shard's records, as Lambda's on-failure record (`DDBStreamBatchInfo`) names it. */
export interface FailedStreamBatch {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  /** When the first record reached the stream, if known (RFC 3339). */
  approximateArrivalOfFirstRecord?: string | undefined;
}

/** The stream keeps records this long; a failure older than that cannot be replayed. */
export const STREAM_RETENTION_MS = 24 * 3_600_000;

const SEQUENCE = /^\d{1,40}$/;

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`the failure has no ${field}`, field);
  }
  return value;
}

/** Sequence numbers are decimal strings of varying length: compared as numbers. */
export function compareSequences(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The stretch a failure message names: Lambda's on-failure record for a DynamoDB stream
 * (`{"requestContext", "responseContext", "DDBStreamBatchInfo": {...}}`). Anything else is a
 * ValidationError naming what is missing.
 */
export function failedBatchOf(body: string): FailedStreamBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('the failure is not JSON');
  }
  const info = (parsed as { DDBStreamBatchInfo?: unknown } | null)?.DDBStreamBatchInfo;
  if (typeof info !== 'object' || info === null) {
    throw new ValidationError('the failure has no DDBStreamBatchInfo', 'DDBStreamBatchInfo');
  }
  const fields = info as Record<string, unknown>;
  const start = text(fields.startSequenceNumber, 'startSequenceNumber');
  const end = text(fields.endSequenceNumber, 'endSequenceNumber');
  if (!SEQUENCE.test(start) || !SEQUENCE.test(end) || compareSequences(start, end) > 0) {
    throw new ValidationError(`the failure names no stretch of sequence numbers (${start} to ${end})`);
  }
  const batchSize = fields.batchSize;
  const first = fields.approximateArrivalOfFirstRecord;
  return {
    streamArn: text(fields.streamArn, 'streamArn'),
    shardId: text(fields.shardId, 'shardId'),
    startSequenceNumber: start,
    endSequenceNumber: end,
    batchSize: typeof batchSize === 'number' && Number.isInteger(batchSize) && batchSize > 0 ? batchSize : 1,
    approximateArrivalOfFirstRecord: typeof first === 'string' ? first : undefined,
  };
}

/** One failure waiting to be replayed: its message id in the queue (or line in the file) and body. */
export interface QueuedFailure {
  id: string;
  body: string;
}

/** Where the failures wait: the audit failure queue in AWS, the failures file locally. */
export interface FailureQueue {
  /** Up to a few failures not yet received in this run; none when there are no more. */
  receive(): Promise<QueuedFailure[]>;
  /** The failure is replayed: it leaves the queue. */
  remove(failure: QueuedFailure): Promise<void>;
  /** The failure stays, visible again at once (its alarm stays on). */
  keep(failure: QueuedFailure): Promise<void>;
}

/** A stretch's records, or why the stream no longer has them. */
export type StreamRead<R> = { records: R[] } | { gone: string };

export interface StreamStretchReader<R> {
  read(batch: FailedStreamBatch): Promise<StreamRead<R>>;
}

export type RedriveOutcome =
  | 'replayed'
  | 'would replay'
  | 'past retention'
  | 'failed'
  | 'unreadable'
  | 'another stream';

export interface RedriveResult {
  failure: QueuedFailure;
  batch?: FailedStreamBatch;
  outcome: RedriveOutcome;
  /** Records read from the stream for it. */
  records: number;
  /** Audit events written now (not there already). */
  written: number;
  /** Audit events that were there already. */
  duplicates: number;
  /** Why it was kept. */
  reason?: string;
}

export interface RedriveOptions<R> {
  queue: FailureQueue;
  reader: StreamStretchReader<R>;
  /** The consumer's code on one record: whether its event was written now, was there, or there is none. */
  replay: (record: R) => Promise<'recorded' | 'duplicate' | null>;
  dryRun: boolean;
  now: Date;
  /** Told of each failure as it is done with. */
  onResult?: (result: RedriveResult) => void;
  /** At most this many failures in one run. */
  limit?: number;
  /**
   * The tokens table: a failure naming the stream of any other table is kept, never replayed. The
   * queue's messages say which stream to read, and whoever can send to the queue could otherwise
   * have the audit trail written from a table of their choosing.
   */
  tokensTable: string;
}

/** The table a DynamoDB stream ARN belongs to (`arn:...:table/<name>/stream/<label>`), or null. */
export function tableOfStream(streamArn: string): string | null {
  return /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\/[^/]+$/.exec(streamArn)?.[1] ?? null;
}

/** A run ends after this many failures, whatever is left: run it again for more. */
export const REDRIVE_LIMIT = 1_000;

/** Whether the failure's records must be past the stream's retention by now. */
function pastRetention(batch: FailedStreamBatch, now: Date): boolean {
  const first = Date.parse(batch.approximateArrivalOfFirstRecord ?? '');
  return Number.isFinite(first) && now.getTime() - first > STREAM_RETENTION_MS;
}

async function redriveOne<R>(failure: QueuedFailure, options: RedriveOptions<R>): Promise<RedriveResult> {
  let batch: FailedStreamBatch;
  try {
    batch = failedBatchOf(failure.body);
  } catch (error) {
    return {
      failure,
      outcome: 'unreadable',
      records: 0,
      written: 0,
      duplicates: 0,
      reason: (error as Error).message,
    };
  }
  if (tableOfStream(batch.streamArn) !== options.tokensTable) {
    return {
      failure,
      batch,
      outcome: 'another stream',
      records: 0,
      written: 0,
      duplicates: 0,
      reason: `it names ${batch.streamArn}, not a stream of the tokens table ${options.tokensTable}`,
    };
  }
  let read: StreamRead<R>;
  try {
    read = await options.reader.read(batch);
  } catch (error) {
    return {
      failure,
      batch,
      outcome: 'failed',
      records: 0,
      written: 0,
      duplicates: 0,
      reason: (error as Error).message,
    };
  }
  if ('gone' in read) {
    const reason = pastRetention(batch, options.now)
      ? `its records are past the stream's 24-hour retention (${read.gone})`
      : read.gone;
    return { failure, batch, outcome: 'past retention', records: 0, written: 0, duplicates: 0, reason };
  }
  const records = read.records.length;
  if (options.dryRun) return { failure, batch, outcome: 'would replay', records, written: 0, duplicates: 0 };
  let written = 0;
  let duplicates = 0;
  for (const record of read.records) {
    try {
      const outcome = await options.replay(record);
      if (outcome === 'recorded') written += 1;
      if (outcome === 'duplicate') duplicates += 1;
    } catch (error) {
      // In stream order, as the consumer: nothing after a record that fails.
      return {
        failure,
        batch,
        outcome: 'failed',
        records,
        written,
        duplicates,
        reason: (error as Error).message,
      };
    }
  }
  return { failure, batch, outcome: 'replayed', records, written, duplicates };
}

/**
 * Replays every failure the queue gives (at most `limit`), in the order received. Each is removed
 * once its records are written, and kept otherwise (and always with `dryRun`). Returns what became
 * of each; the run succeeded when every failure was replayed (or, dry, could be).
 */
export async function redriveFailures<R>(options: RedriveOptions<R>): Promise<RedriveResult[]> {
  const limit = options.limit ?? REDRIVE_LIMIT;
  const results: RedriveResult[] = [];
  while (results.length < limit) {
    const failures = await options.queue.receive();
    if (failures.length === 0) break;
    for (const failure of failures) {
      if (results.length >= limit) {
        await options.queue.keep(failure);
        continue;
      }
      const result = await redriveOne(failure, options);
      if (result.outcome === 'replayed') await options.queue.remove(failure);
      else await options.queue.keep(failure);
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}

/** Whether a run left nothing behind that needs someone: every failure replayed or replayable. */
export function redriveSucceeded(results: readonly RedriveResult[]): boolean {
  return results.every((result) => result.outcome === 'replayed' || result.outcome === 'would replay');
}
