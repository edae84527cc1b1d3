// BearerVerifier over a fake store: the refusals and their reasons, the caller it makes,
// and what is refused before any read. The real store and key ring are covered by
// test/integration/verify-bearer.test.ts.
import { describe, expect, it } from 'vitest';
import { hashToken, newKeyMaterial, parseKeyRing } from '#domain/keyring';
import { mintToken } from '#domain/token-format';
import type { Credential, CredentialStore } from '#domain/token-store';
import { BearerVerifier, RefusedBearer } from '#domain/verify-bearer';

const ring = parseKeyRing(JSON.stringify({ current: 'k1', k1: newKeyMaterial() }));
/** As the real sources do, the same promise while the ring is fresh. */
const heldRing = Promise.resolve(ring);
const { id, token } = mintToken();
const credential: Credential = {
  id,
  kind: 'service',
  scopes: [{ scope: 'identity:manage', resources: null }],
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: new Date().toISOString(),
  hash: hashToken(ring, token),
};

/** A store answering `answer`, counting its reads. */
function store(answer: Credential | null) {
  let reads = 0;
  const fake: CredentialStore = {
    getCredential: async () => {
      reads++;
      return answer;
    },
    touchLastUsed: async () => undefined,
  };
  return { fake, reads: () => reads };
}

const verifierOn = (fake: CredentialStore) =>
  new BearerVerifier({ store: fake, keys: { get: () => heldRing } });

describe('BearerVerifier', () => {
  it('reads once and makes the caller from the item', async () => {
    const { fake, reads } = store(credential);
    const caller = await verifierOn(fake).verify(`Bearer ${token}`);
    expect(caller).toEqual({
      tokenId: id,
      kind: 'service',
      scopes: credential.scopes,
      principal: `token:${id}`,
      expiresAt: null,
    });
    expect(reads()).toBe(1);
  });

  it('refuses another secret for the id, and a token not in the table, as unknown', async () => {
    const forged = mintToken(id).token;
    await expect(verifierOn(store(credential).fake).verify(`Bearer ${forged}`)).rejects.toThrow(
      expect.objectContaining({ reason: 'unknown' }) as unknown as RefusedBearer,
    );
    await expect(verifierOn(store(null).fake).verify(`Bearer ${token}`)).rejects.toThrow(
      expect.objectContaining({ reason: 'unknown' }) as unknown as RefusedBearer,
    );
  });

  it.each([
    ['revoked', { revokedAt: '2026-01-01T00:00:00Z' }],
    ['expired', { expiresAt: '2026-01-01T00:00:00Z' }],
  ])('refuses a %s token with that reason', async (reason, change) => {
    const refused = verifierOn(store({ ...credential, ...change }).fake).verify(`Bearer ${token}`);
    await expect(refused).rejects.toBeInstanceOf(RefusedBearer);
    await expect(refused).rejects.toMatchObject({ reason, message: `The token is ${reason}` });
  });

  it('refuses a missing or malformed token as malformed, before any read', async () => {
    const { fake, reads } = store(credential);
    await expect(verifierOn(fake).verify(undefined)).rejects.toMatchObject({ reason: 'malformed' });
    await expect(verifierOn(fake).verify(`Bearer ${token.slice(0, -1)}!`)).rejects.toMatchObject({
      reason: 'malformed',
    });
    expect(reads()).toBe(0);
  });
});
