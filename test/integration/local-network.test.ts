// DynamoDB Local can be reached from this machine only (anyone who reaches it could rewrite a
// token's scopes), and the gateway's /healthz says when it stops answering, and when it is back.
// test/e2e/local-network.test.ts checks the same of the whole local stack.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '#adapters/clients';
import { type DynamoDbLocal, ensureTables, freePort, startDynamoDbLocal } from '#local/dynamodb-local';
import { Gateway } from '#local/gateway';
import { DynamoHealth } from '#local/health';
import { type GatewayServer, listen } from '#local/server';
import { AUTHORIZER } from '#spec/functions';
import { TOKENS_TABLE } from '#spec/tables';
import { canReadSocketTables, listeningAddresses, tryConnect } from '#test-support/sockets';

describe('DynamoDB Local as startDynamoDbLocal starts it', () => {
  let db: DynamoDbLocal;

  beforeAll(async () => {
    db = await startDynamoDbLocal();
  });

  afterAll(async () => {
    await db?.stop();
  });

  it('accepts connections on 127.0.0.1', async () => {
    expect(await tryConnect('127.0.0.1', db.port)).toBe('accepted');
  });

  it.skipIf(!canReadSocketTables)('has its listening socket bound to 127.0.0.1 alone', () => {
    expect(listeningAddresses(db.port)).toEqual(['127.0.0.1']);
  });
});

describe("the gateway server's /healthz", () => {
  const dbPath = mkdtempSync(join(tmpdir(), 'tokengate-health-'));
  const tableName = `tokens-health-${Date.now()}`;
  let port: number;
  let db: DynamoDbLocal | undefined;
  let server: GatewayServer;
  let health: DynamoHealth;

  const healthz = async () => {
    const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    port = await freePort();
    db = await startDynamoDbLocal({ port, dbPath });
    const client = dynamoClient(db.endpoint);
    await ensureTables(client, [{ definition: TOKENS_TABLE, name: tableName }]);
    client.destroy();
    server = await listen({ host: '127.0.0.1', port: 0, log: () => undefined });
    const gateway = new Gateway({
      routes: [],
      authorizer: { fn: AUTHORIZER, handler: async () => ({}) },
      handlers: new Map(),
      cacheTtlSeconds: 0,
    });
    health = new DynamoHealth({ endpoint: db.endpoint, tableName, maxAgeMs: 0 });
    server.ready(gateway, health);
  });

  afterAll(async () => {
    await server?.close(1_000);
    health?.destroy();
    await db?.stop();
    rmSync(dbPath, { recursive: true, force: true });
  });

  it('answers 200 while DynamoDB Local answers', async () => {
    expect(await healthz()).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 503 naming DynamoDB while it is down, and 200 again once it is back', async () => {
    await db?.stop();
    db = undefined;
    expect(await healthz()).toEqual({ status: 503, body: { status: 'unavailable', down: ['dynamodb'] } });

    db = await startDynamoDbLocal({ port, dbPath });
    // Its first DescribeTable after a start may outlast the check's 1 s timeout on a loaded machine
    // (a cold JVM): "back" is the next answers, not necessarily the very first.
    await expect
      .poll(() => healthz(), { timeout: 15_000, interval: 500 })
      .toEqual({ status: 200, body: { status: 'ok' } });
  });
});
