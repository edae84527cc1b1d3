// The usage counters on DynamoDB (table layout: USAGE_TABLE in shared/spec/tables.ts).
//
// A batch is applied in transactions of at most 100 items: the counters of up to 99 token-days
// (one UpdateItem ADD each, never a write per request) and a marker of the batch's part, put on
// condition that it is absent. A batch delivered again finds its markers there: each part either
// applied whole before (its marker present, the transaction cancelled, nothing added) or not at all,
// so a batch replayed after a failure half-way adds only what it had not added yet. The parts are
// cut the same way every time: `usageOfBatch` sorts the counts.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { USAGE_RETENTION_DAYS, type UsageBatch, type UsageDay, type UsageStore } from '#domain/usage';
import { USAGE_ATTRIBUTES as ITEM } from '#spec/tables';

const DAY_SECONDS = 86_400;
/** DynamoDB's most items in one transaction, less the part's marker. */
const COUNTS_PER_TRANSACTION = 99;
/**
 * How long a batch's markers are kept: longer than anything redelivers a batch (Lambda retries an
 * asynchronous invocation for at most six hours; the local poller replays at its next start).
 */
const MARKER_SECONDS = 7 * DAY_SECONDS;

/** The partition of a batch part's marker: `#` is never in a token id, so no token's days hold it. */
const markerKey = (batchId: string, part: number) => `#batch:${batchId}:${part}`;

const daySchema = z.object({
  [ITEM.date]: z.string(),
  [ITEM.requests]: z.number(),
  [ITEM.denied]: z.optional(z.number()),
});

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async record(batch: UsageBatch): Promise<void> {
    for (let part = 0; part * COUNTS_PER_TRANSACTION < batch.counts.length; part += 1) {
      const counts = batch.counts.slice(part * COUNTS_PER_TRANSACTION, (part + 1) * COUNTS_PER_TRANSACTION);
      const marker = {
        Put: {
          TableName: this.table,
          Item: {
            [ITEM.token_id]: markerKey(batch.id, part),
            [ITEM.date]: '#',
            [ITEM.ttl]: Math.floor(this.now() / 1000) + MARKER_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': ITEM.token_id },
        },
      };
      const updates = counts.map((count) => ({
        Update: {
          TableName: this.table,
          Key: { [ITEM.token_id]: count.tokenId, [ITEM.date]: count.date },
          UpdateExpression: 'ADD #requests :requests, #denied :denied SET #ttl = :ttl',
          ExpressionAttributeNames: { '#requests': ITEM.requests, '#denied': ITEM.denied, '#ttl': ITEM.ttl },
          ExpressionAttributeValues: {
            ':requests': count.requests,
            ':denied': count.denied,
            // The day's end plus the retention: every day a read may ask for is still there.
            ':ttl': Date.parse(`${count.date}T00:00:00Z`) / 1000 + (USAGE_RETENTION_DAYS + 1) * DAY_SECONDS,
          },
        },
      }));
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: [marker, ...updates] }));
      } catch (error) {
        if (!alreadyApplied(error)) throw error;
      }
    }
  }

  async days(tokenId: string, from: string, to: string): Promise<UsageDay[]> {
    const days: UsageDay[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        KeyConditionExpression: '#id = :id AND #date BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#id': ITEM.token_id, '#date': ITEM.date },
        ExpressionAttributeValues: { ':id': tokenId, ':from': from, ':to': to },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const row = z.parse(daySchema, item);
        days.push({ date: row.date, requests: row.requests, denied: row.denied ?? 0 });
      }
    }
    return days;
  }

  async usedSince(tokenId: string, from: string): Promise<boolean> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#id = :id AND #date >= :from',
        ExpressionAttributeNames: { '#id': ITEM.token_id, '#date': ITEM.date },
        ExpressionAttributeValues: { ':id': tokenId, ':from': from },
        Limit: 1,
      }),
    );
    return (page.Items ?? []).length > 0;
  }
}

/** The transaction was cancelled because its marker is there already (and for no other reason). */
function alreadyApplied(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return codes[0] === 'ConditionalCheckFailed' && codes.slice(1).every((code) => code === 'None');
}
