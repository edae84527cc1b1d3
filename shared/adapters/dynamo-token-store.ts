// The token store on DynamoDB (table layout: shared/spec/tables.ts).
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#domain/errors';
import { principalOf, type TokenKind, type TokenRecord } from '#domain/token';
import type {
  Credential,
  ListPage,
  ListQuery,
  Rotation,
  Stamp,
  TokenChanges,
  TokenStore,
} from '#domain/token-store';
import { backoffMs, sleep } from '#lib/backoff';
import { TOKEN_ATTRIBUTES as A, BOOTSTRAP_CLAIM_ID, TOKEN_INDEXES } from '#spec/tables';
import { DynamoTokenLister } from './dynamo-token-lister';
import { TokenSearchIndex, tokenPostings } from './dynamo-token-search';
import {
  CREDENTIAL_ATTRIBUTES,
  itemToCredential,
  itemToRecord,
  LIST_PARTITION,
  recordToItem,
  searchText,
  sortKeys,
  stampToItem,
  ttlAfter,
} from './token-item';

const BY_CREATED = TOKEN_INDEXES.byCreated;
/** The live tokens (`A#`) of the list index, by creation time. */
const LIVE_BY_CREATED = `${BY_CREATED.partitionKey.name} = :pk AND begins_with(${BY_CREATED.sortKey.name}, :live)`;
const DAY_SECONDS = 86_400;
/** Tries of a bootstrap transaction that DynamoDB cancelled for a concurrent transaction on its items. */
const BOOTSTRAP_TRIES = 5;
/** Tries of a delete whose stamp another write (not a delete) replaced before the item went. */
const REMOVE_TRIES = 5;
/** Tries of a rotation that DynamoDB cancelled for a concurrent transaction on its items. */
const ROTATE_TRIES = 5;
/** Tries of an edit whose token was revoked or renamed between its read and its write. */
const UPDATE_TRIES = 3;
/** Backoff of the store's retries (a contended bootstrap, unprocessed batch keys). */
const RETRY_BASE_MS = 50;
const RETRY_CAP_MS = 1_000;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/** Why DynamoDB cancelled a transaction: one code per item, `None` for those that were not the cause. */
function cancellationCodes(error: unknown): string[] | null {
  if (!(error instanceof TransactionCanceledException)) return null;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

export interface DynamoTokenStoreOptions {
  tableName: string;
  /** How long a revoked or expired token stays listable before TTL removes it. */
  retentionDays: number;
  /**
   * The search postings table (SEARCH_TABLE): the store posts each token it writes there, and a
   * search reads them. Without it, the store writes no postings and a search reads the list partition.
   */
  searchTableName?: string | undefined;
  /**
   * Told when a token's write committed but its search postings could not follow (a throttled or
   * unreachable search table). The write stands and the audit stream consumer posts the token again
   * from the table's stream; this is for the log.
   */
  onPostingsDeferred?: ((tokenId: string, error: unknown) => void) | undefined;
}

export class DynamoTokenStore implements TokenStore {
  private readonly table: string;
  private readonly retentionSeconds: number;
  private readonly lister: DynamoTokenLister;
  private readonly search: TokenSearchIndex | undefined;
  private readonly onPostingsDeferred: (tokenId: string, error: unknown) => void;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: DynamoTokenStoreOptions,
  ) {
    this.table = options.tableName;
    this.retentionSeconds = options.retentionDays * DAY_SECONDS;
    this.search = options.searchTableName ? new TokenSearchIndex(client, options.searchTableName) : undefined;
    this.onPostingsDeferred = options.onPostingsDeferred ?? (() => undefined);
    this.lister = new DynamoTokenLister(client, this.table, LIST_PARTITION, this.search);
  }

  /**
   * Brings the search postings in step after a token write that has committed. The write stands
   * whatever happens here: its caller may already hold the token's secret, and a create or rotation
   * answered with an error would be retried into a second token. A failure (or a crash in between) is
   * left to the audit stream consumer, which posts every written token again from the table's stream
   * (functions/audit/consumer.ts).
   */
  private async followWrite(tokenId: string, postings: () => Promise<void>): Promise<void> {
    try {
      await postings();
    } catch (error) {
      this.onPostingsDeferred(tokenId, error);
    }
  }

  /** Posts a token just written: after the token item, so a posting never names a token that was not written. */
  private async post(record: TokenRecord): Promise<void> {
    await this.search?.put([
      {
        ...record,
        ttl: record.expiresAt ? ttlAfter(record.expiresAt, this.retentionSeconds) : undefined,
      },
    ]);
  }

  async insert(record: TokenRecord, stamp: Stamp): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: recordToItem(record, stamp, this.retentionSeconds),
          ConditionExpression: `attribute_not_exists(${A.id})`,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Token ${record.id} already exists`);
      throw error;
    }
    await this.followWrite(record.id, () => this.post(record));
  }

  async insertBootstrapAdmin(record: TokenRecord, stamp: Stamp, now: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { Item: claim } = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { id: BOOTSTRAP_CLAIM_ID }, ConsistentRead: true }),
      );
      const previous = typeof claim?.admin_id === 'string' ? claim.admin_id : null;
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              // The claim moves to the new token only from where we read it: absent, or on a token that
              // no longer works (the check below). Whoever moves it first wins; the others fail here.
              {
                Put: {
                  TableName: this.table,
                  Item: { id: BOOTSTRAP_CLAIM_ID, admin_id: record.id, at: stamp.at },
                  ...(previous === null
                    ? { ConditionExpression: `attribute_not_exists(${A.id})` }
                    : {
                        ConditionExpression: 'admin_id = :previous',
                        ExpressionAttributeValues: { ':previous': previous },
                      }),
                },
              },
              ...(previous === null
                ? []
                : [
                    {
                      ConditionCheck: {
                        TableName: this.table,
                        Key: { id: previous },
                        ConditionExpression: `attribute_not_exists(${A.id}) OR attribute_exists(${A.revoked_at}) OR ${A.expires_at} <= :now`,
                        ExpressionAttributeValues: { ':now': now.toISOString() },
                      },
                    },
                  ]),
              {
                Put: {
                  TableName: this.table,
                  Item: recordToItem(record, stamp, this.retentionSeconds),
                  ConditionExpression: `attribute_not_exists(${A.id})`,
                },
              },
            ],
          }),
        );
        await this.followWrite(record.id, () => this.post(record));
        return;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === null) throw error;
        // The reasons come in the order of TransactItems: the claim, then the check on the previous token.
        const [claimCode, previousCode] = codes;
        if (claimCode === 'ConditionalCheckFailed') {
          throw new ConflictError('another bootstrap has just made one');
        }
        if (previous !== null && previousCode === 'ConditionalCheckFailed') {
          throw new ConflictError(`token ${previous}, made by an earlier bootstrap`);
        }
        if (codes.includes('ConditionalCheckFailed')) {
          throw new ConflictError(`Token ${record.id} already exists`);
        }
        // Cancelled because another transaction was working on the same items: read and try again.
        if (!codes.includes('TransactionConflict') || attempt >= BOOTSTRAP_TRIES) throw error;
        await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
      }
    }
  }

  async get(id: string): Promise<TokenRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? itemToRecord(Item) : null;
  }

  /** The token as it is now, for a change that needs it: an unknown id is a 404 naming `id`. */
  private async existing(id: string): Promise<TokenRecord> {
    const record = await this.get(id);
    if (!record) throw new NotFoundError(`No token with id ${id}`, 'id');
    return record;
  }

  async getCredentials(ids: readonly string[]): Promise<Credential[]> {
    const credentials: Credential[] = [];
    for (let start = 0; start < ids.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(start, start + 100).map((id) => ({ id }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
        const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: CREDENTIAL_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(
                  CREDENTIAL_ATTRIBUTES.map((name, i) => [`#a${i}`, name]),
                ),
              },
            },
          }),
        );
        credentials.push(...(Responses?.[this.table] ?? []).map(itemToCredential));
        keys = UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return credentials;
  }

  async list(query: ListQuery, now: Date): Promise<ListPage<TokenRecord>> {
    const page = await this.lister.list(query, now);
    return { items: page.items.map(itemToRecord), nextCursor: page.nextCursor };
  }

  async update(id: string, changes: TokenChanges, stamp: Stamp): Promise<TokenRecord> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.existing(id);
      const updated = { ...current, ...changes };
      const sets = [`${A.search_text} = :text`, `${A.stamp} = :stamp`];
      const removes: string[] = [];
      const values: Record<string, unknown> = { ':text': searchText(updated), ':stamp': stampToItem(stamp) };
      let condition = `attribute_exists(${A.id})`;
      if (changes.userEmail === null) removes.push(A.user_email);
      if (changes.userEmail != null) {
        sets.push(`${A.user_email} = :email`);
        values[':email'] = changes.userEmail;
      }
      if (changes.description !== undefined) {
        // The name index's key holds the description under the state the token was read in (`A#`
        // live, `R#` revoked): the write holds only while both are as read, so a revocation or
        // another edit in between is read again rather than undone.
        const state = current.revokedAt === null ? 'A' : 'R';
        sets.push(`${A.description} = :description`, `${A.name_sk} = :nsk`);
        values[':description'] = changes.description;
        values[':nsk'] = sortKeys(updated, state).name_sk;
        values[':read'] = current.description;
        values[':readKey'] = sortKeys(current, state).name_sk;
        condition += ` AND ${A.description} = :read AND ${A.name_sk} = :readKey`;
      }
      try {
        // No ReturnValues ALL_NEW: the function's UpdateItem grant reads no attribute beyond those it sets.
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (error) {
        // Revoked or renamed meanwhile: read it again and write on what it is now.
        if (isConditionFailure(error) && attempt < UPDATE_TRIES) continue;
        if (isConditionFailure(error)) throw new ConflictError(`Token ${id} kept changing: try again`);
        throw error;
      }
      await this.followWrite(id, () => this.repost(current, updated));
      return updated;
    }
  }

  /**
   * Moves a token's postings from its text as read to its text as written: posts the new trigrams,
   * drops those only the old text had, then posts the token as it is now once more, so that a
   * concurrent email change whose drops land after our posts cannot leave the final text unposted.
   */
  private async repost(before: TokenRecord, after: TokenRecord): Promise<void> {
    if (!this.search) return;
    await this.post(after);
    const kept = new Set(tokenPostings(after));
    const dropped = tokenPostings(before).filter((trigram) => !kept.has(trigram));
    if (dropped.length === 0) return;
    await this.search.remove(before.id, dropped);
    const now = await this.get(before.id);
    if (now) await this.post(now);
  }

  /** The update that revokes `record` (as read), on `condition`: `revoke`'s, and a rotation's of the successor it replaces. */
  private revokeUpdate(
    record: TokenRecord,
    stamp: Stamp,
    condition: string,
    values: Record<string, unknown> = {},
  ) {
    return {
      TableName: this.table,
      Key: { id: record.id },
      UpdateExpression:
        `SET ${A.revoked_at} = :at, ${A.revoked_by} = :by, #ttl = :ttl, ${A.created_sk} = :csk, ` +
        `${A.name_sk} = :nsk, ${A.stamp} = :stamp`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#ttl': A.ttl },
      ExpressionAttributeValues: {
        ...values,
        ':at': stamp.at,
        ':by': principalOf(stamp.actor),
        ':ttl': ttlAfter(stamp.at, this.retentionSeconds),
        ':csk': sortKeys(record, 'R').created_sk,
        ':nsk': sortKeys(record, 'R').name_sk,
        ':stamp': stampToItem(stamp),
      },
    };
  }

  async rotate(rotation: Rotation, stamp: Stamp): Promise<TokenRecord> {
    const { previous, previousExpiresAt, successor, replacing, now } = rotation;
    // The old token, only as it was read: unrevoked, unexpired, its expiry and its link unchanged.
    const expiryAsRead =
      previous.expiresAt === null
        ? `attribute_not_exists(${A.expires_at})`
        : `${A.expires_at} = :readExpiry AND ${A.expires_at} > :now`;
    const linkAsRead =
      previous.rotatedTo === null ? `attribute_not_exists(${A.rotated_to})` : `${A.rotated_to} = :readLink`;
    const transactItems = [
      {
        Update: {
          TableName: this.table,
          Key: { id: previous.id },
          UpdateExpression: `SET ${A.expires_at} = :expiry, #ttl = :ttl, ${A.rotated_to} = :to, ${A.stamp} = :stamp`,
          ConditionExpression: `attribute_exists(${A.id}) AND attribute_not_exists(${A.revoked_at}) AND ${expiryAsRead} AND ${linkAsRead}`,
          ExpressionAttributeNames: { '#ttl': A.ttl },
          ExpressionAttributeValues: {
            ':expiry': previousExpiresAt,
            ':ttl': ttlAfter(previousExpiresAt, this.retentionSeconds),
            ':to': successor.id,
            ':stamp': stampToItem(stamp),
            ...(previous.expiresAt !== null && {
              ':readExpiry': previous.expiresAt,
              ':now': now.toISOString(),
            }),
            ...(previous.rotatedTo !== null && { ':readLink': previous.rotatedTo }),
          },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: recordToItem(successor, { ...stamp, op: 'create' }, this.retentionSeconds),
          ConditionExpression: `attribute_not_exists(${A.id})`,
        },
      },
      // A successor nobody received is revoked with the rotation that replaces it, if it still works.
      ...(replacing !== undefined && replacing.revokedAt === null
        ? [
            {
              Update: this.revokeUpdate(
                replacing,
                { ...stamp, op: 'revoke' },
                `attribute_exists(${A.id}) AND attribute_not_exists(${A.revoked_at}) AND ` +
                  `attribute_not_exists(${A.rotated_to}) AND ${A.rotated_from} = :from`,
                { ':from': previous.id },
              ),
            },
          ]
        : []),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: transactItems }));
        await this.followWrite(successor.id, () => this.post(successor));
        return { ...previous, expiresAt: previousExpiresAt, rotatedTo: successor.id };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === null) throw error;
        // Another rotation (or a revoke) won: the conditions on what was read no longer hold.
        if (codes.includes('ConditionalCheckFailed')) {
          throw new ConflictError(
            `Token ${previous.id} changed while being rotated (rotated, revoked or expired meanwhile); nothing changed`,
          );
        }
        // Cancelled because another transaction was working on the same items: the same write again,
        // still conditioned on what was read, either wins or finds what the other one did.
        if (!codes.includes('TransactionConflict')) throw error;
        if (attempt >= ROTATE_TRIES) {
          throw new ConflictError(`Token ${previous.id} is being changed by another request; try again`);
        }
        await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
      }
    }
  }

  async listLive(kind?: TokenKind): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        IndexName: BY_CREATED.name,
        KeyConditionExpression: LIVE_BY_CREATED,
        ScanIndexForward: false,
        ...(kind
          ? {
              FilterExpression: '#kind = :kind',
              ExpressionAttributeNames: { '#kind': A.kind },
              ExpressionAttributeValues: { ':pk': LIST_PARTITION, ':live': 'A#', ':kind': kind },
            }
          : { ExpressionAttributeValues: { ':pk': LIST_PARTITION, ':live': 'A#' } }),
      },
    );
    for await (const page of pages) records.push(...(page.Items ?? []).map(itemToRecord));
    return records;
  }

  async revoke(id: string, stamp: Stamp): Promise<TokenRecord> {
    const current = await this.existing(id);
    if (current.revokedAt !== null) return current;
    const revokedBy = principalOf(stamp.actor);
    try {
      // No ReturnValues ALL_NEW: the function's UpdateItem grant reads no attribute beyond those it sets.
      await this.client.send(
        new UpdateCommand(
          this.revokeUpdate(
            current,
            stamp,
            `attribute_exists(${A.id}) AND attribute_not_exists(${A.revoked_at})`,
          ),
        ),
      );
      return { ...current, revokedAt: stamp.at, revokedBy };
    } catch (error) {
      // Someone revoked (or deleted) it between our read and our write: theirs stands.
      if (!isConditionFailure(error)) throw error;
      return this.existing(id);
    }
  }

  async remove(id: string, stamp: Stamp): Promise<void> {
    // Stamp first, so the stream's REMOVE record carries (in its old image) who deleted it.
    const record = await this.revoke(id, { ...stamp, op: 'revoke' });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id },
            UpdateExpression: `SET ${A.stamp} = :stamp`,
            ConditionExpression: `attribute_exists(${A.id})`,
            ExpressionAttributeValues: { ':stamp': stampToItem(stamp) },
          }),
        );
        // Any delete stamp will do: concurrent deletes of one token overwrite each other's, and the
        // REMOVE is then attributed to one of them. Only a write of another kind in between (an email
        // edit, a last use) must not end up in the REMOVE's old image.
        await this.client.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { id },
            ConditionExpression: `${A.stamp}.#op = :delete`,
            ExpressionAttributeNames: { '#op': 'op' },
            ExpressionAttributeValues: { ':delete': 'delete' },
          }),
        );
        await this.followWrite(id, () => this.unpost(record));
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Gone already (a concurrent delete did what we came to do), or restamped by another writer.
        if (!(await this.get(id))) return this.followWrite(id, () => this.unpost(record));
        if (attempt >= REMOVE_TRIES)
          throw new ConflictError(`Token ${id} changed while being deleted; try again`);
      }
    }
  }

  /**
   * Drops a deleted token's postings (as it was read before the delete; the audit stream consumer drops
   * those of the deleted item's last image too, and a posting left over only costs a search a read).
   */
  private async unpost(record: TokenRecord): Promise<void> {
    await this.search?.remove(record.id, tokenPostings(record));
  }

  async hasActiveAdmin(now: Date): Promise<boolean> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        IndexName: BY_CREATED.name,
        KeyConditionExpression: LIVE_BY_CREATED,
        FilterExpression:
          `contains(${A.scope_names}, :admin) AND ` +
          `(attribute_not_exists(${A.expires_at}) OR ${A.expires_at} > :now)`,
        ExpressionAttributeValues: {
          ':pk': LIST_PARTITION,
          ':live': 'A#',
          ':admin': 'global:admin',
          ':now': now.toISOString(),
        },
        ProjectionExpression: A.id,
      },
    );
    for await (const page of pages) if ((page.Items ?? []).length > 0) return true;
    return false;
  }
}
