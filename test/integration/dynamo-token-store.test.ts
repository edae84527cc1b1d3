// DynamoTokenStore against DynamoDB Local: what it writes, what it reads back, and its conditions.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoClient } from '#adapters/clients';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { ConflictError, NotFoundError } from '#domain/errors';
import type { TokenRecord } from '#domain/token';
import {
  freshTokensTable,
  testCredentialStore,
  testDocumentClient,
  testEndpoint,
  testJsonClient,
  watchDynamoRequests,
} from '#test-support/dynamo';
import { ADMIN, newKeyRing, stamp, tokenRecord } from './fixtures';

const RETENTION_DAYS = 30;
const RETENTION_SECONDS = RETENTION_DAYS * 86_400;
const client = testDocumentClient();
const ring = newKeyRing();

function storeOn(tableName: string): DynamoTokenStore {
  return new DynamoTokenStore(client, { tableName, retentionDays: RETENTION_DAYS });
}

let table: string;
let store: DynamoTokenStore;
/** The authorizer's view of the same table (shared/adapters/dynamo-credential-store.ts). */
let credentials: DynamoCredentialStore;

beforeAll(async () => {
  table = await freshTokensTable();
  store = storeOn(table);
  credentials = testCredentialStore(table);
});

async function rawItem(id: string, tableName = table): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
  );
  return Item;
}

async function inserted(overrides: Parameters<typeof tokenRecord>[1] = {}): Promise<TokenRecord> {
  const { record } = tokenRecord(ring, overrides);
  await store.insert(record, stamp('create', record.createdAt));
  return record;
}

const DAY_MS = 86_400_000;
// Times near the real clock: DynamoDB Local deletes items whose ttl has passed, as AWS does, so a
// token revoked or expired in the distant past may vanish mid-test.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 10 * DAY_MS;
/** BASE (ten days ago) plus the given days, minutes and seconds, as an ISO string. */
function t(days: number, minutes = 0, seconds = 0): string {
  return new Date(BASE + days * DAY_MS + minutes * 60_000 + seconds * 1000).toISOString();
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('insert and get', () => {
  it('a token read back has every field it was written with', async () => {
    const { record } = tokenRecord(ring, {
      kind: 'user',
      description: 'CI deploys for the web team',
      userEmail: 'ci@example.com',
      scopes: [
        { scope: 'repos:read', resources: ['cran', 'internal-pkgs'] },
        { scope: 'sources:write', resources: ['*'] },
        { scope: 'metadata:read', resources: null },
      ],
      expiresAt: t(60),
    });

    await store.insert(record, stamp('create', record.createdAt));

    expect(await store.get(record.id)).toEqual(record);
  });

  it('a token without email or expiry reads back with nulls', async () => {
    const record = await inserted();

    expect(await store.get(record.id)).toEqual(record);
  });

  it('get of an unknown id is null', async () => {
    expect(await store.get('UnknownTokenId00')).toBeNull();
  });

  it('inserting an id that exists fails with ConflictError and leaves the first token as it was', async () => {
    const first = await inserted({ description: 'first' });
    const { record: second } = tokenRecord(ring, { description: 'second' });

    await expect(
      store.insert({ ...second, id: first.id }, stamp('create', second.createdAt)),
    ).rejects.toThrow(ConflictError);
    expect(await store.get(first.id)).toEqual(first);
  });
});

describe("getCredential (the authorizer's read)", () => {
  it('returns only what the authorizer needs, from one strongly consistent GetItem', async () => {
    const record = await inserted({
      description: 'not needed by the authorizer',
      userEmail: 'someone@example.com',
      expiresAt: t(60),
    });
    const client = testJsonClient();
    const calls = vi.spyOn(client, 'callText');
    const reader = new DynamoCredentialStore(client, table);
    const requests = watchDynamoRequests();

    const credential = await reader.getCredential(record.id);

    expect(credential).toEqual({
      id: record.id,
      kind: record.kind,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      hash: record.hash,
    });
    requests.stop();
    expect(requests.sent).toEqual(['GetItem']);
    expect(calls.mock.calls[0]?.[1]).toMatchObject({ ConsistentRead: true });
  });

  it('is null for an unknown id', async () => {
    expect(await credentials.getCredential('UnknownTokenId00')).toBeNull();
  });

  it('returns the very object it decoded last while the item is unchanged, and decodes it again once it changed', async () => {
    const record = await inserted();
    const reader = new DynamoCredentialStore(testJsonClient(), table);
    const read = () => reader.getCredential(record.id);

    const first = await read();
    const second = await read();
    await store.revoke(record.id, stamp('revoke', t(1)));
    const third = await read();

    expect(second).toBe(first); // the same bytes: the same object
    expect(third).not.toBe(first);
    expect(third?.revokedAt).toBe(t(1));
  });

  it('shows a revocation and a recorded use', async () => {
    const record = await inserted();
    await store.revoke(record.id, stamp('revoke', t(1)));
    await credentials.touchLastUsed(record.id, t(0, 60), t(0, 45));

    const credential = await credentials.getCredential(record.id);

    expect(credential?.revokedAt).toBe(t(1));
    expect(credential?.lastUsedAt).toBe(t(0, 60));
  });
});

describe('revoke', () => {
  it('records when and by whom, and returns the revoked token', async () => {
    const record = await inserted();

    const revoked = await store.revoke(record.id, stamp('revoke', t(1)));

    expect(revoked).toEqual({
      ...record,
      revokedAt: t(1),
      revokedBy: 'token:AdminTokenId0001',
    });
    expect(await store.get(record.id)).toEqual(revoked);
  });

  it('is idempotent: a second revoke changes nothing and returns the first revocation', async () => {
    const record = await inserted();
    const first = await store.revoke(record.id, stamp('revoke', t(1)));

    const second = await store.revoke(
      record.id,
      stamp('revoke', t(2), { type: 'iam', id: 'arn:aws:iam::1:user/x' }),
    );

    expect(second).toEqual(first);
    expect((await rawItem(record.id))?.stamp).toMatchObject({ op: 'revoke', at: t(1) });
  });

  it('concurrent revokes of one token agree on a single revoked_at', async () => {
    const record = await inserted();
    const times = Array.from({ length: 6 }, (_, i) => t(1, 0, i));

    const results = await Promise.all(times.map((at) => store.revoke(record.id, stamp('revoke', at))));

    const revokedAts = new Set(results.map((result) => result.revokedAt));
    expect(revokedAts.size).toBe(1);
    const [winner] = [...revokedAts];
    expect(times).toContain(winner);
    expect((await store.get(record.id))?.revokedAt).toBe(winner);
  });

  it('an unknown id fails with NotFoundError', async () => {
    await expect(store.revoke('UnknownTokenId00', stamp('revoke', t(1)))).rejects.toThrow(NotFoundError);
  });
});

describe('remove', () => {
  it('deletes the token', async () => {
    const record = await inserted();

    await store.remove(record.id, stamp('delete', t(1)));

    expect(await store.get(record.id)).toBeNull();
    expect(await credentials.getCredential(record.id)).toBeNull();
  });

  it('deletes a token that was revoked before', async () => {
    const record = await inserted();
    await store.revoke(record.id, stamp('revoke', t(1)));

    await store.remove(record.id, stamp('delete', t(2)));

    expect(await store.get(record.id)).toBeNull();
  });

  it('concurrent removes of one token each succeed or find it gone, never a conflict', async () => {
    const record = await inserted();

    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => store.remove(record.id, stamp('delete', t(1, 0, i)))),
    );

    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    for (const failure of failures) expect(failure).toBeInstanceOf(NotFoundError);
    expect(failures.length).toBeLessThan(outcomes.length);
    expect(await rawItem(record.id)).toBeUndefined();
  });

  it('an unknown id fails with NotFoundError, and a second remove too', async () => {
    const record = await inserted();
    await store.remove(record.id, stamp('delete', t(1)));

    await expect(store.remove(record.id, stamp('delete', t(1, 0, 1)))).rejects.toThrow(NotFoundError);
    await expect(store.remove('UnknownTokenId00', stamp('delete', t(1)))).rejects.toThrow(NotFoundError);
  });
});

describe("touchLastUsed (the authorizer's write)", () => {
  it('records the first use', async () => {
    const record = await inserted();

    await credentials.touchLastUsed(record.id, t(0, 60), t(0, 45));

    expect((await store.get(record.id))?.lastUsedAt).toBe(t(0, 60));
  });

  it('never recreates a token that is gone', async () => {
    const record = await inserted();
    await store.remove(record.id, stamp('delete', t(1)));

    await credentials.touchLastUsed(record.id, t(1, 60), t(1, 45));
    await credentials.touchLastUsed('UnknownTokenId00', t(1, 60), t(1, 45));

    expect(await rawItem(record.id)).toBeUndefined();
    expect(await rawItem('UnknownTokenId00')).toBeUndefined();
  });

  it('does not overwrite a newer use', async () => {
    const record = await inserted();
    await credentials.touchLastUsed(record.id, t(0, 120), t(0, 105));

    await credentials.touchLastUsed(record.id, t(0, 60), t(0, 45));

    expect((await store.get(record.id))?.lastUsedAt).toBe(t(0, 120));
  });

  it('skips a use while one at or after notBefore is recorded, and records it once none is', async () => {
    const record = await inserted();
    await credentials.touchLastUsed(record.id, t(0, 60), t(0, 45));

    await credentials.touchLastUsed(record.id, t(0, 65), t(0, 50));
    const within = (await store.get(record.id))?.lastUsedAt;
    await credentials.touchLastUsed(record.id, t(0, 76), t(0, 61));
    const after = (await store.get(record.id))?.lastUsedAt;

    expect(within).toBe(t(0, 60));
    expect(after).toBe(t(0, 76));
  });
});

describe('listLive', () => {
  let listed: DynamoTokenStore;
  let oldest: TokenRecord;
  let expired: TokenRecord;
  let revoked: TokenRecord;
  let newest: TokenRecord;

  beforeAll(async () => {
    listed = storeOn(await freshTokensTable());
    const make = async (createdAt: string, overrides: Parameters<typeof tokenRecord>[1] = {}) => {
      const { record } = tokenRecord(ring, { createdAt, ...overrides });
      await listed.insert(record, stamp('create', createdAt));
      return record;
    };
    oldest = await make(t(-4), { kind: 'user' });
    expired = await make(t(-3), { expiresAt: t(-2) });
    revoked = await make(t(-2));
    newest = await make(t(-1), { kind: 'user' });
    await listed.revoke(revoked.id, stamp('revoke', t(0)));
  });

  it('lists tokens that are not revoked, newest first, expired ones included', async () => {
    const all = await listed.listLive();

    expect(all.map((record) => record.id)).toEqual([newest.id, expired.id, oldest.id]);
    expect(all[0]).toEqual(newest);
  });

  it('filters by kind', async () => {
    expect((await listed.listLive('user')).map((r) => r.id)).toEqual([newest.id, oldest.id]);
    expect((await listed.listLive('service')).map((r) => r.id)).toEqual([expired.id]);
  });

  it('a removed token is no longer listed', async () => {
    await listed.remove(oldest.id, stamp('delete', t(0)));

    expect((await listed.listLive()).map((r) => r.id)).toEqual([newest.id, expired.id]);
  });
});

describe('hasActiveAdmin', () => {
  const NOW = new Date(t(0));
  const admin = [{ scope: 'global:admin' as const, resources: null }];

  it('ignores revoked admins, expired admins and tokens without global:admin; finds one that works', async () => {
    const admins = storeOn(await freshTokensTable());
    const insert = async (overrides: Parameters<typeof tokenRecord>[1]) => {
      const { record } = tokenRecord(ring, overrides);
      await admins.insert(record, stamp('create', record.createdAt));
      return record;
    };
    const noneAtFirst = await admins.hasActiveAdmin(NOW);
    const revoked = await insert({ scopes: admin });
    await admins.revoke(revoked.id, stamp('revoke', t(0, -60)));
    await insert({ scopes: admin, expiresAt: t(0, 0, -1) });
    await insert({ scopes: admin, expiresAt: NOW.toISOString() }); // expires at this very moment
    await insert({ scopes: [{ scope: 'identity:manage', resources: null }] });
    const noneActive = await admins.hasActiveAdmin(NOW);
    const later = await insert({
      scopes: [{ scope: 'nameservice:read', resources: null }, ...admin],
      expiresAt: t(0, 0, 1),
    });
    const expiringLater = await admins.hasActiveAdmin(NOW);
    await admins.revoke(later.id, stamp('revoke', t(0)));
    await insert({ scopes: admin });
    const neverExpiring = await admins.hasActiveAdmin(NOW);

    expect(noneAtFirst).toBe(false);
    expect(noneActive).toBe(false);
    expect(expiringLater).toBe(true);
    expect(neverExpiring).toBe(true);
  });
});

describe('ttl (retention before DynamoDB may delete the item)', () => {
  it('an expiring token may be deleted the retention period after it expires', async () => {
    const record = await inserted({ expiresAt: t(60) });

    expect((await rawItem(record.id))?.ttl).toBe(epochSeconds(t(60)) + RETENTION_SECONDS);
  });

  it('an active token that never expires has no ttl', async () => {
    const record = await inserted();

    expect(await rawItem(record.id)).not.toHaveProperty('ttl');
  });

  it('a revoked token may be deleted the retention period after its revocation', async () => {
    const never = await inserted();
    const expiring = await inserted({ expiresAt: t(60) });

    await store.revoke(never.id, stamp('revoke', t(1)));
    await store.revoke(expiring.id, stamp('revoke', t(1)));

    const expected = epochSeconds(t(1)) + RETENTION_SECONDS;
    expect((await rawItem(never.id))?.ttl).toBe(expected);
    expect((await rawItem(expiring.id))?.ttl).toBe(expected);
  });
});

describe('stamps (who did what, for the audit stream)', () => {
  it('insert stamps the creator and the create', async () => {
    const { record } = tokenRecord(ring);
    await store.insert(record, stamp('create', t(0), { type: 'system', id: 'bootstrap' }));

    expect((await rawItem(record.id))?.stamp).toEqual({
      actor_type: 'system',
      actor_id: 'bootstrap',
      op: 'create',
      at: t(0),
    });
  });

  it('revoke stamps the revoker and the revoke', async () => {
    const record = await inserted();

    await store.revoke(record.id, stamp('revoke', t(1), { type: 'iam', id: 'arn:aws:iam::1:role/ops' }));

    expect((await rawItem(record.id))?.stamp).toEqual({
      actor_type: 'iam',
      actor_id: 'arn:aws:iam::1:role/ops',
      op: 'revoke',
      at: t(1),
    });
  });

  it('remove leaves the deleter and the delete in the old image of the stream REMOVE record', async () => {
    const streamed = await freshTokensTable();
    const streamedStore = storeOn(streamed);
    const { record } = tokenRecord(ring);
    await streamedStore.insert(record, stamp('create', record.createdAt));

    await streamedStore.remove(record.id, stamp('delete', t(1)));

    const records = await streamRecords(streamed);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'REMOVE']);
    const removed = records.at(-1)?.dynamodb?.OldImage;
    expect(removed?.stamp?.M).toEqual({
      actor_type: { S: ADMIN.type },
      actor_id: { S: ADMIN.id },
      op: { S: 'delete' },
      at: { S: t(1) },
    });
    expect(removed?.revoked_at?.S).toBe(t(1));
  });
});

/** Every record so far on the table's stream (DynamoDB Local keeps one shard for a small table). */
async function streamRecords(tableName: string): Promise<_Record[]> {
  const dynamo = dynamoClient(testEndpoint());
  const streams = new DynamoDBStreamsClient({
    endpoint: testEndpoint(),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const StreamArn = Table?.LatestStreamArn;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    const records: _Record[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...(Records ?? []));
    }
    return records;
  } finally {
    dynamo.destroy();
    streams.destroy();
  }
}

describe('a search table that refuses the postings (throttled, unreachable)', () => {
  // A search table that does not exist refuses every posting, as a throttled one does once the
  // SDK's retries are spent; the token's own write has committed by then.
  function storeWithoutSearch() {
    const deferred: { id: string; error: string }[] = [];
    const refusing = new DynamoTokenStore(client, {
      tableName: table,
      retentionDays: RETENTION_DAYS,
      searchTableName: 'tokengate-no-such-search-table',
      onPostingsDeferred: (id, error) => deferred.push({ id, error: (error as Error).name }),
    });
    return { refusing, deferred };
  }

  it('keeps each committed write (create, edit, rotate, delete), answers it, and reports the postings left to the stream consumer', async () => {
    const { refusing, deferred } = storeWithoutSearch();
    const { record } = tokenRecord(ring, { description: 'postings refused' });
    await refusing.insert(record, stamp('create', record.createdAt));
    expect(await store.get(record.id)).toEqual(record);

    const edited = await refusing.update(
      record.id,
      { description: 'edited anyway' },
      stamp('update', record.createdAt),
    );
    expect(edited.description).toBe('edited anyway');
    expect((await store.get(record.id))?.description).toBe('edited anyway');

    const now = new Date();
    const successor = { ...tokenRecord(ring).record, rotatedFrom: record.id };
    await refusing.rotate(
      { previous: edited, previousExpiresAt: new Date(now.getTime() + 60_000).toISOString(), successor, now },
      stamp('rotate', now.toISOString()),
    );
    expect(await store.get(successor.id)).toEqual(successor);

    await refusing.remove(successor.id, stamp('delete', now.toISOString()));
    expect(await store.get(successor.id)).toBeNull();

    expect(deferred).toEqual([
      { id: record.id, error: 'ResourceNotFoundException' },
      { id: record.id, error: 'ResourceNotFoundException' },
      { id: successor.id, error: 'ResourceNotFoundException' },
      { id: successor.id, error: 'ResourceNotFoundException' },
    ]);
  });
});
