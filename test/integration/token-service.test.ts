// TokenService's own rules on DynamoDB Local, the ones no handler test pins one by one: a new id on an
// id collision (three tries), adopting a token minted elsewhere, which tokens `held` recognises, the
// active listing, deleting a Connect service token (and nothing else), and bootstrap refused while an
// admin token is active.
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { ConflictError, NotFoundError } from '#domain/errors';
import { mintToken } from '#domain/token-format';
import { type NewToken, TokenService } from '#domain/token-service';
import type { TokenStore } from '#domain/token-store';
import { freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { ADMIN, newKeyRing, staticKeys } from './fixtures';

const keys = staticKeys(newKeyRing());
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
      expect.objectContaining({ name: 'ValidationError', field: 'token' }),
    );
    const taken = await tokens.create(input(), ADMIN);
    const impostor = mintToken(taken.record.id);
    await expect(tokens.adopt(impostor.token, input(), ADMIN)).rejects.toThrow(
      new ConflictError(`Token id ${taken.record.id} belongs to another token`),
    );
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
});
