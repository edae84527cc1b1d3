// Rotation on DynamoDB Local: TokenService.rotate and the store's one transaction. What the successor
// copies, the links both ways, the old token's shortened expiry, the refusals that change nothing,
// rotations that race (exactly one wins), and crash recovery's `replacing`.
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { ConflictError, NotFoundError, ValidationError } from '#domain/errors';
import type { Actor, TokenRecord } from '#domain/token';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import type { ScopeGrant } from '#spec/scopes';
import { freshTokensTable, testCredentialStore, testDocumentClient } from '#test-support/dynamo';
import { ADMIN, newKeyRing, staticKeys } from './fixtures';

const RETENTION_SECONDS = 30 * 86_400;
const client = testDocumentClient();
const keys = staticKeys(newKeyRing());
const SCOPES: ScopeGrant[] = [
  { scope: 'repos:read', resources: ['cran', 'pypi'] },
  { scope: 'nameservice:read', resources: null },
];

let table: string;
let store: DynamoTokenStore;
let verifier: BearerVerifier;
/** The clock the service reads; tests move it. */
let now = new Date();
let tokens: TokenService;

beforeAll(async () => {
  table = await freshTokensTable();
  store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys, now: () => now });
  verifier = new BearerVerifier({ store: testCredentialStore(table), keys });
});

async function rawItem(id: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }));
  return Item;
}

/** Every token a rotation of `id` made. */
async function successorsOf(id: string): Promise<Record<string, unknown>[]> {
  const { Items } = await client.send(
    new ScanCommand({
      TableName: table,
      ConsistentRead: true,
      FilterExpression: 'rotated_from = :id',
      ExpressionAttributeValues: { ':id': id },
    }),
  );
  return Items ?? [];
}

async function newToken(expiresAt: string | null = null) {
  now = new Date();
  return tokens.create(
    { kind: 'service', description: 'nightly sync', userEmail: 'ops@example.com', scopes: SCOPES, expiresAt },
    ADMIN,
  );
}

const inSeconds = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

async function conflictOf(outcome: Promise<unknown>): Promise<ConflictError> {
  const error = await outcome.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConflictError);
  return error as ConflictError;
}

describe('TokenService.rotate', () => {
  it('makes a token with the same kind, description, user email, scopes and expiry, linked both ways', async () => {
    const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const old = await newToken(expiry);
    const rotator: Actor = { type: 'token', id: old.record.id };

    const rotated = await tokens.rotate(old.record.id, { graceSeconds: 600, actor: rotator });

    expect(rotated.record).toMatchObject({
      kind: 'service',
      description: 'nightly sync',
      userEmail: 'ops@example.com',
      scopes: SCOPES,
      expiresAt: expiry,
      rotatedFrom: old.record.id,
      rotatedTo: null,
      revokedAt: null,
      createdBy: `token:${old.record.id}`,
    });
    expect(rotated.record.id).not.toBe(old.record.id);
    expect(rotated.token).not.toBe(old.token);
    expect(rotated.previous).toEqual({
      ...old.record,
      expiresAt: inSeconds(600),
      rotatedTo: rotated.record.id,
    });
    // What is stored is what was returned.
    expect(await store.get(old.record.id)).toEqual(rotated.previous);
    expect(await store.get(rotated.record.id)).toEqual(rotated.record);
    expect(await rawItem(old.record.id)).toMatchObject({
      rotated_to: rotated.record.id,
      ttl: Math.floor(now.getTime() / 1000) + 600 + RETENTION_SECONDS,
      stamp: { actor_type: 'token', actor_id: old.record.id, op: 'rotate', at: now.toISOString() },
    });
    expect(await rawItem(rotated.record.id)).toMatchObject({ stamp: { op: 'create' } });
    // Both work now: the old one for the grace.
    expect((await verifier.verify(`Bearer ${old.token}`)).tokenId).toBe(old.record.id);
    expect((await verifier.verify(`Bearer ${rotated.token}`)).tokenId).toBe(rotated.record.id);
  });

  it('a token that never expires stops at now + grace; its successor never expires', async () => {
    const old = await newToken(null);
    const rotated = await tokens.rotate(old.record.id, { graceSeconds: 3_600, actor: ADMIN });
    expect(rotated.previous.expiresAt).toBe(inSeconds(3_600));
    expect(rotated.record.expiresAt).toBeNull();
  });

  it('a token expiring within the grace keeps its own expiry: rotation never extends a lifetime', async () => {
    const old = await newToken(new Date(Date.now() + 60_000).toISOString());
    const rotated = await tokens.rotate(old.record.id, { graceSeconds: 3_600, actor: ADMIN });
    expect(rotated.previous.expiresAt).toBe(old.record.expiresAt);
    expect(rotated.record.expiresAt).toBe(old.record.expiresAt);
  });

  it('a grace of 0 ends the old token at once', async () => {
    const old = await newToken();
    await tokens.rotate(old.record.id, { graceSeconds: 0, actor: ADMIN });
    now = new Date(now.getTime() + 1);
    await expect(verifier.verify(`Bearer ${old.token}`)).rejects.toThrow('The token is expired');
  });

  it('an unknown id is NotFoundError naming id; a grace out of range is ValidationError, reading nothing', async () => {
    await expect(tokens.rotate('UnknownTokenId01', { graceSeconds: 60, actor: ADMIN })).rejects.toSatisfy(
      (error) => error instanceof NotFoundError && error.field === 'id',
    );
    const old = await newToken();
    for (const graceSeconds of [-1, 604_801, 1.5]) {
      await expect(tokens.rotate(old.record.id, { graceSeconds, actor: ADMIN })).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    expect(await store.get(old.record.id)).toEqual(old.record);
  });
});

describe('refusals change nothing', () => {
  async function expectRefusedUnchanged(id: string, message: RegExp) {
    const before = await rawItem(id);
    const error = await conflictOf(tokens.rotate(id, { graceSeconds: 60, actor: ADMIN }));
    expect(error.message).toMatch(message);
    expect(error.statusCode).toBe(409);
    expect(await rawItem(id)).toEqual(before);
    return successorsOf(id);
  }

  it('a revoked token: 409, no successor', async () => {
    const old = await newToken();
    await tokens.revoke(old.record.id, ADMIN);
    expect(await expectRefusedUnchanged(old.record.id, /is revoked/)).toEqual([]);
  });

  it('an expired token: 409, no successor', async () => {
    const old = await newToken(new Date(Date.now() + 1_000).toISOString());
    now = new Date(Date.now() + 2_000);
    expect(await expectRefusedUnchanged(old.record.id, /is expired/)).toEqual([]);
  });

  it('a token rotated already: 409, still its one successor', async () => {
    const old = await newToken();
    const first = await tokens.rotate(old.record.id, { graceSeconds: 600, actor: ADMIN });
    const successors = await expectRefusedUnchanged(old.record.id, /rotated already, to/);
    expect(successors.map((item) => item.id)).toEqual([first.record.id]);
  });

  it('a write decided on a stale read (revoked in between) fails in the transaction: 409, nothing written', async () => {
    const old = await newToken();
    const stale = await store.get(old.record.id);
    await tokens.revoke(old.record.id, ADMIN);
    const revoked = await rawItem(old.record.id);
    const successor = { ...(await newToken()).record, id: 'NeverWritten0001', rotatedFrom: old.record.id };

    await conflictOf(
      store.rotate(
        {
          previous: stale as TokenRecord,
          previousExpiresAt: inSeconds(60),
          successor,
          now,
        },
        { actor: ADMIN, op: 'rotate', at: now.toISOString() },
      ),
    );
    expect(await rawItem(old.record.id)).toEqual(revoked);
    expect(await rawItem('NeverWritten0001')).toBeUndefined();
  });

  it("a write decided on a stale read (expiry changed in between) fails: the old token's expiry is as read", async () => {
    const old = await newToken();
    const successor = { ...(await newToken()).record, id: 'NeverWritten0002', rotatedFrom: old.record.id };
    const write = (previous: TokenRecord) =>
      store.rotate(
        { previous, previousExpiresAt: inSeconds(60), successor, now },
        { actor: ADMIN, op: 'rotate', at: now.toISOString() },
      );
    // As if it had been read with another expiry than it has.
    await conflictOf(write({ ...old.record, expiresAt: inSeconds(86_400) }));
    await conflictOf(write({ ...old.record, rotatedTo: 'SomeOtherToken01' }));
    expect(await store.get(old.record.id)).toEqual(old.record);
    expect(await rawItem('NeverWritten0002')).toBeUndefined();
  });
});

describe('rotations of one token that race', () => {
  async function race(expiresAt: string | null, graceSeconds: number) {
    const old = await newToken(expiresAt);
    const racers = 8;

    const outcomes = await Promise.allSettled(
      Array.from({ length: racers }, () => tokens.rotate(old.record.id, { graceSeconds, actor: ADMIN })),
    );

    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(racers - 1);
    for (const outcome of lost) expect(outcome.reason).toBeInstanceOf(ConflictError);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<TokenService['rotate']>>>).value;
    const successors = await successorsOf(old.record.id);
    expect(successors.map((item) => item.id)).toEqual([winner.record.id]);
    expect(await store.get(old.record.id)).toEqual(winner.previous);
  }

  it('exactly one wins; the others are 409; one successor exists, and it is the one linked', async () => {
    await race(null, 60);
  });

  it('exactly one wins also when the grace leaves the expiry as it was (only the link tells them apart)', async () => {
    await race(new Date(Date.now() + 600_000).toISOString(), 3_600);
  });
});

describe('crash recovery: replacing a successor nobody received', () => {
  it('revokes the abandoned successor and links a new one, in one transaction, with the original expiry', async () => {
    const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const old = await newToken(expiry);
    const abandoned = await tokens.rotate(old.record.id, { graceSeconds: 600, actor: ADMIN });

    const retried = await tokens.rotate(old.record.id, {
      graceSeconds: 600,
      actor: ADMIN,
      replacing: abandoned.record.id,
    });

    expect(retried.record).toMatchObject({ rotatedFrom: old.record.id, expiresAt: expiry });
    expect(retried.previous.rotatedTo).toBe(retried.record.id);
    expect(await store.get(abandoned.record.id)).toMatchObject({ revokedAt: now.toISOString() });
    expect(await rawItem(abandoned.record.id)).toMatchObject({ stamp: { op: 'revoke' } });
    await expect(verifier.verify(`Bearer ${abandoned.token}`)).rejects.toThrow('The token is revoked');
    expect((await verifier.verify(`Bearer ${retried.token}`)).tokenId).toBe(retried.record.id);
    expect((await verifier.verify(`Bearer ${old.token}`)).tokenId).toBe(old.record.id);
  });

  it('refuses, changing nothing, a replacing that is not the successor the token was rotated to', async () => {
    const old = await newToken();
    const other = await newToken();
    // Not rotated at all.
    await conflictOf(
      tokens.rotate(old.record.id, { graceSeconds: 60, actor: ADMIN, replacing: other.record.id }),
    );
    const first = await tokens.rotate(old.record.id, { graceSeconds: 60, actor: ADMIN });
    // Rotated, but to another token.
    const before = await rawItem(old.record.id);
    await conflictOf(
      tokens.rotate(old.record.id, { graceSeconds: 60, actor: ADMIN, replacing: other.record.id }),
    );
    expect(await rawItem(old.record.id)).toEqual(before);
    expect(await store.get(other.record.id)).toEqual(other.record);
    expect(await store.get(first.record.id)).toEqual(first.record);
  });

  it('refuses a replacing whose link says more than the token named: it must have been made by rotating this one', async () => {
    // The old token's link to `other` is written by hand; `other` was never rotated from it. Replacing
    // it would revoke a token that is no orphan of this rotation.
    const old = await newToken();
    const other = await newToken();
    await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id: old.record.id },
        UpdateExpression: 'SET rotated_to = :other',
        ExpressionAttributeValues: { ':other': other.record.id },
      }),
    );
    const before = await rawItem(old.record.id);

    const error = await conflictOf(
      tokens.rotate(old.record.id, { graceSeconds: 60, actor: ADMIN, replacing: other.record.id }),
    );

    expect(error.message).toBe(`Token ${other.record.id} was not made by rotating ${old.record.id}`);
    expect(await rawItem(old.record.id)).toEqual(before);
    expect(await store.get(other.record.id)).toEqual(other.record);
    expect(await successorsOf(old.record.id)).toEqual([]);
  });

  it('refuses to replace a successor that was rotated in turn: it was received and is in use', async () => {
    const old = await newToken();
    const first = await tokens.rotate(old.record.id, { graceSeconds: 600, actor: ADMIN });
    await tokens.rotate(first.record.id, { graceSeconds: 600, actor: ADMIN });
    const error = await conflictOf(
      tokens.rotate(old.record.id, { graceSeconds: 60, actor: ADMIN, replacing: first.record.id }),
    );
    expect(error.message).toMatch(/rotated in turn/);
    expect((await store.get(first.record.id))?.revokedAt).toBeNull();
  });

  it('an abandoned successor revoked meanwhile is left as it is; the new successor is still linked', async () => {
    const old = await newToken();
    const abandoned = await tokens.rotate(old.record.id, { graceSeconds: 600, actor: ADMIN });
    const revoked = await tokens.revoke(abandoned.record.id, ADMIN);
    const retried = await tokens.rotate(old.record.id, {
      graceSeconds: 600,
      actor: ADMIN,
      replacing: abandoned.record.id,
    });
    expect(await store.get(abandoned.record.id)).toEqual(revoked);
    expect((await store.get(old.record.id))?.rotatedTo).toBe(retried.record.id);
  });
});
