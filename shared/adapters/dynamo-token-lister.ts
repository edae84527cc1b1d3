// Listing tokens from the list indexes (shared/spec/tables.ts) without scanning the table.
//
// Every token sits in one index partition, its sort key prefixed `A#` while live and `R#` once
// revoked. "Active first" is then two phases: the active tokens are the `A#` entries not yet
// expired; the inactive ones merge two sorted streams, the expired `A#` entries and the `R#` ones.
// The cursor is the sort key (less its prefix) of the last token returned, which is unique, so a
// page resumes exactly after it: tokens created meanwhile never repeat or push others out of sight.
//
// A search (`q`) whose trigrams narrow it (shared/adapters/dynamo-token-search.ts) reads only the
// tokens posted under them instead, and orders and pages them here the same way, with the same
// cursor: a page of either kind goes on in the other.
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '#domain/list-cursor';
import type { TokenStatus } from '#domain/token';
import type { ListPage, ListQuery, ListSort } from '#domain/token-store';
import { backoffMs, sleep } from '#lib/backoff';
import { TOKEN_ATTRIBUTES as ITEM, TOKEN_INDEXES } from '#spec/tables';
import type { TokenSearchIndex } from './dynamo-token-search';

type Item = Record<string, unknown>;

/** The list index of each order. */
const INDEXES = { created: TOKEN_INDEXES.byCreated, name: TOKEN_INDEXES.byName } as const;

interface Stream {
  prefix: 'A#' | 'R#';
  /** Extra filter for this stream: which of the `A#` entries it keeps. */
  filter?: string;
}

const NEVER_EXPIRES = `attribute_not_exists(${ITEM.expires_at})`;
const NOT_YET_EXPIRED = `${ITEM.expires_at} > :now`;
const EXPIRED_BY_NOW = `${ITEM.expires_at} <= :now`;

const ACTIVE: Stream = { prefix: 'A#', filter: `(${NEVER_EXPIRES} OR ${NOT_YET_EXPIRED})` };
const EXPIRED: Stream = { prefix: 'A#', filter: EXPIRED_BY_NOW };
const REVOKED: Stream = { prefix: 'R#' };

/** Which streams serve each phase: 1 = active, 2 = inactive (merged). */
function phasesFor(status: TokenStatus | undefined): Stream[][] {
  switch (status) {
    case 'active':
      return [[ACTIVE]];
    case 'expired':
      return [[EXPIRED]];
    case 'revoked':
      return [[REVOKED]];
    default:
      return [[ACTIVE], [EXPIRED, REVOKED]];
  }
}

interface Cursor {
  sort: ListSort;
  phase: number;
  after: string | null;
}

function encodeListCursor(cursor: Cursor): string {
  return encodeCursor([cursor.sort, cursor.phase, cursor.after]);
}

/** DynamoDB refuses sort keys over 1024 bytes: the cursor's part, after its 2-byte prefix, must fit. */
const MAX_AFTER_BYTES = 1000;

function decodeListCursor(raw: string, sort: ListSort, phaseCount: number): Cursor {
  return decodeCursor(
    raw,
    3,
    ([cursorSort, phase, after]) =>
      cursorSort === sort &&
      typeof phase === 'number' &&
      Number.isInteger(phase) &&
      phase >= 0 &&
      phase < phaseCount &&
      (after === null || (typeof after === 'string' && Buffer.byteLength(after) <= MAX_AFTER_BYTES))
        ? { sort, phase, after }
        : undefined,
    'sort',
  );
}

/** The least string above every key that begins with `prefix` (`A#` gives `A$`), whatever follows. */
function pastPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * What `q` matches: the description or the user email, case-insensitively; never the id. The query's
 * `contains(search_text, :q)` only narrows the read: tokens stored before this rule carry a
 * `search_text` that holds their id too, and the joined text can match across the two fields.
 */
function searchMatches(item: Item, q: string): boolean {
  return [item[ITEM.description], item[ITEM.user_email]].some(
    (field) => typeof field === 'string' && field.toLowerCase().includes(q),
  );
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The stream of the list index an item is in, at `now`: what its phase is decided by. */
function streamOf(item: Item, now: Date): Stream {
  if (item[ITEM.revoked_at] !== undefined) return REVOKED;
  const expiresAt = item[ITEM.expires_at];
  return typeof expiresAt === 'string' && expiresAt <= now.toISOString() ? EXPIRED : ACTIVE;
}

/** The query's filters besides the status (which `phasesFor` handles), as the index reads apply them. */
function passesFilters(item: Item, query: ListQuery, q: string, now: Date): boolean {
  if (!searchMatches(item, q)) return false;
  if (query.kind && item[ITEM.kind] !== query.kind) return false;
  const expiresAt = item[ITEM.expires_at];
  const hasExpiry = typeof expiresAt === 'string';
  if (query.expiration === 'never') return !hasExpiry;
  if (query.expiration === 'has_expiration') return hasExpiry && expiresAt > now.toISOString();
  if (query.expiration === 'expired') return hasExpiry && expiresAt <= now.toISOString();
  return true;
}

/** Keys of one BatchGetItem at most. */
const BATCH_GET = 100;
const RETRY_BASE_MS = 50;
const RETRY_CAP_MS = 1_000;

export class DynamoTokenLister {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly partition: string,
    /** The search postings; without them, a search reads the list partition. */
    private readonly search?: TokenSearchIndex,
  ) {}

  async list(query: ListQuery, now: Date): Promise<ListPage<Item>> {
    const phases = phasesFor(query.status);
    let cursor: Cursor = query.cursor
      ? decodeListCursor(query.cursor, query.sort, phases.length)
      : { sort: query.sort, phase: 0, after: null };
    if (query.q && this.search) {
      const candidates = await this.search.candidates(query.q.toLowerCase());
      if (candidates !== null) return this.listCandidates(candidates, query, cursor, phases, now);
    }
    const index = query.sort === 'newest' || query.sort === 'oldest' ? 'created' : 'name';
    const forward = query.sort === 'oldest' || query.sort === 'name_asc';
    const items: Item[] = [];

    while (cursor.phase < phases.length && items.length < query.limit) {
      const streams = phases[cursor.phase] ?? [];
      const want = query.limit - items.length;
      const reads = await Promise.all(
        streams.map((stream) => this.read(stream, index, forward, cursor.after, want, query, now)),
      );
      const merged = reads
        .flatMap((read) => read.entries)
        .sort((a, b) => (forward ? 1 : -1) * byteOrder(a.suffix, b.suffix));
      const taken = merged.slice(0, want);
      items.push(...taken.map((entry) => entry.item));
      const more = merged.length > want || reads.some((read) => !read.exhausted);
      const last = taken.at(-1);
      cursor = more
        ? { sort: query.sort, phase: cursor.phase, after: last ? last.suffix : cursor.after }
        : { sort: query.sort, phase: cursor.phase + 1, after: null };
    }
    const nextCursor = cursor.phase < phases.length ? encodeListCursor(cursor) : null;
    return { items, nextCursor };
  }

  /**
   * A page of the tokens among `ids` that match the query, ordered as the list indexes order them
   * (phase, then the index's sort key less its prefix), after the cursor.
   */
  private async listCandidates(
    ids: readonly string[],
    query: ListQuery,
    cursor: Cursor,
    phases: Stream[][],
    now: Date,
  ): Promise<ListPage<Item>> {
    const sortKey = INDEXES[query.sort === 'newest' || query.sort === 'oldest' ? 'created' : 'name'].sortKey;
    const direction = query.sort === 'oldest' || query.sort === 'name_asc' ? 1 : -1;
    const q = (query.q ?? '').toLowerCase();
    const entries = (await this.getItems(ids))
      .filter((item) => passesFilters(item, query, q, now))
      .map((item) => {
        const stream = streamOf(item, now);
        return {
          item,
          phase: phases.findIndex((phase) => phase.includes(stream)),
          suffix: String(item[sortKey.name]).slice(stream.prefix.length),
        };
      })
      // Not in any phase of the query's status (-1), or before the cursor: left out.
      .filter(
        (entry) =>
          (entry.phase >= 0 && entry.phase > cursor.phase) ||
          (entry.phase === cursor.phase &&
            (cursor.after === null || direction * byteOrder(entry.suffix, cursor.after) > 0)),
      )
      .sort((a, b) => a.phase - b.phase || direction * byteOrder(a.suffix, b.suffix));
    const page = entries.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((entry) => entry.item),
      nextCursor:
        last && entries.length > page.length
          ? encodeListCursor({ sort: query.sort, phase: last.phase, after: last.suffix })
          : null,
    };
  }

  /** The token items of `ids` that exist (a posting may outlive its token). */
  private async getItems(ids: readonly string[]): Promise<Item[]> {
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += BATCH_GET)
      chunks.push(ids.slice(start, start + BATCH_GET));
    const found = await Promise.all(
      chunks.map(async (chunk) => {
        const items: Item[] = [];
        let keys: Record<string, unknown>[] | undefined = chunk.map((id) => ({ [ITEM.id]: id }));
        for (let attempt = 0; keys && keys.length > 0; attempt++) {
          if (attempt > 0) await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS));
          const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await this.client.send(
            new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }),
          );
          items.push(...(Responses?.[this.table] ?? []));
          keys = UnprocessedKeys?.[this.table]?.Keys;
        }
        return items;
      }),
    );
    // Only tokens: the bootstrap claim has no list key, and is never posted anyway.
    return found.flat().filter((item) => item[ITEM.list_pk] === this.partition);
  }

  /** Up to `want` matching entries of one stream after the cursor, in order. */
  private async read(
    stream: Stream,
    index: 'created' | 'name',
    forward: boolean,
    after: string | null,
    want: number,
    query: ListQuery,
    now: Date,
  ): Promise<{ entries: { suffix: string; item: Item }[]; exhausted: boolean }> {
    const { name: indexName, partitionKey, sortKey: sortKeyAttribute } = INDEXES[index];
    const sortKey = sortKeyAttribute.name;
    const values: Record<string, unknown> = { ':pk': this.partition, ':p': stream.prefix };
    let keyCondition = `${partitionKey.name} = :pk AND begins_with(${sortKey}, :p)`;
    const boundary = after === null ? null : stream.prefix + after;
    if (boundary !== null) {
      keyCondition = `${partitionKey.name} = :pk AND ${sortKey} BETWEEN :lo AND :hi`;
      values[':lo'] = forward ? boundary : stream.prefix;
      values[':hi'] = forward ? pastPrefix(stream.prefix) : boundary;
      delete values[':p'];
    }
    const filters: string[] = [];
    const names: Record<string, string> = {};
    if (stream.filter) filters.push(stream.filter);
    if (stream.filter) values[':now'] = now.toISOString();
    if (query.kind) {
      filters.push('#kind = :kind');
      names['#kind'] = ITEM.kind;
      values[':kind'] = query.kind;
    }
    const q = query.q ? query.q.toLowerCase() : null;
    if (q !== null) {
      // Narrows the read; `searchMatches` below decides (see there).
      filters.push(`contains(${ITEM.search_text}, :q)`);
      values[':q'] = q;
    }
    if (query.expiration === 'never') filters.push(NEVER_EXPIRES);
    if (query.expiration === 'has_expiration') filters.push(NOT_YET_EXPIRED);
    if (query.expiration === 'expired') filters.push(EXPIRED_BY_NOW);
    if (query.expiration === 'has_expiration' || query.expiration === 'expired') {
      values[':now'] = now.toISOString();
    }

    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: indexName,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeValues: values,
      ScanIndexForward: forward,
      ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
      ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    };
    // One more than we want tells whether there is more (plus the cursor's own entry, which BETWEEN
    // reads). Filters apply after the read: a filter the query asked for (search, kind, expiry) may
    // drop most entries, so its reads ask for more than we want. The active stream's own filter drops
    // only tokens expired and not revoked, few in a list: its first read asks for just what we want,
    // as unfiltered, and only a read after one that came up short asks for more.
    const exact = want + 1 + (boundary === null ? 0 : 1);
    const ample = Math.min(Math.max(want * 4, 200), 1000);
    const asked = filters.length > (stream.filter ? 1 : 0);
    const entries: { suffix: string; item: Item }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const limit = asked || (filters.length > 0 && startKey) ? ample : Math.min(exact, 1000);
      const page = await this.client.send(
        new QueryCommand({ ...input, Limit: limit, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        const key = String(item[sortKey]);
        if (key === boundary) continue; // BETWEEN includes the cursor's own entry
        if (q !== null && !searchMatches(item, q)) continue;
        entries.push({ suffix: key.slice(stream.prefix.length), item });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && entries.length <= want); // one more than we want, to know there is more
    return { entries, exhausted: startKey === undefined && entries.length <= want };
  }
}
