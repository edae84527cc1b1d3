// The audit stream consumer: each record of the tokens table's stream becomes at most one audit
// event. Records succeed or fail one by one; a failed record is reported alone (partial batch
// response), so Lambda retries from it, the others are neither lost nor recorded twice (the audit
// store's writes are idempotent on the record's eventID), and the batch never fails as a whole
// because of one record. Each record also repairs the search postings of its token (idempotent).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { applyStreamRecord } from '#adapters/audit-stream-record';
import { audit, searchIndex } from '#functions/commons/audit-runtime';
import { logger } from '#functions/commons/logger';
import { metrics } from '#functions/commons/metrics';
import { METRICS } from '#spec/metrics';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  try {
    const { change, event } = await applyStreamRecord(record, { audit, searchIndex });
    // From the change (the stream's whole-second time of it) to its audit event written.
    if (event && record.dynamodb?.ApproximateCreationDateTime !== undefined) {
      metrics.add(METRICS.auditLag, Math.max(0, Date.now() - change.approximateTime.getTime()));
    }
  } catch (error) {
    metrics.add(METRICS.auditFailures);
    // Never the images: they hold the token's hash.
    logger.error('Audit record failed; it will be retried', {
      eventID: record.eventID,
      sequenceNumber: record.dynamodb?.SequenceNumber,
      error: error as Error,
    });
    throw error;
  }
}

export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    metrics.publish();
  }
};
