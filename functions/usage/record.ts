// The usage recorder: a CloudWatch Logs subscription hands it a batch of access-log events (gzipped,
// base64-encoded); it adds them to the per-token, per-day counters, one write per token and day. A
// failure fails the invocation and Lambda delivers the batch again; the store counts it once.
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { usageOfBatch } from '#domain/usage';
import { logger } from '#functions/commons/logger';
import { usage } from '#functions/commons/usage-runtime';

const batchSchema = z.object({
  messageType: z.string(),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })),
});

export interface UsageRecorderResult {
  events: number;
  counters: number;
}

export const handler = async (event: CloudWatchLogsEvent, context: Context): Promise<UsageRecorderResult> => {
  logger.addContext(context);
  const batch = z.parse(
    batchSchema,
    JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString()),
  );
  // CloudWatch Logs checks that it can reach the destination with a message of its own: nothing to count.
  if (batch.messageType !== 'DATA_MESSAGE') return { events: 0, counters: 0 };
  const counted = usageOfBatch(batch.logEvents);
  await usage.record(counted);
  logger.debug('Usage recorded', {
    batch_id: counted.id,
    events: batch.logEvents.length,
    counters: counted.counts.length,
  });
  return { events: batch.logEvents.length, counters: counted.counts.length };
};
