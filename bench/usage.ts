// Writes of per-token usage: 1,000 requests of 10 tokens through the path they take locally (the
// gateway's access-log lines, read by the usage poller, counted by the usage recorder's handler),
// and the DynamoDB items that cost: one counter per token and day, and a batch marker, however many
// requests each token made.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { AccessLogWriter } from '#local/access-log';
import type { GatewayRequest } from '#local/events';
import { UsagePoller } from '#local/usage-poller';
import { watchAwsRequests } from '#test-support/wire-log';

export interface UsageFigures {
  usage_writes_per_1000_requests: number;
}

const REQUESTS = 1_000;
const TOKENS = 10;

/** DynamoDB items a request writes: each of a transaction's, else one. */
function itemsWritten(operation: string, body: string): number {
  if (operation === 'TransactWriteItems')
    return (JSON.parse(body) as { TransactItems: unknown[] }).TransactItems.length;
  if (operation === 'BatchWriteItem') {
    const requests = (JSON.parse(body) as { RequestItems: Record<string, unknown[]> }).RequestItems;
    return Object.values(requests).reduce((sum, items) => sum + items.length, 0);
  }
  return ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation) ? 1 : 0;
}

export async function benchUsage(dir: string): Promise<UsageFigures> {
  const { handler } = await import('#functions/usage/record');
  const folder = mkdtempSync(join(dir, 'usage-'));
  const accessLogFile = join(folder, 'access.log');
  const log = new AccessLogWriter(accessLogFile);
  for (let i = 0; i < REQUESTS; i++) {
    const request: GatewayRequest = {
      method: 'GET',
      path: '/repos/a/x',
      query: '',
      rawHeaders: [],
      body: null,
      sourceIp: '127.0.0.1',
      requestId: `bench-${i}`,
      receivedAt: new Date(),
    };
    const tokenId = `BenchT0ken${String(i % TOKENS).padStart(6, '0')}`;
    log.write({ request, route: undefined, status: 200, principal: `token:${tokenId}`, latencyMs: 1 });
  }
  await log.close();
  const requests = watchAwsRequests();
  const poller = new UsagePoller({
    accessLogFile,
    checkpointFile: join(folder, 'checkpoint.json'),
    recorder: (event, context) => handler(event as never, context as Context),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const counted = await poller.pollOnce();
  requests.stop();
  if (counted !== REQUESTS) throw new Error(`the usage poller counted ${counted} of ${REQUESTS} lines`);
  const writes = requests.requests.reduce(
    (sum, { operation, body }) => sum + itemsWritten(operation, body),
    0,
  );
  return { usage_writes_per_1000_requests: (writes * 1000) / REQUESTS };
}
