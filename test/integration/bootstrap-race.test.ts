// Bootstrap on DynamoDB Local: of bootstraps that race, exactly one makes an admin token, however many
// there are, on an empty table and again once the bootstrapped admin token no longer works. The
// bootstrap claim item that makes this so is no token: no listing shows it, and the audit trail
// (the real stream, poller and consumer) records only the admin token's creation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { imageToTokenImage } from '#adapters/token-item';
import { auditEventOf } from '#domain/audit';
import { ConflictError } from '#domain/errors';
import type { Actor } from '#domain/token';
import { TOKEN_ID_PATTERN } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { StreamPoller } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';
import { AUDIT_TABLE, BOOTSTRAP_CLAIM_ID } from '#spec/tables';
import { freshTable, freshTokensTable, testDocumentClient, testEndpoint } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { newKeyRing, stamp, staticKeys, tokenRecord } from './fixtures';

const BOOTSTRAP: Actor = { type: 'system', id: 'bootstrap' };
const RACERS = 8;
const keys = staticKeys(newKeyRing());
const client = testDocumentClient();
let table = '';

beforeEach(async () => {
  table = await freshTokensTable();
});

/** A token service of its own, on a client of its own, as each CLI process has. */
function service(now?: () => Date): TokenService {
  return new TokenService({
    store: new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 }),
    keys,
    ...(now && { now }),
  });
}

/** `count` bootstraps at once; the ids they made and the errors of those refused. */
async function race(count: number, now?: () => Date) {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => service(now).bootstrapAdmin(BOOTSTRAP)),
  );
  return {
    won: settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.record.id] : [])),
    refused: settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
  };
}

async function liveAdmins(): Promise<string[]> {
  return (await service().listActive())
    .filter((record) => record.scopes.some((grant) => grant.scope === 'global:admin'))
    .map((record) => record.id);
}

describe('bootstraps that race', () => {
  it(`of ${RACERS} at once on an empty table, exactly one makes an admin token`, async () => {
    const { won, refused } = await race(RACERS);

    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(RACERS - 1);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toMatch(/^An active global:admin token exists already/);
    }
    expect(await liveAdmins()).toEqual(won);
  });

  it('one after another: the second is refused while the first token is active', async () => {
    const first = await service().bootstrapAdmin(BOOTSTRAP);

    await expect(service().bootstrapAdmin(BOOTSTRAP)).rejects.toThrow(
      /^An active global:admin token exists already/,
    );
    expect(await liveAdmins()).toEqual([first.record.id]);
  });

  it('an active admin token that bootstrap did not make refuses it too, though the claim names one revoked', async () => {
    // Only the listing check sees this admin: the claim names the bootstrapped token, which no longer works.
    const first = await service().bootstrapAdmin(BOOTSTRAP);
    const second = await service().create(
      {
        kind: 'user',
        description: 'second admin',
        userEmail: null,
        scopes: [{ scope: 'global:admin', resources: null }],
        expiresAt: null,
      },
      { type: 'token', id: first.record.id },
    );
    await service().revoke(first.record.id, BOOTSTRAP);

    await expect(service().bootstrapAdmin(BOOTSTRAP)).rejects.toThrow(
      new ConflictError(
        'An active global:admin token exists already: bootstrap only makes the first one. Use it to create others.',
      ),
    );
    expect(await liveAdmins()).toEqual([second.record.id]);
  });

  it('once the bootstrapped admin token is revoked, bootstrap works again, and again only one of a race wins', async () => {
    const first = await service().bootstrapAdmin(BOOTSTRAP);
    await service().revoke(first.record.id, BOOTSTRAP);

    const { won } = await race(RACERS);

    expect(won).toHaveLength(1);
    expect(await liveAdmins()).toEqual(won);
    const { Item } = await client.send(
      new GetCommand({ TableName: table, Key: { id: BOOTSTRAP_CLAIM_ID }, ConsistentRead: true }),
    );
    expect(Item?.admin_id).toBe(won[0]);
  });

  it('once the bootstrapped admin token has expired, bootstrap works again, and only once', async () => {
    const first = await service().bootstrapAdmin(BOOTSTRAP);
    await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id: first.record.id },
        UpdateExpression: 'SET expires_at = :past',
        ExpressionAttributeValues: { ':past': '2020-01-01T00:00:00.000Z' },
      }),
    );

    const { won } = await race(RACERS);

    expect(won).toHaveLength(1);
    expect(await liveAdmins()).toEqual(won);
  });

  it('once the bootstrapped admin token is gone from the table (TTL), bootstrap works again', async () => {
    const first = await service().bootstrapAdmin(BOOTSTRAP);
    await client.send(new DeleteCommand({ TableName: table, Key: { id: first.record.id } }));

    const { won } = await race(4);

    expect(won).toHaveLength(1);
  });

  it('the claim alone refuses a bootstrap while the token it names works, whatever the listing said', async () => {
    // The listing check and the claim are two guards; a race can slip past the listing, never past the
    // claim. Here the store is asked directly, as a racer that passed the listing check would.
    const first = await service().bootstrapAdmin(BOOTSTRAP);
    const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
    const { record } = tokenRecord(newKeyRing(), { scopes: [{ scope: 'global:admin', resources: null }] });

    await expect(
      store.insertBootstrapAdmin(record, stamp('create', record.createdAt, BOOTSTRAP), new Date()),
    ).rejects.toThrow(new ConflictError(`token ${first.record.id}, made by an earlier bootstrap`));
    expect(await store.get(record.id)).toBeNull();
    expect(await liveAdmins()).toEqual([first.record.id]);
  });
});

describe('the bootstrap claim', () => {
  it('has an id that no token can have, and no listing shows it', async () => {
    await service().bootstrapAdmin(BOOTSTRAP);

    expect(TOKEN_ID_PATTERN.test(BOOTSTRAP_CLAIM_ID)).toBe(false);
    const all = await service().list({ sort: 'newest', limit: 100 });
    expect(all.items.map((record) => record.id)).not.toContain(BOOTSTRAP_CLAIM_ID);
    expect(all.items).toHaveLength(1);
    for (const status of ['active', 'revoked', 'expired'] as const) {
      const page = await service().list({ sort: 'name_asc', limit: 100, status });
      expect(page.items.map((record) => record.id)).not.toContain(BOOTSTRAP_CLAIM_ID);
    }
    expect(
      (await new DynamoTokenStore(client, { tableName: table, retentionDays: 30 }).listLive()).length,
    ).toBe(1);
  });

  it.each(['INSERT', 'MODIFY', 'REMOVE'] as const)(
    'makes no audit event when its %s is on the stream',
    (eventName) => {
      const image = { id: BOOTSTRAP_CLAIM_ID, admin_id: 'AAAAAAAAAAAAAAAA', at: '2026-01-01T00:00:00.000Z' };
      const next = { ...image, admin_id: 'BBBBBBBBBBBBBBBB' };
      expect(
        auditEventOf({
          eventId: 'e1',
          eventName,
          approximateTime: new Date(),
          ...(eventName !== 'INSERT' && { oldImage: imageToTokenImage(image, 'e1', 'oldImage') }),
          ...(eventName !== 'REMOVE' && { newImage: imageToTokenImage(next, 'e1', 'newImage') }),
        }),
      ).toBeNull();
    },
  );
});

describe('the audit trail of bootstraps', () => {
  const restoreEnv = saveHandlerEnv();
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-bootstrap-audit-'));
  afterAll(() => {
    restoreEnv();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one token.created per bootstrap admin token, none for the claim, and fails no record', async () => {
    const auditTable = await freshTable(AUDIT_TABLE);
    useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), tokensTable: table, auditTable });
    vi.resetModules();
    const { handler } = await import('#functions/audit/consumer');
    const poller = new StreamPoller({
      endpoint: testEndpoint(),
      tableName: table,
      consumer: {
        fn: AUDIT_CONSUMER,
        handler: handler as (event: unknown, context: Context) => Promise<unknown>,
      },
      checkpointFile: join(dir, 'checkpoint.json'),
      failuresFile: join(dir, 'failures.jsonl'),
      backoffMs: () => 0,
    });
    try {
      const first = await service().bootstrapAdmin(BOOTSTRAP);
      await service().revoke(first.record.id, BOOTSTRAP);
      const { won } = await race(4);

      for (let round = 0; round < 50 && (await poller.pollOnce()) > 0; round++);

      const audit = new DynamoAuditStore(client, { tableName: auditTable, retentionDays: 400 });
      const events = (await audit.list({ limit: 100 })).items;
      expect(events.map((event) => [event.type, event.token_id]).sort()).toEqual(
        [
          ['token.created', first.record.id],
          ['token.revoked', first.record.id],
          ['token.created', won[0]],
        ].sort(),
      );
      expect(events.every((event) => event.token_id !== BOOTSTRAP_CLAIM_ID)).toBe(true);
    } finally {
      await poller.stop();
    }
  });
});
