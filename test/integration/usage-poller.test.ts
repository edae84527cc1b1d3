// The local stand-in for the access log's subscription: the gateway's access-log file, read by the
// usage poller in batches and counted by the usage recorder's own handler on DynamoDB Local.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoUsageStore } from '#adapters/dynamo-usage-store';
import { tokenUsage } from '#domain/usage';
import { accessLogLine } from '#local/access-log';
import type { LambdaHandler } from '#local/gateway';
import { UsagePoller } from '#local/usage-poller';
import { USAGE_TABLE } from '#spec/tables';
import { freshTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';

const TOKEN = 'P0llerT0ken00001';
const restoreEnv = saveHandlerEnv();
afterAll(restoreEnv);

let dir = '';
let table = '';
let recorder: LambdaHandler;

/** A line the gateway writes for a request by TOKEN, answered `status`. */
function line(status: number, n: number): string {
  const request = {
    method: 'GET',
    path: '/v1/whoami',
    query: '',
    rawHeaders: [],
    body: null,
    sourceIp: '127.0.0.1',
    requestId: `req-${n}`,
    receivedAt: new Date(),
  };
  return `${accessLogLine({ request, route: undefined, status, principal: `token:${TOKEN}`, latencyMs: 1 })}\n`;
}

function poller(handler: LambdaHandler = recorder) {
  return new UsagePoller({
    accessLogFile: join(dir, 'access.log'),
    checkpointFile: join(dir, 'usage-checkpoint.json'),
    recorder: handler,
    log: () => undefined,
  });
}

const today = async () =>
  (await tokenUsage(new DynamoUsageStore(testDocumentClient(), table), TOKEN, 1, new Date())).days[0];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokengate-usage-poller-'));
  table = await freshTable(USAGE_TABLE);
  useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), usageTable: table });
  vi.resetModules();
  recorder = (await import('#functions/usage/record')).handler as LambdaHandler;
});

describe('UsagePoller', () => {
  it('counts the whole lines appended since its last batch, and a line being written once it is whole', async () => {
    const log = join(dir, 'access.log');
    writeFileSync(log, line(200, 1) + line(403, 2));
    const half = line(200, 3);
    appendFileSync(log, half.slice(0, 20));
    expect(await poller().pollOnce()).toBe(2);
    expect(await today()).toMatchObject({ requests: 2, denied: 1 });
    appendFileSync(log, half.slice(20));
    expect(await poller().pollOnce()).toBe(1);
    expect(await poller().pollOnce()).toBe(0);
    expect((await today())?.requests).toBe(3);
  });

  it('replays a batch the recorder failed on with exactly its lines, counting none twice', async () => {
    const log = join(dir, 'access.log');
    writeFileSync(log, line(200, 1) + line(200, 2));
    // The recorder counts the batch, then the invocation fails (a timeout after the write, say).
    const failsAfterCounting: LambdaHandler = async (event, context) => {
      await recorder(event, context);
      throw new Error('Task timed out');
    };
    expect(await poller(failsAfterCounting).pollOnce()).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'usage-checkpoint.json'), 'utf8')).pending).toBeGreaterThan(0);
    appendFileSync(log, line(200, 3)); // more traffic meanwhile
    expect(await poller().pollOnce()).toBe(2); // the same two lines, the same batch: counted once
    expect((await today())?.requests).toBe(2);
    expect(await poller().pollOnce()).toBe(1);
    expect((await today())?.requests).toBe(3);
  });

  it('counts what is left when it stops', async () => {
    const log = join(dir, 'access.log');
    const running = poller();
    running.start();
    writeFileSync(log, line(200, 1));
    await running.stop();
    expect((await today())?.requests).toBe(1);
  });
});
