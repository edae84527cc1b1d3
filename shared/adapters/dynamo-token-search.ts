// The search postings (SEARCH_TABLE in shared/spec/tables.ts): written by the token store beside each
// token, read by a search to find the few tokens that may match its query. Every posting is only a
// hint: the lister re-reads each candidate and keeps those whose text holds the query.
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TokenRecord } from '#domain/token';
import { backoffMs, sleep } from '#lib/backoff';
import { SEARCH_ATTRIBUTES as P, TOKEN_ATTRIBUTES as T, TOKEN_INDEXES } from '#spec/tables';

/** Characters of a trigram, counted in code points (a key value cannot hold half a surrogate pair). */
const GRAM = 3;
/**
 * Postings read of each trigram of a query: a trigram with more is too common to narrow the search.
 * It bounds a search's reads (with `MAX_PROBED`) whatever the table's size.
 */
export const POSTINGS_LIMIT = 2_000;
/** Trigrams of one query read at most: spread over it, enough to narrow any real query. */
const MAX_PROBED = 8;
/**
 * Postings one token may write: a token whose text has more distinct trigrams (a description of more
 * than about 100 characters) is posted once, under `LONG_TEXT`, instead of up to ~750 times.
 */
export const MAX_POSTINGS_PER_TOKEN = 128;
/**
 * The posting key of the tokens with long texts. Not a trigram (those are three code points), so it
 * never meets one; every search reads it, as each such token may hold any query.
 */
export const LONG_TEXT = '#long-text';
const BATCH_WRITE = 25;
const RETRY_BASE_MS = 50;
const RETRY_CAP_MS = 1_000;
const LONE_SURROGATE = /\p{Cs}/u;

type Searchable = Pick<TokenRecord, 'description' | 'userEmail'>;

/** The distinct trigrams of one lower-cased text, by code points. */
function gramsOf(text: string): string[] {
  const points = Array.from(text.toLowerCase());
  const grams = new Set<string>();
  for (let i = 0; i + GRAM <= points.length; i++) grams.add(points.slice(i, i + GRAM).join(''));
  return [...grams];
}

/**
 * A token's trigrams: those of its description and of its email, each on its own (a match never
 * spans the two). Every trigram of a query that either field holds is among them.
 */
export function tokenTrigrams(token: Searchable): string[] {
  return [...new Set([...gramsOf(token.description), ...gramsOf(token.userEmail ?? '')])];
}

/**
 * The keys a token is posted under: its trigrams, or `LONG_TEXT` alone when it has more than
 * `MAX_POSTINGS_PER_TOKEN` of them. Either way a search for any part of its text finds it.
 */
export function tokenPostings(token: Searchable): string[] {
  const trigrams = tokenTrigrams(token);
  return trigrams.length > MAX_POSTINGS_PER_TOKEN ? [LONG_TEXT] : trigrams;
}

/**
 * The trigrams a search for `q` reads, at most `MAX_PROBED` spread over it; none when the postings
 * cannot answer it: under three code points, or a lone surrogate (which a stored text never holds,
 * but which can match half of a pair through the substring filter).
 */
export function queryTrigrams(q: string): string[] {
  if (LONE_SURROGATE.test(q)) return [];
  const grams = gramsOf(q);
  if (grams.length <= MAX_PROBED) return grams;
  const step = (grams.length - 1) / (MAX_PROBED - 1);
  return [...new Set(Array.from({ length: MAX_PROBED }, (_, i) => grams[Math.round(i * step)] as string))];
}

/** What a token's postings are written from. */
export interface Posted extends Searchable {
  id: string;
  /** The token's `ttl` when written, if any: DynamoDB may drop the postings then too. */
  ttl?: number | undefined;
}

/** What `follow` reads of a stream image (shared/domain/audit.ts `TokenImage` is one). */
export interface StreamImage {
  id: string;
  description?: string | undefined;
  userEmail: string | null;
}

export class TokenSearchIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /**
   * Writes every posting of each token (idempotent: a posting already there is written again), at
   * most `MAX_POSTINGS_PER_TOKEN` a token. Returns how many.
   */
  async put(tokens: readonly Posted[]): Promise<number> {
    return this.write(
      tokens.flatMap((token) =>
        tokenPostings(token).map((trigram) => ({
          PutRequest: {
            Item: {
              [P.trigram]: trigram,
              [P.id]: token.id,
              ...(token.ttl !== undefined && { [P.ttl]: token.ttl }),
            },
          },
        })),
      ),
    );
  }

  /** Deletes the postings of `trigrams` for the token `id`. */
  async remove(id: string, trigrams: readonly string[]): Promise<void> {
    await this.write(
      trigrams.map((trigram) => ({ DeleteRequest: { Key: { [P.trigram]: trigram, [P.id]: id } } })),
    );
  }

  /**
   * The ids of the tokens that may match `q`: those posted under each of its usable trigrams, and
   * those with long texts (`LONG_TEXT`). Null when no trigram narrows the search (too short a query,
   * or only trigrams with more than `POSTINGS_LIMIT` postings) or the long texts are more than that:
   * the caller reads the list partition instead.
   */
  async candidates(q: string): Promise<string[] | null> {
    const grams = queryTrigrams(q);
    if (grams.length === 0) return null;
    const [long, ...found] = await Promise.all([LONG_TEXT, ...grams].map((key) => this.postings(key)));
    const lists = found.filter((list): list is string[] => list !== null);
    if (lists.length === 0 || long === null || long === undefined) return null;
    lists.sort((a, b) => a.length - b.length);
    const [smallest, ...others] = lists as [string[], ...string[][]];
    const sets = others.map((list) => new Set(list));
    const posted = smallest.filter((id) => sets.every((set) => set.has(id)));
    return [...new Set([...posted, ...long])];
  }

  /** Every id posted under `trigram`, or null if there are more than `POSTINGS_LIMIT`. */
  private async postings(trigram: string): Promise<string[] | null> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#g = :g',
          ExpressionAttributeNames: { '#g': P.trigram, '#id': P.id },
          ExpressionAttributeValues: { ':g': trigram },
          ProjectionExpression: '#id',
          // One more than the limit tells a list that is just full from one that is too long.
          Limit: POSTINGS_LIMIT + 1 - ids.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) ids.push(String(item[P.id]));
      startKey = page.LastEvaluatedKey;
    } while (startKey && ids.length <= POSTINGS_LIMIT);
    return ids.length > POSTINGS_LIMIT ? null : ids;
  }

  /**
   * Repairs the postings from a change of the tokens table's stream, idempotently: a token created or
   * whose text changed is posted again (a crash between the token's write and its postings' leaves
   * none), a deleted one (by a delete or by TTL) unposted. Other changes (a use, a revocation) leave
   * the text as it was. Images without a description are not tokens (the bootstrap claim).
   */
  async follow(
    eventName: string,
    oldImage: StreamImage | undefined,
    newImage: StreamImage | undefined,
  ): Promise<void> {
    if (eventName === 'REMOVE') {
      if (oldImage?.description !== undefined) {
        await this.remove(oldImage.id, tokenPostings({ ...oldImage, description: oldImage.description }));
      }
      return;
    }
    if (newImage?.description === undefined) return;
    const changed =
      eventName === 'INSERT' ||
      oldImage?.description !== newImage.description ||
      oldImage.userEmail !== newImage.userEmail;
    if (changed) await this.put([{ ...newImage, description: newImage.description }]);
  }

  /**
   * Posts every token of the tokens table's list partition: for a search table added beside tokens
   * written before it (an older local data folder). Idempotent.
   */
  async backfill(tokensTable: string, listPartition: string): Promise<number> {
    const { name: index, partitionKey } = TOKEN_INDEXES.byCreated;
    let count = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: tokensTable,
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: {
          '#pk': partitionKey.name,
          '#id': T.id,
          '#d': T.description,
          '#e': T.user_email,
          '#ttl': T.ttl,
        },
        ExpressionAttributeValues: { ':pk': listPartition },
        ProjectionExpression: '#id, #d, #e, #ttl',
      },
    );
    for await (const page of pages) {
      const tokens = (page.Items ?? []).map((item) => ({
        id: String(item[T.id]),
        description: typeof item[T.description] === 'string' ? item[T.description] : '',
        userEmail: typeof item[T.user_email] === 'string' ? item[T.user_email] : null,
        ttl: typeof item[T.ttl] === 'number' ? item[T.ttl] : undefined,
      }));
      await this.put(tokens);
      count += tokens.length;
    }
    return count;
  }

  /** BatchWriteItem in chunks of 25, retrying what DynamoDB leaves unprocessed, with backoff. */
  private async write(requests: readonly Record<string, unknown>[]): Promise<number> {
    const chunks: Record<string, unknown>[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_WRITE) {
      chunks.push(requests.slice(start, start + BATCH_WRITE));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Record<string, unknown>[] | undefined = chunk;
        for (let attempt = 0; pending && pending.length > 0; attempt++) {
          if (attempt > 0) await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
          const input: BatchWriteCommandInput = {
            RequestItems: {
              [this.table]: pending as NonNullable<BatchWriteCommandInput['RequestItems']>[string],
            },
          };
          const { UnprocessedItems } = await this.client.send(new BatchWriteCommand(input));
          pending = UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined;
        }
      }),
    );
    return requests.length;
  }
}
