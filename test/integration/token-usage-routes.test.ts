// The usage routes on DynamoDB Local, as Lambda runs their handlers: `GET /v1/tokens/{id}/usage`
// and `GET /v1/tokens?unused_days=N`, over counters the usage recorder wrote.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { DynamoUsageStore } from '#adapters/dynamo-usage-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { TokenService } from '#domain/token-service';
import { usageOfBatch } from '#domain/usage';
import { USAGE_TABLE } from '#spec/tables';
import { accessLine } from '#test-support/access-log-batches';
import { freshTable, freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
const DAY_MS = 86_400_000;
const restoreEnv = saveHandlerEnv();
afterAll(restoreEnv);

let usageHandler: Handler;
let listHandler: Handler;
let used = '';
let usedLongAgo = '';
let neverUsed = '';

const asAdmin = { authorizer: adminAuthorizerContext() };

function usageOf(id: string, query: Record<string, string> | null = null) {
  const event = {
    ...proxyEvent('GET', `/v1/tokens/${id}/usage`, { ...asAdmin, pathParameters: { id } }),
    queryStringParameters: query,
  };
  return usageHandler(event, lambdaContext());
}

async function list(query: Record<string, string>) {
  const event = { ...proxyEvent('GET', '/v1/tokens', asAdmin), queryStringParameters: query };
  return listHandler(event, lambdaContext());
}

const body = (response: APIGatewayProxyResult) => JSON.parse(response.body);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-usage-routes-'));
  const keyFile = join(dir, 'keys.json');
  const [tokensTable, usageTable] = await Promise.all([freshTokensTable(), freshTable(USAGE_TABLE)]);
  useLocalHandlerEnv({ keyFile, tokensTable, usageTable });
  vi.resetModules();
  usageHandler = (await import('#functions/tokens/usage')).handler as unknown as Handler;
  listHandler = (await import('#functions/tokens/list')).handler as unknown as Handler;

  const client = testDocumentClient();
  const tokens = new TokenService({
    store: new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 }),
    keys: new FileKeyRingSource(keyFile),
  });
  const make = async (description: string) =>
    (
      await tokens.create(
        {
          kind: 'user',
          description,
          userEmail: null,
          scopes: [{ scope: 'repos:read', resources: ['*'] }],
          expiresAt: null,
        },
        { type: 'system', id: 'test' },
      )
    ).record.id;
  used = await make('used today');
  usedLongAgo = await make('used 40 days ago');
  neverUsed = await make('never used');
  const now = Date.now();
  const event = (id: string, tokenId: string, at: number, status = 200) => ({
    id,
    timestamp: at,
    message: accessLine({ principal: `token:${tokenId}`, status, epochMs: at }),
  });
  await new DynamoUsageStore(client, usageTable).record(
    usageOfBatch([
      event('1', used, now),
      event('2', used, now, 403),
      event('3', used, now - 2 * DAY_MS),
      event('4', usedLongAgo, now - 40 * DAY_MS),
    ]),
  );
});

describe('GET /v1/tokens/{id}/usage', () => {
  it('answers 30 days by default, oldest first, days without requests included, with the total', async () => {
    const response = await usageOf(used);
    expect(response.statusCode).toBe(200);
    const usage = body(response);
    expect(usage.token_id).toBe(used);
    expect(usage.requests).toBe(3);
    expect(usage.days).toHaveLength(30);
    expect(usage.days.at(-1)).toEqual({
      date: new Date().toISOString().slice(0, 10),
      requests: 2,
      denied: 1,
    });
    expect(usage.days.at(-3).requests).toBe(1);
    expect(usage.days.map((day: { date: string }) => day.date)).toEqual(
      [...usage.days.map((day: { date: string }) => day.date)].sort(),
    );
  });

  it('answers the days asked, up to 90', async () => {
    expect(body(await usageOf(usedLongAgo, { days: '90' })).requests).toBe(1);
    expect(body(await usageOf(usedLongAgo, { days: '30' })).requests).toBe(0);
    expect(body(await usageOf(used, { days: '1' })).days).toHaveLength(1);
  });

  it.each(['0', '91', '1.5', 'thirty', '-3'])('refuses days=%s with 400 naming days', async (days) => {
    const response = await usageOf(used, { days });
    expect(response.statusCode).toBe(400);
    expect(body(response).error).toMatchObject({ code: 'invalid_request', field: 'days' });
  });

  it('answers 404 for an unknown token, or an id that cannot be one, as GET /v1/tokens/{id} does', async () => {
    expect((await usageOf('Unkn0wnT0ken0001')).statusCode).toBe(404);
    expect((await usageOf('not-an-id')).statusCode).toBe(404);
  });
});

describe('GET /v1/tokens?unused_days=N', () => {
  const ids = async (query: Record<string, string>) =>
    body(await list(query)).tokens.map((token: { id: string }) => token.id);

  it('lists the tokens with no request in the last N days, never used ones included', async () => {
    expect(await ids({ unused_days: '30' })).toEqual(expect.arrayContaining([usedLongAgo, neverUsed]));
    expect(await ids({ unused_days: '30' })).not.toContain(used);
    expect(await ids({ unused_days: '90' })).toEqual(expect.arrayContaining([neverUsed]));
    expect(await ids({ unused_days: '90' })).not.toContain(usedLongAgo);
    expect(await ids({})).toEqual(expect.arrayContaining([used, usedLongAgo, neverUsed]));
  });

  it('fills a page from the pages after it when the tokens read first were all used', async () => {
    // Oldest first, the first token read is the one used today: the page reads on for an unused one.
    const page = body(await list({ unused_days: '30', sort: 'oldest', limit: '1' }));
    expect(page.tokens.map((token: { id: string }) => token.id)).toEqual([usedLongAgo]);
    const next = body(
      await list({ unused_days: '30', sort: 'oldest', limit: '1', cursor: page.next_cursor }),
    );
    expect(next.tokens.map((token: { id: string }) => token.id)).toEqual([neverUsed]);
  });

  it.each(['0', '91', 'x'])('refuses unused_days=%s with 400 naming it', async (value) => {
    const response = await list({ unused_days: value });
    expect(response.statusCode).toBe(400);
    expect(body(response).error.field).toBe('unused_days');
  });
});
