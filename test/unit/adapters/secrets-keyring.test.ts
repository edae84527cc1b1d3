// The key ring read from Secrets Manager, here a fake one on loopback (test/support): there is no
// local Secrets Manager to run.
import { describe, expect, it } from 'vitest';
import { REFRESH_FLOOR_MS, SecretsManagerKeyRingSource } from '#adapters/secrets-keyring';
import { KeyRingError, newKeyMaterial } from '#domain/keyring';
import { SECRET_ID, serialised, withFakeSecretsManager } from './keyring-fixtures';

const secrets = withFakeSecretsManager();

/** A clock the test moves by hand, in ms. */
function clock() {
  let now = Date.now();
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function source(options: { maxAgeSeconds?: number; now?: () => number } = {}) {
  return new SecretsManagerKeyRingSource({ secretId: SECRET_ID, client: secrets.client(), ...options });
}

describe('SecretsManagerKeyRingSource', () => {
  it('reads the key ring from the secret', async () => {
    const k1 = newKeyMaterial();
    secrets.answer({ secretString: serialised('k1', { k1 }) });

    const ring = await source().get();

    expect(ring.currentKeyId).toBe('k1');
    expect(ring.keys.get('k1')?.toString('utf8')).toBe(k1);
    expect(secrets.requests).toEqual([SECRET_ID]);
  });

  it('two reads within the maximum age cost one GetSecretValue call', async () => {
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source({ maxAgeSeconds: 300 });

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
    const time = clock();
    const keys = source({ maxAgeSeconds: 60, now: time.now });

    const before = await keys.get();
    time.advance(59_000);
    const within = await keys.get();
    time.advance(2_000);
    const after = await keys.get();

    expect(secrets.requests).toHaveLength(2);
    expect([before.currentKeyId, within.currentKeyId, after.currentKeyId]).toEqual(['k1', 'k1', 'k2']);
  });

  it('a secret that is not a valid key ring rejects with a KeyRingError', async () => {
    secrets.answer({ secretString: '{"current":"k1"}' });

    await expect(source().get()).rejects.toThrow(KeyRingError);
  });

  it('Secrets Manager failing rejects the read, and the failure is not kept', async () => {
    secrets.answerOnce({ error: 'AccessDeniedException' });
    secrets.answer({ secretString: serialised('k1', { k1: newKeyMaterial() }) });
    const keys = source();

    await expect(keys.get()).rejects.toMatchObject({ code: 'AccessDeniedException' });
    expect((await keys.get()).currentKeyId).toBe('k1');
    expect(secrets.requests).toHaveLength(2);
  });

  it('refresh() reads a rotated ring at once, but no more than once every 5 seconds', async () => {
    const k1 = newKeyMaterial();
    secrets.answer({ secretString: serialised('k1', { k1 }) });
    const time = clock();
    const keys = source({ maxAgeSeconds: 300, now: time.now });
    await keys.get();
    secrets.answer({ secretString: serialised('k2', { k1, k2: newKeyMaterial() }) });

    const soon = await keys.refresh(); // within REFRESH_FLOOR_MS of the read: the ring held
    time.advance(REFRESH_FLOOR_MS);
    const later = await keys.refresh();
    const cached = await keys.get();

    expect([soon.currentKeyId, later.currentKeyId, cached.currentKeyId]).toEqual(['k1', 'k2', 'k2']);
    expect(secrets.requests).toHaveLength(2);
  });
});
