// The token tree on DynamoDB Local: a token minted by self-rotation is a child of the token that
// minted it, and is revoked with it. An admin's revoke (any status) and the Connect delete take every
// descendant along; the public leak report does so only for a token that was still accepted. And the
// leak report's bound on reads spent on forged tokens.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import type { Actor, TokenRecord } from '#domain/token';
import { mintToken } from '#domain/token-format';
import { LEAK_REPORT_MISS_LIMIT, TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import type { ScopeGrant } from '#spec/scopes';
import {
  captureCommands,
  freshTokensTable,
  testCredentialStore,
  testDocumentClient,
} from '#test-support/dynamo';
import { ADMIN, newKeyRing, staticKeys } from './fixtures';

const HOUR_MS = 3_600_000;
const WEEK_SECONDS = 604_800;
const keys = staticKeys(newKeyRing());
const NAMESERVICE: ScopeGrant[] = [{ scope: 'nameservice:read', resources: null }];

let table: string;
let store: DynamoTokenStore;
let verifier: BearerVerifier;
/** The clock the service reads: the chain is made in the past, hours apart, and checked now. */
let now = new Date();
let tokens: TokenService;

beforeAll(async () => {
  table = await freshTokensTable();
  store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys, now: () => now });
  verifier = new BearerVerifier({ store: testCredentialStore(table), keys });
});

const self = (id: string): Actor => ({ type: 'token', id });

async function accepted(token: string): Promise<boolean> {
  return verifier.verify(`Bearer ${token}`).then(
    () => true,
    () => false,
  );
}

/**
 * L, made four hours ago; L rotates itself into S1 three hours ago (L keeps working for `graceSeconds`),
 * and S1 rotates itself into S2 an hour ago, once past its first hour. The clock is then now.
 */
async function selfRotatedChain(graceSeconds = WEEK_SECONDS, kind: 'service' | 'user' = 'service') {
  const start = Date.now();
  now = new Date(start - 4 * HOUR_MS);
  const leaked = await tokens.create(
    {
      kind,
      description: 'leaked deploy token',
      userEmail: null,
      scopes: NAMESERVICE,
      expiresAt: null,
    },
    ADMIN,
  );
  now = new Date(start - 3 * HOUR_MS);
  const s1 = await tokens.rotate(leaked.record.id, { graceSeconds, actor: self(leaked.record.id) });
  now = new Date(start - HOUR_MS);
  const s2 = await tokens.rotate(s1.record.id, { graceSeconds: WEEK_SECONDS, actor: self(s1.record.id) });
  now = new Date(start);
  return { leaked, s1, s2 };
}

async function record(id: string): Promise<TokenRecord> {
  return tokens.get(id);
}

describe('the public leak report follows the token tree', () => {
  it('revokes the descendants of a reported token that was still accepted: the thief’s successors stop working', async () => {
    const { leaked, s1, s2 } = await selfRotatedChain();
    expect(await accepted(s2.token)).toBe(true);

    await tokens.revokeLeaked([leaked.token]);

    expect(await accepted(leaked.token)).toBe(false);
    expect(await accepted(s1.token)).toBe(false);
    expect(await accepted(s2.token)).toBe(false);
    for (const id of [s1.record.id, s2.record.id]) {
      expect(await record(id)).toMatchObject({ revokedBy: `token:${leaked.record.id}` });
    }
  });

  it('revokes nothing more for an expired token: a stranger holding an old token cannot end its live successors', async () => {
    const { leaked, s1, s2 } = await selfRotatedChain(0); // L ended when it rotated
    await tokens.revokeLeaked([leaked.token]);

    expect((await record(s1.record.id)).revokedAt).toBeNull();
    expect((await record(s2.record.id)).revokedAt).toBeNull();
    expect(await accepted(s2.token)).toBe(true);
  });
});

describe('an admin revoke follows the token tree', () => {
  it('revokes every descendant of a token, even an expired one (a thief may have ended it with grace 0)', async () => {
    const { leaked, s1, s2 } = await selfRotatedChain(0);
    const revoked = await tokens.revoke(leaked.record.id, ADMIN);

    expect(revoked.revokedAt).toBe(now.toISOString());
    for (const id of [s1.record.id, s2.record.id]) {
      expect(await record(id)).toMatchObject({
        revokedAt: now.toISOString(),
        revokedBy: 'token:AdminTokenId0001',
      });
    }
    expect(await accepted(s2.token)).toBe(false);
  });

  it('changes nothing on a second revoke, and still revokes a descendant that lives under a revoked token', async () => {
    const { leaked, s1, s2 } = await selfRotatedChain();
    const first = await tokens.revoke(s1.record.id, ADMIN); // S1 and S2; L lives
    expect((await record(leaked.record.id)).revokedAt).toBeNull();
    expect((await record(s2.record.id)).revokedAt).toBe(first.revokedAt);

    // A revocation from before the tree was followed: L revoked, its child left alone.
    const { leaked: older, s1: child } = await selfRotatedChain();
    const beforeTree = await store.revoke(older.record.id, {
      actor: ADMIN,
      op: 'revoke',
      at: now.toISOString(),
    });
    expect(await accepted(child.token)).toBe(true);
    now = new Date(now.getTime() + 60_000);

    const again = await tokens.revoke(older.record.id, ADMIN);

    expect(again.revokedAt).toBe(beforeTree.revokedAt); // same revoked_at
    expect((await record(child.record.id)).revokedAt).toBe(now.toISOString());
    expect(await accepted(child.token)).toBe(false);
  });

  it('leaves alone a successor an admin’s rotation made: it is no child', async () => {
    now = new Date();
    const old = await tokens.create(
      {
        kind: 'service',
        description: 'rotated by ops',
        userEmail: null,
        scopes: NAMESERVICE,
        expiresAt: null,
      },
      ADMIN,
    );
    const successor = await tokens.rotate(old.record.id, { graceSeconds: 3600, actor: ADMIN });

    await tokens.revoke(old.record.id, ADMIN);

    expect((await record(successor.record.id)).revokedAt).toBeNull();
    expect(await accepted(successor.token)).toBe(true);
  });
});

describe('deleting a Connect service token', () => {
  it('revokes its descendants, which stay listed as revoked', async () => {
    const { leaked, s1, s2 } = await selfRotatedChain();
    await tokens.deleteServiceToken(leaked.record.id, ADMIN);

    expect(await store.get(leaked.record.id)).toBeNull();
    for (const id of [s1.record.id, s2.record.id]) {
      expect(await record(id)).toMatchObject({ revokedBy: 'token:AdminTokenId0001' });
    }
    expect(await accepted(s2.token)).toBe(false);
  });
});

describe('the leak report’s reads', () => {
  /** The keys the report reads, by batch, while it runs. */
  async function keysReadBy(candidates: string[]): Promise<number[]> {
    const client = testDocumentClient();
    const sent = captureCommands(client);
    const service = new TokenService({
      store: new DynamoTokenStore(client, { tableName: table, retentionDays: 30 }),
      keys,
    });
    await service.revokeLeaked(candidates);
    return sent
      .filter(({ name }) => name === 'BatchGetItemCommand')
      .map(({ input }) => {
        const items = input.RequestItems as Record<string, { Keys: unknown[] }>;
        return Object.values(items).reduce((sum, { Keys }) => sum + Keys.length, 0);
      });
  }

  it(`stops reading once ${LEAK_REPORT_MISS_LIMIT} tokens read failed to verify`, async () => {
    now = new Date();
    const real = await tokens.create(
      { kind: 'user', description: 'leaked', userEmail: null, scopes: NAMESERVICE, expiresAt: null },
      ADMIN,
    );
    // Well-formed, with a right checksum: unknown ids, and one known id with another secret.
    const forged = [mintToken(real.record.id).token, ...Array.from({ length: 999 }, () => mintToken().token)];

    const batches = await keysReadBy([real.token, ...forged]);

    expect(batches.reduce((sum, keys) => sum + keys, 0)).toBe(LEAK_REPORT_MISS_LIMIT + 1);
    expect(Math.max(...batches)).toBeLessThanOrEqual(LEAK_REPORT_MISS_LIMIT);
    expect((await record(real.record.id)).revokedAt).not.toBeNull();
  });

  it('reads every real token however many are reported, in batches', async () => {
    now = new Date();
    const real = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        tokens.create(
          { kind: 'user', description: `leaked ${i}`, userEmail: null, scopes: NAMESERVICE, expiresAt: null },
          ADMIN,
        ),
      ),
    );

    const batches = await keysReadBy(real.map(({ token }) => token));

    expect(batches).toEqual([25, 25, 10]);
    for (const { record: one } of real) expect((await record(one.id)).revokedAt).not.toBeNull();
  });
});
