// Listing with 10,000 tokens in the table: a page of 50 of the default view, then a search, through
// the list handler as API Gateway would call it.
import { lambdaContext } from '#test-support/lambda-events';
import { median, msSince, percentile } from './stats';

export interface ListingFigures {
  list_page_p50_ms_10k: number;
  search_p50_ms_10k: number;
}

const TOKENS = 10_000;
const CONCURRENCY = 32;

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

export async function benchListing(): Promise<ListingFigures> {
  const { tokens } = await import('#functions/commons/runtime');
  const { handler } = await import('#functions/tokens/list');
  const actor = { type: 'system', id: 'bench' } as const;
  let next = 0;
  const worker = async () => {
    while (next < TOKENS) {
      const i = next++;
      const { record } = await tokens.create(
        {
          kind: i % 3 === 0 ? 'service' : 'user',
          description: `team-${i % 100} pipeline ${i}`,
          userEmail: i % 2 === 0 ? `owner${i}@example.com` : null,
          scopes: [{ scope: 'repos:read', resources: ['cran'] }],
          expiresAt: i % 10 === 0 ? new Date(Date.now() + 86_400_000 * 30).toISOString() : null,
        },
        actor,
      );
      if (i % 20 === 0) await tokens.revoke(record.id, actor);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const context = lambdaContext('ListTokens');
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
      if (response.statusCode !== 200) throw new Error(`List failed: ${response.body}`);
    }
    return times;
  };
  await timeList({ limit: '50' }, 5);
  const pages: number[] = [];
  const searches: number[] = [];
  for (let round = 0; round < 5; round++) {
    pages.push(percentile(await timeList({ limit: '50' }, 20), 50));
    searches.push(percentile(await timeList({ limit: '50', q: 'team-42 pipeline' }, 5), 50));
  }
  return { list_page_p50_ms_10k: median(pages), search_p50_ms_10k: median(searches) };
}
