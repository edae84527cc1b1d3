// Per-token usage: requests counted per UTC day from the API's access log, so that requests answered
// from an authorizer cache count too. A batch of access-log events (a CloudWatch Logs subscription's,
// or the local gateway's file) becomes one counter change per token and day; the store applies a
// batch once, however often it is delivered.
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';
import { TOKEN_ID_PATTERN } from './token-format';
import type { ListPage } from './token-store';

/** Days a day's counters are kept before DynamoDB's TTL removes them; also the longest usage read. */
export const USAGE_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/** One access-log event as CloudWatch Logs hands it on: its own id, when it was logged, the line. */
export interface AccessLogEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** What one batch adds to one token's counters of one UTC day. */
export interface UsageCount {
  tokenId: string;
  /** `YYYY-MM-DD`, UTC. */
  date: string;
  requests: number;
  /** Of those requests, the ones refused with 401 or 403. */
  denied: number;
}

/** A batch's counter changes, and the id that makes applying it idempotent. */
export interface UsageBatch {
  /** The same for every delivery of the same events, whatever their order. */
  id: string;
  counts: UsageCount[];
}

/** One day of a token's usage, as the API answers it. */
export interface UsageDay {
  date: string;
  requests: number;
  denied: number;
}

export interface UsageStore {
  /** Adds the batch's counts, unless a batch with its id was added before (then nothing changes). */
  record(batch: UsageBatch): Promise<void>;
  /** The token's stored days from `from` to `to` (inclusive, `YYYY-MM-DD`), in any order. */
  days(tokenId: string, from: string, to: string): Promise<UsageDay[]>;
  /** Whether the token has any request counted on `from` or later. */
  usedSince(tokenId: string, from: string): Promise<boolean>;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** The first of the `days` UTC days that end with today's. */
export function firstDayOf(days: number, now: Date): string {
  return utcDate(now.getTime() - (days - 1) * DAY_MS);
}

/**
 * The token id an access-log line names as its caller (`principal`: `token:<id>`, what the authorizer
 * passes on), and whether it was refused; null for a line with no token caller (a public route, a
 * missing or unknown token, a person's sign-in) or one that is not an access-log line.
 */
export function callerOfLine(message: string): { tokenId: string; denied: boolean } | null {
  let line: unknown;
  try {
    line = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof line !== 'object' || line === null) return null;
  const { principal, status } = line as { principal?: unknown; status?: unknown };
  if (typeof principal !== 'string' || !principal.startsWith('token:')) return null;
  const tokenId = principal.slice('token:'.length);
  if (!TOKEN_ID_PATTERN.test(tokenId)) return null;
  const code = Number(status);
  return { tokenId, denied: code === 401 || code === 403 };
}

/**
 * A batch's counts, one per token and UTC day, each event counted once however often the batch
 * repeats it (CloudWatch Logs ids are unique per event). The id is a hash of the sorted event ids:
 * a batch delivered again (Lambda's retry of a failed invocation, the local poller's replay after a
 * crash) carries the same events and so the same id.
 */
export function usageOfBatch(events: readonly AccessLogEvent[]): UsageBatch {
  const seen = new Set<string>();
  const counts = new Map<string, UsageCount>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const caller = callerOfLine(event.message);
    if (caller === null || !Number.isFinite(event.timestamp)) continue;
    const date = utcDate(event.timestamp);
    const key = `${caller.tokenId}/${date}`;
    const count = counts.get(key) ?? { tokenId: caller.tokenId, date, requests: 0, denied: 0 };
    count.requests += 1;
    if (caller.denied) count.denied += 1;
    counts.set(key, count);
  }
  const id = createHash('sha256')
    .update([...seen].sort().join('\n'))
    .digest('base64url')
    .slice(0, 32);
  const ordered = [...counts.values()].sort((a, b) =>
    a.tokenId === b.tokenId ? a.date.localeCompare(b.date) : a.tokenId < b.tokenId ? -1 : 1,
  );
  return { id, counts: ordered };
}

/** `?days=`: a whole number from 1 to `USAGE_RETENTION_DAYS`, 30 when left out. */
export const DEFAULT_USAGE_DAYS = 30;

/** A token's usage over the `days` UTC days ending today: every day, oldest first, zeros included. */
export interface TokenUsage {
  token_id: string;
  requests: number;
  days: UsageDay[];
}

export async function tokenUsage(
  store: UsageStore,
  tokenId: string,
  days: number,
  now: Date,
): Promise<TokenUsage> {
  if (!Number.isInteger(days) || days < 1 || days > USAGE_RETENTION_DAYS) {
    throw new ValidationError(`days must be a whole number from 1 to ${USAGE_RETENTION_DAYS}`, 'days');
  }
  const from = firstDayOf(days, now);
  const stored = new Map(
    (await store.days(tokenId, from, utcDate(now.getTime()))).map((day) => [day.date, day]),
  );
  const start = Date.parse(`${from}T00:00:00Z`);
  const all = Array.from({ length: days }, (_, i) => {
    const date = utcDate(start + i * DAY_MS);
    const day = stored.get(date);
    return { date, requests: day?.requests ?? 0, denied: day?.denied ?? 0 };
  });
  return { token_id: tokenId, requests: all.reduce((sum, day) => sum + day.requests, 0), days: all };
}

/**
 * The most list pages one answer with `unused_days` reads: a page of tokens that were all used
 * filters down to nothing, so the list reads on to fill the answer, but not without end.
 */
export const UNUSED_PAGE_READS = 10;

/**
 * One page of the tokens with no request in the last `days` UTC days: reads the list on from
 * `cursor`, each read asking for as many tokens as the answer still lacks, until it holds `limit`,
 * the list ends, or `UNUSED_PAGE_READS` reads were made. Its cursor continues after the last token
 * read, so a page may hold fewer than `limit` with more to come, never a token twice.
 */
export async function unusedPage<T extends { id: string }>(
  read: (limit: number, cursor: string | undefined) => Promise<ListPage<T>>,
  store: UsageStore,
  page: { limit: number; cursor?: string | undefined },
  days: number,
  now: Date,
): Promise<ListPage<T>> {
  const items: T[] = [];
  let cursor = page.cursor;
  for (let reads = 0; reads < UNUSED_PAGE_READS; reads++) {
    const got = await read(page.limit - items.length, cursor);
    items.push(...(await unusedOf(store, got.items, days, now)));
    cursor = got.nextCursor ?? undefined;
    if (items.length >= page.limit || cursor === undefined) break;
  }
  return { items, nextCursor: cursor ?? null };
}

/** Those of `tokens` with no request counted in the last `days` UTC days, today included, in their order. */
export async function unusedOf<T extends { id: string }>(
  store: UsageStore,
  tokens: readonly T[],
  days: number,
  now: Date,
): Promise<T[]> {
  const from = firstDayOf(days, now);
  const used = await Promise.all(tokens.map((token) => store.usedSince(token.id, from)));
  return tokens.filter((_, i) => !used[i]);
}
