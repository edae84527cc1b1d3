// A RotatedToken's secret rotated by its rotation function, against moto's Secrets Manager (real
// version stages) and DynamoDB Local: the first token, rotations with a grace period, each step run
// twice, crashes after each step and inside createSecret, a pending token that does not work; what
// the function refuses (a secret it was not declared for, a secret naming scopes or another token);
// and how it recovers from a self-rotation by whoever holds the token.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { SecretsManagerVault } from '#adapters/secrets-vault';
import { parseCreateToken } from '#api/native-tokens';
import { runRotationStep, type SecretVault } from '#domain/secrets-manager-rotation';
import { mintToken, TOKEN_ID_PATTERN } from '#domain/token-format';
import { parseTokenSecret, serialiseTokenSecret, tokenSecretRotator } from '#domain/token-secret-rotation';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { freshTokensTable, testCredentialStore, testDocumentClient } from '#test-support/dynamo';
import { declareRotatedTokenEnv, saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import {
  type RotationHandler,
  rotatableSecret,
  runSteps,
  secretState,
  secretsManager,
  secretValue,
  useMotoEnv,
} from '#test-support/moto';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const SPEC = { description: 'SCIM sync', scopes: [{ scope: 'identity:manage' }] };
const NO_TOKEN = JSON.stringify({ token_id: null, token: null });
const OPS = { type: 'system', id: 'test' } as const;

const restoreHandlerEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-token-secret-'));
const keyFile = join(dir, 'keys.json');
const sm = secretsManager();
const dynamo = testDocumentClient();
let restoreMotoEnv: () => void;
let table: string;
let tokens: TokenService;

beforeAll(async () => {
  table = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable: table });
  restoreMotoEnv = useMotoEnv();
  tokens = new TokenService({
    store: new DynamoTokenStore(dynamo, { tableName: table, retentionDays: 30 }),
    keys: new FileKeyRingSource(keyFile),
  });
});

afterAll(() => {
  restoreMotoEnv();
  restoreHandlerEnv();
  sm.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The rotation function of one RotatedToken, as the construct deploys it: declared for `secretArn`. */
async function rotationFunctionOf(secretArn: string, graceSeconds = 3600): Promise<RotationHandler> {
  declareRotatedTokenEnv({ secretArn, ...SPEC, graceSeconds });
  vi.resetModules();
  return (await import('#functions/rotation/token-secret')).handler;
}

/** The authorizer's verifier at `at` (default now). */
function verifierAt(at = new Date()) {
  return new BearerVerifier({
    store: testCredentialStore(table),
    keys: new FileKeyRingSource(keyFile),
    now: () => at,
  });
}

async function verifies(token: string, at?: Date): Promise<boolean> {
  return verifierAt(at)
    .verify(`Bearer ${token}`)
    .then(
      () => true,
      () => false,
    );
}

/** A RotatedToken's secret as the construct makes it (no token yet), and its rotation function. */
async function newTokenSecret(graceSeconds = 3600, value = NO_TOKEN) {
  const secretId = await rotatableSecret(sm, value);
  return { secretId, handler: await rotationFunctionOf(secretId, graceSeconds) };
}

async function current(secretId: string) {
  const { tokenId, token } = parseTokenSecret(await secretValue(sm, secretId));
  return { tokenId: tokenId as string, token: token as string };
}

/** How many items the tokens table holds. */
async function tokenCount(): Promise<number> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return Items.length;
}

/** A secret whose first token exists: one full rotation done. */
async function secretWithToken(graceSeconds = 3600) {
  const { secretId, handler } = await newTokenSecret(graceSeconds);
  await runSteps(handler, secretId, randomUUID());
  return { secretId, handler, first: await current(secretId) };
}

/** The rotation, as the function runs it, over `vault`: for crashes at chosen places. */
function rotateWith(vault: SecretVault, service: TokenService = tokens) {
  return (secretId: string, versionId: string, steps: readonly (typeof STEPS)[number][] = STEPS) => {
    const rotator = tokenSecretRotator({
      tokens: service,
      verify: (authorization) => verifierAt().verify(authorization),
      declared: { secretArn: secretId, token: parseCreateToken(SPEC, new Date()).token, graceSeconds: 3600 },
    });
    return steps.reduce(
      (done, step) => done.then(() => runRotationStep(vault, rotator, { step, secretId, versionId })),
      Promise.resolve(),
    );
  };
}

describe('the token secret rotation function', () => {
  it('makes the first token with the declared description and scopes; the secret holds the token alone', async () => {
    const { secretId, handler } = await newTokenSecret();
    await runSteps(handler, secretId, randomUUID());

    const { tokenId, token } = await current(secretId);
    expect(await verifies(token)).toBe(true);
    const record = await tokens.get(tokenId);
    expect(record).toMatchObject({
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage', resources: null }],
      createdBy: 'system:secrets-manager-rotation',
      expiresAt: null,
      rotatedFrom: null,
    });
    expect(Object.keys(JSON.parse(await secretValue(sm, secretId))).sort()).toEqual(['token', 'token_id']);
  });

  it('rotates the token: the new one works, the old one for the grace period and not after it', async () => {
    const { secretId, handler, first } = await secretWithToken(600);
    const before = Date.now();
    await runSteps(handler, secretId, randomUUID());

    const next = await current(secretId);
    expect(next.tokenId).not.toBe(first.tokenId);
    expect(await verifies(next.token)).toBe(true);
    expect((await tokens.get(next.tokenId)).rotatedFrom).toBe(first.tokenId);
    const old = await tokens.get(first.tokenId);
    expect(old.rotatedTo).toBe(next.tokenId);
    const expiry = Date.parse(old.expiresAt as string);
    expect(expiry).toBeGreaterThanOrEqual(before + 600_000 - 1_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(await verifies(first.token)).toBe(true); // during the grace
    expect(await verifies(first.token, new Date(expiry - 1))).toBe(true); // to its last millisecond
    expect(await verifies(first.token, new Date(expiry))).toBe(false); // and not from its end on
    expect(await verifies(next.token, new Date(expiry))).toBe(true);
    // The secret's previous version still holds the old token, as Secrets Manager keeps it.
    expect(parseTokenSecret(await secretValue(sm, secretId, 'AWSPREVIOUS')).tokenId).toBe(first.tokenId);
  });

  it.each([
    ['a first token', false],
    ['a rotation', true],
  ])('leaves secret and table as they were when a step of %s runs a second time', async (_, rotated) => {
    const { secretId, handler } = rotated ? await secretWithToken() : await newTokenSecret();
    const versionId = randomUUID();
    for (const step of STEPS) {
      await runSteps(handler, secretId, versionId, [step]);
      const once = { secret: await secretState(sm, secretId), tokens: await tokenCount() };
      await runSteps(handler, secretId, versionId, [step]);
      expect({ secret: await secretState(sm, secretId), tokens: await tokenCount() }).toEqual(once);
    }
    expect(await verifies((await current(secretId)).token)).toBe(true);
  });

  it.each(STEPS)(
    'finishes a rotation resumed from the start after a crash following %s',
    async (crashedAfter) => {
      const { secretId, handler, first } = await secretWithToken();
      const versionId = randomUUID();
      const count = await tokenCount();
      await runSteps(handler, secretId, versionId, STEPS.slice(0, STEPS.indexOf(crashedAfter) + 1));
      await runSteps(handler, secretId, versionId); // Secrets Manager tries the rotation again

      const next = await current(secretId);
      expect(next.tokenId).not.toBe(first.tokenId);
      expect((await tokens.get(first.tokenId)).rotatedTo).toBe(next.tokenId);
      expect(await verifies(next.token)).toBe(true);
      expect(await tokenCount()).toBe(count + 1);
    },
  );

  it('revokes the token a crashed createSecret made but never stored, and rotates again', async () => {
    const { secretId, handler, first } = await secretWithToken();
    const versionId = randomUUID();
    const vault = new SecretsManagerVault(sm);
    // The first attempt dies between the rotation's transaction and PutSecretValue.
    const crashing: SecretVault = {
      describe: (id) => vault.describe(id),
      value: (id, at) => vault.value(id, at),
      makeCurrent: (id, version, from) => vault.makeCurrent(id, version, from),
      putPending: async () => {
        throw new Error('Lambda timed out');
      },
    };
    await expect(rotateWith(crashing)(secretId, versionId, ['createSecret'])).rejects.toThrow('timed out');
    const orphanId = (await tokens.get(first.tokenId)).rotatedTo as string;
    expect(orphanId).toMatch(TOKEN_ID_PATTERN);
    expect((await secretState(sm, secretId))[versionId]).toBeUndefined(); // nothing stored

    await runSteps(handler, secretId, versionId);

    const next = await current(secretId);
    expect(next.tokenId).not.toBe(orphanId);
    expect(await verifies(next.token)).toBe(true);
    expect(await tokens.get(orphanId)).toMatchObject({ revokedBy: 'system:secrets-manager-rotation' });
    expect((await tokens.get(first.tokenId)).rotatedTo).toBe(next.tokenId);
    expect(await verifies(first.token)).toBe(true); // still in its grace
  });

  it('makes the first token work when a crash came between storing it and writing its record', async () => {
    const { secretId, handler } = await newTokenSecret();
    const versionId = randomUUID();
    const vault = new SecretsManagerVault(sm);
    const crashing = Object.create(tokens) as TokenService;
    crashing.adopt = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(rotateWith(vault, crashing)(secretId, versionId, ['createSecret'])).rejects.toThrow(
      'timed out',
    );
    const stored = parseTokenSecret(
      (await vault.value(secretId, { versionId, stage: 'AWSPENDING' })) as string,
    );
    expect(await verifies(stored.token as string)).toBe(false); // held by no one yet: it does not work

    await runSteps(handler, secretId, versionId);

    expect((await current(secretId)).tokenId).toBe(stored.tokenId);
    expect(await verifies(stored.token as string)).toBe(true);
  });

  it('refuses a pending token that does not work, and leaves AWSCURRENT where it was', async () => {
    const { secretId, handler, first } = await secretWithToken();
    const revoked = await tokens.create(parseCreateToken(SPEC, new Date()).token, OPS);
    await tokens.revoke(revoked.record.id, OPS);
    const cases = [
      JSON.stringify({ token_id: revoked.record.id, token: revoked.token }),
      JSON.stringify({ token_id: first.tokenId, token: revoked.token }),
      'not json',
    ];
    for (const value of cases) {
      const versionId = randomUUID();
      await sm.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: versionId,
          SecretString: value,
          VersionStages: ['AWSPENDING'],
        }),
      );
      await expect(runSteps(handler, secretId, versionId, ['testSecret'])).rejects.toThrow(
        /refused|not token|matching its token_id|not JSON/,
      );
      expect((await current(secretId)).tokenId).toBe(first.tokenId);
    }
  });

  it('refuses to rotate a token that was revoked, changing nothing', async () => {
    const { secretId, handler, first } = await secretWithToken();
    await tokens.revoke(first.tokenId, OPS);
    const count = await tokenCount();
    await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(/revoked/);
    expect(await tokenCount()).toBe(count);
  });

  it('refuses a secret holding a token but a null token_id: it is no first-token secret, and nothing is made', async () => {
    const held = await tokens.create(parseCreateToken(SPEC, new Date()).token, {
      type: 'system',
      id: 'test',
    });
    const { secretId, handler } = await newTokenSecret(
      3600,
      JSON.stringify({
        token_id: null,
        token: held.token,
        description: 'd',
        scopes: [{ scope: 'global:admin' }],
      }),
    );
    const count = await tokenCount();
    const before = await secretState(sm, secretId);

    await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(
      'The token secret holds no well-formed token matching its token_id',
    );
    expect(await tokenCount()).toBe(count);
    expect(await secretState(sm, secretId)).toEqual(before);
  });

  it('refuses a grace that would give the old token no time behind the 30 s authorizer cache, changing nothing', async () => {
    const { secretId, handler, first } = await secretWithToken(10);
    const count = await tokenCount();
    await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(
      /grace_seconds must be 0 or at least 32/,
    );
    expect(await tokenCount()).toBe(count);
    expect((await tokens.get(first.tokenId)).rotatedTo).toBeNull();
  });
});

describe('what the token secret rotation function refuses to mint', () => {
  it('mints the declared scopes only, whatever scopes the secret names (global:admin)', async () => {
    const forged = JSON.stringify({
      token_id: null,
      token: null,
      description: 'root',
      scopes: [{ scope: 'global:admin' }],
    });
    const { secretId, handler } = await newTokenSecret(3600, forged);

    await runSteps(handler, secretId, randomUUID());

    const { tokenId } = await current(secretId);
    expect(await tokens.get(tokenId)).toMatchObject({
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage', resources: null }],
    });
  });

  it('refuses a secret naming another team’s token, or a token of a known id with the wrong secret, and changes nothing', async () => {
    const others = await tokens.create(
      {
        kind: 'user',
        description: 'billing export',
        userEmail: null,
        scopes: [{ scope: 'global:admin', resources: null }],
        expiresAt: null,
      },
      OPS,
    );
    const cases = [
      {
        value: { token_id: others.record.id, token: others.token },
        refusal: /declared description and scopes/,
      },
      // Well-formed, with a right checksum: anyone can compute one for a known id.
      {
        value: { token_id: others.record.id, token: mintToken(others.record.id).token },
        refusal: /hash does not match/,
      },
    ];
    for (const { value, refusal } of cases) {
      const { secretId, handler } = await newTokenSecret(3600, JSON.stringify(value));
      const [before, count] = [await secretState(sm, secretId), await tokenCount()];

      await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(refusal);

      expect(await secretState(sm, secretId)).toEqual(before);
      expect(await tokenCount()).toBe(count);
      expect(await tokens.get(others.record.id)).toEqual(others.record);
    }
  });

  it('refuses a rotation invoked for a secret it was not declared for, and changes nothing', async () => {
    const { handler } = await newTokenSecret();
    // Another secret, holding a token made just as this function would make it.
    const held = await tokens.create(parseCreateToken(SPEC, new Date()).token, OPS);
    const other = await rotatableSecret(sm, JSON.stringify({ token_id: held.record.id, token: held.token }));
    const [before, count] = [await secretState(sm, other), await tokenCount()];

    await expect(runSteps(handler, other, randomUUID(), ['createSecret'])).rejects.toThrow(
      /rotates secret .* only/,
    );

    expect(await secretState(sm, other)).toEqual(before);
    expect(await tokenCount()).toBe(count);
    expect(await tokens.get(held.record.id)).toEqual(held.record);
  });
});

describe('a RotatedToken whose token its holder rotated', () => {
  it('revokes the self-rotated child and the tree below it, and stores a fresh token minted as declared', async () => {
    // A secret holding a token made as its function makes it (by the function itself, or as here).
    const made = await tokens.create(parseCreateToken(SPEC, new Date()).token, OPS);
    const first = { tokenId: made.record.id, token: made.token };
    const { secretId, handler } = await newTokenSecret(
      3600,
      serialiseTokenSecret({ id: made.record.id, token: made.token }),
    );
    // The holder rotates the token itself; the child rotates itself too, once past its first hour.
    let clock = new Date();
    const holder = new TokenService({
      store: new DynamoTokenStore(dynamo, { tableName: table, retentionDays: 30 }),
      keys: new FileKeyRingSource(keyFile),
      now: () => clock,
    });
    const child = await holder.rotate(first.tokenId, {
      graceSeconds: 600,
      actor: { type: 'token', id: first.tokenId },
    });
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    const grandchild = await holder.rotate(child.record.id, {
      graceSeconds: 600,
      actor: { type: 'token', id: child.record.id },
    });

    await runSteps(handler, secretId, randomUUID());

    for (const { record } of [child, grandchild]) {
      expect(await tokens.get(record.id)).toMatchObject({ revokedBy: 'system:secrets-manager-rotation' });
    }
    expect(await verifies(grandchild.token)).toBe(false);
    const fresh = await current(secretId);
    expect([first.tokenId, child.record.id, grandchild.record.id]).not.toContain(fresh.tokenId);
    expect(await verifies(fresh.token)).toBe(true);
    expect(await tokens.get(fresh.tokenId)).toMatchObject({
      description: 'SCIM sync',
      scopes: [{ scope: 'identity:manage', resources: null }],
      createdBy: 'system:secrets-manager-rotation',
    });

    // And the next scheduled rotation rotates the fresh token as usual.
    await runSteps(handler, secretId, randomUUID());
    expect((await tokens.get(fresh.tokenId)).rotatedTo).toBe((await current(secretId)).tokenId);
  });
});
