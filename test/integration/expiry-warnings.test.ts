// Expiry warnings on DynamoDB Local: the scan Queries the expiry index (never a Scan) over the
// window, records each warning on its token with a conditional write, and the tokens table's real
// stream carries that write to the audit consumer as one `token.expiring` per token and expiry.
// The bus is the port's in-memory implementation, or the local stack's events file for the handler.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient, dynamoClient } from '#adapters/clients';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { DynamoExpiryStore } from '#adapters/dynamo-expiry-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { recordToItem } from '#adapters/token-item';
import type { AuditEvent } from '#domain/audit';
import { type ExpiryEventBus, ExpiryWarner, type ExpiryWarningEvent } from '#domain/expiry-warning';
import type { Actor } from '#domain/token';
import { TokenService } from '#domain/token-service';
import { type DynamoDbLocal, ensureTables, startDynamoDbLocal } from '#local/dynamodb-local';
import { StreamPoller } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';
import { TOKEN_ATTRIBUTES as A, AUDIT_TABLE, TOKEN_INDEXES, TOKENS_TABLE } from '#spec/tables';
import { freshTable, testDocumentClient, testEndpoint, watchDynamoRequests } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { lambdaContext } from '#test-support/lambda-events';
import { madeToken, newKeyRing, staticKeys, tokenRecord } from './fixtures';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const OPS: Actor = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' };
const DAY_MS = 86_400_000;
const WINDOW_MS = 14 * DAY_MS;
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-expiry-'));
const eventsFile = join(dir, 'events.jsonl');
const client = testDocumentClient();

let tokensTable = '';
let auditTable = '';
let tokens: TokenService;
let audit: DynamoAuditStore;
let poller: StreamPoller;
let warnHandler: Handler;
/** The scan's clock: each test moves it as it needs. */
let now = new Date();

const inDays = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();

/** A bus that keeps what it is given, and refuses the events of the tokens in `refusing`. */
function memoryBus() {
  const put: ExpiryWarningEvent[] = [];
  const refusing = new Set<string>();
  const bus: ExpiryEventBus = {
    async publish(events) {
      put.push(...events.filter((event) => !refusing.has(event.token_id)));
      return events.filter((event) => refusing.has(event.token_id));
    },
  };
  return { bus, put, refusing };
}

function warner(bus: ExpiryEventBus, pageSize?: number): ExpiryWarner {
  return new ExpiryWarner({
    store: new DynamoExpiryStore(client, { tableName: tokensTable, ...(pageSize && { pageSize }) }),
    bus,
    windowMs: WINDOW_MS,
    now: () => now,
  });
}

const newToken = (expiresAt: string | null, description = 'expiring') =>
  madeToken(tokens, OPS, { description, expiresAt, userEmail: 'owner@example.com' });

/** What a rotation does to the old token: an earlier expiry, stamped. */
async function shortenExpiry(id: string, expiresAt: string): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: tokensTable,
      Key: { id },
      UpdateExpression: `SET ${A.expires_at} = :at, ${A.stamp} = :stamp`,
      ExpressionAttributeValues: {
        ':at': expiresAt,
        ':stamp': { actor_type: OPS.type, actor_id: OPS.id, op: 'update', at: now.toISOString() },
      },
    }),
  );
}

/** Hands everything on the stream to the audit consumer. */
async function pump(): Promise<void> {
  while ((await poller.pollOnce()) > 0) {}
}

async function expiringEvents(tokenId: string): Promise<AuditEvent[]> {
  return (await audit.list({ tokenId, type: 'token.expiring', limit: 100 })).items;
}

beforeAll(async () => {
  [tokensTable, auditTable] = await Promise.all([freshTable(TOKENS_TABLE), freshTable(AUDIT_TABLE)]);
  useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), tokensTable, auditTable, eventsFile });
  vi.resetModules();
  const [consumerModule, warnModule] = await Promise.all([
    import('#functions/audit/consumer'),
    import('#functions/expiry/warn'),
  ]);
  warnHandler = warnModule.handler as Handler;
  poller = new StreamPoller({
    endpoint: testEndpoint(),
    tableName: tokensTable,
    consumer: { fn: AUDIT_CONSUMER, handler: consumerModule.handler as unknown as Handler },
    checkpointFile: join(dir, 'checkpoint.json'),
    failuresFile: join(dir, 'failures.jsonl'),
    backoffMs: () => 0,
  });
  audit = new DynamoAuditStore(client, { tableName: auditTable, retentionDays: 400 });
  const store = new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 });
  tokens = new TokenService({ store, keys: staticKeys(newKeyRing()) });
});

afterAll(async () => {
  await poller.stop();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

describe('the expiry-warning scan', () => {
  it('warns the live tokens expiring within the window, and no revoked, later or never-expiring one', async () => {
    now = new Date('2030-01-01T00:00:00.000Z');
    const soon = await newToken(inDays(3));
    const lastDay = await newToken(inDays(13.9));
    const later = await newToken(inDays(15));
    const never = await newToken(null);
    const revoked = await newToken(inDays(2));
    await tokens.revoke(revoked, OPS);
    const { bus, put } = memoryBus();

    const result = await warner(bus).run();

    expect(result.warned.sort()).toEqual([soon, lastDay].sort());
    expect(result.published.sort()).toEqual([soon, lastDay].sort());
    const warned = put.map((event) => event.token_id);
    for (const id of [later, never, revoked]) expect(warned).not.toContain(id);
    expect(put.find((event) => event.token_id === soon)).toMatchObject({
      type: 'token.expiring',
      expires_at: inDays(3),
      description: 'expiring',
      user_email: 'owner@example.com',
    });
  });

  it('passes over a rotated token, which expires on purpose when its grace ends', async () => {
    now = new Date('2030-06-01T00:00:00.000Z');
    const rotated = await newToken(inDays(1));
    const replacement = await newToken(inDays(30));
    // What a rotation leaves on the old token.
    await client.send(
      new UpdateCommand({
        TableName: tokensTable,
        Key: { id: rotated },
        UpdateExpression: `SET ${A.rotated_to} = :to`,
        ExpressionAttributeValues: { ':to': replacement },
      }),
    );
    const { bus, put } = memoryBus();

    expect(await warner(bus).run()).toEqual({ warned: [], published: [], unpublished: [] });
    expect(put).toEqual([]);
  });

  it('run twice, sends each warning once: on the bus and in the audit trail', async () => {
    now = new Date('2031-01-01T00:00:00.000Z');
    const id = await newToken(inDays(5));
    const { bus, put } = memoryBus();

    await warner(bus).run();
    const second = await warner(bus).run();
    await pump();

    expect(second).toEqual({ warned: [], published: [], unpublished: [] });
    expect(put.filter((event) => event.token_id === id)).toHaveLength(1);
    const events = await expiringEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'token.expiring',
      token_id: id,
      actor: { type: 'system', id: 'expiry-warning' },
      details: { expires_at: inDays(5), user_email: 'owner@example.com', description: 'expiring' },
    });
  });

  it('a token whose expiry moves gets a new warning for the new expiry, and only one', async () => {
    now = new Date('2032-01-01T00:00:00.000Z');
    const id = await newToken(inDays(10));
    const { bus, put } = memoryBus();
    await warner(bus).run();

    await shortenExpiry(id, inDays(1));
    await warner(bus).run();
    await warner(bus).run();
    await pump();

    expect(put.filter((event) => event.token_id === id).map((event) => event.expires_at)).toEqual([
      inDays(10),
      inDays(1),
    ]);
    const events = await expiringEvents(id);
    expect(events.map((event) => event.details.expires_at)).toEqual([inDays(1), inDays(10)]);
  });

  it('reads page after page of the expiry index, with Queries only', async () => {
    now = new Date('2033-01-01T00:00:00.000Z');
    const ids = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((day) => newToken(inDays(day))));
    const { bus, put } = memoryBus();
    const log = watchDynamoRequests();

    const result = await warner(bus, 2).run();
    log.stop();

    expect(result.warned.sort()).toEqual([...ids].sort());
    expect(put.map((event) => event.token_id).sort()).toEqual([...ids].sort());
    expect(log.count('Scan')).toBe(0);
    const queries = log.requests.filter((sent) => sent.operation === 'Query');
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const query of queries) {
      expect(JSON.parse(query.body)).toMatchObject({ IndexName: TOKEN_INDEXES.byExpiry.name, Limit: 2 });
    }
  });

  it('an event the bus refused is put by the next run; the audit trail has it once', async () => {
    now = new Date('2034-01-01T00:00:00.000Z');
    const id = await newToken(inDays(4));
    const { bus, put, refusing } = memoryBus();
    refusing.add(id);
    expect(await warner(bus).run()).toMatchObject({ warned: [id], unpublished: [id] });

    refusing.clear();
    expect(await warner(bus).run()).toEqual({ warned: [], published: [id], unpublished: [] });
    await warner(bus).run();
    await pump();

    expect(put.filter((event) => event.token_id === id)).toHaveLength(1);
    expect(await expiringEvents(id)).toHaveLength(1);
  });

  it('runs at the same time warn a token once in the audit trail', async () => {
    now = new Date('2035-01-01T00:00:00.000Z');
    const id = await newToken(inDays(6));
    const { bus } = memoryBus();

    const results = await Promise.all([warner(bus).run(), warner(bus).run(), warner(bus).run()]);
    await pump();

    expect(results.flatMap((result) => result.warned)).toEqual([id]);
    expect(await expiringEvents(id)).toHaveLength(1);
  });
});

describe('the expiry-warning scan in a large table', () => {
  it('reads only the tokens expiring within the window, however many others the table holds', async () => {
    now = new Date('2036-01-01T00:00:00.000Z');
    const table = await freshTable(TOKENS_TABLE);
    const ring = newKeyRing();
    const stampNow = { actor: OPS, op: 'create' as const, at: now.toISOString() };
    // 600 tokens: 20 expire within the window, the others later (up to two years) or never.
    const items = Array.from({ length: 600 }, (_, n) => {
      const expiresAt = n < 20 ? inDays(1 + (n % 13)) : n % 3 === 0 ? null : inDays(15 + n);
      return recordToItem(tokenRecord(ring, { expiresAt }).record, stampNow, 30 * 86_400);
    });
    for (let start = 0; start < items.length; start += 25) {
      const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      await client.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
    }
    // Every item each Query read, before its filter: what DynamoDB charges for.
    const counting = documentClient(testEndpoint());
    let read = 0;
    counting.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        read += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return result;
      },
      { step: 'initialize' },
    );
    const { bus, put } = memoryBus();

    const result = await new ExpiryWarner({
      store: new DynamoExpiryStore(counting, { tableName: table }),
      bus,
      windowMs: WINDOW_MS,
      now: () => now,
    }).run();

    expect(result.warned).toHaveLength(20);
    expect(put).toHaveLength(20);
    expect(read).toBe(20);
    counting.destroy();
  });
});

// On a DynamoDB Local of its own: the run's shared one, busy with every other file's tables, has been
// seen to leave a new index CREATING for over a minute, while the same step alone takes under a second.
describe('a tokens table made before expiry warnings (an older data folder)', () => {
  let own: DynamoDbLocal;
  beforeAll(async () => {
    own = await startDynamoDbLocal({ heapMb: 256 });
  }, 60_000);
  afterAll(() => own.stop());

  it('gets the expiry index from ensureTables, filled from the tokens already there', async () => {
    now = new Date();
    const older = {
      ...TOKENS_TABLE,
      indexes: TOKENS_TABLE.indexes.filter((index) => index.name !== 'by_expiry'),
    };
    const table = `tokens-${randomUUID()}`;
    const dynamo = dynamoClient(own.endpoint);
    const documents = documentClient(own.endpoint);
    await ensureTables(dynamo, [{ definition: older, name: table }]);
    const store = new DynamoTokenStore(documents, { tableName: table, retentionDays: 30 });
    const service = new TokenService({ store, keys: staticKeys(newKeyRing()) });
    const { record } = await service.create(
      {
        kind: 'user',
        description: 'old',
        userEmail: null,
        scopes: [{ scope: 'nameservice:read', resources: null }],
        expiresAt: inDays(2),
      },
      OPS,
    );

    await ensureTables(dynamo, [{ definition: TOKENS_TABLE, name: table }]);
    await ensureTables(dynamo, [{ definition: TOKENS_TABLE, name: table }]); // and again: nothing to add
    dynamo.destroy();

    const { bus, put } = memoryBus();
    const result = await new ExpiryWarner({
      store: new DynamoExpiryStore(documents, { tableName: table }),
      bus,
      windowMs: WINDOW_MS,
      now: () => now,
    }).run();
    documents.destroy();
    expect(result.warned).toEqual([record.id]);
    expect(put.map((event) => event.token_id)).toEqual([record.id]);
  });
});

describe('the expiry-warning function', () => {
  it('puts each warning in the events file once, as EventBridge delivers it, never with the secret', async () => {
    const id = await newToken(new Date(Date.now() + 2 * DAY_MS).toISOString(), 'handler run');
    const created = await tokens.create(
      {
        kind: 'service',
        description: 'handler run, secret kept',
        userEmail: null,
        scopes: [{ scope: 'nameservice:read', resources: null }],
        expiresAt: new Date(Date.now() + 3 * DAY_MS).toISOString(),
      },
      OPS,
    );

    const first = await warnHandler({}, lambdaContext());
    const second = await warnHandler({}, lambdaContext());

    expect(first).toMatchObject({ warned: 2, published: 2 });
    expect(second).toEqual({ warned: 0, published: 0 });
    expect(existsSync(eventsFile)).toBe(true);
    const text = readFileSync(eventsFile, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.detail.token_id).sort()).toEqual([id, created.record.id].sort());
    expect(lines[0]).toMatchObject({ source: 'tokengate', 'detail-type': 'token.expiring' });
    expect(text).not.toContain(created.token);
    expect(text).not.toMatch(/secret_hash|key_id/);
  });
});
