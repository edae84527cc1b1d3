// Only Secrets Manager is mocked (aws-sdk-client-mock): there is no local Secrets Manager to run.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyRingError, newKeyMaterial } from '../../shared/keyring';
import { SecretsManagerKeyRingSource } from '../../shared/secrets-keyring';

const SECRET_ID = 'tokengate/hmac-keys';
const secrets = mockClient(SecretsManagerClient);
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
const serialised = (current: string, keys: Record<string, string>) => JSON.stringify({ current, ...keys });

describe('SecretsManagerKeyRingSource', () => {
  beforeEach(() => secrets.reset());
  afterEach(() => vi.useRealTimers());

  it('reads the key ring from the secret', async () => {
    const k1 = newKeyMaterial();
    secrets
      .on(GetSecretValueCommand, { SecretId: SECRET_ID })
      .resolves({ SecretString: serialised('k1', { k1 }) });

    const ring = await new SecretsManagerKeyRingSource({ secretId: SECRET_ID, client: client() }).get();

    expect(ring.currentKeyId).toBe('k1');
    expect(ring.keys.get('k1')?.toString('utf8')).toBe(k1);
  });

  it('two reads within the maximum age cost one GetSecretValue call', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: serialised('k1', { k1: newKeyMaterial() }) });
    const source = new SecretsManagerKeyRingSource({
      secretId: SECRET_ID,
      client: client(),
      maxAgeSeconds: 300,
    });

    const first = await source.get();
    const second = await source.get();

    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(second).toBe(first);
  });

  it('asks again once the maximum age has passed, and serves a rotated ring', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const [k1, k2] = [newKeyMaterial(), newKeyMaterial()];
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: serialised('k1', { k1 }) })
      .resolves({ SecretString: serialised('k2', { k2, k1 }) });
    const source = new SecretsManagerKeyRingSource({
      secretId: SECRET_ID,
      client: client(),
      maxAgeSeconds: 60,
    });

    const before = await source.get();
    vi.advanceTimersByTime(61_000);
    const after = await source.get();

    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(before.currentKeyId).toBe('k1');
    expect(after.currentKeyId).toBe('k2');
  });

  it('a secret that is not a valid key ring rejects with a KeyRingError', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"current":"k1"}' });

    await expect(
      new SecretsManagerKeyRingSource({ secretId: SECRET_ID, client: client() }).get(),
    ).rejects.toThrow(KeyRingError);
  });

  it('Secrets Manager failing rejects the read', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));

    await expect(
      new SecretsManagerKeyRingSource({ secretId: SECRET_ID, client: client() }).get(),
    ).rejects.toThrow();
  });
});
