// BearerVerifier with the real tables on DynamoDB Local, read through the authorizer's SDK-free
// client. Secrets Manager is moto's server (test/support/moto.ts).
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoCredentialStore } from '#adapters/dynamo-credential-store';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { SecretsManagerKeyRingSource } from '#adapters/secrets-keyring';
import { AwsJsonClient, DYNAMODB } from '#aws/json-client';
import { UnauthorizedError } from '#domain/errors';
import { hashToken } from '#domain/keyring';
import { mintToken, TOKEN_PREFIX } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import type { CredentialStore } from '#domain/token-store';
import { BearerVerifier } from '#domain/verify-bearer';
import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';
import type { ScopeGrant } from '#spec/scopes';
import { TOKEN_ATTRIBUTES } from '#spec/tables';
import {
  freshTokensTable,
  type RequestLog,
  testCredentialStore,
  testDocumentClient,
  watchDynamoRequests,
} from '#test-support/dynamo';
import { motoJsonClient, secretsManager } from '#test-support/moto';
import { ADMIN, newKeyRing, stamp, staticKeys, tokenRecord } from './fixtures';

const MINUTE = 60_000;
const ring = newKeyRing();
const keys = staticKeys(ring);
const client = testDocumentClient();
const commands: RequestLog = watchDynamoRequests();
afterAll(() => commands.stop());

/** The token store, for writing tokens and reading them back. */
let tokenStore: DynamoTokenStore;
/** What the verifier reads through. */
let store: DynamoCredentialStore;
let tokens: TokenService;
let tableName: string;

beforeAll(async () => {
  tableName = await freshTokensTable();
  tokenStore = new DynamoTokenStore(client, { tableName, retentionDays: 30 });
  store = testCredentialStore(tableName);
  tokens = new TokenService({ store: tokenStore, keys });
});

beforeEach(() => commands.clear());

/** A clock the test moves by hand. */
function clock(start = Date.now()) {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function serviceToken(scopes: ScopeGrant[] = [{ scope: 'identity:manage', resources: null }]) {
  return tokens.create(
    { kind: 'service', description: 'verify test', userEmail: null, scopes, expiresAt: null },
    ADMIN,
  );
}

describe('BearerVerifier', () => {
  it('a valid token gives its caller: id, kind, scopes, principal and expiry', async () => {
    const { record, token } = await serviceToken([
      { scope: 'identity:manage', resources: null },
      { scope: 'nameservice:read', resources: null },
    ]);
    const verifier = new BearerVerifier({ store, keys });

    const caller = await verifier.verify(`Bearer ${token}`);

    expect(caller).toEqual({
      tokenId: record.id,
      kind: 'service',
      scopes: record.scopes,
      principal: `token:${record.id}`,
      expiresAt: null,
    });
    await verifier.settle();
  });

  it('accepts the Posit Connect `Key` scheme too', async () => {
    const { record, token } = await serviceToken();
    const verifier = new BearerVerifier({ store, keys });

    expect((await verifier.verify(`Key ${token}`)).tokenId).toBe(record.id);
    await verifier.settle();
  });

  it('a well-formed token costs exactly one read', async () => {
    const { token } = await serviceToken();
    const verifier = new BearerVerifier({ store, keys, lastUsedIntervalMs: Number.POSITIVE_INFINITY });
    commands.clear();

    await verifier.verify(`Bearer ${token}`);

    expect(commands.sent).toEqual(['GetItem']);
  });

  it('decides on the item as read when it changed since the check before', async () => {
    const { record, token } = await serviceToken();
    const verifier = new BearerVerifier({ store, keys, lastUsedIntervalMs: Number.POSITIVE_INFINITY });
    const before = await verifier.verify(`Bearer ${token}`);
    const verify = () => verifier.verify(`Bearer ${token}`);

    await store.touchLastUsed(record.id, new Date().toISOString(), new Date(0).toISOString());
    const afterUse = await verify();
    await tokens.revoke(record.id, ADMIN);
    await expect(verify()).rejects.toThrow(/revoked/);

    expect(afterUse).toEqual(before);
  });

  it('compares again when the hash in the item changed since the check before', async () => {
    const { record, token } = await serviceToken();
    const verifier = new BearerVerifier({ store, keys, lastUsedIntervalMs: Number.POSITIVE_INFINITY });
    await verifier.verify(`Bearer ${token}`);
    const replacement = mintToken(record.id).token;
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id: record.id },
        UpdateExpression: `SET ${TOKEN_ATTRIBUTES.secret_hash} = :hash`,
        ExpressionAttributeValues: { ':hash': hashToken(ring, replacement).hash },
      }),
    );

    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    expect((await verifier.verify(`Bearer ${replacement}`)).tokenId).toBe(record.id);
  });

  it('a token hashed with a key newer than the ring held: the refreshed ring decides', async () => {
    const newer = newKeyRing('k1');
    const { record, token } = tokenRecord(newer);
    await tokenStore.insert(record, stamp('create', record.createdAt));
    const held = Promise.resolve(newKeyRing('k0'));
    let refreshes = 0;
    const verifier = new BearerVerifier({
      store,
      keys: {
        get: () => held,
        refresh: async () => {
          refreshes++;
          return newer;
        },
      },
      lastUsedIntervalMs: Number.POSITIVE_INFINITY,
    });
    const verify = () => verifier.verify(`Bearer ${token}`);

    expect((await verify()).tokenId).toBe(record.id);
    expect((await verify()).tokenId).toBe(record.id);

    expect(refreshes).toBe(2);
  });

  it('an unknown token id is refused', async () => {
    const verifier = new BearerVerifier({ store, keys });

    await expect(verifier.verify(`Bearer ${mintToken().token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('a token with a valid checksum and an existing id but another secret is refused', async () => {
    const { record } = await serviceToken();
    const forged = mintToken(record.id).token;
    const verifier = new BearerVerifier({ store, keys });
    commands.clear(); // making the token read its creator's record

    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toThrow(UnauthorizedError);
    expect(commands.count('GetItem')).toBe(1);
  });

  it('a revoked token is refused on the next check', async () => {
    const { record, token } = await serviceToken();
    const verifier = new BearerVerifier({ store, keys });
    await verifier.verify(`Bearer ${token}`);
    await verifier.settle();

    await tokens.revoke(record.id, ADMIN);

    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/revoked/);
  });

  it('an expired token is refused although its item is still in the table (TTL has not removed it)', async () => {
    const { record, token } = tokenRecord(ring, { expiresAt: new Date(Date.now() - MINUTE).toISOString() });
    await tokenStore.insert(record, stamp('create', record.createdAt));
    const verifier = new BearerVerifier({ store, keys });

    expect(await store.getCredential(record.id)).not.toBeNull();
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/expired/);
  });

  it('a token is refused from the very moment it expires', async () => {
    const expiresAt = new Date(Date.now() + 10 * MINUTE);
    const { record, token } = tokenRecord(ring, { expiresAt: expiresAt.toISOString() });
    await tokenStore.insert(record, stamp('create', record.createdAt));
    const time = clock(expiresAt.getTime() - 1);
    const verifier = new BearerVerifier({ store, keys, now: time.now });

    await verifier.verify(`Bearer ${token}`);
    time.advance(1);

    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    await verifier.settle();
  });

  it('a token whose key was removed from the ring is refused', async () => {
    const oldRing = newKeyRing('k0');
    const { record, token } = tokenRecord(oldRing);
    await tokenStore.insert(record, stamp('create', record.createdAt));

    const withOldKey = newKeyRing('k1', { k0: oldRing.keys.get('k0')?.toString('utf8') ?? '' });
    const rotated = new BearerVerifier({ store, keys: staticKeys(withOldKey) });
    const retired = new BearerVerifier({ store, keys: staticKeys(newKeyRing('k1')) });

    expect((await rotated.verify(`Bearer ${token}`)).tokenId).toBe(record.id);
    await expect(retired.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    await rotated.settle();
  });

  it('uses the ring the key source gives now, not the one it gave the check before', async () => {
    const oldRing = newKeyRing('k0');
    const { record, token } = tokenRecord(oldRing);
    await tokenStore.insert(record, stamp('create', record.createdAt));
    let ring = oldRing;
    const verifier = new BearerVerifier({
      store,
      keys: { get: () => Promise.resolve(ring) },
      lastUsedIntervalMs: Number.POSITIVE_INFINITY,
    });

    expect((await verifier.verify(`Bearer ${token}`)).tokenId).toBe(record.id);
    ring = newKeyRing('k0'); // the same key id, other material: the secret was replaced
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme without a token', 'Bearer '],
    ['a short token', 'Bearer tg_abc'],
    ['a token with a foreign prefix', `Bearer ghp_${'a'.repeat(62)}`],
    ['a token with a character outside base62', `Bearer ${mintToken().token.slice(0, -1)}-`],
    ['two tokens', `Bearer ${mintToken().token} ${mintToken().token}`],
  ])('%s is refused without any database read', async (_, header) => {
    const verifier = new BearerVerifier({ store, keys });

    await expect(verifier.verify(header)).rejects.toThrow(UnauthorizedError);
    expect(commands.sent).toEqual([]);
  });

  it('a token with a bad checksum is refused without any database read, even when its id exists', async () => {
    const { token } = await serviceToken();
    commands.clear();
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const mistyped = token.slice(0, -1) + last;
    const verifier = new BearerVerifier({ store, keys });

    await expect(verifier.verify(`Bearer ${mistyped}`)).rejects.toThrow(/malformed/);
    expect(mistyped.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(commands.sent).toEqual([]);
  });
});

describe('last_used_at', () => {
  it('is written at most once per 15 minutes per token', async () => {
    const { record, token } = await serviceToken();
    const time = clock();
    const verifier = new BearerVerifier({ store, keys, now: time.now });
    const start = time.now().toISOString();
    commands.clear();

    await verifier.verify(`Bearer ${token}`);
    await verifier.settle();
    const first = (await tokenStore.get(record.id))?.lastUsedAt;
    for (const step of [1, 5, 8]) {
      time.advance(step * MINUTE); // 14 minutes after the first use in all
      await verifier.verify(`Bearer ${token}`);
    }
    await verifier.settle();
    const writesWithin = commands.count('UpdateItem');
    time.advance(2 * MINUTE);
    await verifier.verify(`Bearer ${token}`);
    await verifier.settle();

    expect(first).toBe(start);
    expect(writesWithin).toBe(1);
    expect(commands.count('UpdateItem')).toBe(2);
    expect((await tokenStore.get(record.id))?.lastUsedAt).toBe(time.now().toISOString());
  });

  it('another process that sees a recent use in the record does not write it again', async () => {
    const { record, token } = await serviceToken();
    const time = clock();
    const first = new BearerVerifier({ store, keys, now: time.now });
    await first.verify(`Bearer ${token}`);
    await first.settle();
    commands.clear();

    time.advance(5 * MINUTE);
    const second = new BearerVerifier({ store, keys, now: time.now });
    await second.verify(`Bearer ${token}`);
    await second.settle();

    expect(commands.count('UpdateItem')).toBe(0);
    expect((await tokenStore.get(record.id))?.lastUsedAt).toBe(
      new Date(time.now().getTime() - 5 * MINUTE).toISOString(),
    );
  });

  it('each token has its own interval', async () => {
    const a = await serviceToken();
    const b = await serviceToken();
    const time = clock();
    const verifier = new BearerVerifier({ store, keys, now: time.now });

    await verifier.verify(`Bearer ${a.token}`);
    time.advance(MINUTE);
    await verifier.verify(`Bearer ${b.token}`);
    await verifier.settle();

    expect((await tokenStore.get(a.record.id))?.lastUsedAt).not.toBeNull();
    expect((await tokenStore.get(b.record.id))?.lastUsedAt).toBe(time.now().toISOString());
  });
});

describe('when a dependency fails, the check fails closed with an error that is not a refusal', () => {
  it('DynamoDB unreachable', async () => {
    const { token } = await serviceToken();
    const unreachable = new DynamoCredentialStore(
      new AwsJsonClient(DYNAMODB, {
        deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
        endpoint: 'http://127.0.0.1:1',
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      'any',
    );
    const verifier = new BearerVerifier({ store: unreachable, keys });

    const outcome = verifier.verify(`Bearer ${token}`);

    await expect(outcome).rejects.toThrow();
    await expect(outcome).rejects.not.toBeInstanceOf(UnauthorizedError);
  });

  it('DynamoDB failing while the key ring is still being read: the read failure is the answer', async () => {
    const { token } = await serviceToken();
    const failing: CredentialStore = {
      getCredential: async () => {
        throw new Error('DynamoDB is down');
      },
      touchLastUsed: async () => undefined,
    };
    const slowKeys = {
      get: () => new Promise<typeof ring>((resolve) => setTimeout(() => resolve(ring), 50)),
    };
    const verifier = new BearerVerifier({ store: failing, keys: slowKeys });

    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow('DynamoDB is down');
  });

  it('the key ring failing while the read is under way: the key ring failure is the answer', async () => {
    const { token } = await serviceToken();
    const brokenKeys = { get: async () => Promise.reject(new Error('no key ring')) };
    const verifier = new BearerVerifier({ store, keys: brokenKeys });

    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow('no key ring');
  });

  describe('Secrets Manager (moto)', () => {
    const sm = secretsManager();
    afterAll(() => sm.destroy());
    const fromSecrets = (secretId: string) =>
      new SecretsManagerKeyRingSource({ secretId, client: motoJsonClient() });

    it('failing', async () => {
      const { token } = await serviceToken();
      const verifier = new BearerVerifier({ store, keys: fromSecrets(`missing-${randomUUID()}`) });

      const outcome = verifier.verify(`Bearer ${token}`);

      await expect(outcome).rejects.toThrow();
      await expect(outcome).rejects.not.toBeInstanceOf(UnauthorizedError);
    });

    it('holding a key ring verifies tokens hashed with it', async () => {
      const smRing = newKeyRing();
      const serialised = JSON.stringify({
        current: 'k1',
        k1: smRing.keys.get('k1')?.toString('utf8'),
      });
      const { ARN } = await sm.send(
        new CreateSecretCommand({ Name: `keys-${randomUUID()}`, SecretString: serialised }),
      );
      const { record, token } = tokenRecord(smRing);
      await tokenStore.insert(record, stamp('create', record.createdAt));
      const verifier = new BearerVerifier({ store, keys: fromSecrets(ARN as string) });

      expect((await verifier.verify(`Bearer ${token}`)).tokenId).toBe(record.id);
      expect(hashToken(smRing, token)).toEqual(record.hash);
      await verifier.settle();
    });
  });
});
