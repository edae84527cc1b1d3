// The local stand-in for the access log's CloudWatch Logs subscription: reads the lines the gateway
// appended to its access log since the last batch and hands them to the usage recorder, as a
// subscription batch (gzipped, base64-encoded, the same handler code), every `intervalMs` (10 s: the
// usage answers are at most that behind). Each event's id is its line's byte offset in the file.
// A batch's extent is written to the checkpoint before the recorder runs and its end after: a batch
// cut short by a crash or a failure is replayed with exactly the same lines, so the recorder, which
// counts a batch once by its events' ids, never counts a line twice.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData } from 'aws-lambda';
import { z } from 'zod';
import { USAGE_RECORDER } from '#spec/functions';
import { parseRequestTime } from './access-log';
import { lambdaContext } from './events';
import type { LambdaHandler } from './gateway';
import { runInInvokeContext } from './invoke-context';

/** Bytes read for one batch, at most: a subscription batch is at most 1 MB as well. */
const MAX_BATCH_BYTES = 1_000_000;

const checkpointSchema = z.object({
  /** Offset of the first byte not yet counted. */
  done: z.number().int().min(0),
  /** End of the batch under way, when one was started and not finished. */
  pending: z.number().int().min(0).optional(),
});
type Checkpoint = z.infer<typeof checkpointSchema>;

export interface UsagePollerOptions {
  accessLogFile: string;
  checkpointFile: string;
  recorder: LambdaHandler;
  /** Where a failed batch is reported (the next poll replays it). */
  log: (line: string) => void;
  /** @default 10_000 */
  intervalMs?: number;
}

export class UsagePoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: UsagePollerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.pollOnce(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** Stops polling, after one last batch of what the log holds now (call once the gateway is closed). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.pollOnce();
  }

  /** Hands the lines appended since the last batch to the recorder; resolves with how many. Never rejects. */
  pollOnce(): Promise<number> {
    this.running ??= this.poll()
      .catch((error: unknown) => {
        this.options.log(`usage batch failed, retried at the next poll: ${(error as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async poll(): Promise<number> {
    const { accessLogFile } = this.options;
    if (!existsSync(accessLogFile)) return 0;
    const checkpoint = this.readCheckpoint();
    const size = statSync(accessLogFile).size;
    const end = checkpoint.pending ?? Math.min(size, checkpoint.done + MAX_BATCH_BYTES);
    const text = readRange(accessLogFile, checkpoint.done, end);
    // Only whole lines: the gateway may be writing the last one.
    const whole = checkpoint.pending === undefined ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
    if (whole.length === 0) return 0;
    const batchEnd = checkpoint.done + Buffer.byteLength(whole);
    this.writeCheckpoint({ done: checkpoint.done, pending: batchEnd });
    const logEvents: CloudWatchLogsDecodedData['logEvents'] = [];
    let offset = checkpoint.done;
    for (const line of whole.split('\n').slice(0, -1)) {
      logEvents.push({ id: String(offset), timestamp: timestampOf(line), message: line });
      offset += Buffer.byteLength(line) + 1;
    }
    await this.record(logEvents);
    this.writeCheckpoint({ done: batchEnd });
    return logEvents.length;
  }

  private async record(logEvents: CloudWatchLogsDecodedData['logEvents']): Promise<void> {
    const batch: CloudWatchLogsDecodedData = {
      messageType: 'DATA_MESSAGE',
      owner: 'local',
      logGroup: 'tokengate-local-access-log',
      logStream: 'gateway',
      subscriptionFilters: ['tokengate-local-usage'],
      logEvents,
    };
    const event = { awslogs: { data: gzipSync(JSON.stringify(batch)).toString('base64') } };
    const context = lambdaContext(
      USAGE_RECORDER,
      randomUUID(),
      Date.now() + USAGE_RECORDER.timeoutSeconds * 1000,
    );
    await runInInvokeContext(context, () => this.options.recorder(event, context));
  }

  private readCheckpoint(): Checkpoint {
    if (!existsSync(this.options.checkpointFile)) return { done: 0 };
    return checkpointSchema.parse(JSON.parse(readFileSync(this.options.checkpointFile, 'utf8')));
  }

  private writeCheckpoint(checkpoint: Checkpoint): void {
    writeFileSync(this.options.checkpointFile, JSON.stringify(checkpoint), { mode: 0o600 });
  }
}

function readRange(file: string, start: number, end: number): string {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  const fd = openSync(file, 'r');
  try {
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * When the line's request was received, as CloudWatch Logs stamps each event with its time; now for a
 * line that does not say (the gateway writes none such).
 */
function timestampOf(line: string): number {
  let at = Number.NaN;
  try {
    const { requestTime } = JSON.parse(line) as { requestTime?: unknown };
    if (typeof requestTime === 'string') at = parseRequestTime(requestTime);
  } catch {
    // not JSON: the recorder counts no caller in it
  }
  return Number.isFinite(at) ? at : Date.now();
}
