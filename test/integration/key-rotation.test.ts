// Rotating the HMAC key secret with its rotation function, against moto's Secrets Manager (real
// version stages) and DynamoDB Local: a new key becomes current, the old ones stay, every token keeps
// verifying, and each step can run twice or be resumed after a crash.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { SecretsManagerKeyRingSource } from '#adapters/secrets-keyring';
import { newKeyMaterial, parseKeyRing } from '#domain/keyring';
import { TokenService } from '#domain/token-service';
import { BearerVerifier } from '#domain/verify-bearer';
import { freshTokensTable, testCredentialStore, testDocumentClient } from '#test-support/dynamo';
import {
  motoJsonClient,
  type RotationHandler,
  rotatableSecret,
  runSteps,
  secretState,
  secretsManager,
  secretValue,
  useMotoEnv,
} from '#test-support/moto';

const sm = secretsManager();
let restoreEnv: () => void;
let handler: RotationHandler;
let table: string;

beforeAll(async () => {
  restoreEnv = useMotoEnv();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  vi.resetModules();
  ({ handler } = await import('#functions/rotation/key-secret'));
  table = await freshTokensTable();
});

afterAll(() => {
  restoreEnv();
  sm.destroy();
});

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

async function keySecret(): Promise<string> {
  return rotatableSecret(sm, JSON.stringify({ current: 'k1', k1: newKeyMaterial() }));
}

/**
 * A token service and a verifier reading the ring from the secret, each with its own cache, as
 * separate Lambda processes do; `clock` is their time.
 */
function processesOn(secretId: string, clock: { ms: number } = { ms: Date.now() }) {
  const keys = () =>
    new SecretsManagerKeyRingSource({
      secretId,
      client: motoJsonClient(),
      maxAgeSeconds: 300,
      now: () => clock.ms,
    });
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: table, retentionDays: 30 });
  const tokens = new TokenService({ store, keys: keys() });
  const verifier = new BearerVerifier({ store: testCredentialStore(table), keys: keys() });
  return { tokens, verifier };
}

const input = {
  kind: 'user' as const,
  description: 'key rotation',
  userEmail: null,
  scopes: [{ scope: 'blocklist:read' as const, resources: null }],
  expiresAt: null,
};
const actor = { type: 'system' as const, id: 'test' };

describe('the key secret rotation function', () => {
  it('adds a new current key, keeps the old one, and every token made before or after verifies, in processes that read the ring before too', async () => {
    const secretId = await keySecret();
    const before = parseKeyRing(await secretValue(sm, secretId));
    const clock = { ms: Date.now() };
    const early = processesOn(secretId, clock);
    const old = await early.tokens.create(input, actor);
    await early.verifier.verify(`Bearer ${old.token}`); // this verifier now holds the ring of k1 alone
    clock.ms += 10_000; // a while later, well within the 5 minutes it keeps the ring

    await runSteps(handler, secretId, randomUUID());

    const after = parseKeyRing(await secretValue(sm, secretId));
    expect(after.currentKeyId).toBe('k2');
    expect(after.keys.get('k1')?.equals(before.keys.get('k1') as Buffer)).toBe(true);
    const late = processesOn(secretId);
    const fresh = await late.tokens.create(input, actor);
    expect(fresh.record.hash.keyId).toBe('k2');
    expect(old.record.hash.keyId).toBe('k1');
    for (const { verifier } of [early, late]) {
      for (const { token, record } of [old, fresh]) {
        expect((await verifier.verify(`Bearer ${token}`)).tokenId).toBe(record.id);
      }
    }
  });

  it('keeps every older key over several rotations', async () => {
    const secretId = await keySecret();
    const first = await processesOn(secretId).tokens.create(input, actor);
    await runSteps(handler, secretId, randomUUID());
    const second = await processesOn(secretId).tokens.create(input, actor);
    await runSteps(handler, secretId, randomUUID());
    const { verifier } = processesOn(secretId);
    expect([...parseKeyRing(await secretValue(sm, secretId)).keys.keys()].sort()).toEqual(['k1', 'k2', 'k3']);
    expect((await verifier.verify(`Bearer ${first.token}`)).tokenId).toBe(first.record.id);
    expect((await verifier.verify(`Bearer ${second.token}`)).tokenId).toBe(second.record.id);
  });

  it('leaves the secret as it was when a step runs a second time', async () => {
    const secretId = await keySecret();
    const versionId = randomUUID();
    for (const step of STEPS) {
      await runSteps(handler, secretId, versionId, [step]);
      const once = await secretState(sm, secretId);
      await runSteps(handler, secretId, versionId, [step]);
      expect(await secretState(sm, secretId)).toEqual(once);
    }
    expect(parseKeyRing(await secretValue(sm, secretId)).currentKeyId).toBe('k2');
  });

  it.each(STEPS)(
    'finishes a rotation resumed from the start after a crash following %s',
    async (crashedAfter) => {
      const secretId = await keySecret();
      const versionId = randomUUID();
      await runSteps(handler, secretId, versionId, STEPS.slice(0, STEPS.indexOf(crashedAfter) + 1));
      await runSteps(handler, secretId, versionId); // Secrets Manager retries the whole rotation
      const ring = parseKeyRing(await secretValue(sm, secretId));
      expect([ring.currentKeyId, ring.keys.size]).toEqual(['k2', 2]);
      expect(
        Object.values(await secretState(sm, secretId)).filter((v) => v.stages.includes('AWSCURRENT')),
      ).toHaveLength(1);
    },
  );

  it('refuses a pending key ring that drops an old key, and leaves AWSCURRENT where it was', async () => {
    const secretId = await keySecret();
    const versionId = randomUUID();
    const currentBefore = await secretValue(sm, secretId);
    // A broken createSecret: a ring without k1.
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await sm.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: JSON.stringify({ current: 'k2', k2: newKeyMaterial() }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await runSteps(handler, secretId, versionId, ['createSecret', 'setSecret']);
    await expect(runSteps(handler, secretId, versionId, ['testSecret'])).rejects.toThrow(
      /lost or changed key k1/,
    );
    await expect(runSteps(handler, secretId, versionId, ['testSecret'])).rejects.toThrow(
      /lost or changed key k1/,
    );
    expect(await secretValue(sm, secretId)).toBe(currentBefore);
  });

  it('refuses a secret whose rotation is off, and a version not staged for rotation', async () => {
    const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: `off-${randomUUID()}`,
        SecretString: JSON.stringify({ current: 'k1', k1: newKeyMaterial() }),
      }),
    );
    await expect(runSteps(handler, ARN as string, randomUUID(), ['createSecret'])).rejects.toThrow(
      /rotation enabled/,
    );
    const secretId = await keySecret();
    await expect(runSteps(handler, secretId, randomUUID(), ['testSecret'])).rejects.toThrow(
      /not staged for rotation/,
    );
    await expect(
      handler({ Step: 'dance', SecretId: secretId, ClientRequestToken: randomUUID() } as never),
    ).rejects.toThrow(/Not a Secrets Manager rotation event/);
  });
});
