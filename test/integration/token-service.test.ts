// TokenService's own rules on DynamoDB Local, the ones no handler test pins one by one: a new id on an
// id collision (three tries), adopting a token minted elsewhere, which tokens `held` recognises, the
// active listing, deleting a Connect service token (and nothing else), and bootstrap refused while an
// admin token is active, how far a revocation follows the token tree, and the leak report's writes.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { ConflictError, NotFoundError } from '#domain/errors';
import type { TokenRecord } from '#domain/token';
import { mintToken } from '#domain/token-format';
import { MAX_TREE_DEPTH } from '#domain/token-rotation';
import { type NewToken, TokenService } from '#domain/token-service';
import type { TokenStore } from '#domain/token-store';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { ADMIN, newKeyRing, stamp, staticKeys, tokenRecord } from './fixtures';

const ring = newKeyRing();
const keys = staticKeys(ring);
const DAY_MS = 86_400_000;

let store: DynamoTokenStore;
let tokens: TokenService;

beforeAll(async () => {
  const table = await freshTokensTable();
  store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  tokens = new TokenService({ store, keys });
});

const input = (overrides: Partial<NewToken> = {}): NewToken => ({
  kind: 'service',
  description: 'a token',
  userEmail: null,
  scopes: [{ scope: 'nameservice:read', resources: null }],
  expiresAt: null,
  ...overrides,
});

/** The table's store, whose first `conflicts` inserts fail as an id already taken (or with `error`). */
function collidingStore(conflicts: number, error: Error = new ConflictError('Token id taken')): TokenStore {
  let left = conflicts;
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'insert') return Reflect.get(target, name, receiver);
      return (...args: Parameters<TokenStore['insert']>) => {
        if (left-- > 0) return Promise.reject(error);
        return target.insert(...args);
      };
    },
  });
}

describe('create', () => {
  it('mints again on an id collision, up to three tries; other errors are not retried', async () => {
    const twice = new TokenService({ store: collidingStore(2), keys });
    const created = await twice.create(input(), ADMIN);
    expect((await tokens.get(created.record.id)).hash).toEqual(created.record.hash);

    await expect(new TokenService({ store: collidingStore(3), keys }).create(input(), ADMIN)).rejects.toThrow(
      ConflictError,
    );
    const broken = new Error('table gone');
    await expect(
      new TokenService({ store: collidingStore(1, broken), keys }).create(input(), ADMIN),
    ).rejects.toBe(broken);
  });

  it('refuses an expiry the authorizer cache would never let it reach, writing nothing', async () => {
    const cached = new TokenService({ store, keys, cacheTtlSeconds: 30 });
    const before = (await store.listLive()).length;
    await expect(
      cached.create(input({ expiresAt: new Date(Date.now() + 10_000).toISOString() }), ADMIN),
    ).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', field: 'expires_at' }));
    expect((await store.listLive()).length).toBe(before);
  });
});

describe('adopt', () => {
  it('writes the record of a token minted elsewhere; a second write returns it unchanged', async () => {
    const minted = mintToken();
    const record = await tokens.adopt(minted.token, input({ description: 'adopted' }), ADMIN);
    expect(record).toMatchObject({
      id: minted.id,
      hint: minted.hint,
      description: 'adopted',
      rotatedFrom: null,
    });
    expect(await tokens.held(minted.token)).toEqual(record);
    expect(await tokens.adopt(minted.token, input({ description: 'again' }), ADMIN)).toEqual(record);
  });

  it('refuses a malformed token naming the field, and a token whose id another token has', async () => {
    await expect(tokens.adopt('tg_nope', input(), ADMIN)).rejects.toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        field: 'token',
        message: 'Not a well-formed token',
      }),
    );
    const taken = await tokens.create(input(), ADMIN);
    const impostor = mintToken(taken.record.id);
    await expect(tokens.adopt(impostor.token, input(), ADMIN)).rejects.toThrow(
      new ConflictError(`Token id ${taken.record.id} belongs to another token`),
    );
  });
});

describe('adopt, when the table fails', () => {
  it('passes the error on, unchanged', async () => {
    const broken = new Error('table gone');
    const failing = new TokenService({ store: collidingStore(1, broken), keys });
    await expect(failing.adopt(mintToken().token, input(), ADMIN)).rejects.toBe(broken);
  });
});

describe('held', () => {
  it('is the record of a real token only: not of a malformed one, an unknown id, or another secret', async () => {
    const real = await tokens.create(input(), ADMIN);
    expect((await tokens.held(real.token))?.id).toBe(real.record.id);
    expect(await tokens.held('tg_nope')).toBeNull();
    expect(await tokens.held(mintToken().token)).toBeNull();
    expect(await tokens.held(mintToken(real.record.id).token)).toBeNull();
  });
});

describe('get', () => {
  it('an unknown id is NotFoundError naming id', async () => {
    const id = mintToken().id;
    await expect(tokens.get(id)).rejects.toThrow(new NotFoundError(`No token with id ${id}`, 'id'));
    await expect(tokens.get(id)).rejects.toHaveProperty('field', 'id');
  });
});

describe('listActive', () => {
  it('lists the tokens that work now, of the kind asked for: not the revoked, not the expired', async () => {
    const table = await freshTokensTable();
    const own = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
    let now = new Date(Date.now() - DAY_MS);
    const service = new TokenService({ store: own, keys, now: () => now });
    const live = await service.create(input(), ADMIN);
    const user = await service.create(input({ kind: 'user' }), ADMIN);
    const revoked = await service.create(input(), ADMIN);
    await service.revoke(revoked.record.id, ADMIN);
    await service.create(input({ expiresAt: new Date(Date.now() - 60_000).toISOString() }), ADMIN);
    now = new Date();

    expect((await service.listActive('service')).map(({ id }) => id)).toEqual([live.record.id]);
    expect((await service.listActive()).map(({ id }) => id).sort()).toEqual(
      [live.record.id, user.record.id].sort(),
    );
  });
});

describe('deleteServiceToken', () => {
  it('deletes a service token; a user token or an unknown id is not found, naming guid, and stays', async () => {
    const serviceToken = await tokens.create(input(), ADMIN);
    await tokens.deleteServiceToken(serviceToken.record.id, ADMIN);
    expect(await store.get(serviceToken.record.id)).toBeNull();

    const user = await tokens.create(input({ kind: 'user' }), ADMIN);
    for (const guid of [user.record.id, mintToken().id]) {
      await expect(tokens.deleteServiceToken(guid, ADMIN)).rejects.toThrow(
        new NotFoundError(`No service token with guid ${guid}`, 'guid'),
      );
      await expect(tokens.deleteServiceToken(guid, ADMIN)).rejects.toHaveProperty('field', 'guid');
    }
    expect((await store.get(user.record.id))?.revokedAt).toBeNull();
  });
});

describe('deleteServiceToken, when the token goes meanwhile', () => {
  /** The table's store, whose revoke fails with `error`. */
  const failingRevoke = (error: Error): TokenStore =>
    new Proxy(store, {
      get: (target, name, receiver) =>
        name === 'revoke' ? () => Promise.reject(error) : Reflect.get(target, name, receiver),
    });

  it('is not found naming guid if it was deleted after it was read; another error passes unchanged', async () => {
    const { record } = await tokens.create(input(), ADMIN);
    const gone = new TokenService({ store: failingRevoke(new NotFoundError('No token', 'id')), keys });
    await expect(gone.deleteServiceToken(record.id, ADMIN)).rejects.toThrow(
      new NotFoundError(`No service token with guid ${record.id}`, 'guid'),
    );
    const broken = new Error('table gone');
    const failing = new TokenService({ store: failingRevoke(broken), keys });
    await expect(failing.deleteServiceToken(record.id, ADMIN)).rejects.toBe(broken);
  });
});

describe('bootstrapAdmin', () => {
  it('makes the one global:admin token of an empty table, and is refused while it is active', async () => {
    const table = await freshTokensTable();
    const service = new TokenService({
      store: new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 }),
      keys,
    });
    const first = await service.bootstrapAdmin(ADMIN);
    expect(first.record).toMatchObject({
      kind: 'user',
      description: 'Bootstrap admin token',
      userEmail: null,
      scopes: [{ scope: 'global:admin', resources: null }],
      expiresAt: null,
    });
    expect((await service.held(first.token))?.id).toBe(first.record.id);
    await expect(service.bootstrapAdmin(ADMIN)).rejects.toThrow(
      new ConflictError(
        'An active global:admin token exists already: bootstrap only makes the first one. Use it to create others.',
      ),
    );
  });

  it('that loses a race says why the store refused it', async () => {
    const table = await freshTokensTable();
    const empty = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
    const raced = new Proxy(empty, {
      get: (target, name, receiver) =>
        name === 'insertBootstrapAdmin'
          ? () => Promise.reject(new ConflictError('claimed meanwhile'))
          : Reflect.get(target, name, receiver),
    });
    await expect(new TokenService({ store: raced, keys }).bootstrapAdmin(ADMIN)).rejects.toThrow(
      new ConflictError(
        'An active global:admin token exists already (claimed meanwhile): bootstrap only makes the first one. Use it to create others.',
      ),
    );
  });
});

describe('rotate', () => {
  const HOUR_MS = 3_600_000;

  it('a token minted by self-rotation may not rotate itself within its first hour; an admin may rotate it', async () => {
    const start = Date.now();
    let now = new Date(start - HOUR_MS);
    const service = new TokenService({ store, keys, now: () => now });
    const selfRotated = async () => {
      const first = await service.create(input(), ADMIN);
      return service.rotate(first.record.id, {
        graceSeconds: 0,
        actor: { type: 'token', id: first.record.id },
      });
    };
    const child = await selfRotated();
    const other = await selfRotated();
    const self = { type: 'token', id: child.record.id } as const;
    now = new Date(start - HOUR_MS + 1000);
    const refused = service.rotate(child.record.id, { graceSeconds: 0, actor: self });
    await expect(refused).rejects.toThrow(
      `Token ${child.record.id} was minted by rotating itself less than an hour ago: it may rotate itself again in 3599 s`,
    );
    await expect(refused).rejects.toMatchObject({ name: 'TooManyRequestsError', retryAfterSeconds: 3599 });
    expect((await service.get(child.record.id)).rotatedTo).toBeNull();
    // Another token acting on it is no self-rotation, and an hour on it may rotate itself.
    const byAdmin = await service.rotate(child.record.id, { graceSeconds: 0, actor: ADMIN });
    // Nor is an actor of another type that happens to have the token's id.
    await service.rotate(other.record.id, { graceSeconds: 0, actor: { type: 'iam', id: other.record.id } });
    now = new Date(start);
    await expect(
      service.rotate(byAdmin.record.id, { graceSeconds: 0, actor: { type: 'token', id: byAdmin.record.id } }),
    ).resolves.toMatchObject({ previous: { id: byAdmin.record.id } });
  });

  it('says until when the old token is accepted behind the cache: its new expiry less the TTL and a second', async () => {
    const now = new Date();
    const service = new TokenService({ store, keys, now: () => now, cacheTtlSeconds: 30 });
    const old = await service.create(input(), ADMIN);
    const rotated = await service.rotate(old.record.id, { graceSeconds: 32, actor: ADMIN });
    expect(rotated.previous.expiresAt).toBe(new Date(now.getTime() + 32_000).toISOString());
    expect(rotated.previousAcceptedUntil).toBe(new Date(now.getTime() + 1_000).toISOString());
    const ended = await service.rotate(rotated.record.id, { graceSeconds: 0, actor: ADMIN });
    expect(ended.previousAcceptedUntil).toBeNull();
  });
});

describe('revoking down the token tree', () => {
  it(`follows at most ${MAX_TREE_DEPTH} descendants`, async () => {
    // A chain of self-rotations, written as records: each token minted by the one before it.
    const chain = [tokenRecord(ring).record];
    for (let i = 1; i < MAX_TREE_DEPTH + 2; i++) {
      const parent = chain[i - 1] as TokenRecord;
      const child = tokenRecord(ring, { rotatedFrom: parent.id, createdBy: `token:${parent.id}` }).record;
      parent.rotatedTo = child.id;
      chain.push(child);
    }
    for (const record of chain) await store.insert(record, stamp('create', record.createdAt));

    await tokens.revoke((chain[0] as TokenRecord).id, ADMIN);

    const revoked = await Promise.all(chain.map(async ({ id }) => (await store.get(id))?.revokedAt !== null));
    expect(revoked.slice(0, MAX_TREE_DEPTH + 1).every(Boolean)).toBe(true);
    expect(revoked[MAX_TREE_DEPTH + 1]).toBe(false);
  });

  it('goes past a descendant revoked already, without asking the store to revoke it again', async () => {
    const root = tokenRecord(ring).record;
    const child = tokenRecord(ring, { rotatedFrom: root.id, createdBy: `token:${root.id}` }).record;
    const grandchild = tokenRecord(ring, { rotatedFrom: child.id, createdBy: `token:${child.id}` }).record;
    root.rotatedTo = child.id;
    child.rotatedTo = grandchild.id;
    for (const record of [root, child, grandchild])
      await store.insert(record, stamp('create', record.createdAt));
    // The child alone revoked (as the leak report does for an expired token): its child lives.
    await store.revoke(child.id, stamp('revoke', new Date().toISOString()));
    const { store: counting, revoked } = countingRevokes();
    await new TokenService({ store: counting, keys }).revoke(root.id, ADMIN);
    expect(revoked).toEqual([root.id, grandchild.id]);
    expect((await store.get(grandchild.id))?.revokedAt).not.toBeNull();
  });
});

/** The table's store, counting the ids it is asked to revoke. */
function countingRevokes(): { store: TokenStore; revoked: string[] } {
  const revoked: string[] = [];
  const counting = new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'revoke') return Reflect.get(target, name, receiver);
      return (...args: Parameters<TokenStore['revoke']>) => {
        revoked.push(args[0]);
        return target.revoke(...args);
      };
    },
  });
  return { store: counting, revoked };
}

describe('revokeLeaked', () => {
  it('reads nothing, not even the key ring, for a report with no well-formed token', async () => {
    let reads = 0;
    const counting = {
      get: async () => {
        reads++;
        return ring;
      },
    };
    const counted = new TokenService({ store, keys: counting });
    await counted.revokeLeaked(['tg_nope', 'not a token']);
    expect(reads).toBe(0);
  });

  it('asks the store to revoke no reported token that is revoked already', async () => {
    const real = await tokens.create(input(), ADMIN);
    await tokens.revoke(real.record.id, ADMIN);
    const { store: counting, revoked } = countingRevokes();
    await new TokenService({ store: counting, keys }).revokeLeaked([real.token]);
    expect(revoked).toEqual([]);
  });

  it('revokes nothing for a known id reported with another secret', async () => {
    const real = await tokens.create(input(), ADMIN);
    await tokens.revokeLeaked([mintToken(real.record.id).token]);
    expect((await tokens.get(real.record.id)).revokedAt).toBeNull();
  });

  it('revokes the real tokens ten at a time', async () => {
    const real = await Promise.all(Array.from({ length: 23 }, () => tokens.create(input(), ADMIN)));
    let inFlight = 0;
    let most = 0;
    const counting = new Proxy(store, {
      get(target, name, receiver) {
        if (name !== 'revoke') return Reflect.get(target, name, receiver);
        return async (...args: Parameters<TokenStore['revoke']>) => {
          most = Math.max(most, ++inFlight);
          try {
            return await target.revoke(...args);
          } finally {
            inFlight--;
          }
        };
      },
    });
    await new TokenService({ store: counting, keys }).revokeLeaked(real.map(({ token }) => token));
    expect(most).toBe(10);
    for (const { record } of real) expect((await store.get(record.id))?.revokedAt).not.toBeNull();
  });
});

describe("a token's creator in words (created_by_name)", () => {
  it("is the creating token's description, read from the table, or null when that token is gone", async () => {
    const creator = await tokens.create(input({ description: 'Provisioning robot' }), ADMIN);
    const made = await tokens.create(input(), { type: 'token', id: creator.record.id });
    const orphan = await tokens.create(input(), { type: 'token', id: 'GoneTokenId00001' });

    expect(made.record.createdByName).toBe('Provisioning robot');
    expect(orphan.record.createdByName).toBeNull();
  });

  it("is a person's email, an IAM caller's ARN or a job's name as it is, with no read", async () => {
    const arn = 'arn:aws:iam::123456789012:role/deployer';
    const system = await tokens.create(input(), { type: 'system', id: 'expiry-warner' });
    const iam = await tokens.create(input(), { type: 'iam', id: arn });

    expect(system.record.createdByName).toBe('expiry-warner');
    expect(iam.record.createdByName).toBe(arn);
  });

  it("of a rotation: the rotating admin's description, or the token's own when it rotates itself", async () => {
    const admin = await tokens.create(input({ description: 'Ops admin' }), ADMIN);
    const old = await tokens.create(input({ description: 'nightly job' }), ADMIN);

    const byAdmin = await tokens.rotate(old.record.id, {
      graceSeconds: 0,
      actor: { type: 'token', id: admin.record.id },
    });
    const byItself = await tokens.rotate(byAdmin.record.id, {
      graceSeconds: 0,
      actor: { type: 'token', id: byAdmin.record.id },
    });

    expect(byAdmin.record.createdByName).toBe('Ops admin');
    expect(byItself.record.createdByName).toBe('nightly job');
  });
});

describe('renewal (a rotation with a new expiry)', () => {
  const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

  it("an admin's rotation gives the successor the new expiry, later or none", async () => {
    const old = await tokens.create(input({ expiresAt: inDays(5) }), ADMIN);

    const later = await tokens.rotate(old.record.id, {
      graceSeconds: 0,
      actor: ADMIN,
      expiresAt: inDays(90),
    });
    const never = await tokens.rotate(later.record.id, { graceSeconds: 0, actor: ADMIN, expiresAt: null });
    const kept = await tokens.rotate(never.record.id, { graceSeconds: 0, actor: ADMIN });

    expect(Date.parse(later.record.expiresAt ?? '')).toBeGreaterThan(Date.now() + 89 * DAY_MS);
    expect(never.record.expiresAt).toBeNull();
    expect(kept.record.expiresAt).toBeNull();
  });

  it('a token rotating itself may bring its expiry forward, never later, and nothing changes when refused', async () => {
    const old = await tokens.create(input({ expiresAt: inDays(30) }), ADMIN);
    const self = { type: 'token', id: old.record.id } as const;

    await expect(
      tokens.rotate(old.record.id, { graceSeconds: 0, actor: self, expiresAt: inDays(60) }),
    ).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', field: 'expires_at' }));
    await expect(
      tokens.rotate(old.record.id, { graceSeconds: 0, actor: self, expiresAt: null }),
    ).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', field: 'expires_at' }));
    expect((await tokens.get(old.record.id)).rotatedTo).toBeNull();

    const soonerAt = inDays(10);
    const sooner = await tokens.rotate(old.record.id, { graceSeconds: 0, actor: self, expiresAt: soonerAt });
    expect(sooner.record.expiresAt).toBe(soonerAt);
  });

  it('another token (an admin) may put a later expiry on a token it rotates', async () => {
    const old = await tokens.create(input({ expiresAt: inDays(30) }), ADMIN);
    const renewed = await tokens.rotate(old.record.id, {
      graceSeconds: 0,
      actor: ADMIN,
      expiresAt: inDays(60),
    });
    expect(Date.parse(renewed.record.expiresAt ?? '')).toBeGreaterThan(Date.now() + 59 * DAY_MS);
  });

  it('refuses a renewal the authorizer cache would never let reach, as create does, changing nothing', async () => {
    const cached = new TokenService({ store, keys, cacheTtlSeconds: 30 });
    const old = await cached.create(input(), ADMIN);
    const soon = new Date(Date.now() + 10_000).toISOString();

    await expect(
      cached.rotate(old.record.id, { graceSeconds: 0, actor: ADMIN, expiresAt: soon }),
    ).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', field: 'expires_at' }));
    expect((await cached.get(old.record.id)).rotatedTo).toBeNull();
  });
});
