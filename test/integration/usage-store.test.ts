// The usage counters on DynamoDB Local: a batch applied once however often it is delivered, one
// counter write per token and day, and the reads the API makes.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoUsageStore } from '#adapters/dynamo-usage-store';
import { type AccessLogEvent, tokenUsage, usageOfBatch } from '#domain/usage';
import { USAGE_TABLE } from '#spec/tables';
import {
  accessLine,
  OTHER_TOKEN,
  RECORDED_BATCH,
  subscriptionEvent,
  USED_TOKEN,
} from '#test-support/access-log-batches';
import { captureCommands, freshTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { lambdaContext } from '#test-support/lambda-events';

const NOW = Date.parse('2026-12-07T15:00:00Z');
const events = RECORDED_BATCH.logEvents as AccessLogEvent[];
let table = '';
let store: DynamoUsageStore;

beforeEach(async () => {
  table = await freshTable(USAGE_TABLE);
  store = new DynamoUsageStore(testDocumentClient(), table, () => NOW);
});

const week = () => tokenUsage(store, USED_TOKEN, 7, new Date(NOW));

describe('DynamoUsageStore', () => {
  it('adds a recorded batch to each token-day, and expires a day 91 days after it began', async () => {
    await store.record(usageOfBatch(events));
    const usage = await week();
    expect(usage.requests).toBe(3);
    expect(usage.days.slice(-2)).toEqual([
      { date: '2026-12-06', requests: 2, denied: 1 },
      { date: '2026-12-07', requests: 1, denied: 0 },
    ]);
    expect((await tokenUsage(store, OTHER_TOKEN, 1, new Date(NOW))).requests).toBe(1);
    const item = await testDocumentClient().send(
      new GetCommand({ TableName: table, Key: { token_id: USED_TOKEN, date: '2026-12-06' } }),
    );
    expect(item.Item?.ttl).toBe(Date.parse('2026-12-06T00:00:00Z') / 1000 + 91 * 86_400);
  });

  it('counts a batch delivered twice once, and a later batch on top', async () => {
    await store.record(usageOfBatch(events));
    await store.record(usageOfBatch([...events].reverse()));
    expect((await week()).requests).toBe(3);
    const later = {
      id: 'later-1',
      timestamp: NOW,
      message: accessLine({ principal: `token:${USED_TOKEN}`, status: 200, epochMs: NOW }),
    };
    await store.record(usageOfBatch([later]));
    expect((await week()).requests).toBe(4);
  });

  it('counts a batch replayed after failing half-way once: the parts it applied are not added again', async () => {
    // 150 tokens: two transactions. The second fails the first time (a counter of the wrong type).
    const many = Array.from({ length: 150 }, (_, i) => ({
      id: `e${i}`,
      timestamp: NOW,
      message: accessLine({
        principal: `token:Many${String(i).padStart(12, '0')}`,
        status: 200,
        epochMs: NOW,
      }),
    }));
    const batch = usageOfBatch(many);
    const last = batch.counts.at(-1);
    if (!last) throw new Error('no counts');
    const client = testDocumentClient();
    await client.send(
      new PutCommand({ TableName: table, Item: { token_id: last.tokenId, date: last.date, requests: 'x' } }),
    );
    await expect(store.record(batch)).rejects.toThrow();
    const first = batch.counts[0];
    if (!first) throw new Error('no counts');
    expect((await tokenUsage(store, first.tokenId, 1, new Date(NOW))).requests).toBe(1);
    await client.send(
      new PutCommand({ TableName: table, Item: { token_id: last.tokenId, date: last.date, requests: 0 } }),
    );
    await store.record(batch); // Lambda's retry: the same events
    expect((await tokenUsage(store, first.tokenId, 1, new Date(NOW))).requests).toBe(1);
    expect((await tokenUsage(store, last.tokenId, 1, new Date(NOW))).requests).toBe(1);
  });

  it('writes one counter per token and day of a batch: 1,000 requests over 10 tokens, one transaction of 11 items', async () => {
    const logged = testDocumentClient();
    const sent = captureCommands(logged);
    const many = Array.from({ length: 1000 }, (_, i) => ({
      id: `r${i}`,
      timestamp: NOW,
      message: accessLine({
        principal: `token:Ten${String(i % 10).padStart(13, '0')}`,
        status: 200,
        epochMs: NOW,
      }),
    }));
    await new DynamoUsageStore(logged, table, () => NOW).record(usageOfBatch(many));
    expect(sent.map((command) => command.name)).toEqual(['TransactWriteItemsCommand']);
    expect(sent[0]?.input.TransactItems).toHaveLength(11);
  });

  it('says whether a token was used since a day', async () => {
    await store.record(usageOfBatch(events));
    expect(await store.usedSince(USED_TOKEN, '2026-12-06')).toBe(true);
    expect(await store.usedSince(USED_TOKEN, '2026-12-08')).toBe(false);
    expect(await store.usedSince('NeverUsed0000001', '2026-01-01')).toBe(false);
  });
});

describe('the usage recorder function', () => {
  const restoreEnv = saveHandlerEnv();
  afterAll(restoreEnv);

  let handler: typeof import('#functions/usage/record')['handler'];

  beforeEach(async () => {
    useLocalHandlerEnv({
      keyFile: join(mkdtempSync(join(tmpdir(), 'tokengate-usage-')), 'keys.json'),
      usageTable: table,
    });
    vi.resetModules();
    handler = (await import('#functions/usage/record')).handler;
  });

  it('counts a subscription batch once, however often Lambda delivers it', async () => {
    const event = subscriptionEvent(RECORDED_BATCH);
    expect(await handler(event, lambdaContext())).toEqual({ events: 6, counters: 3 });
    await handler(event, lambdaContext()); // Lambda's retry of an invocation it saw fail
    expect((await tokenUsage(store, USED_TOKEN, 2, new Date(NOW))).requests).toBe(3);
  });

  it('counts nothing for CloudWatch Logs’ control message', async () => {
    const control = subscriptionEvent({ ...RECORDED_BATCH, messageType: 'CONTROL_MESSAGE' });
    expect(await handler(control, lambdaContext())).toEqual({ events: 0, counters: 0 });
    expect((await tokenUsage(store, USED_TOKEN, 2, new Date(NOW))).requests).toBe(0);
  });
});
