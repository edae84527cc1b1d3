import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import {
  type AccessLogEvent,
  callerOfLine,
  tokenUsage,
  UNUSED_PAGE_READS,
  type UsageBatch,
  type UsageDay,
  type UsageStore,
  unusedPage,
  usageOfBatch,
} from '#domain/usage';
import { accessLine, OTHER_TOKEN, RECORDED_BATCH, USED_TOKEN } from '#test-support/access-log-batches';

const events = RECORDED_BATCH.logEvents as AccessLogEvent[];

describe('callerOfLine', () => {
  it('names the token of a line whose principal is token:<id>, and a 401 or 403 as denied', () => {
    expect(callerOfLine(accessLine({ principal: `token:${USED_TOKEN}`, status: 200, epochMs: 0 }))).toEqual({
      tokenId: USED_TOKEN,
      denied: false,
    });
    expect(callerOfLine(accessLine({ principal: `token:${USED_TOKEN}`, status: 403, epochMs: 0 }))).toEqual({
      tokenId: USED_TOKEN,
      denied: true,
    });
    expect(
      callerOfLine(accessLine({ principal: `token:${USED_TOKEN}`, status: 401, epochMs: 0 }))?.denied,
    ).toBe(true);
  });

  it('counts no caller for a line without a token principal, a malformed id, or a line that is not JSON', () => {
    expect(callerOfLine(accessLine({ status: 200, epochMs: 0 }))).toBeNull();
    expect(
      callerOfLine(accessLine({ principal: 'user:admin@example.com', status: 200, epochMs: 0 })),
    ).toBeNull();
    expect(callerOfLine(accessLine({ principal: 'token:short', status: 200, epochMs: 0 }))).toBeNull();
    expect(callerOfLine('GET /v1/tokens 200')).toBeNull();
    expect(callerOfLine('null')).toBeNull();
  });
});

describe('usageOfBatch', () => {
  it('counts a recorded batch per token and UTC day, denied among the requests, callers only', () => {
    expect(usageOfBatch(events).counts).toEqual([
      { tokenId: OTHER_TOKEN, date: '2026-12-07', requests: 1, denied: 0 },
      { tokenId: USED_TOKEN, date: '2026-12-06', requests: 2, denied: 1 },
      { tokenId: USED_TOKEN, date: '2026-12-07', requests: 1, denied: 0 },
    ]);
  });

  it('counts an event repeated in the batch once', () => {
    const repeated = [...events, events[0] as AccessLogEvent, events[2] as AccessLogEvent];
    expect(usageOfBatch(repeated).counts).toEqual(usageOfBatch(events).counts);
  });

  it('gives a batch delivered again, in any order, the same id, and another batch another id', () => {
    const once = usageOfBatch(events);
    expect(usageOfBatch([...events].reverse()).id).toBe(once.id);
    expect(usageOfBatch(events.slice(1)).id).not.toBe(once.id);
    expect(once.id).toMatch(/^[\w-]{32}$/);
  });

  it('makes 1,000 requests over 10 tokens ten counter changes', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      id: String(i),
      timestamp: Date.parse('2026-12-07T10:00:00Z'),
      message: accessLine({
        principal: `token:T0ken${String(i % 10).padStart(11, '0')}`,
        status: 200,
        epochMs: 0,
      }),
    }));
    const { counts } = usageOfBatch(many);
    expect(counts).toHaveLength(10);
    expect(counts.every((count) => count.requests === 100)).toBe(true);
  });
});

class MemoryUsage implements UsageStore {
  constructor(private readonly stored: UsageDay[]) {}
  asked: [string, string] | undefined;
  async record(_batch: UsageBatch) {}
  async days(_tokenId: string, from: string, to: string) {
    this.asked = [from, to];
    return this.stored.filter((day) => day.date >= from && day.date <= to);
  }
  async usedSince() {
    return false;
  }
}

describe('tokenUsage', () => {
  const now = new Date('2026-12-07T15:00:00Z');

  it('answers every day of the window, oldest first, zeros included, with the total', async () => {
    const store = new MemoryUsage([
      { date: '2026-12-05', requests: 4, denied: 1 },
      { date: '2026-12-07', requests: 2, denied: 0 },
      { date: '2026-12-04', requests: 9, denied: 0 },
    ]);
    expect(await tokenUsage(store, USED_TOKEN, 3, now)).toEqual({
      token_id: USED_TOKEN,
      requests: 6,
      days: [
        { date: '2026-12-05', requests: 4, denied: 1 },
        { date: '2026-12-06', requests: 0, denied: 0 },
        { date: '2026-12-07', requests: 2, denied: 0 },
      ],
    });
    expect(store.asked).toEqual(['2026-12-05', '2026-12-07']);
  });

  it('reads 1 to 90 days, and refuses any other number naming days', async () => {
    const store = new MemoryUsage([]);
    expect((await tokenUsage(store, USED_TOKEN, 1, now)).days).toHaveLength(1);
    expect((await tokenUsage(store, USED_TOKEN, 90, now)).days[0]?.date).toBe('2026-09-09');
    for (const days of [0, 91, 1.5, Number.NaN]) {
      await expect(tokenUsage(store, USED_TOKEN, days, now)).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'days',
      });
    }
  });
});

describe('unusedPage', () => {
  const now = new Date('2026-12-07T15:00:00Z');
  /** A list of `count` tokens, `t0`, `t1`, ..., read `limit` at a time; the cursor is the next index. */
  const listOf = (count: number) => {
    const reads: [number, string | undefined][] = [];
    const read = async (limit: number, cursor: string | undefined) => {
      reads.push([limit, cursor]);
      const from = Number(cursor ?? 0);
      const items = Array.from({ length: Math.min(limit, count - from) }, (_, i) => ({ id: `t${from + i}` }));
      const next = from + items.length;
      return { items, nextCursor: next < count ? String(next) : null };
    };
    return { read, reads };
  };
  /** Usage where the tokens whose number `used` accepts have requests. */
  const usage = (used: (n: number) => boolean): UsageStore => ({
    record: async () => {},
    days: async () => [],
    usedSince: async (tokenId) => used(Number(tokenId.slice(1))),
  });

  it('reads on until the page is full, asking each time for what it still lacks', async () => {
    const { read, reads } = listOf(100);
    const page = await unusedPage(
      read,
      usage((n) => n < 7 || n % 2 === 0),
      { limit: 3 },
      30,
      now,
    );
    expect(page.items.map((token) => token.id)).toEqual(['t7', 't9', 't11']);
    expect(page.nextCursor).toBe('12');
    expect(reads).toEqual([
      [3, undefined],
      [3, '3'],
      [3, '6'],
      [2, '9'],
      [1, '11'],
    ]);
  });

  it('goes on from the cursor it gave, never answering a token twice', async () => {
    const { read } = listOf(20);
    const unused = usage((n) => n % 3 === 0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await unusedPage(read, unused, { limit: 4, cursor }, 30, now);
      seen.push(...page.items.map((token) => token.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([
      't1',
      't2',
      't4',
      't5',
      't7',
      't8',
      't10',
      't11',
      't13',
      't14',
      't16',
      't17',
      't19',
    ]);
  });

  it('stops at the end of the list, and after its bound of reads with the cursor to go on', async () => {
    expect(
      await unusedPage(
        listOf(5).read,
        usage(() => true),
        { limit: 2 },
        30,
        now,
      ),
    ).toEqual({
      items: [],
      nextCursor: null,
    });
    const { read, reads } = listOf(1_000);
    const page = await unusedPage(
      read,
      usage(() => true),
      { limit: 10 },
      30,
      now,
    );
    expect(page).toEqual({ items: [], nextCursor: String(10 * UNUSED_PAGE_READS) });
    expect(reads).toHaveLength(UNUSED_PAGE_READS);
  });
});
