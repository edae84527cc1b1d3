// Listing at scale: 10,000 and then 100,000 tokens in the benchmark's own table, written straight as
// items with parallel BatchWriteItem calls (as the store writes them: shared/adapters/token-item.ts),
// with their search postings (shared/adapters/dynamo-token-search.ts, batch written after the tokens,
// as the store writes them), then through the list handler as API Gateway would call it: the default
// page of 50, a search that matches one token in a hundred, and a search that matches almost none
// (the worst case of a substring search read off the list partition: every token's text). Each
// figure beside its growth.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/clients';
import { TokenSearchIndex } from '#adapters/dynamo-token-search';
import { recordToItem, sortKeys, ttlAfter } from '#adapters/token-item';
import type { TokenRecord } from '#domain/token';
import { ENV } from '#spec/env';
import { lambdaContext } from '#test-support/lambda-events';
import { seededRecord, seededStamp } from './fixtures';
import { median, msSince, percentile, round } from './stats';

export interface ListingFigures {
  list_page_p50_ms_10k: number;
  search_p50_ms_10k: number;
  search_rare_p50_ms_10k: number;
  list_page_p50_ms_100k: number;
  search_p50_ms_100k: number;
  search_rare_p50_ms_100k: number;
  list_page_growth_10k_to_100k: number;
  search_growth_10k_to_100k: number;
  search_rare_growth_10k_to_100k: number;
  /** Tokens written a second, each with its search postings. */
  seed_items_per_s: number;
  /** Search postings per token, on average (one per distinct trigram of description and email). */
  postings_per_token: number;
  /** Listings that failed (a search that outlives the function's 10 s answers 500). */
  list_errors: number;
}

/** The sizes measured; `--quick` in the environment measures 1,000 and 10,000 instead. */
const SIZES = process.env.BENCH_QUICK ? [1_000, 10_000] : [10_000, 100_000];
const WRITERS = 16;
const BATCH = 25;
const RETENTION_SECONDS = 90 * 86_400;

function listEvent(query: Record<string, string>) {
  return {
    resource: '/v1/tokens',
    path: '/v1/tokens',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { authorizer: { principalId: 'token:bench', token_id: 'bench' }, identity: {} },
  };
}

/** Token `i` of the seeded table: a third service tokens, half with an email, 1 in 20 revoked. */
function seededItem(i: number, now: number): { item: Record<string, unknown>; record: TokenRecord } {
  const createdAt = new Date(now - (SIZES.at(-1) ?? 0) * 1000 + i * 1000).toISOString();
  const record = seededRecord(i, createdAt, now);
  const stamp = seededStamp(createdAt);
  const item: Record<string, unknown> = recordToItem(record, stamp, RETENTION_SECONDS);
  if (i % 20 === 0) {
    const revokedAt = new Date(now).toISOString();
    Object.assign(item, sortKeys(record, 'R'), {
      revoked_at: revokedAt,
      revoked_by: 'system:bench',
      ttl: ttlAfter(revokedAt, RETENTION_SECONDS),
    });
  }
  // The document client leaves out the undefined attributes, as for the store.
  return { item, record };
}

export async function benchListing(tokensTable: string, searchTable: string): Promise<ListingFigures> {
  const dynamo = documentClient(process.env[ENV.dynamoEndpoint]);
  const { handler } = await import('#functions/tokens/list');
  // A client of its own: the postings' batches must not queue behind the tokens' for sockets.
  const search = new TokenSearchIndex(documentClient(process.env[ENV.dynamoEndpoint]), searchTable);
  const now = Date.now();
  let seeded = 0;
  let seedMs = 0;
  let postings = 0;

  /** Writes tokens [seeded, to) with WRITERS BatchWriteItem calls in flight, retrying what is left over. */
  async function seed(to: number): Promise<void> {
    const start = process.hrtime.bigint();
    let next = seeded;
    const writer = async () => {
      while (next < to) {
        const from = next;
        next = Math.min(to, next + BATCH);
        const tokens = Array.from({ length: next - from }, (_, k) => seededItem(from + k, now));
        let requests = tokens.map(({ item }) => ({ PutRequest: { Item: item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
          const answer = await dynamo.send(
            new BatchWriteCommand({ RequestItems: { [tokensTable]: requests } }),
          );
          requests = (answer.UnprocessedItems?.[tokensTable] ?? []) as typeof requests;
        }
        const posted = tokens.map(({ item, record }) => ({
          ...record,
          ttl: typeof item.ttl === 'number' ? item.ttl : undefined,
        }));
        const written = await search.put(posted);
        postings += written;
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    seeded = to;
    seedMs += msSince(start);
  }

  const context = lambdaContext('ListTokens');
  let errors = 0;
  const timeList = async (query: Record<string, string>, count: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      // biome-ignore lint/suspicious/noExplicitAny: a REST proxy event as the gateway builds it
      const response = (await handler(listEvent(query) as any, context)) as {
        statusCode: number;
        body: string;
      };
      times.push(msSince(start));
      // A read that outlives the function's timeout answers 500: counted, its time kept.
      if (response.statusCode !== 200) errors++;
    }
    return times;
  };
  const measure = async () => {
    // DynamoDB Local works on after a burst of writes (its stream, its JVM): let it settle first.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await timeList({ limit: '50' }, 3);
    const pages: number[] = [];
    const searches: number[] = [];
    const rare: number[] = [];
    for (let round = 0; round < 3; round++) {
      pages.push(percentile(await timeList({ limit: '50' }, 20), 50));
      searches.push(percentile(await timeList({ limit: '50', q: 'team-42 pipeline' }, 5), 50));
      rare.push(percentile(await timeList({ limit: '50', q: 'pipeline 4242' }, 1), 50));
    }
    const figures = { page: median(pages), search: median(searches), rare: median(rare) };
    process.stderr.write(`  ${seeded} tokens: ${JSON.stringify(figures)}\n`);
    return figures;
  };

  const [small, large] = SIZES as [number, number];
  await seed(small);
  const atSmall = await measure();
  await seed(large);
  const atLarge = await measure();
  return {
    list_page_p50_ms_10k: round(atSmall.page),
    search_p50_ms_10k: round(atSmall.search),
    search_rare_p50_ms_10k: round(atSmall.rare),
    list_page_p50_ms_100k: round(atLarge.page),
    search_p50_ms_100k: round(atLarge.search),
    search_rare_p50_ms_100k: round(atLarge.rare),
    list_page_growth_10k_to_100k: round(atLarge.page / atSmall.page),
    search_growth_10k_to_100k: round(atLarge.search / atSmall.search),
    search_rare_growth_10k_to_100k: round(atLarge.rare / atSmall.rare),
    seed_items_per_s: Math.round(seeded / (seedMs / 1000)),
    postings_per_token: round(postings / seeded),
    list_errors: errors,
  };
}
