// The audit stream consumer: each record of the tokens table's stream becomes at most one audit
// event. Records succeed or fail one by one; a failed record is reported alone (partial batch
// response), so Lambda retries from it, the others are neither lost nor recorded twice (the audit
// store's writes are idempotent on the record's eventID), and the batch never fails as a whole
// because of one record. Each record also repairs the search postings of its token (idempotent).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { imageToTokenImage } from '#adapters/token-item';
import { auditEventOf, type StreamChange } from '#domain/audit';
import { ValidationError } from '#domain/errors';
import { audit, searchIndex } from '#functions/commons/audit-runtime';
import { logger } from '#functions/commons/logger';
import { metrics } from '#functions/commons/metrics';
import { METRICS } from '#spec/metrics';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

type Image = Record<string, AttributeValue> | undefined;

/**
 * Lambda's record, with its images unmarshalled (the Lambda and SDK attribute value shapes agree) and
 * decoded by the token item codec.
 */
function changeOf(record: DynamoDBRecord): StreamChange {
  const { eventID, eventName, dynamodb } = record;
  if (!eventID || !eventName) throw new ValidationError('A stream record without eventID or eventName');
  const image = (which: 'oldImage' | 'newImage', value: unknown) =>
    value ? imageToTokenImage(unmarshall(value as Image & object), eventID, which) : undefined;
  const seconds = dynamodb?.ApproximateCreationDateTime;
  return {
    eventId: eventID,
    eventName,
    approximateTime: seconds === undefined ? new Date() : new Date(seconds * 1000),
    oldImage: image('oldImage', dynamodb?.OldImage),
    newImage: image('newImage', dynamodb?.NewImage),
    userIdentity: record.userIdentity,
  };
}

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  try {
    const change = changeOf(record);
    const event = auditEventOf(change);
    if (event) await audit.record(event, record.dynamodb?.SequenceNumber);
    await searchIndex?.follow(change.eventName, change.oldImage, change.newImage);
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
