// A RotatedToken's secret rotated by its rotation function, against moto's Secrets Manager (real
// version stages) and DynamoDB Local: the first token, rotations with a grace period, each step run
// twice, crashes after each step and inside createSecret, and a pending token that does not work.
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
import { runRotationStep, type SecretVault } from '#domain/secret-rotation';
import { GRACE_SECONDS_TAG, parseTokenSecret, tokenSecretRotator } from '#domain/token-secret';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { freshTokensTable, testCredentialStore, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
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
const FIRST_VALUE = JSON.stringify({ token_id: null, token: null, ...SPEC });

const restoreHandlerEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-token-secret-'));
const keyFile = join(dir, 'keys.json');
const sm = secretsManager();
const dynamo = testDocumentClient();
let restoreMotoEnv: () => void;
let handler: RotationHandler;
let table: string;
let tokens: TokenService;

beforeAll(async () => {
  table = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable: table });
  restoreMotoEnv = useMotoEnv();
  vi.resetModules();
  ({ handler } = await import('#functions/rotation/token-secret'));
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

/** A RotatedToken's secret as the construct makes it: no token yet, the spec, the grace tag. */
function newTokenSecret(graceSeconds = 3600): Promise<string> {
  return rotatableSecret(sm, FIRST_VALUE, { [GRACE_SECONDS_TAG]: String(graceSeconds) });
}

async function current(secretId: string) {
  const { tokenId, token } = parseTokenSecret(await secretValue(sm, secretId));
  return { tokenId: tokenId as string, token: token as string };
}

/** The tokens of the table with this description, by id. */
async function tokenCount(): Promise<number> {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return Items.length;
}

/** A secret whose first token exists: one full rotation done. */
async function secretWithToken(graceSeconds = 3600) {
  const secretId = await newTokenSecret(graceSeconds);
  await runSteps(handler, secretId, randomUUID());
  return { secretId, first: await current(secretId) };
}

/** The rotation, as the function runs it, over `vault`: for crashes at chosen places. */
function rotateWith(vault: SecretVault, service: TokenService = tokens) {
  const rotator = tokenSecretRotator({
    tokens: service,
    verify: (authorization) => verifierAt().verify(authorization),
    parseSpec: (spec) => parseCreateToken(spec, new Date()).token,
  });
  return (secretId: string, versionId: string, steps: readonly (typeof STEPS)[number][] = STEPS) =>
    steps.reduce(
      (done, step) => done.then(() => runRotationStep(vault, rotator, { step, secretId, versionId })),
      Promise.resolve(),
    );
}

describe('the token secret rotation function', () => {
  it('makes the first token from the description and scopes the secret starts with', async () => {
    const secretId = await newTokenSecret();
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
    const { secretId, first } = await secretWithToken(600);
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
    expect(await verifies(first.token, new Date(expiry + 1_000))).toBe(false); // after it
    expect(await verifies(next.token, new Date(expiry + 1_000))).toBe(true);
    // The secret's previous version still holds the old token, as Secrets Manager keeps it.
    expect(parseTokenSecret(await secretValue(sm, secretId, 'AWSPREVIOUS')).tokenId).toBe(first.tokenId);
  });

  it.each([
    ['a first token', false],
    ['a rotation', true],
  ])('leaves secret and table as they were when a step of %s runs a second time', async (_, rotated) => {
    const secretId = rotated ? (await secretWithToken()).secretId : await newTokenSecret();
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
      const { secretId, first } = await secretWithToken();
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
    const { secretId, first } = await secretWithToken();
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
    expect(orphanId).toBeTruthy();
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
    const secretId = await newTokenSecret();
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
    const { secretId, first } = await secretWithToken();
    const revoked = await tokens.create(parseCreateToken(SPEC, new Date()).token, {
      type: 'system',
      id: 'test',
    });
    await tokens.revoke(revoked.record.id, { type: 'system', id: 'test' });
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
    const { secretId, first } = await secretWithToken();
    await tokens.revoke(first.tokenId, { type: 'system', id: 'test' });
    const count = await tokenCount();
    await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(/revoked/);
    expect(await tokenCount()).toBe(count);
  });

  it('refuses a grace that would give the old token no time behind the 30 s authorizer cache, changing nothing', async () => {
    const { secretId, first } = await secretWithToken(10);
    const count = await tokenCount();
    await expect(runSteps(handler, secretId, randomUUID(), ['createSecret'])).rejects.toThrow(
      /grace_seconds must be 0 or at least 32/,
    );
    expect(await tokenCount()).toBe(count);
    expect((await tokens.get(first.tokenId)).rotatedTo).toBeNull();
  });
});
