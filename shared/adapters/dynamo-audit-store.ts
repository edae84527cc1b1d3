// The audit store on DynamoDB (table layout: AUDIT_TABLE in shared/spec/tables.ts).
//
// A query reads the index of its most selective filter (token, then actor, then type, else all
// events) newest first, with a time range as the sort key condition; the other filters are filter
// expressions. The cursor is the sort key (`<time>#<stream sequence>#<id>`, unique) of the last event
// returned, so the next page resumes just after it, whatever was recorded meanwhile.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditQuery, type AuditStore } from '#domain/audit';
import { decodeCursor, encodeCursor, isSortKeyValue } from '#domain/list-cursor';
import { principalOf } from '#domain/token';
import type { ListPage } from '#domain/token-store';
import { AUDIT_INDEXES, AUDIT_TABLE, AUDIT_ATTRIBUTES as ITEM } from '#spec/tables';

const DAY_SECONDS = 86_400;
const ALL_PARTITION = 'audit';
/** Reads one listing may make when filter expressions leave few matches, before it returns a short page. */
const MAX_READS_PER_PAGE = 10;

type AuditIndex = (typeof AUDIT_INDEXES)[keyof typeof AUDIT_INDEXES];
type IndexName = AuditIndex['name'];
/** The sort key of every audit index. */
const TIME_SK = AUDIT_INDEXES.byTime.sortKey.name;

const itemSchema = z.object({
  [ITEM.id]: z.string(),
  [ITEM.time]: z.string(),
  [ITEM.type]: z.enum(AUDIT_EVENT_TYPES),
  [ITEM.token_id]: z.string(),
  [ITEM.actor_type]: z.enum(['token', 'user', 'iam', 'system']),
  [ITEM.actor_id]: z.string(),
  [ITEM.details]: z.record(z.string(), z.unknown()),
});

function toEvent(item: Record<string, unknown>): AuditEvent {
  const row = z.parse(itemSchema, item);
  return {
    id: row.id,
    time: row.time,
    type: row.type,
    token_id: row.token_id,
    actor: { type: row.actor_type, id: row.actor_id },
    details: row.details,
  };
}

/** DynamoDB's sequence numbers are up to 40 digits; padded, they sort as numbers. */
const sortKey = (event: Pick<AuditEvent, 'time' | 'id'>, streamSequence = '') =>
  `${event.time}#${streamSequence.padStart(40, '0')}#${event.id}`;

/**
 * A cursor is the index a listing reads and the sort key of its last event: only a position. What is
 * listed comes from the query alone, so a cursor replayed with other filters can neither change the
 * index nor reach another partition; and its position is one DynamoDB accepts as a key condition.
 */
function decodeAuditCursor(raw: string, index: IndexName): string {
  return decodeCursor(
    raw,
    2,
    ([cursorIndex, after]) => (cursorIndex === index && isSortKeyValue(after) ? after : undefined),
    'filters',
  );
}

interface Filter {
  attribute: string;
  value: string;
}

/** The index that serves the query, keyed by its most selective filter; the rest become filter expressions. */
function plan(query: AuditQuery): { index: IndexName; key: Filter; filters: Filter[] } {
  const { byToken, byActor, byType, byTime } = AUDIT_INDEXES;
  const candidates: [AuditIndex, string | undefined][] = [
    [byToken, query.tokenId],
    [byActor, query.actor],
    [byType, query.type],
  ];
  const given = candidates.flatMap(([index, value]): [IndexName, Filter][] =>
    value === undefined ? [] : [[index.name, { attribute: index.partitionKey.name, value }]],
  );
  const [first, ...rest] = given;
  if (!first)
    return {
      index: byTime.name,
      key: { attribute: byTime.partitionKey.name, value: ALL_PARTITION },
      filters: [],
    };
  return { index: first[0], key: first[1], filters: rest.map(([, filter]) => filter) };
}

export interface DynamoAuditStoreOptions {
  tableName: string;
  /** How long an event is kept before TTL removes it. */
  retentionDays: number;
}

export class DynamoAuditStore implements AuditStore {
  private readonly table: string;
  private readonly retentionSeconds: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: DynamoAuditStoreOptions,
  ) {
    this.table = options.tableName;
    this.retentionSeconds = options.retentionDays * DAY_SECONDS;
  }

  async record(event: AuditEvent, streamSequence?: string): Promise<'recorded' | 'duplicate'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            [ITEM.id]: event.id,
            [ITEM.time]: event.time,
            [ITEM.type]: event.type,
            [ITEM.token_id]: event.token_id,
            [ITEM.actor_type]: event.actor.type,
            [ITEM.actor_id]: event.actor.id,
            [AUDIT_INDEXES.byActor.partitionKey.name]: principalOf(event.actor),
            [ITEM.details]: event.details,
            [TIME_SK]: sortKey(event, streamSequence),
            [AUDIT_INDEXES.byTime.partitionKey.name]: ALL_PARTITION,
            [AUDIT_TABLE.ttlAttribute]: Math.floor(Date.parse(event.time) / 1000) + this.retentionSeconds,
          },
          ConditionExpression: `attribute_not_exists(${AUDIT_TABLE.partitionKey.name})`,
        }),
      );
      return 'recorded';
    } catch (error) {
      // The same stream record, delivered again: its event is there already.
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async list(query: AuditQuery): Promise<ListPage<AuditEvent>> {
    const { index, key, filters } = plan(query);
    const after = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor, index);
    // Both bounds exclusive at the top: `until` never equals a `<time>#...` key, `after` is skipped below.
    const upper = [after, query.until].filter((bound) => bound !== undefined).sort()[0];
    const lower = query.since;
    const names: Record<string, string> = { '#pk': key.attribute };
    const values: Record<string, string> = { ':pk': key.value };
    let range = '';
    if (lower !== undefined && upper !== undefined) {
      if (upper <= lower) return { items: [], nextCursor: null };
      range = ' AND #sk BETWEEN :lower AND :upper';
      Object.assign(values, { ':lower': lower, ':upper': upper });
    } else if (upper !== undefined) {
      range = ' AND #sk < :upper';
      values[':upper'] = upper;
    } else if (lower !== undefined) {
      range = ' AND #sk >= :lower';
      values[':lower'] = lower;
    }
    if (range) names['#sk'] = TIME_SK;
    filters.forEach((filter, i) => {
      names[`#f${i}`] = filter.attribute;
      values[`:f${i}`] = filter.value;
    });

    const items: AuditEvent[] = [];
    let start: Record<string, unknown> | undefined;
    for (let reads = 0; reads < MAX_READS_PER_PAGE; reads++) {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: `#pk = :pk${range}`,
          ...(filters.length > 0 && {
            FilterExpression: filters.map((_, i) => `#f${i} = :f${i}`).join(' AND '),
          }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          // One more than needed: the cursor's own event may come first (BETWEEN includes it).
          Limit: filters.length > 0 ? 100 : query.limit - items.length + 1,
          ExclusiveStartKey: start,
        }),
      );
      const rows = (page.Items ?? []).filter((row) => row[TIME_SK] !== after);
      for (const [i, row] of rows.entries()) {
        items.push(toEvent(row));
        if (items.length === query.limit) {
          const more = i < rows.length - 1 || page.LastEvaluatedKey !== undefined;
          return { items, nextCursor: more ? encodeCursor([index, String(row[TIME_SK])]) : null };
        }
      }
      start = page.LastEvaluatedKey;
      if (!start) return { items, nextCursor: null };
    }
    // Many reads found few matches: a short page, and a cursor just after what was read.
    return { items, nextCursor: encodeCursor([index, String(start?.[TIME_SK])]) };
  }
}
