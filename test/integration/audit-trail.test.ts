// The audit trail on DynamoDB Local, end to end below HTTP: token writes (through the store and the
// token handlers) go to the tokens table's real stream, the local stream poller hands them to the
// audit consumer handler, which writes the audit table; plus the consumer's batch semantics on
// hand-made events, and the audit listing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import type { AuditEvent, AuditQuery } from '#domain/audit';
import { ValidationError } from '#domain/errors';
import type { Actor } from '#domain/token';
import { TokenService } from '#domain/token-service';
import { runInInvokeContext } from '#local/invoke-context';
import { StreamPoller } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';
import { AUDIT_TABLE, TOKENS_TABLE } from '#spec/tables';
import { freshTable, testCredentialStore, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';
import { madeToken, newKeyRing, staticKeys } from './fixtures';

type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

const ADMIN_ID = 'AdminTokenId0001';
const OPS: Actor = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' };
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-audit-'));
const client = testDocumentClient();

let tokensTable = '';
let auditTable = '';
let consumer: StreamHandler;
let createToken: HttpHandler;
let revokeToken: HttpHandler;
let poller: StreamPoller;
let audit: DynamoAuditStore;
let tokens: TokenService;
let store: DynamoTokenStore;

/** Hands everything on the stream to the consumer; returns how many records it was given. */
async function pump(): Promise<number> {
  let total = 0;
  for (let given = await poller.pollOnce(); given > 0; given = await poller.pollOnce()) total += given;
  return total;
}

async function eventsOf(tokenId: string, query: Partial<AuditQuery> = {}): Promise<AuditEvent[]> {
  return (await audit.list({ tokenId, limit: 100, ...query })).items;
}

beforeAll(async () => {
  [tokensTable, auditTable] = await Promise.all([freshTable(TOKENS_TABLE), freshTable(AUDIT_TABLE)]);
  useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), tokensTable, auditTable });
  vi.resetModules();
  const [consumerModule, createModule, revokeModule] = await Promise.all([
    import('#functions/audit/consumer'),
    import('#functions/tokens/create'),
    import('#functions/tokens/revoke'),
  ]);
  consumer = consumerModule.handler as unknown as StreamHandler;
  createToken = createModule.handler as unknown as HttpHandler;
  revokeToken = revokeModule.handler as unknown as HttpHandler;
  poller = new StreamPoller({
    endpoint: testEndpoint(),
    tableName: tokensTable,
    consumer: {
      fn: AUDIT_CONSUMER,
      handler: consumer as (event: unknown, context: Context) => Promise<unknown>,
    },
    checkpointFile: join(dir, 'checkpoint.json'),
    failuresFile: join(dir, 'failures.jsonl'),
    backoffMs: () => 0,
  });
  audit = new DynamoAuditStore(client, { tableName: auditTable, retentionDays: 400 });
  store = new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 });
  tokens = new TokenService({ store, keys: staticKeys(newKeyRing()) });
});

afterAll(async () => {
  await poller.stop();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

const newToken = (description = 'audited') => madeToken(tokens, OPS, { description });

describe('the audit trail, from token writes through the stream', () => {
  it('an operation done with an admin token is attributed to that token', async () => {
    const admin = { authorizer: adminAuthorizerContext(ADMIN_ID) };
    const created = await createToken(
      proxyEvent('POST', '/v1/tokens', {
        ...admin,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'made by the admin', scopes: [{ scope: 'nameservice:read' }] }),
      }),
      lambdaContext(),
    );
    expect(created.statusCode).toBe(201);
    const { id, token } = JSON.parse(created.body);
    const revoked = await revokeToken(
      proxyEvent('POST', `/v1/tokens/${id}/revoke`, { ...admin, pathParameters: { id } }),
      lambdaContext(),
    );
    expect(revoked.statusCode).toBe(200);

    await pump();

    const events = await eventsOf(id);
    expect(events).toMatchObject([
      { type: 'token.revoked', token_id: id, actor: { type: 'token', id: ADMIN_ID } },
      { type: 'token.created', token_id: id, actor: { type: 'token', id: ADMIN_ID } },
    ]);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toMatch(/secret_hash|key_id/);
    const byAdmin = await audit.list({ actor: `token:${ADMIN_ID}`, limit: 100 });
    expect(byAdmin.items.map((event) => event.token_id)).toEqual([id, id]);
  });

  it('revoking twice yields one token.revoked, with the first revocation time', async () => {
    const id = await newToken();
    const first = await tokens.revoke(id, OPS);
    await tokens.revoke(id, { type: 'token', id: ADMIN_ID });

    await pump();

    const revocations = await eventsOf(id, { type: 'token.revoked' });
    expect(revocations).toHaveLength(1);
    expect(revocations[0]).toMatchObject({ actor: OPS, details: { revoked_at: first.revokedAt } });
  });

  it('recording last_used_at is a change on the stream but no audit event', async () => {
    const id = await newToken();
    await pump();
    await testCredentialStore(tokensTable).touchLastUsed(
      id,
      new Date().toISOString(),
      new Date(0).toISOString(),
    );

    expect(await pump()).toBe(1);
    expect((await eventsOf(id)).map((event) => event.type)).toEqual(['token.created']);
  });

  it('a delete is a revoke then a delete, both by the deleter; the stamp in between is no event', async () => {
    const id = await newToken();
    await tokens.delete(id, OPS);

    await pump();

    expect((await eventsOf(id)).map((event) => [event.type, event.actor])).toEqual([
      ['token.deleted', OPS],
      ['token.revoked', OPS],
      ['token.created', OPS],
    ]);
  });

  it('an update names the changed field, before and after', async () => {
    const id = await newToken();
    await tokens.update(id, { userEmail: 'owner@example.com' }, OPS);

    await pump();

    const [updated] = await eventsOf(id, { type: 'token.updated' });
    expect(updated?.details.changes).toEqual({ user_email: { old: null, new: 'owner@example.com' } });
  });

  it('a description edit is token.updated naming the description, before and after, by the editor', async () => {
    const id = await newToken();
    const { description } = await tokens.get(id);
    await tokens.update(id, { description: 'Nightly mirror' }, OPS);

    await pump();

    const [updated] = await eventsOf(id, { type: 'token.updated' });
    expect(updated).toMatchObject({ actor: OPS });
    expect(updated?.details.changes).toEqual({ description: { old: description, new: 'Nightly mirror' } });
  });

  it('a rotation is token.rotated on the old token (rotated_to) and token.created on the new (rotated_from), both by the rotator', async () => {
    const id = await newToken();
    const rotator: Actor = { type: 'token', id };
    const { record } = await tokens.rotate(id, { graceSeconds: 60, actor: rotator });

    await pump();

    const [rotated, ...older] = await eventsOf(id);
    expect(rotated).toMatchObject({
      type: 'token.rotated',
      actor: rotator,
      details: { rotated_to: record.id, expires_at: expect.any(String) },
    });
    expect(older.map((event) => event.type)).toEqual(['token.created']);
    expect(await eventsOf(record.id)).toMatchObject([
      { type: 'token.created', actor: rotator, details: { rotated_from: id } },
    ]);
  });

  it('revoking a token revokes its self-rotated descendants, each with its own token.revoked naming the ancestor', async () => {
    // L rotates itself into S1, S1 into S2 once past its first hour: made on a clock in the past.
    const start = Date.now();
    let clock = new Date(start - 3 * 3_600_000);
    const past = new TokenService({ store, keys: staticKeys(newKeyRing()), now: () => clock });
    const leaked = await newToken('leaked');
    const s1 = await past.rotate(leaked, { graceSeconds: 0, actor: { type: 'token', id: leaked } });
    clock = new Date(start - 3_600_000);
    const s2 = await past.rotate(s1.record.id, {
      graceSeconds: 60,
      actor: { type: 'token', id: s1.record.id },
    });

    await tokens.revoke(leaked, OPS);
    await pump();

    const [revoked] = await eventsOf(leaked, { type: 'token.revoked' });
    expect(revoked?.actor).toEqual(OPS);
    expect(revoked?.details.revoked_with).toBeUndefined();
    for (const id of [s1.record.id, s2.record.id]) {
      expect(await eventsOf(id, { type: 'token.revoked' })).toMatchObject([
        { token_id: id, actor: OPS, details: { revoked_with: leaked, revoked_at: expect.any(String) } },
      ]);
    }
  });

  it('reading the whole stream again (a lost checkpoint) adds no duplicate', async () => {
    const before = (await audit.list({ limit: 100 })).items;
    const replay = new StreamPoller({
      endpoint: testEndpoint(),
      tableName: tokensTable,
      consumer: {
        fn: AUDIT_CONSUMER,
        handler: consumer as (event: unknown, context: Context) => Promise<unknown>,
      },
      checkpointFile: join(dir, 'fresh-checkpoint.json'),
      failuresFile: join(dir, 'failures.jsonl'),
    });
    let given = 0;
    for (let n = await replay.pollOnce(); n > 0; n = await replay.pollOnce()) given += n;
    await replay.stop();

    expect(given).toBeGreaterThan(10);
    expect((await audit.list({ limit: 100 })).items).toEqual(before);
  });
});

/** A Lambda stream record of `eventName` for a token item, as DynamoDB Streams delivers it. */
function streamRecord(sequence: number, eventName: 'INSERT' | 'MODIFY', image: Record<string, unknown>) {
  return {
    eventID: `hand-made-${sequence}-${auditTable}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens/stream/2026-06-15T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_781_524_800,
      Keys: { id: { S: String(image.id ?? 'missing') } },
      NewImage: marshall(image, { removeUndefinedValues: true }) as Record<string, never>,
      SequenceNumber: String(100 + sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  };
}

function tokenImage(id: string, at: string) {
  return {
    id,
    kind: 'service',
    description: `hand-made ${id}`,
    scopes: [{ scope: 'identity:manage' }],
    created_at: at,
    stamp: { actor_type: 'token', actor_id: ADMIN_ID, op: 'create', at },
  };
}

describe('the audit consumer, invoked with a batch', () => {
  const at = '2026-06-15T10:00:00.000Z';
  const good = ['Batch0Token00001', 'Batch0Token00003'];
  const batch = (): DynamoDBStreamEvent => ({
    Records: [
      streamRecord(1, 'INSERT', tokenImage(good[0] as string, at)),
      streamRecord(2, 'INSERT', { description: 'a poison record: no token id', stamp: { op: 'create' } }),
      streamRecord(3, 'INSERT', tokenImage(good[1] as string, at)),
    ],
  });

  // As Lambda invokes it: this process already ran concurrent invocations through the stream poller.
  const invoke = (event: DynamoDBStreamEvent) => {
    const context = lambdaContext('audit-consumer');
    return runInInvokeContext(context, () => consumer(event, context));
  };

  it('a poison record fails alone: the partial batch response names only it, the others are recorded', async () => {
    const response = await invoke(batch());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '000000000000000000102' }] });
    for (const id of good) expect((await eventsOf(id)).map((event) => event.type)).toEqual(['token.created']);
  });

  it('a replayed batch adds no duplicate', async () => {
    const clean = { Records: batch().Records.filter((_, i) => i !== 1) };
    expect(await invoke(clean)).toEqual({ batchItemFailures: [] });
    expect(await invoke(clean)).toEqual({ batchItemFailures: [] });

    for (const id of good) expect(await eventsOf(id)).toHaveLength(1);
  });
});

describe('the audit listing', () => {
  const tokenA = 'ListingToken0001';
  const tokenB = 'ListingToken0002';
  const times = Array.from({ length: 7 }, (_, i) => `2026-07-0${i + 1}T12:00:00.000Z`);

  beforeAll(async () => {
    const events: AuditEvent[] = [
      ...times.map((time, i) => ({
        id: `listing-a-${i}`,
        time,
        type: i === 0 ? ('token.created' as const) : ('token.updated' as const),
        token_id: tokenA,
        actor: i % 2 === 0 ? OPS : { type: 'token' as const, id: ADMIN_ID },
        details: {},
      })),
      {
        id: 'listing-b-0',
        time: times[3] as string,
        type: 'token.created',
        token_id: tokenB,
        actor: OPS,
        details: {},
      },
    ];
    for (const event of events) expect(await audit.record(event)).toBe('recorded');
  });

  it('records an event once: recording it again is a success that changes nothing', async () => {
    const again = {
      id: 'listing-b-0',
      time: times[3] as string,
      type: 'token.created' as const,
      token_id: tokenB,
      actor: OPS,
      details: {},
    };
    expect(await audit.record(again)).toBe('duplicate');
    expect(await eventsOf(tokenB)).toHaveLength(1);
  });

  it('pages newest first; the pages neither repeat nor skip an event', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await audit.list({ tokenId: tokenA, limit: 3, cursor });
      seen.push(...page.items.map((event) => event.time));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...times].reverse());
    expect(pages).toBe(3);
  });

  it('filters by actor, by type, and by time range (since inclusive, until exclusive), combined', async () => {
    const ops = await eventsOf(tokenA, { actor: `iam:${OPS.id}` });
    expect(ops.map((event) => event.id)).toEqual([
      'listing-a-6',
      'listing-a-4',
      'listing-a-2',
      'listing-a-0',
    ]);

    const updates = await eventsOf(tokenA, { type: 'token.updated', actor: `iam:${OPS.id}` });
    expect(updates.map((event) => event.id)).toEqual(['listing-a-6', 'listing-a-4', 'listing-a-2']);

    const ranged = await audit.list({ since: times[2], until: times[5], limit: 100 });
    expect(ranged.items.map((event) => event.id)).toEqual([
      'listing-a-4',
      'listing-b-0',
      'listing-a-3',
      'listing-a-2',
    ]);
  });

  it('pages through filtered results with the same cursor rules', async () => {
    const first = await audit.list({ tokenId: tokenA, type: 'token.updated', limit: 4 });
    expect(first.items).toHaveLength(4);
    const second = await audit.list({
      tokenId: tokenA,
      type: 'token.updated',
      limit: 4,
      cursor: first.nextCursor ?? undefined,
    });
    expect([...first.items, ...second.items].map((event) => event.id)).toEqual(
      [6, 5, 4, 3, 2, 1].map((i) => `listing-a-${i}`),
    );
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a cursor from a listing with other filters', async () => {
    const page = await audit.list({ tokenId: tokenA, limit: 1 });
    await expect(
      audit.list({ type: 'token.updated', limit: 1, cursor: page.nextCursor ?? '' }),
    ).rejects.toThrow(ValidationError);
  });
});
