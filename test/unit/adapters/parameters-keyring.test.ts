// The key ring outside the authorizer, read through Powertools Parameters and the SDK's Secrets
// Manager client, here against the fake Secrets Manager on loopback (test/support).
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sdkKeyRingSource } from '#adapters/clients';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { ParametersKeyRingSource } from '#adapters/parameters-keyring';
import { KeyRingError, newKeyMaterial } from '#domain/keyring';
import { SECRET_ID, serialised, withFakeSecretsManager } from './keyring-fixtures';

const secrets = withFakeSecretsManager();

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** Powertools' provider on the SDK's client, pointed at the fake. */
const provider = () =>
  new SecretsProvider({
    clientConfig: {
      endpoint: secrets.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    },
  });

const source = (maxAgeSeconds?: number) =>
  new ParametersKeyRingSource({ secretId: SECRET_ID, provider: provider(), maxAgeSeconds });

describe('ParametersKeyRingSource', () => {
  it('reads the key ring from the secret through the SDK client', async () => {
    const k1 = newKeyMaterial();
    secrets.answer({ secretString: serialised('k1', { k1 }) });

    const ring = await source().get();

    expect(ring.currentKeyId).toBe('k1');
    expect(ring.keys.get('k1')?.toString('utf8')).toBe(k1);
    expect(secrets.requests).toEqual([SECRET_ID]);
  });

  it('two reads within the maximum age cost one GetSecretValue call and give the same ring', async () => {
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source(300);

    const first = await keys.get();
    const second = await keys.get();

    expect(secrets.requests).toHaveLength(1);
    expect(second).toBe(first);
  });

  it('concurrent first reads share one GetSecretValue call', async () => {
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source();

    const rings = await Promise.all([keys.get(), keys.get(), keys.get()]);

    expect(secrets.requests).toHaveLength(1);
    expect(new Set(rings).size).toBe(1);
  });

  it('asks again once the maximum age has passed, and serves a rotated ring', async () => {
    const [k1, k2] = [newKeyMaterial(), newKeyMaterial()];
    secrets.answerOnce({ secretString: serialised('k1', { k1 }) });
    secrets.answer({ secretString: serialised('k2', { k2, k1 }) });
    vi.useFakeTimers({ toFake: ['Date'] });
    const keys = source(60);

    const before = await keys.get();
    vi.advanceTimersByTime(59_000);
    const within = await keys.get();
    vi.advanceTimersByTime(2_000);
    const after = await keys.get();

    expect(secrets.requests).toHaveLength(2);
    expect([before.currentKeyId, within.currentKeyId, after.currentKeyId]).toEqual(['k1', 'k1', 'k2']);
  });

  it('a maximum age of 0 asks Secrets Manager on every read', async () => {
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source(0);

    await keys.get();
    await keys.get();

    expect(secrets.requests).toHaveLength(2);
  });

  it('a secret that is not a valid key ring rejects with a KeyRingError', async () => {
    secrets.answer({ secretString: '{"current":"k1"}' });

    await expect(source().get()).rejects.toThrow(KeyRingError);
  });

  it('Secrets Manager failing rejects the read, and the failure is not kept', async () => {
    secrets.answerOnce({ error: 'AccessDeniedException' });
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source();

    await expect(keys.get()).rejects.toThrow();
    expect((await keys.get()).currentKeyId).toBe('k1');
    expect(secrets.requests).toHaveLength(2);
  });

  it('without a provider, makes Powertools one on the SDK default chain (environment credentials here)', async () => {
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    const keys = new ParametersKeyRingSource({ secretId: SECRET_ID, endpoint: secrets.url });

    expect((await keys.get()).currentKeyId).toBe('k1');
    expect(secrets.requests).toEqual([SECRET_ID]);
  });
});

describe('sdkKeyRingSource', () => {
  const config = {
    tokensTable: 't',
    dynamoEndpoint: undefined,
    retentionDays: 1,
    authorizerCacheTtlSeconds: 300,
  };

  it('reads the secret through Powertools in AWS, with the configured cache age', () => {
    const keys = sdkKeyRingSource({
      ...config,
      keySecretId: SECRET_ID,
      keyFile: undefined,
      keyCacheSeconds: 120,
    });

    expect(keys).toBeInstanceOf(ParametersKeyRingSource);
  });

  it("reads the local stack's file when there is one", () => {
    const keys = sdkKeyRingSource({
      ...config,
      keySecretId: undefined,
      keyFile: '/tmp/k.json',
      keyCacheSeconds: 1,
    });

    expect(keys).toBeInstanceOf(FileKeyRingSource);
  });
});
