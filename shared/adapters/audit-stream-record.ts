// A record of the tokens table's stream as Lambda delivers it (from the streams API's shape, for the
// local stack's poller and the redrive), and what the audit consumer does with one:
// its audit event written (idempotent on the record's eventID, so a record delivered or replayed again
// changes nothing) and its token's search postings repaired. The Lambda (functions/audit/consumer.ts)
// and `tokengate audit redrive` both run this, so a replay writes exactly what the consumer would have.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  AttributeValue as StreamAttributeValue,
  _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type AuditEvent, type AuditStore, auditEventOf, type StreamChange } from '#domain/audit';
import { ValidationError } from '#domain/errors';
import type { TokenSearchIndex } from './dynamo-token-search';
import { imageToTokenImage } from './token-item';

type Image = Record<string, AttributeValue> | undefined;

/** The streams API's attribute values as Lambda's JSON has them (binary as base64). */
function lambdaValue(value: StreamAttributeValue): Record<string, unknown> {
  if (value.B) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L) return { L: value.L.map(lambdaValue) };
  if (value.M) return { M: lambdaImage(value.M) };
  return { ...value };
}

function lambdaImage(image: Record<string, StreamAttributeValue> | undefined) {
  return (
    image && Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaValue(value)]))
  );
}

/** The record as Lambda delivers it (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html). */
export function lambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb;
  const created = change?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: streamArn.split(':')[3] ?? record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created && { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      Keys: lambdaImage(change?.Keys),
      ...(change?.NewImage && { NewImage: lambdaImage(change.NewImage) }),
      ...(change?.OldImage && { OldImage: lambdaImage(change.OldImage) }),
      SequenceNumber: change?.SequenceNumber,
      SizeBytes: change?.SizeBytes,
      StreamViewType: change?.StreamViewType,
    } as DynamoDBRecord['dynamodb'],
    ...(record.userIdentity && {
      userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId },
    }),
  };
}

/**
 * Lambda's record, with its images unmarshalled (the Lambda and SDK attribute value shapes agree) and
 * decoded by the token item codec.
 */
export function streamChangeOf(record: DynamoDBRecord): StreamChange {
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

/** Where the consumer writes: the audit trail, and the search postings when the deployment has them. */
export interface AuditWriters {
  audit: Pick<AuditStore, 'record'>;
  searchIndex?: Pick<TokenSearchIndex, 'follow'> | undefined;
}

export interface AppliedRecord {
  change: StreamChange;
  /** The record's audit event, if the change makes one. */
  event: AuditEvent | null;
  /** Whether the event was written now or was there already; null when there is no event. */
  outcome: 'recorded' | 'duplicate' | null;
}

/** Writes what one stream record means; throws (writing nothing more) when it cannot. */
export async function applyStreamRecord(
  record: DynamoDBRecord,
  writers: AuditWriters,
): Promise<AppliedRecord> {
  const change = streamChangeOf(record);
  const event = auditEventOf(change);
  const outcome = event ? await writers.audit.record(event, record.dynamodb?.SequenceNumber) : null;
  await writers.searchIndex?.follow(change.eventName, change.oldImage, change.newImage);
  return { change, event, outcome };
}
