// The expiry-warning scan's view of the tokens table: a Query of the expiry index over the warning
// window (never a Scan: it reads only the tokens expiring within the window), and the two conditional
// writes that record a warning and its event on the token item.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ExpiringToken, ExpiryWarningStore, WarningWindow } from '#domain/expiry-warning';
import type { Stamp } from '#domain/token-store';
import { TOKEN_ATTRIBUTES as A, TOKEN_INDEXES } from '#spec/tables';
import { EXPIRING_TOKEN_ATTRIBUTES, itemToExpiringToken, LIST_PARTITION, stampToItem } from './token-item';

const BY_EXPIRY = TOKEN_INDEXES.byExpiry;

/**
 * Live tokens, not rotated ones. Whether a token's warning is already out is `warningDue`'s to
 * decide: a Query's filter cannot compare the index's own sort key (`expires_at`) with
 * `expiry_published_for`.
 */
const LIVE = `attribute_not_exists(${A.revoked_at}) AND attribute_not_exists(${A.rotated_to})`;

export interface DynamoExpiryStoreOptions {
  tableName: string;
  /** Items read per Query page, and so warnings recorded at once. @default 100 */
  pageSize?: number;
}

export class DynamoExpiryStore implements ExpiryWarningStore {
  private readonly table: string;
  private readonly pageSize: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: DynamoExpiryStoreOptions,
  ) {
    this.table = options.tableName;
    this.pageSize = options.pageSize ?? 100;
  }

  async *expiring(window: WarningWindow): AsyncIterable<ExpiringToken[]> {
    const pages = paginateQuery(
      { client: this.client, pageSize: this.pageSize },
      {
        TableName: this.table,
        IndexName: BY_EXPIRY.name,
        KeyConditionExpression: `${BY_EXPIRY.partitionKey.name} = :pk AND ${BY_EXPIRY.sortKey.name} BETWEEN :from AND :to`,
        FilterExpression: LIVE,
        ProjectionExpression: EXPIRING_TOKEN_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(
          EXPIRING_TOKEN_ATTRIBUTES.map((name, i) => [`#a${i}`, name]),
        ),
        ExpressionAttributeValues: { ':pk': LIST_PARTITION, ':from': window.from, ':to': window.to },
      },
    );
    for await (const page of pages) {
      const items = page.Items ?? [];
      if (items.length > 0) yield items.map(itemToExpiringToken);
    }
  }

  async recordWarning(token: ExpiringToken, stamp: Stamp): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: token.id },
          UpdateExpression: `SET ${A.expiry_warned_for} = :expires, ${A.stamp} = :stamp`,
          ConditionExpression:
            `${A.expires_at} = :expires AND attribute_not_exists(${A.revoked_at}) AND ` +
            `attribute_not_exists(${A.rotated_to}) AND ` +
            `(attribute_not_exists(${A.expiry_warned_for}) OR ${A.expiry_warned_for} <> :expires)`,
          ExpressionAttributeValues: { ':expires': token.expiresAt, ':stamp': stampToItem(stamp) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordPublished(token: ExpiringToken): Promise<void> {
    try {
      // No stamp: this write is not an audit event (shared/domain/audit.ts ignores it).
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: token.id },
          UpdateExpression: `SET ${A.expiry_published_for} = :expires`,
          ConditionExpression: `${A.expires_at} = :expires`,
          ExpressionAttributeValues: { ':expires': token.expiresAt },
        }),
      );
    } catch (error) {
      // The expiry changed since (or the token went): the new expiry is owed its own warning.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
